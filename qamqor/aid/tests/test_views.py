"""The aid pages: registers, exports, mark paid, the parent's upload, accept / ask again."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from qamqor.accounts.models import Role
from qamqor.aid import services
from qamqor.aid.models import PaymentRegister, ReportFile
from qamqor.applications.models import Application
from qamqor.audit.models import AuditEvent
from qamqor.testing import make_user

from .base import TODAY, TZ, AidTestCase, bomb_png, jpeg, not_an_image, png

S = Application.Status


class RegisterPages(AidTestCase):
    def test_the_pedagogue_forms_a_register_and_sees_why_a_line_is_blocked(self):
        self.login(self.pedagog)
        page = self.client.get(reverse("aid:registers"))
        self.assertContains(page, "Approved applications waiting for payment")
        response = self.client.post(reverse("aid:register_form", args=[self.school.pk]))
        register = PaymentRegister.objects.get()
        self.assertRedirects(response, reverse("aid:register", args=[register.pk]))
        page = self.client.get(response["Location"])
        self.assertContains(page, self.guardian.iban)
        self.assertContains(page, 'data-testid="problem-iban_missing"')
        self.assertContains(page, "The guardian&#x27;s IBAN is not recorded.")
        # The fix is one click away: the guardian's form in the registry.
        self.assertContains(
            page,
            reverse(
                "registry:guardian_edit", args=[self.stranger.family_id, self.stranger_guardian.pk]
            ),
        )
        self.assertTrue(
            AuditEvent.objects.filter(action="view", object_id=str(register.pk)).exists()
        )

    def test_the_waiting_row_counts_the_approvals_in_no_register(self):
        self.login(self.pedagog)

        def waiting():
            page = self.client.get(reverse("aid:registers"))
            return [(w["school"], w["approved"], w["draft"]) for w in page.context["waiting"]]

        self.assertEqual(waiting(), [(self.school, 2, None)])
        # Formed: both are lines now (one blocked), so none waits; the draft is offered.
        register = services.form_register(self.pedagog, self.school)
        self.assertEqual(waiting(), [(self.school, 0, register)])

    def test_a_year_without_an_amount_is_explained_and_forms_nothing(self):
        # The amount comes from the year's budget law: a year nobody entered yet is a message
        # on the page and a refusal of the form, never a crash.
        self.travel(dt.datetime(2031, 2, 3, 10, 0, tzinfo=TZ))
        self.login(self.pedagog)
        page = self.client.get(reverse("aid:registers"))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'data-testid="amount-missing"')
        self.assertContains(page, "No aid amount is entered for 2031")
        response = self.client.post(
            reverse("aid:register_form", args=[self.school.pk]), follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "No aid amount is entered for 2031")
        self.assertFalse(PaymentRegister.objects.exists())

    def test_exports_download_and_are_stamped(self):
        register = services.form_register(self.pedagog, self.school)
        self.login(self.pedagog)
        response = self.client.post(reverse("aid:register_csv", args=[register.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(f"aid-register-{register.pk}-", response["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        self.assertEqual(rows[1][3], self.guardian.iban)
        response = self.client.post(reverse("aid:register_xlsx", args=[register.pk]))
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        self.assertEqual(sheet["D5"].value, self.guardian.iban)
        register.refresh_from_db()
        self.assertIsNotNone(register.exported_at)

    def test_mark_paid_through_the_page(self):
        register = services.form_register(self.pedagog, self.school)
        self.login(self.pedagog)
        url = reverse("aid:register_paid", args=[register.pk])
        response = self.client.post(url, {"paid_on": TODAY.isoformat()})
        self.assertContains(response, "Export it again", status_code=422)
        self.client.post(reverse("aid:register_csv", args=[register.pk]))
        response = self.client.post(url, {"paid_on": TODAY.isoformat()}, follow=True)
        self.assertContains(response, "1 payment; its purchase report is due")
        self.assertContains(response, "1 line could not be paid")
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.REPORT_DUE)

    def test_a_bad_date_changes_nothing(self):
        register = services.form_register(self.pedagog, self.school)
        services.record_export(self.pedagog, register, "csv")
        self.login(self.pedagog)
        response = self.client.post(
            reverse("aid:register_paid", args=[register.pk]), {"paid_on": "2026-12-01"}
        )
        self.assertContains(response, "cannot be in the future", status_code=422)
        register.refresh_from_db()
        self.assertEqual(register.status, "draft")

    def test_the_principal_reads_but_does_not_pay(self):
        register = services.form_register(self.pedagog, self.school)
        self.login(self.director)
        page = self.client.get(reverse("aid:register", args=[register.pk]))
        self.assertNotContains(page, 'data-testid="mark-paid"')
        response = self.client.post(
            reverse("aid:register_paid", args=[register.pk]), {"paid_on": TODAY.isoformat()}
        )
        self.assertEqual(response.status_code, 404)


class ReportPages(AidTestCase):
    def setUp(self):
        super().setUp()
        self.r = self.report()

    def test_the_parent_sees_the_aid_and_uploads(self):
        self.login(self.parent)
        page = self.client.get(reverse("aid:my_aid"))
        self.assertContains(page, "Report due by")
        url = reverse("aid:report_upload", args=[self.r.pk])
        response = self.client.post(url, {"kind": "receipt", "amount": "27300", "file": jpeg()})
        self.assertRedirects(response, reverse("aid:my_report", args=[self.r.pk]))
        self.client.post(url, {"kind": "photo", "file": png()})
        page = self.client.get(reverse("aid:my_report", args=[self.r.pk]))
        self.assertContains(page, 'data-testid="receipts-total">27,300 ₸')
        # 50,851 − 27,300 not yet covered by receipts.
        self.assertContains(page, 'data-testid="uncovered">23,551 ₸')
        response = self.client.post(reverse("aid:report_submit", args=[self.r.pk]), {}, follow=True)
        self.assertContains(response, "The report is sent to the school.")
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.REPORTED)

    def test_refused_uploads_are_explained_on_the_page(self):
        self.login(self.parent)
        url = reverse("aid:report_upload", args=[self.r.pk])
        for data, message in (
            ({"kind": "photo", "file": bomb_png()}, "too many pixels"),
            (
                {"kind": "receipt", "amount": "100", "file": not_an_image()},
                "Only PDF, JPEG and PNG",
            ),
            ({"kind": "receipt", "file": jpeg()}, "Enter the amount of the receipt"),
        ):
            with self.subTest(message=message):
                response = self.client.post(url, data)
                self.assertContains(response, message, status_code=422)
        self.assertFalse(ReportFile.objects.exists())

    def test_the_pedagogue_checks_and_asks_again_then_accepts(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        self.login(self.pedagog)
        page = self.client.get(reverse("aid:reports"))
        self.assertContains(page, self.pupil.full_name)
        page = self.client.get(reverse("aid:report", args=[self.r.pk]))
        self.assertContains(page, 'data-testid="accept"')
        response = self.client.post(reverse("aid:report_ask_again", args=[self.r.pk]), {})
        self.assertContains(response, "This field is required", status_code=422)
        self.client.post(
            reverse("aid:report_ask_again", args=[self.r.pk]), {"comment": "Дәптердің чегі жоқ."}
        )
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.REPORT_DUE)
        self.login(self.parent)
        page = self.client.get(reverse("aid:my_report", args=[self.r.pk]))
        self.assertContains(page, "Дәптердің чегі жоқ.")
        services.add_report_file(self.parent, self.r, "receipt", jpeg(), 800)
        services.submit_report(self.parent, self.r)
        self.login(self.pedagog)
        self.client.post(reverse("aid:report_accept", args=[self.r.pk]))
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.ACCEPTED)

    def test_files_are_streamed_only_to_who_may_see_them(self):
        self.complete(self.r)
        item = self.r.files.get(kind="photo")
        url = reverse("aid:file", args=[item.pk])
        for persona, code in (
            ("parent", 200),
            ("pedagog", 200),
            ("director", 200),
            ("teacher", 404),
            ("canteen", 404),
            ("board", 404),
            ("outsider", 404),
        ):
            with self.subTest(persona=persona):
                self.login(getattr(self, persona))
                response = self.client.get(url)
                self.assertEqual(response.status_code, code)
                if code == 200:
                    self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                    self.assertIn("sandbox", response["Content-Security-Policy"])
                    self.assertIn("attachment", response["Content-Disposition"])
        self.assertTrue(AuditEvent.objects.filter(action="view", object_type="aid.reportfile"))

    def test_the_parent_cannot_decide_and_another_parent_sees_nothing(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        self.login(self.parent)
        for name in ("aid:report_accept", "aid:report_ask_again"):
            self.assertEqual(self.client.post(reverse(name, args=[self.r.pk])).status_code, 404)
        self.assertEqual(self.client.get(reverse("aid:report", args=[self.r.pk])).status_code, 404)
        pupil, guardian = self.another_pupil(surname="Бекова")
        other_parent = self.make_parent(guardian)
        self.login(other_parent)
        for name in ("aid:my_report", "aid:report"):
            self.assertEqual(self.client.get(reverse(name, args=[self.r.pk])).status_code, 404)
        response = self.client.post(
            reverse("aid:report_upload", args=[self.r.pk]), {"kind": "photo", "file": png()}
        )
        self.assertEqual(response.status_code, 404)

    def make_parent(self, guardian):
        user = make_user("parent2", Role.PARENT, self.school)
        guardian.user = user
        guardian.save(update_fields=["user"])
        return user

    def test_the_school_enters_a_paper_report(self):
        self.login(self.pedagog)
        url = reverse("aid:report_upload", args=[self.r.pk])
        response = self.client.post(url, {"kind": "receipt", "amount": "50851", "file": jpeg()})
        self.assertRedirects(response, reverse("aid:report", args=[self.r.pk]))
        self.assertEqual(self.r.files.get().uploaded_by, self.pedagog)

    def test_overdue_reports_are_flagged_in_the_list(self):
        self.travel(dt.date(2026, 9, 17))
        self.login(self.pedagog)
        page = self.client.get(reverse("aid:reports"), {"state": "overdue"})
        self.assertContains(page, self.pupil.full_name)
        self.assertContains(page, ">late<")

    def test_the_tabs_count_each_state(self):
        # One report (the stranger's line is blocked): awaited, then late, so overdue at once.

        def tabs():
            self.login(self.pedagog)  # again after a time travel: the session expires
            page = self.client.get(reverse("aid:reports"))
            return {key: n for key, _label, n in page.context["tabs"]}

        self.assertEqual(tabs(), {"check": 0, "awaited": 1, "overdue": 0, "accepted": 0})
        self.travel(dt.date(2026, 9, 17))
        self.assertEqual(tabs(), {"check": 0, "awaited": 0, "overdue": 1, "accepted": 0})
