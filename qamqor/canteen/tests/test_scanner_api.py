"""The scanner's API: the day's roster (only what a canteen may see) and terminal tokens."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qamqor.accounts.models import ApiToken, Membership, Role
from qamqor.accounts.tokens import issue_token
from qamqor.audit.models import AuditEvent
from qamqor.canteen.services import roster
from qamqor.core import signing
from qamqor.core.clock import now, today
from qamqor.eligibility.models import CategoryAssignment
from qamqor.meals.models import MealDay, Redemption
from qamqor.testing import PersonaTestCase, make_pupil, make_user

from .scanner_setup import canteen_day, make_operator, make_voucher, qr

ROSTER = "/api/v1/canteen/roster"
TERMINALS = "/api/v1/canteen/terminals"
REDEEM = "/api/v1/canteen/redemptions"


class ScannerCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        canteen_day(cls, pupils=3)
        # A voucher of school B and one of next month: neither is on school A's roster today.
        cls.other_voucher = make_voucher(cls.other_pupil, cls.month)
        cls.next_month = make_voucher(
            cls.sibling, (cls.month + dt.timedelta(days=32)).replace(day=1)
        )
        cls.key = issue_token(cls.canteen, label="scanner: door 1")

    def setUp(self) -> None:
        super().setUp()
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)

    def roster(self, key: str | None = None, **params):  # noqa: ANN003, ANN201
        query = {"school": self.school.pk, "date": today().isoformat(), **params}
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.client.get(ROSTER, query, headers=headers)


class RosterTests(ScannerCase):
    def test_the_roster_names_the_days_vouchers_and_nothing_more(self):
        response = self.roster(self.key)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response["Cache-Control"], "private, no-store")
        body = response.json()
        self.assertEqual(set(body), {"school", "date", "meal_day", "operator_serves", "vouchers"})
        self.assertEqual(body["school"], self.school.pk)
        self.assertEqual(body["date"], today().isoformat())
        self.assertTrue(body["meal_day"])
        self.assertTrue(body["operator_serves"])
        entries = {e["voucher"]: e for e in body["vouchers"]}
        # Active vouchers of this school and month only: not the suspended one, not school
        # B's, not next month's.
        expected = {self.voucher.pk, self.sibling_voucher.pk, *(v.pk for v in self.class_vouchers)}
        self.assertEqual(set(entries), expected)
        self.assertEqual(
            entries[self.voucher.pk],
            {
                "voucher": self.voucher.pk,
                "pupil": "Аружан А.",
                "class": "3А",
                "meal_type": "lunch",
                "served": False,
            },
        )
        for entry in body["vouchers"]:
            self.assertEqual(set(entry), {"voucher", "pupil", "class", "meal_type", "served"})

    def test_no_iin_surname_or_category_leaves_the_server(self):
        CategoryAssignment.objects.create(
            school=self.school,
            pupil=self.sibling,
            category="asp",
            status="confirmed",
            received_at=now(),
            counted_from=today(),
            due_date=today(),
        )
        content = self.roster(self.key).content.decode()
        for pupil in (self.pupil, self.sibling):
            self.assertNotIn(pupil.iin, content)
            self.assertNotIn(pupil.surname, content)
            self.assertNotIn(pupil.patronymic, content)
        for word in ("asp", "category", "basis", "АӘК"):
            self.assertNotIn(word, content)

    def test_a_meal_served_today_by_any_terminal_is_marked(self):
        moment = now()
        Redemption.objects.create(
            client_id=uuid.uuid4(),
            school_id=self.school.pk,
            voucher=self.voucher,
            pupil_id=self.pupil.pk,
            meal_type="lunch",
            day=today(),
            status=Redemption.Status.SERVED,
            terminal="door 2",
            scanned_at=moment,
            received_at=moment,
        )
        served = {e["voucher"]: e["served"] for e in self.roster(self.key).json()["vouchers"]}
        self.assertTrue(served[self.voucher.pk])
        self.assertFalse(served[self.sibling_voucher.pk])

    def test_a_day_without_meals_and_another_operators_month_are_said(self):
        MealDay.objects.filter(programme=self.programme).delete()
        self.assertFalse(self.roster(self.key).json()["meal_day"])
        self.programme.operator = make_operator(2, "Басқа ас")
        self.programme.save(update_fields=["operator"])
        self.assertFalse(self.roster(self.key).json()["operator_serves"])

    def test_the_signed_in_operator_gets_it_too(self):
        self.client.force_login(self.canteen)
        response = self.roster()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.json()["vouchers"]), 5)

    def test_only_a_canteen_operator_of_that_school(self):
        canteen_b = issue_token(make_user("canteen_b", Role.CANTEEN, self.other_school))
        self.assertEqual(self.roster(canteen_b).status_code, 404)
        self.assertEqual(self.roster(issue_token(self.pedagog)).status_code, 404)
        for persona in ("pedagog", "director", "teacher", "parent", "admin", "outsider"):
            self.client.force_login(getattr(self, persona))
            self.assertEqual(self.roster().status_code, 404, persona)
        self.client.logout()
        self.assertEqual(self.roster().status_code, 401)
        self.assertEqual(self.roster("qmq_not-a-token").status_code, 401)

    def test_a_roster_for_a_day_out_of_range_is_refused(self):
        for day in (today() - dt.timedelta(days=8), today() + dt.timedelta(days=2)):
            response = self.roster(self.key, date=day.isoformat())
            self.assertEqual(response.status_code, 422)
            self.assertEqual(response.json()["code"], "invalid_date")
        self.assertEqual(self.roster(self.key, date="yesterday").status_code, 422)

    def test_each_download_is_audited_by_field_names(self):
        self.roster(self.key)
        event = AuditEvent.objects.get(object_type="canteen.roster")
        self.assertEqual(event.user, self.canteen)
        self.assertEqual(event.school_id, self.school.pk)
        self.assertEqual(event.action, "view")
        self.assertEqual(event.object_id, today().isoformat())
        self.assertNotIn("Аружан", json.dumps(event.fields, ensure_ascii=False))

    def test_queries_do_not_grow_with_the_school(self):
        self.roster(self.key)  # the token lookup is cached after the first request

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.roster(self.key).status_code, 200)
            return len(queries)

        before = count()
        for i in range(15):
            make_voucher(make_pupil(self.school, self.klass, surname=f"Қосымша{i}"), self.month)
        self.assertEqual(count(), before)


class TerminalTokenTests(ScannerCase):
    def test_the_operator_gets_a_token_that_the_redemption_api_takes(self):
        client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
        client.force_login(self.canteen)
        client.get("/canteen/scan/")  # sets the CSRF cookie, as the page does
        csrf = client.cookies["csrftoken"].value
        response = client.post(
            TERMINALS,
            json.dumps({"terminal": "  door   2 "}),
            content_type="application/json",
            headers={"X-CSRFToken": csrf},
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["terminal"], "door 2")
        self.assertEqual(body["schools"], [{"id": self.school.pk, "name": "Школа № 12"}])
        token = ApiToken.objects.filter(user=self.canteen).latest("created_at")
        self.assertEqual(token.label, "scanner: door 2")
        self.assertTrue(
            AuditEvent.objects.filter(object_type="accounts.apitoken", user=self.canteen).exists()
        )

        raw = body["token"]
        self.assertEqual(self.roster(raw).status_code, 200)
        scan = {
            "token": qr(self.voucher),
            "client_id": str(uuid.uuid4()),
            "terminal": "door 2",
            "scanned_at": now().isoformat(),
        }
        response = Client().post(
            REDEEM,
            json.dumps(scan),
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Redemption.objects.get().operator_user_id, self.canteen.pk)

    def test_without_the_csrf_header_nothing_is_issued(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.canteen)
        response = client.post(TERMINALS, "{}", content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ApiToken.objects.filter(label__startswith="scanner: Scan").exists())

    def test_a_token_cannot_mint_tokens_and_others_get_none(self):
        response = self.client.post(
            TERMINALS,
            "{}",
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        self.assertEqual(response.status_code, 401)
        for persona in ("pedagog", "director", "parent", "outsider", "nobody"):
            self.client.force_login(getattr(self, persona))
            response = self.client.post(TERMINALS, "{}", content_type="application/json")
            self.assertEqual(response.status_code, 404, persona)
        self.assertEqual(ApiToken.objects.count(), 1)  # the fixture's

    def test_an_operator_of_two_schools_is_offered_both(self):
        Membership.objects.create(
            user=self.canteen,
            role=Role.CANTEEN,
            school=self.other_school,
            organisation_bin=self.operator.bin,
        )
        self.client.force_login(self.canteen)
        response = self.client.post(TERMINALS, "{}", content_type="application/json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            [s["id"] for s in response.json()["schools"]], [self.school.pk, self.other_school.pk]
        )
        self.assertEqual(response.json()["terminal"], "Scanner")
        self.assertEqual(
            roster.operator_schools(self.canteen), [self.school.pk, self.other_school.pk]
        )


class RosterRuleTests(ScannerCase):
    def test_roster_days(self):
        day = dt.date(2026, 11, 20)
        self.assertTrue(roster.roster_day_allowed(day, day))
        self.assertTrue(roster.roster_day_allowed(day - dt.timedelta(days=7), day))
        self.assertTrue(roster.roster_day_allowed(day + dt.timedelta(days=1), day))
        self.assertFalse(roster.roster_day_allowed(day - dt.timedelta(days=8), day))
        self.assertFalse(roster.roster_day_allowed(day + dt.timedelta(days=2), day))

    def test_canteen_bin(self):
        self.assertEqual(roster.canteen_bin(self.canteen, self.school.pk), self.operator.bin)
        self.assertIsNone(roster.canteen_bin(self.pedagog, self.school.pk))
        self.assertIsNone(roster.canteen_bin(self.canteen, self.other_school.pk))
