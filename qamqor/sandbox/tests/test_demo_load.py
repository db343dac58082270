"""The demo load: the seed-000 monitoring numbers, the personas and what each may see.

The whole demo (4,900 pupils) is loaded once per class in setUpTestData: a few seconds.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from zoneinfo import ZoneInfo

import time_machine
from django.db.models import Max, Min
from django.test import TestCase, override_settings

from qamqor.accounts.models import Membership, Role, User
from qamqor.core.clock import today
from qamqor.eligibility.models import BoardDecision, CategoryAssignment, Evidence
from qamqor.registry.models import Family, FamilyMember, Guardian, Income, Pupil, School
from qamqor.reports.monitoring import monitoring
from qamqor.sandbox.demo.generate import DEMO_TODAY, SCHOOL_YEAR
from qamqor.sandbox.demo.load import demo_data, load_demo, wipe_demo

SEED_TABLE = {"families": 57, "children": 113, "asp": 50, "below_subsistence": 5,
              "other": 45, "orphans": 13, "emergency": 0}  # fmt: skip
MODELS = (School, Family, Pupil, Guardian, FamilyMember, Income, User, Membership,
          CategoryAssignment, BoardDecision, Evidence)  # fmt: skip
MEDIA = tempfile.mkdtemp(prefix="qamqor-demo-test-")
# The demo is loaded on one frozen day: a school day of the demo's school year, in a year for
# which no budget law has given the aid amount yet (the seeded amounts end with 2026).
LOADED_AT = dt.datetime(2027, 2, 15, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))


@override_settings(MEDIA_ROOT=MEDIA)
class DemoLoadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(LOADED_AT, tick=True):
            cls.result = load_demo()
        data = demo_data()
        cls.school = School.objects.get(bin=data.schools[0].bin)
        cls.school2 = School.objects.get(bin=data.schools[1].bin)
        cls.users = {u.username: u for u in User.objects.all()}

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def get_monitoring(self, username: str, school: School):
        self.client.force_login(self.users[username])
        return self.client.get(f"/api/v1/reports/monitoring?school={school.pk}")

    def pupils_api(self, username: str, **params) -> dict:
        self.client.force_login(self.users[username])
        response = self.client.get("/api/v1/pupils", {"limit": 1000, **params})
        self.assertEqual(response.status_code, 200)
        return response.json()

    # --- the seed-000 table ------------------------------------------------------------

    def test_loaded_counts(self):
        self.assertTrue(self.result["loaded"])

    def test_every_school_has_its_meal_qr_key_before_the_first_qr(self):
        from qamqor.core import signing

        for school in School.objects.all():
            self.assertIsNotNone(signing.active_key(school.pk), school.bin)
        self.assertEqual(Pupil.objects.count(), 4900)
        self.assertEqual(Pupil.objects.filter(school=self.school).count(), 4600)
        self.assertEqual(Family.objects.count(), len(demo_data().families))

    def test_monitoring_api_on_demo_today(self):
        noon = dt.datetime.combine(DEMO_TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Almaty"))
        with time_machine.travel(noon, tick=False):
            response = self.get_monitoring("pedagog", self.school)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), SEED_TABLE)
        self.assertEqual(monitoring(self.school, DEMO_TODAY), SEED_TABLE)

    def test_monitoring_api_on_a_later_day_of_the_school_year(self):
        # Every category is confirmed by the last board meeting and valid to the end of the
        # school year: on any day in between the table is the seed school's.
        span = CategoryAssignment.objects.filter(status="confirmed").aggregate(
            first=Max("valid_from"), last=Min("valid_to")
        )
        self.assertEqual(span["last"], SCHOOL_YEAR[1])
        with time_machine.travel(LOADED_AT, tick=False):
            self.assertTrue(span["first"] <= today() <= span["last"])
            response = self.get_monitoring("pedagog", self.school)
        self.assertEqual(response.json(), SEED_TABLE)

    def test_monitoring_is_refused_to_roles_that_may_not_see_categories(self):
        for username in ("teacher", "canteen", "parent", "outsider"):
            with self.subTest(username=username):
                self.assertEqual(self.get_monitoring(username, self.school).status_code, 404)

    # --- personas ----------------------------------------------------------------------

    def test_personas_memberships(self):
        roles = {(m.user.username, m.role, m.school_id, m.district_id)
                 for m in Membership.objects.select_related("user")}  # fmt: skip
        district = self.school.district_id
        self.assertIn(("pedagog", Role.PEDAGOGUE, self.school.pk, None), roles)
        self.assertIn(("outsider", Role.PEDAGOGUE, self.school2.pk, None), roles)
        self.assertIn(("district", Role.DISTRICT, None, district), roles)
        canteen = Membership.objects.get(user__username="canteen")
        self.assertEqual(canteen.organisation, "«Социум пит» ЖШС")
        self.assertEqual(canteen.school, self.school)
        self.assertEqual(canteen.organisation_bin, demo_data().organisations[0].bin)
        admin = self.users["admin"]
        self.assertTrue(admin.is_superuser and admin.is_staff)
        self.assertFalse(self.users["pedagog"].is_staff)
        self.assertEqual(self.users["pedagog"].full_name, "Сейдахметова Гүлнар Асқарқызы")

    def test_one_password_for_every_persona(self):
        for user in self.users.values():
            self.assertTrue(user.check_password("qamqor-demo"), user.username)
        self.assertEqual(len({u.password for u in self.users.values()}), 1)

    def test_teacher_has_a_class_and_parent_a_family(self):
        teacher = self.users["teacher"]
        taught = list(teacher.taught_classes.all())
        self.assertEqual(len(taught), 1)
        self.assertEqual(taught[0].school, self.school)
        guardian = Guardian.objects.get(user__username="parent")
        self.assertEqual(guardian.family.school, self.school)
        self.assertEqual(guardian.family.pupils.count(), 3)

    # --- who sees what -----------------------------------------------------------------

    def test_parent_sees_only_their_children(self):
        family = Guardian.objects.get(user__username="parent").family
        body = self.pupils_api("parent")
        self.assertEqual({p["id"] for p in body["items"]},
                         set(family.pupils.values_list("id", flat=True)))  # fmt: skip
        self.assertEqual(body["count"], 3)

    def test_outsider_sees_only_school_two(self):
        body = self.pupils_api("outsider")
        self.assertEqual(body["count"], Pupil.objects.filter(school=self.school2).count())
        self.assertEqual({p["school_id"] for p in body["items"]}, {self.school2.pk})
        self.assertEqual(self.pupils_api("outsider", school=self.school.pk)["count"], 0)

    def test_district_sees_both_schools(self):
        self.assertEqual(self.pupils_api("district")["count"], 4900)
        self.assertEqual(self.pupils_api("district", school=self.school.pk)["count"], 4600)
        self.assertEqual(self.pupils_api("district", school=self.school2.pk)["count"], 300)

    # --- the data ------------------------------------------------------------------------

    def test_every_iin_agrees_with_birth_date_and_sex(self):
        pupils = Pupil.objects.only("iin", "birth_date", "sex")
        bad = [(p.iin, p.iin_errors()) for p in pupils if p.iin_errors()]
        self.assertEqual(bad, [])

    def test_categories_carry_deadlines_evidence_and_board_decisions(self):
        rows = CategoryAssignment.objects.all()
        self.assertEqual(rows.count(), len(demo_data().categories))
        for row in rows:
            self.assertGreaterEqual(row.due_date, row.counted_from)
            self.assertGreaterEqual(row.counted_from, row.received_at.date())
            self.assertTrue(row.granted_by)
        board = rows.filter(category__in=["other", "emergency"], status="confirmed")
        self.assertFalse(board.filter(board_decision__isnull=True).exists())
        self.assertFalse(rows.exclude(category__in=["other", "emergency"])
                         .filter(board_decision__isnull=False).exists())  # fmt: skip
        self.assertEqual(set(rows.values_list("category", flat=True)),
                         {"asp", "below_subsistence", "orphans", "other"})  # fmt: skip
        refused = rows.get(status="refused")
        self.assertTrue(refused.refusal_reason and refused.decided_at)
        overdue = [r for r in rows.filter(status="applied") if r.is_overdue(DEMO_TODAY)]
        self.assertEqual(len(overdue), 1)
        self.assertEqual(Family.objects.exclude(nobd_key="").count(), Family.objects.count())

    def test_evidence_files_are_real_pdfs(self):
        evidence = list(Evidence.objects.all())
        self.assertGreater(len(evidence), 5)
        kinds = {e.kind for e in evidence}
        self.assertTrue({"asp_certificate", "income", "guardianship", "board_decision"} <= kinds)
        for e in evidence:
            with e.file.open("rb") as fh:
                data = fh.read()
            self.assertTrue(data.startswith(b"%PDF-"))
            self.assertEqual(len(data), e.size)

    # --- idempotence and reset -----------------------------------------------------------

    def test_loading_twice_changes_nothing(self):
        before = {m.__name__: m.objects.count() for m in MODELS}
        self.assertEqual(load_demo(), {"loaded": False})
        self.assertEqual({m.__name__: m.objects.count() for m in MODELS}, before)

    def test_reset_wipes_and_reloads(self):
        before = {m.__name__: m.objects.count() for m in MODELS}
        self.assertGreater(wipe_demo(), 18000)
        self.assertEqual(Pupil.objects.count(), 0)
        self.assertEqual(User.objects.count(), 0)
        with time_machine.travel(LOADED_AT, tick=True):
            self.assertTrue(load_demo(reset=True)["loaded"])
        self.assertEqual({m.__name__: m.objects.count() for m in MODELS}, before)
        school = School.objects.get(bin=self.school.bin)
        self.assertEqual(monitoring(school, DEMO_TODAY), SEED_TABLE)


class DemoServicesTests(TestCase):
    """Issue 5 in the demo: applications in several states, paid aid, a camp, consultations."""

    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(LOADED_AT, tick=True):
            load_demo()

    def test_services_are_there(self):
        from qamqor.aid.models import AidAmount, PaymentRegister, PurchaseReport
        from qamqor.applications.models import Application, CampSession, Consultation

        statuses = sorted(Application.objects.values_list("service", "status"))
        self.assertIn(("financial_aid", "report_due"), statuses)
        self.assertIn(("free_meals", "documents_requested"), statuses)
        self.assertIn(("camp_voucher", "submitted"), statuses)
        self.assertEqual(PurchaseReport.objects.count(), 3)
        # 2027 has no amount in law yet: the demo pays 2026's, and says so.
        carried = AidAmount.objects.get(year=LOADED_AT.year)
        self.assertEqual(carried.amount, AidAmount.objects.get(year=2026).amount)
        self.assertTrue(carried.source.startswith("Демо"))
        self.assertEqual(PaymentRegister.objects.get().amount_per_child, carried.amount)
        self.assertTrue(CampSession.objects.exists())
        self.assertGreaterEqual(Consultation.objects.count(), 3)
