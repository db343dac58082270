"""Every page and every API operation over the whole role matrix.

The tables below name, for each URL and API operation, which personas may use it. Everyone
else must get 404 (never 403: existence does not leak), the anonymous visitor a redirect to
the login page (pages) or 401 (API). A page or operation missing from the tables fails the
completeness tests, so a new one cannot skip the matrix.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from qamqor.aid.models import PaymentLine, PaymentRegister, PurchaseReport
from qamqor.api import api
from qamqor.applications.models import Application
from qamqor.audit.models import AuditEvent
from qamqor.core import ids
from qamqor.core.clock import today
from qamqor.eligibility.models import BoardDecision, CategoryAssignment, Evidence
from qamqor.meals.models import MealType, Voucher, first_of_month
from qamqor.registry.models import FamilyMember, Income
from qamqor.testing import PersonaTestCase

W = {"pedagog", "admin"}  # write school A's registry and categories
R = W | {"director", "board", "district_officer"}  # read school A (and its categories)
CHILD = R | {"teacher", "parent"}  # the parent's child in the teacher's class
FAMILY = R | {"parent"}
AUDIT = {"director", "admin"}
ALL = {
    "pedagog",
    "director",
    "board",
    "teacher",
    "canteen",
    "parent",
    "district_officer",
    "admin",
    "outsider",
    "nobody",
}
# Pages that list or create within *the user's own* schools: a pedagogue of school B uses
# them for school B.
OWN = W | {"outsider"}
OWN_READ = R | {"outsider"}
# The school's own staff (the canteen's pages: not the board, not the district).
STAFF = W | {"director", "teacher"}

_serial = itertools.count(500)


class MultipartBody(dict):
    """A request body sent as multipart/form-data (file uploads) instead of JSON."""


class TerminalOnly(frozenset):
    """Operations for canteen terminals' Bearer tokens only: a signed-in session gets 401,
    whoever it is (the tokens are tested in qamqor/meals/tests/test_redeem_auth.py)."""


def _iin() -> str:
    return ids.make_iin(dt.date(2015, 5, 5), "F", next(_serial))


class RoleMatrix(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.income = Income.objects.get(family=cls.family)
        cls.member = FamilyMember.objects.create(
            family=cls.family, full_name="Ахметов Ерлан", relation="інісі"
        )
        cls.decision = BoardDecision.objects.create(
            school=cls.school,
            number="7",
            date=dt.date(2026, 9, 10),
            text="Қаулы",
            scan=ContentFile(b"%PDF-1.4\n%%EOF\n", name="decision.pdf"),
        )
        cls.assignment = CategoryAssignment.objects.create(
            school=cls.school,
            pupil=cls.pupil,
            category="asp",
            status="applied",
            received_at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
            counted_from=dt.date(2026, 11, 2),
            due_date=dt.date(2026, 11, 23),
        )
        cls.evidence = Evidence.objects.create(
            assignment=cls.assignment,
            kind="asp_certificate",
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="asp.pdf"),
            original_name="asp.pdf",
            content_type="application/pdf",
            size=15,
        )
        # An open application for cash aid of the parent's child: the applications API.
        cls.application = Application.objects.create(
            school=cls.school,
            pupil=cls.pupil,
            service="financial_aid",
            channel="school",
            category="asp",
            received_at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
            counted_from=dt.date(2026, 11, 2),
            due_date=dt.date(2026, 11, 23),
        )
        # The parent's child's voucher of this month: the wallet pages and API.
        cls.voucher = Voucher.objects.create(
            school=cls.school,
            pupil=cls.pupil,
            month=first_of_month(today()),
            meal_type=MealType.LUNCH,
            status=Voucher.Status.ACTIVE,
        )

        # A cash-aid payment of the parent's child: a paid register and its purchase report.
        received = dt.datetime(2026, 8, 20, 10, tzinfo=dt.UTC)
        cls.aid_application = Application.objects.create(
            school=cls.school,
            pupil=cls.pupil,
            applicant=cls.guardian,
            service="financial_aid",
            channel="school",
            category="asp",
            received_at=received,
            counted_from=dt.date(2026, 8, 20),
            due_date=dt.date(2026, 9, 10),
            status="report_due",
        )
        cls.aid_register = PaymentRegister.objects.create(
            school=cls.school,
            year=2026,
            amount_per_child=50851,
            status="paid",
            created_at=received,
            changed_at=received,
            exported_at=received,
            paid_on=dt.date(2026, 9, 1),
        )
        cls.aid_report = PurchaseReport.objects.create(
            application=cls.aid_application,
            line=PaymentLine.objects.create(
                register=cls.aid_register,
                application=cls.aid_application,
                school=cls.school,
                pupil=cls.pupil,
                guardian=cls.guardian,
                recipient_name=cls.guardian.full_name,
                recipient_iin=cls.guardian.iin,
                iban=cls.guardian.iban,
                amount=50851,
            ),
            school=cls.school,
            pupil=cls.pupil,
            aid_amount=50851,
            paid_on=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 9, 16),
        )

    def _isolated(self, call, *args, **kwargs):
        """Each request in its own savepoint, rolled back: one persona's delete or decision
        must not change what the next persona finds."""
        with transaction.atomic():
            response = call(*args, **kwargs)
            transaction.set_rollback(True)
        return response

    # name → (args, method, allowed personas)
    def pages(self) -> dict[str, tuple[list, str, set[str]]]:
        p, f = self.pupil.pk, self.family.pk
        return {
            "home": ([], "GET", ALL),
            "registry:pupils": ([], "GET", OWN_READ | {"teacher"}),
            "registry:pupil_new": ([], "GET", OWN),
            "registry:pupil": ([p], "GET", CHILD),
            "registry:pupil_edit": ([p], "GET", W),
            "registry:family_new": ([], "GET", OWN),
            "registry:family": ([f], "GET", FAMILY),
            "registry:family_edit": ([f], "GET", W),
            "registry:guardian_new": ([f], "GET", W),
            "registry:guardian_edit": ([f, self.guardian.pk], "GET", W),
            "registry:income_add": ([f], "POST", W),
            "registry:income_delete": ([f, self.income.pk], "POST", W),
            "registry:member_add": ([f], "POST", W),
            "registry:member_delete": ([f, self.member.pk], "POST", W),
            "registry:my_children": ([], "GET", {"parent"}),
            "registry:exchange:upload": ([], "GET", OWN),
            "registry:exchange:export": ([], "GET", OWN),
            "registry:exchange:template": ([], "GET", OWN),
            "eligibility:dashboard": ([], "GET", OWN_READ),
            "eligibility:assign": ([p], "GET", W),
            "eligibility:assignment": ([self.assignment.pk], "GET", R | {"parent"}),
            "eligibility:confirm": ([self.assignment.pk], "POST", W),
            "eligibility:refuse": ([self.assignment.pk], "POST", W),
            "eligibility:add_evidence": ([self.assignment.pk], "POST", W),
            "eligibility:evidence": ([self.evidence.pk], "GET", R | {"parent"}),
            "eligibility:board_scan": ([self.decision.pk], "GET", R),
            "reports:monitoring": ([], "GET", OWN_READ),
            "reports:monitoring_xlsx": ([], "GET", OWN_READ),
            "audit:events": ([], "GET", AUDIT),
            "meals:wallet_home": ([], "GET", {"parent"}),
            "meals:wallet_child": ([p], "GET", {"parent"}),
            "meals:wallet_qr": ([self.voucher.pk], "GET", {"parent"}),
            "meals:wallet_qr_fragment": ([self.voucher.pk], "GET", {"parent"}),
            "meals:wallet_share": ([self.voucher.pk], "POST", {"parent"}),
            "meals:wallet_rate": ([self.voucher.pk], "POST", {"parent"}),
            "meals:wallet_ratings": ([], "GET", OWN_READ),
            # The month's meal list: readers see, the pedagogue writes, the principal decides.
            "meals:list_index": ([], "GET", OWN_READ),
            **{
                f"meals:{n}": ([self.school.pk, "2026-12"], "GET", R)
                for n in ("list_month", "list_progress", "list_vouchers", "programme_month")
            },
            **{
                f"meals:{n}": ([self.school.pk, "2026-12"], "POST", W)
                for n in (
                    "list_form",
                    "list_submit",
                    "list_vouchers_issue",
                    "programme_days",
                    "programme_days_reset",
                )
            },
            "meals:programme_edit": ([self.school.pk, "2026-12"], "GET", W),
            "meals:list_approve": ([self.school.pk, "2026-12"], "POST", {"director", "admin"}),
            "meals:list_return": ([self.school.pk, "2026-12"], "POST", {"director", "admin"}),
            # Meal reports: the табель names pupils (school readers); counts also the canteen.
            **{
                f"meals:{n}": ([], "GET", OWN_READ)
                for n in ("tabel_month", "tabel_xlsx", "tabel_pdf")
            },
            **{
                f"meals:{n}": ([], "GET", OWN_READ | {"canteen"})
                for n in (
                    "report_daily",
                    "report_daily_xlsx",
                    "payment_statement",
                    "payment_xlsx",
                    "payment_pdf",
                )
            },
            "meals:tabel_submit": ([self.school.pk, 2026, 10], "POST", W),
            "meals:tabel_amend": ([self.school.pk, 2026, 10], "POST", W),
            "meals:canteen_conflicts": ([], "GET", {"pedagog", "canteen", "admin", "outsider"}),
            # Canteen entry (issue 4): the terminal is the operator's device or the pedagogue's;
            # consents and faces are the school writers'; the parent's page is their own child's;
            # the door TV and the sittings are for school staff and the operator, not the board
            # or the district; a class by name for its teacher and the school's leaders.
            **{
                f"canteen:{n}": ([], m, {"pedagog", "canteen", "admin", "outsider"})
                for n, m in (("entry_terminal", "GET"), ("entry_frame", "POST"))
            },
            "canteen:faces": ([], "GET", OWN),
            **{
                f"canteen:{n}": ([p], m, W)
                for n, m in (
                    ("face_pupil", "GET"),
                    ("face_consent", "POST"),
                    ("face_enrol", "POST"),
                    ("face_withdraw", "POST"),
                )
            },
            "canteen:parent_face": ([p], "GET", {"parent"}),
            "canteen:parent_face_give": ([p], "POST", {"parent"}),
            "canteen:parent_face_withdraw": ([p], "POST", {"parent"}),
            **{
                f"canteen:{n}": ([], "GET", STAFF | {"canteen", "outsider"})
                for n in ("tv", "tv_board", "sittings", "sittings_print", "sittings_pdf")
            },
            "canteen:class_view": ([self.klass.pk], "GET", {"teacher", "director"} | W),
            "canteen:class_mark": ([self.klass.pk], "POST", {"teacher"} | W),
            "canteen:settings": ([], "GET", {"director", "outsider"} | W),
            "canteen:crosscheck": ([], "GET", {"director", "outsider"} | W),
            "canteen:crosscheck_run": ([], "POST", OWN),
            # The offline scanner: the canteen operator's own app.
            "canteen:scan": ([], "GET", {"canteen"}),
            # Cash aid: registers and reports hold IINs, IBANs and receipts (pedagogue, principal,
            # admin); monitoring is counts and amounts (category readers, the district).
            "aid:registers": ([], "GET", {"pedagog", "director", "admin", "outsider"}),
            "aid:register_form": ([self.school.pk], "POST", W),
            "aid:reports": ([], "GET", {"pedagog", "director", "admin", "outsider"}),
            "aid:my_aid": ([], "GET", {"parent"}),
            "aid:monitoring": ([], "GET", OWN_READ),
            "aid:monitoring_xlsx": ([], "GET", OWN_READ),
            # Public services: passports for everyone signed in; the parent applies; the
            # school's dashboard, camps and consultation log (category readers, the district).
            "applications:catalogue": ([], "GET", ALL),
            "applications:passport": (["financial_aid"], "GET", ALL),
            "applications:apply": ([], "GET", {"parent"}),
            "applications:send_code": ([], "POST", {"parent"}),
            "applications:mine": ([], "GET", {"parent"}),
            "applications:dashboard": ([], "GET", OWN_READ),
            "applications:register_find": ([], "GET", OWN),
            "applications:register": ([self.pupil.pk], "GET", W),
            "applications:camps": ([], "GET", OWN_READ),
            "applications:camp_new": ([], "POST", OWN),
            "applications:consultations": ([], "GET", OWN_READ),
            "applications:consultation_new": ([], "GET", OWN),
            "applications:consultation_summary": ([], "GET", OWN_READ),
            "applications:consultation_xlsx": ([], "GET", OWN_READ),
        }

    # Pages reached only through an object another test module covers (import jobs).
    SKIP_PAGES = {
        "registry:exchange:job",
        "registry:exchange:progress",
        "registry:exchange:apply",
        "registry:exchange:cancel",
        "registry:exchange:errors_xlsx",
        # The QR share link needs no login (its signed token is the key): in test_wallet.py.
        "meals:wallet_shared",
        "meals:wallet_shared_qr",
        # The scanner's service worker and manifest are public (browsers fetch a manifest
        # without cookies) and name nobody: qamqor/canteen/tests/test_scanner_views.py.
        "canteen:scan_sw",
        "canteen:scan_manifest",
        # Voucher actions over the whole matrix: qamqor/meals/tests/test_lists_views.py.
        "meals:list_voucher_suspend",
        "meals:list_voucher_reactivate",
        # A payment register or purchase report over the whole matrix:
        # qamqor/aid/tests/test_access.py.
        *(
            f"aid:{n}"
            for n in (
                "register",
                "register_check",
                "register_delete",
                "register_xlsx",
                "register_csv",
                "register_paid",
                "report",
                "report_accept",
                "report_ask_again",
                "report_upload",
                "report_submit",
                "file",
                "file_delete",
                "my_report",
            )
        ),
        # An application, its document, a camp session or place, a consultation over the
        # whole matrix: qamqor/applications/tests/test_access.py.
        *(
            f"applications:{n}"
            for n in (
                "detail",
                "start_review",
                "request_documents",
                "approve",
                "refuse",
                "upload",
                "appeal",
                "decide_appeal",
                "document",
                "session_new",
                "session",
                "allocate",
                "release",
                "follow_up_done",
            )
        ),
    }

    def test_every_page_over_every_role(self):
        for name, (args, method, allowed) in self.pages().items():
            url = reverse(name, args=args)
            for persona in sorted(ALL):
                self.client.force_login(getattr(self, persona))
                response = self._isolated(self.client.generic, method, url)
                code = response.status_code
                if persona in allowed:
                    self.assertNotIn(code, (403, 404, 405), f"{persona} {method} {name}: {code}")
                    self.assertLess(code, 500, f"{persona} {method} {name}")
                else:
                    self.assertEqual(code, 404, f"{persona} {method} {name}: {code}")
            self.client.logout()
            response = self.client.generic(method, url)
            self.assertEqual(response.status_code, 302, f"anonymous {name}")
            self.assertIn(reverse("accounts:login"), response["Location"])

    def test_the_page_table_is_complete(self):
        names = set()

        def walk(patterns, prefix=""):
            for p in patterns:
                if isinstance(p, URLResolver):
                    ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                    if p.namespace in {"admin", "api"}:
                        continue
                    walk(p.url_patterns, ns)
                elif isinstance(p, URLPattern) and p.name and p.name != "set_language":
                    names.add(prefix + p.name)

        walk(get_resolver().url_patterns)
        names -= {"accounts:login", "accounts:logout"}
        # Every signed-in user's own password, and the reset by link (no sign-in): tested in
        # qamqor/accounts/tests/test_passwords.py.
        names -= {n for n in names if n.startswith("accounts:password_")}
        missing = names - set(self.pages()) - self.SKIP_PAGES
        self.assertFalse(missing, f"pages not in the role matrix: {sorted(missing)}")

    # (method, path template) → (allowed personas, body)
    def operations(self) -> dict[tuple[str, str], tuple[set[str], dict | None, dict]]:
        p, f, a = self.pupil.pk, self.family.pk, self.assignment.pk
        s = self.school.pk
        return {
            ("GET", "/api/v1/iin/{iin}"): (ALL, None, {"iin": _iin()}),
            ("GET", "/api/v1/calendar/due-date"): (ALL, None, {}),
            ("GET", "/api/v1/schools"): (ALL, None, {}),
            ("GET", "/api/v1/pupils"): (ALL, None, {}),
            ("POST", "/api/v1/pupils"): (
                W,
                lambda: {"school_id": s, "iin": _iin(), "surname": "А", "name": "Б"},
                {},
            ),
            ("GET", "/api/v1/pupils/{pupil_id}"): (CHILD, None, {"pupil_id": p}),
            ("PATCH", "/api/v1/pupils/{pupil_id}"): (
                W,
                lambda: {"name": "Аружан"},
                {"pupil_id": p},
            ),
            ("GET", "/api/v1/families"): (ALL, None, {}),
            ("POST", "/api/v1/families"): (W, lambda: {"school_id": s, "address": "x"}, {}),
            ("GET", "/api/v1/families/{family_id}"): (FAMILY, None, {"family_id": f}),
            ("PATCH", "/api/v1/families/{family_id}"): (
                W,
                lambda: {"phone": "+77010000000"},
                {"family_id": f},
            ),
            ("GET", "/api/v1/reports/monitoring"): (R, None, {}),
            ("GET", "/api/v1/meals/tabel"): (R | {"canteen"}, None, {}),
            ("GET", "/api/v1/meals/daily-report"): (R | {"canteen"}, None, {}),
            ("GET", "/api/v1/wallet/vouchers"): ({"parent"}, None, {}),
            ("POST", "/api/v1/wallet/vouchers/{voucher_id}/qr"): (
                {"parent"},
                dict,
                {"voucher_id": self.voucher.pk},
            ),
            ("POST", "/api/v1/wallet/vouchers/{voucher_id}/ratings"): (
                {"parent"},
                lambda: {"day": str(today()), "score": 4},
                {"voucher_id": self.voucher.pk},
            ),
            ("GET", "/api/v1/canteen/keys"): (ALL, None, {}),
            ("GET", "/api/v1/pupils/{pupil_id}/categories"): (
                CHILD - {"teacher"},
                None,
                {"pupil_id": p},
            ),
            ("POST", "/api/v1/pupils/{pupil_id}/categories"): (
                W,
                lambda: {
                    "category": "orphans",
                    "received_at": "2026-11-20T10:00:00+05:00",
                    "granted_by": "x",
                },
                {"pupil_id": p},
            ),
            ("GET", "/api/v1/category-assignments/{assignment_id}"): (
                R | {"parent"},
                None,
                {"assignment_id": a},
            ),
            ("POST", "/api/v1/category-assignments/{assignment_id}/confirm"): (
                W,
                lambda: {"valid_from": "2026-09-01", "valid_to": "2027-05-31", "granted_by": "x"},
                {"assignment_id": a},
            ),
            ("POST", "/api/v1/category-assignments/{assignment_id}/evidence"): (
                W,
                lambda: MultipartBody(
                    kind="asp_certificate",
                    file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                ),
                {"assignment_id": a},
            ),
            ("GET", "/api/v1/families/{family_id}/income-test"): (R, None, {"family_id": f}),
            ("POST", "/api/v1/category-assignments/{assignment_id}/refuse"): (
                W,
                lambda: {"reason": "x"},
                {"assignment_id": a},
            ),
            **{
                (method, f"/api/v1/meals/lists/{{school_id}}/{{month}}{tail}"): (
                    allowed,
                    dict if method == "POST" else None,
                    {"school_id": s, "month": "2026-12"},
                )
                for method, tail, allowed in (
                    ("GET", "", R),
                    ("GET", "/verification", R),
                    ("POST", "/form", W),
                    ("POST", "/submit", W),
                    ("POST", "/approve", {"director", "admin"}),
                    ("POST", "/return", {"director", "admin"}),
                )
            },
            # Cash aid: registers for the pedagogue, principal and admin; the report also for
            # the child's parent, who uploads and sends it; the school's writers decide.
            ("POST", "/api/v1/aid/schools/{school_id}/register"): (W, dict, {"school_id": s}),
            ("GET", "/api/v1/aid/registers/{register_id}/lines"): (
                W | {"director"},
                None,
                {"register_id": self.aid_register.pk},
            ),
            ("POST", "/api/v1/aid/registers/{register_id}/paid"): (
                W,
                lambda: {"paid_on": "2026-09-01"},
                {"register_id": self.aid_register.pk},
            ),
            ("GET", "/api/v1/aid/reports/{report_id}"): (
                W | {"director", "parent"},
                None,
                {"report_id": self.aid_report.pk},
            ),
            ("POST", "/api/v1/aid/reports/{report_id}/files"): (
                W | {"parent"},
                lambda: MultipartBody(
                    kind="receipt",
                    amount="1000",
                    file=SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                ),
                {"report_id": self.aid_report.pk},
            ),
            ("POST", "/api/v1/aid/reports/{report_id}/submit"): (
                W | {"parent"},
                dict,
                {"report_id": self.aid_report.pk},
            ),
            **{
                ("POST", f"/api/v1/aid/reports/{{report_id}}/{action}"): (
                    W,
                    lambda: {"comment": "x"},
                    {"report_id": self.aid_report.pk},
                )
                for action in ("accept", "ask-again")
            },
            # Public services: the catalogue for everyone; the school registers and decides;
            # the parent reads, uploads and appeals for their own children.
            ("GET", "/api/v1/services"): (ALL, None, {}),
            ("GET", "/api/v1/pupils/{pupil_id}/service-checklist"): (
                W | {"parent"},
                None,
                {"pupil_id": p},
            ),
            ("GET", "/api/v1/applications"): (ALL, None, {}),
            ("POST", "/api/v1/applications"): (
                W,
                lambda: {
                    "pupil_id": p,
                    "service": "free_meals",
                    "channel": "school",
                    "received_at": "2026-11-20T10:00:00+05:00",
                    "allow_incomplete": True,
                },
                {},
            ),
            ("GET", "/api/v1/applications/{application_id}"): (
                R | {"parent"},
                None,
                {"application_id": self.application.pk},
            ),
            ("POST", "/api/v1/applications/{application_id}/transitions"): (
                W,
                lambda: {"to": "under_review"},
                {"application_id": self.application.pk},
            ),
            ("POST", "/api/v1/applications/{application_id}/documents"): (
                W | {"parent"},
                lambda: MultipartBody(
                    kind="other",
                    file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
                ),
                {"application_id": self.application.pk},
            ),
            ("POST", "/api/v1/canteen/redemptions"): (TerminalOnly({"canteen"}), dict, {}),
            ("POST", "/api/v1/canteen/entries"): (TerminalOnly({"canteen"}), dict, {}),
            ("POST", "/api/v1/canteen/redemptions/batch"): (TerminalOnly({"canteen"}), dict, {}),
            ("GET", "/api/v1/canteen/roster"): ({"canteen"}, None, {}),
            ("POST", "/api/v1/canteen/terminals"): ({"canteen"}, dict, {}),
        }

    QUERY = {
        "/api/v1/calendar/due-date": {"received": "2026-11-20T10:00:00+05:00", "working_days": 15},
        "/api/v1/pupils/{pupil_id}/service-checklist": {"service": "free_meals", "channel": "con"},
        "/api/v1/reports/monitoring": None,  # filled with school A's id
        "/api/v1/meals/tabel": {"month": "2026-10"},  # and school A's id
        "/api/v1/meals/daily-report": {"date": "2026-10-01"},  # and school A's id
        "/api/v1/canteen/roster": {"date": str(today())},  # and school A's id
    }
    PUBLIC = {"/api/v1/iin/{iin}", "/api/v1/calendar/due-date", "/api/v1/canteen/keys"}

    def test_every_api_operation_over_every_role(self):
        for (method, template), (allowed, body, path_args) in self.operations().items():
            path = template.format(**path_args)
            query = self.QUERY.get(template) or {}
            if template in {
                "/api/v1/reports/monitoring",
                "/api/v1/meals/tabel",
                "/api/v1/meals/daily-report",
                "/api/v1/canteen/roster",
            }:
                query = {**query, "school": self.school.pk}
            for persona in sorted(ALL):
                self.client.force_login(getattr(self, persona))
                kwargs = {"content_type": "application/json"}
                if method == "GET":
                    response = self._isolated(self.client.get, path, query)
                elif isinstance(payload := body(), MultipartBody):
                    response = self._isolated(self.client.post, path, payload)
                else:
                    data = json.dumps(payload)
                    response = self._isolated(self.client.generic, method, path, data, **kwargs)
                code = response.status_code
                if isinstance(allowed, TerminalOnly):
                    self.assertEqual(code, 401, f"{persona} {method} {path}: {code}")
                elif persona in allowed:
                    self.assertNotIn(code, (401, 403, 404), f"{persona} {method} {path}: {code}")
                    self.assertLess(code, 500, f"{persona} {method} {path}")
                else:
                    self.assertEqual(
                        code, 404, f"{persona} {method} {path}: {code} {response.content[:200]!r}"
                    )
            self.client.logout()
            if template not in self.PUBLIC:
                response = self.client.generic(method, path)
                self.assertEqual(response.status_code, 401, f"anonymous {method} {path}")

    def test_the_api_table_is_complete(self):
        schema = api.get_openapi_schema()
        operations = {
            (method.upper(), path)
            for path, item in schema["paths"].items()
            for method in item
            if method in {"get", "post", "patch", "put", "delete"}
        }
        missing = operations - set(self.operations())
        self.assertFalse(missing, f"API operations not in the role matrix: {sorted(missing)}")

    def test_the_canteen_and_teacher_never_see_a_category(self):
        CategoryAssignment.objects.filter(pk=self.assignment.pk).update(status="confirmed")
        label = str(CategoryAssignment(category="asp").get_category_display())
        for persona in ("teacher", "canteen"):
            self.client.force_login(getattr(self, persona))
            for url in (
                reverse("registry:pupils"),
                reverse("registry:pupil", args=[self.pupil.pk]),
            ):
                response = self.client.get(url)
                self.assertNotContains(response, label, status_code=response.status_code)
        self.assertFalse(AuditEvent.objects.filter(action="update").exists())
