"""Pages and downloads of the табель, the payment statement and the daily report."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
from unittest import mock

import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from qamqor.accounts.models import Membership, Role
from qamqor.audit.models import AuditEvent
from qamqor.eligibility.models import CategoryAssignment
from qamqor.meals import exports
from qamqor.meals.models import TabelAmendment, TabelSubmission
from qamqor.meals.services import daily_report, tabel, tabel_pdf

from .tabel_factories import (
    BREAKFAST,
    LUNCH,
    OCT,
    TabelCase,
    at,
    make_operator,
    make_programme,
    scan,
)

Q = "?month=2026-10"


def submit_url(case) -> str:  # noqa: ANN001
    return reverse("meals:tabel_submit", args=[case.school.pk, 2026, 10])


class TabelPages(TabelCase):
    def get(self, persona: str, name: str, query: str = Q):
        self.client.force_login(getattr(self, persona))
        return self.client.get(reverse(f"meals:{name}") + query)

    def test_the_pedagogue_sees_names_never_categories(self):
        CategoryAssignment.objects.create(
            school=self.school,
            pupil=self.sibling,
            category="asp",
            status="confirmed",
            received_at=at(dt.date(2026, 9, 1)),
            counted_from=dt.date(2026, 9, 1),
            due_date=dt.date(2026, 9, 22),
        )
        with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
            response = self.get("pedagog", "tabel_month", Q + f"&sheet=7Б:{LUNCH}")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ахметова Нұрлан")
        self.assertContains(response, "Иванов Иван")
        self.assertNotContains(response, "Петрович")  # surname and name only
        self.assertNotContains(
            response, str(CategoryAssignment(category="asp").get_category_display())
        )
        self.assertContains(response, 'data-testid="tabel-submit"')
        self.assertContains(response, 'data-state="open"')
        self.assertTrue(
            AuditEvent.objects.filter(action="view", object_type="meals.tabel").exists()
        )

    def test_readers_read_without_the_submit_button(self):
        for persona in ("director", "board", "district_officer"):
            with self.subTest(persona), time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
                response = self.get(persona, "tabel_month")
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, 'data-testid="tabel-submit"')

    def test_the_canteen_reads_counts_not_the_tabel(self):
        for name in ("tabel_month", "tabel_xlsx", "tabel_pdf"):
            self.assertEqual(self.get("canteen", name).status_code, 404, name)
        for name in ("payment_statement", "report_daily"):
            self.assertEqual(self.get("canteen", name).status_code, 200, name)
        response = self.get("canteen", "payment_statement")
        self.assertNotContains(response, "Аружан")
        self.assertNotContains(response, reverse("meals:tabel_month"))

    def test_a_canteen_bound_to_another_operator_reads_nothing(self):
        rival = make_operator(2, "Басқа ас ЖШС")
        Membership.objects.filter(user=self.canteen, role=Role.CANTEEN).update(
            organisation_bin=rival.bin
        )
        self.assertEqual(self.get("canteen", "payment_statement").status_code, 404)
        Membership.objects.filter(user=self.canteen, role=Role.CANTEEN).update(
            organisation_bin=self.operator.bin
        )
        self.assertEqual(self.get("canteen", "payment_statement").status_code, 200)
        self.assertEqual(self.get("canteen", "report_daily", "?date=2026-10-01").status_code, 200)

    def test_other_schools_are_not_found(self):
        query = f"{Q}&school={self.school.pk}"
        for name in ("tabel_month", "payment_statement", "report_daily", "tabel_xlsx"):
            self.assertEqual(self.get("outsider", name, query).status_code, 404, name)
            self.assertEqual(self.get("teacher", name, query).status_code, 404, name)

    def test_the_tabel_xlsx(self):
        response = self.get("pedagog", "tabel_xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        wb = load_workbook(io.BytesIO(response.content))
        self.assertEqual(wb.sheetnames, ["3А Breakfast", "3А Lunch", "7Б Lunch"])
        ws = wb["7Б Lunch"]
        self.assertIn(self.school.name, ws["A2"].value)
        self.assertIn("7Б", ws["A4"].value)
        header = [c.value for c in ws[8]]  # after six header lines and a blank one
        self.assertEqual(header[0], "№")
        self.assertEqual(header[2:4], [1, 2])  # October 1 and 2
        self.assertEqual(len(header), 21 + 3)
        self.assertNotIn(26, header)  # the holiday
        self.assertEqual(ws["B9"].value, "Ахметова Нұрлан")
        self.assertEqual([ws.cell(row=9, column=c).value for c in range(3, 14)], [1] * 10 + [None])
        self.assertEqual(ws.cell(row=9, column=24).value, 10)
        self.assertEqual(ws["B10"].value, "Иванов Иван")
        self.assertEqual(ws.cell(row=10, column=24).value, 0)
        self.assertEqual(ws["B11"].value, "Total per day")
        totals = [ws.cell(row=11, column=c).value for c in range(3, 25)]
        self.assertEqual(totals[:11], [1] * 10 + [0])
        self.assertEqual(totals[-1], 10)
        self.assertEqual(ws.print_title_rows, "$8:$8")
        texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
        self.assertIn("Social pedagogue", texts)
        self.assertIn("Principal", texts)
        self.assertEqual(ws.page_setup.orientation, "landscape")
        self.assertEqual(ws.page_setup.fitToWidth, 1)
        self.assertTrue(ws.sheet_properties.pageSetUpPr.fitToPage)
        event = AuditEvent.objects.get(action="export", object_type="meals.tabel")
        self.assertEqual((event.user, event.school_id), (self.pedagog, self.school.pk))

    def test_the_tabel_pdf(self):
        response = self.get("director", "tabel_pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertTrue(AuditEvent.objects.filter(action="export", user=self.director).exists())
        one = self.get("director", "tabel_pdf", Q + f"&sheet=7Б:{LUNCH}")
        self.assertTrue(one.content.startswith(b"%PDF"))
        self.assertIn("7", one["Content-Disposition"])
        self.assertEqual(self.get("director", "tabel_pdf", Q + "&sheet=9Z:lunch").status_code, 404)

    def setUp(self) -> None:
        super().setUp()
        # Stored PDFs are named by the табель's content: each test its own storage.
        root = tempfile.mkdtemp(prefix="qamqor-tabel-")
        media = self.settings(MEDIA_ROOT=root)
        media.enable()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        self.addCleanup(media.disable)

    def test_the_whole_school_pdf_is_stored_per_version(self):
        calls = []
        real = exports.tabel_pdf

        def counting(t):
            calls.append(t)
            return real(t)

        with mock.patch.object(exports, "tabel_pdf", counting):
            first = self.get("pedagog", "tabel_pdf").content
            self.assertEqual(self.get("pedagog", "tabel_pdf").content, first)
            self.assertEqual(len(calls), 1)  # the second came from storage
            scan(self.lunch[self.stranger.pk], self.days[3])  # the табель changed
            self.get("pedagog", "tabel_pdf")
            self.assertEqual(len(calls), 2)
        _dirs, files = default_storage.listdir(f"meals/tabel/{self.school.pk}")
        self.assertEqual(len([f for f in files if f.startswith("2026-10-en-")]), 1)

    def test_a_large_school_pdf_is_rendered_by_the_worker(self):
        with mock.patch.object(tabel_pdf, "SYNC_ROWS", 0):
            # The immediate backend (tests) runs the task at once: the PDF is there.
            response = self.get("pedagog", "tabel_pdf")
            self.assertTrue(response.content.startswith(b"%PDF"))
            scan(self.lunch[self.stranger.pk], self.days[3])
            # A queue that accepts the job but has no worker: the page waits...
            with mock.patch.object(tabel_pdf, "render_tabel_pdf") as queued:
                enqueue = queued.enqueue
                response = self.get("pedagog", "tabel_pdf")
                self.assertEqual(response.status_code, 202)
                self.assertContains(response, 'data-testid="pdf-pending"', status_code=202)
                enqueue.assert_called_once()
                self.assertEqual(self.get("pedagog", "tabel_pdf").status_code, 202)
                enqueue.assert_called_once()  # not queued twice
                # ...until the job looks lost: then the request renders it itself.
                with mock.patch.object(tabel_pdf, "STALE_SECONDS", -1):
                    response = self.get("pedagog", "tabel_pdf")
                self.assertTrue(response.content.startswith(b"%PDF"))

    def test_submit_and_amend_through_the_pages(self):
        self.client.force_login(self.pedagog)
        with time_machine.travel(at(dt.date(2026, 11, 6), 9), tick=False):
            response = self.client.post(submit_url(self))
            self.assertRedirects(
                response,
                reverse("meals:tabel_month") + f"?school={self.school.pk}&month=2026-10",
                fetch_redirect_response=False,
            )
            sub = TabelSubmission.objects.get(school=self.school, month=OCT)
            self.assertTrue(sub.late)
            page = self.client.get(response["Location"])
            self.assertContains(page, 'data-testid="late"')
            self.assertNotContains(page, 'data-testid="tabel-submit"')
            self.assertContains(page, 'data-testid="amend-form"')
            again = self.client.post(submit_url(self), follow=True)
            self.assertContains(again, "already submitted")
            self.assertEqual(TabelSubmission.objects.count(), 1)

            amend = reverse("meals:tabel_amend", args=[self.school.pk, 2026, 10])
            data = {
                "pupil": self.stranger.pk,
                "day": "2026-10-05",
                "meal_type": LUNCH,
                "action": "add",
                "reason": "Сканер істемеді",
            }
            response = self.client.post(amend, {**data, "reason": ""})
            self.assertEqual(response.status_code, 422)
            response = self.client.post(
                amend, {**data, "day": "2026-10-01", "pupil": self.pupil.pk}
            )
            self.assertEqual(response.status_code, 422)
            self.assertContains(response, "This meal is already in the", status_code=422)
            response = self.client.post(amend, data)
            self.assertEqual(response.status_code, 302)
        self.assertEqual(TabelAmendment.objects.get().pupil, self.stranger)
        self.assertEqual(
            tabel.tabel_summary(self.school, OCT).meals, self.LUNCH_MEALS + self.BREAKFAST_MEALS + 1
        )
        page = self.client.get(reverse("meals:tabel_month") + Q)
        self.assertContains(page, "Сканер істемеді")

    def test_only_writers_submit(self):
        for persona in ("director", "board", "canteen", "outsider", "teacher"):
            self.client.force_login(getattr(self, persona))
            with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
                self.assertEqual(self.client.post(submit_url(self)).status_code, 404, persona)
        self.assertFalse(TabelSubmission.objects.exists())


class PaymentAndDaily(TabelCase):
    def test_the_payment_statement_page_and_xlsx(self):
        with time_machine.travel(at(dt.date(2026, 11, 3)), tick=False):
            tabel.submit_tabel(self.pedagog, self.school, OCT)
        self.client.force_login(self.director)
        amount = self.LUNCH_MEALS * 600 + self.BREAKFAST_MEALS * 500
        response = self.client.get(reverse("meals:payment_statement") + Q)
        self.assertContains(response, f'data-testid="payment-amount" data-value="{amount}"')
        response = self.client.get(reverse("meals:payment_xlsx") + Q)
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        lunch = next(r for r in rows if r[0] == "Lunch")
        self.assertEqual(
            lunch[:7], ["Lunch", 2, self.LUNCH_MEALS, 800, 75, 600, self.LUNCH_MEALS * 600]
        )
        breakfast = next(r for r in rows if r[0] == "Breakfast")
        self.assertEqual(breakfast[2], self.BREAKFAST_MEALS)
        total = next(r for r in rows if r[0] == "Total")
        self.assertEqual(
            (total[1], total[2], total[6]), (2, self.LUNCH_MEALS + self.BREAKFAST_MEALS, amount)
        )
        reconciliation = [r for r in rows if r[0] == "Lunch"][1]
        self.assertEqual(reconciliation[1:7], [self.LUNCH_MEALS, 0, 0, 0, self.LUNCH_MEALS, 0])
        texts = " ".join(str(v) for r in rows for v in r if v)
        self.assertIn(self.operator.bin, texts)
        self.assertIn("1 refused", texts)
        self.assertTrue(
            AuditEvent.objects.filter(action="export", object_type="meals.payment").exists()
        )

    def test_the_payment_pdf(self):
        self.client.force_login(self.canteen)
        response = self.client.get(reverse("meals:payment_pdf") + Q)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_a_month_without_a_programme(self):
        self.client.force_login(self.pedagog)
        response = self.client.get(reverse("meals:payment_statement") + "?month=2026-12")
        self.assertContains(response, "no meal programme")
        response = self.client.get(reverse("meals:tabel_month") + "?month=2026-12")
        self.assertContains(response, "No pupil had a voucher")

    def test_the_daily_report_page_and_xlsx(self):
        daily_report.build_daily_report(self.school, dt.date(2026, 10, 1))
        self.client.force_login(self.canteen)
        response = self.client.get(reverse("meals:report_daily") + "?date=2026-10-01")
        self.assertContains(response, 'data-testid="meals-served">3<')
        self.assertContains(response, 'data-testid="vouchers-active">4<')
        self.assertNotContains(response, "Аружан")
        response = self.client.get(reverse("meals:report_daily_xlsx") + "?date=2026-10-01")
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        self.assertIn(["3А", "Lunch", 1, 1, 100], rows)
        self.assertIn(["7Б", "Lunch", 2, 1, 50], rows)
        self.assertEqual(rows[-1][:4], ["Total", None, 4, 3])
        self.assertTrue(AuditEvent.objects.filter(action="export", user=self.canteen).exists())

    def test_a_second_programme_month_for_another_school_stays_apart(self):
        make_programme(self.other_school, OCT, self.operator, meals=[(BREAKFAST, 400, 100)])
        self.client.force_login(self.outsider)
        response = self.client.get(reverse("meals:payment_statement") + Q)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.other_school.name)
        self.assertNotContains(response, str(self.LUNCH_MEALS * 600))
