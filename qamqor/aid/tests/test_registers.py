"""The payment register: lines, IBAN checks, exports (CSV for the bank, XLSX), marking paid."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from qamqor.aid import exports, services
from qamqor.aid.models import AidAmount, LineProblem, PaymentRegister, PurchaseReport
from qamqor.applications.models import Application, StatusChange
from qamqor.audit.models import AuditEvent
from qamqor.core import ids
from qamqor.registry.models import Guardian

from .base import TODAY, AidTestCase

S = Application.Status


class FormRegister(AidTestCase):
    def test_approved_applications_become_lines_with_the_year_amount(self):
        register = services.form_register(self.pedagog, self.school)
        self.assertEqual((register.year, register.amount_per_child), (2026, 50851))
        lines = {ln.application_id: ln for ln in register.lines.all()}
        self.assertEqual(set(lines), {self.app.pk, self.stranger_app.pk})
        ready = lines[self.app.pk]
        self.assertEqual(ready.problem, "")
        self.assertEqual(
            (ready.recipient_name, ready.recipient_iin, ready.iban, ready.amount),
            (self.guardian.full_name, self.guardian.iin, self.guardian.iban, 50851),
        )

    def test_a_missing_iban_blocks_the_line_with_a_reason(self):
        register = services.form_register(self.pedagog, self.school)
        line = register.lines.get(application=self.stranger_app)
        self.assertEqual(line.problem, LineProblem.IBAN_MISSING)
        self.assertEqual(line.get_problem_display(), "the guardian's IBAN is not recorded")

    def test_an_iban_with_a_wrong_check_digit_blocks_the_line(self):
        good = ids.make_iban_kz("722", "0000000000042")
        typo = good[:-1] + ("3" if good[-1] != "3" else "4")  # mod-97 no longer 1
        self.assertEqual(ids.validate_iban_kz(typo), "iban_checksum")
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(iban=typo)
        register = services.form_register(self.pedagog, self.school)
        line = register.lines.get(application=self.stranger_app)
        self.assertEqual(line.problem, LineProblem.IBAN_INVALID)
        self.assertIn("not a valid Kazakh IBAN", str(line.get_problem_display()))

    def test_an_iban_in_lower_case_is_accepted_and_written_for_the_bank(self):
        good = ids.make_iban_kz("601", "12345678901AB")
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(iban=good.lower())
        register = services.form_register(self.pedagog, self.school)
        line = register.lines.get(application=self.stranger_app)
        self.assertEqual((line.problem, line.iban), ("", good))

    def test_checking_again_picks_up_a_corrected_iban_and_new_approvals(self):
        register = services.form_register(self.pedagog, self.school)
        changed = register.changed_at
        self.travel(dt.datetime(2026, 9, 1, 11, 0, tzinfo=changed.tzinfo))
        iban = ids.make_iban_kz("722", "0000000000777")
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(iban=iban)
        pupil, guardian = self.another_pupil(surname="Омаров", sex="M")
        newcomer = self.approve(pupil, guardian)
        services.check_register(self.pedagog, register)
        lines = {ln.application_id: ln for ln in register.lines.all()}
        self.assertEqual(lines[self.stranger_app.pk].problem, "")
        self.assertEqual(lines[self.stranger_app.pk].iban, iban)
        self.assertIn(newcomer.pk, lines)
        register.refresh_from_db()
        self.assertGreater(register.changed_at, changed)

    def test_forming_again_reuses_the_register_in_preparation(self):
        first = services.form_register(self.pedagog, self.school)
        second = services.form_register(self.pedagog, self.school)
        self.assertEqual(first.pk, second.pk)
        self.assertEqual(PaymentRegister.objects.filter(school=self.school).count(), 1)

    def test_no_amount_for_the_year_refuses_clearly(self):
        AidAmount.objects.filter(year=2026).delete()
        with self.assertRaises(services.AidError) as caught:
            services.form_register(self.pedagog, self.school)
        self.assertEqual(caught.exception.code, "aid_amount_missing")
        self.assertIn("No aid amount is entered for 2026", caught.exception.message)
        self.assertFalse(PaymentRegister.objects.exists())

    def test_a_child_paid_this_year_is_not_paid_twice(self):
        self.paid_register()
        # A second approval for the same child the same year (the applications app refuses
        # one; this is a row that reached the database another way).
        twin = Application.objects.get(pk=self.app.pk)
        twin.pk = None
        twin.status = S.APPROVED
        twin.save()
        register = services.form_register(self.pedagog, self.school)
        self.assertEqual(register.lines.get(application=twin).problem, LineProblem.PAID_THIS_YEAR)


class Exports(AidTestCase):
    def test_the_bank_csv(self):
        register = services.form_register(self.pedagog, self.school)
        body = exports.register_csv(register)
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        self.assertEqual(
            rows[0],
            [
                "№ / №",
                "Алушының аты-жөні / ФИО получателя",
                "ЖСН / ИИН",
                "IBAN / IBAN",
                "Сомасы / Сумма",
                "Төлем мақсаты / Назначение платежа",
            ],
        )
        # Only the ready line: the stranger's guardian has no IBAN.
        self.assertEqual(len(rows), 2)
        number, name, iin, iban, amount, purpose = rows[1]
        self.assertEqual(
            (number, name, iin, iban, amount),
            ("1", self.guardian.full_name, self.guardian.iin, self.guardian.iban, "50851"),
        )
        self.assertIn("Жалпыға бірдей білім беру қорынан материалдық көмек, 2026", purpose)
        self.assertIn("Материальная помощь из фонда всеобуча за 2026 г.", purpose)
        self.assertIn(f"№ {register.pk}", purpose)
        self.assertTrue(body.endswith(b"\r\n"))

    def test_a_name_that_looks_like_a_formula_is_written_as_text(self):
        Guardian.objects.filter(pk=self.guardian.pk).update(surname="=HYPERLINK(1)")
        register = services.form_register(self.pedagog, self.school)
        rows = list(
            csv.reader(
                io.StringIO(exports.register_csv(register).decode("utf-8-sig")), delimiter=";"
            )
        )
        self.assertTrue(rows[1][1].startswith("'="))

    def test_the_xlsx(self):
        register = services.form_register(self.pedagog, self.school)
        book = load_workbook(io.BytesIO(exports.register_xlsx(register)))
        sheet = book.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        self.assertIn(f"№ {register.pk}", values[0][0])
        self.assertIn("50851 ₸ per child", values[1][0])
        self.assertEqual(values[3][:5], ("№", "Recipient", "IIN", "IBAN", "Amount, ₸"))
        self.assertEqual(
            values[4][:6],
            (
                1,
                self.guardian.full_name,
                self.guardian.iin,
                self.guardian.iban,
                50851,
                self.pupil.full_name,
            ),
        )
        self.assertEqual(values[5][1:5], ("Total", None, None, 50851))
        blocked = list(book.worksheets[1].iter_rows(values_only=True))
        self.assertEqual(blocked[1][0], self.stranger.full_name)
        self.assertEqual(blocked[1][2], "the guardian's IBAN is not recorded")

    def test_export_is_recorded_and_refused_when_nothing_is_ready(self):
        register = services.form_register(self.pedagog, self.school)
        services.record_export(self.pedagog, register, "csv")
        register.refresh_from_db()
        self.assertIsNotNone(register.exported_at)
        self.assertTrue(
            AuditEvent.objects.filter(action="export", object_id=str(register.pk)).exists()
        )
        Guardian.objects.filter(pk=self.guardian.pk).update(iban="")
        services.check_register(self.pedagog, register)
        with self.assertRaises(services.AidError) as caught:
            services.record_export(self.pedagog, register, "csv")
        self.assertEqual(caught.exception.code, "register_empty")


class MarkPaid(AidTestCase):
    def _exported(self):
        register = services.form_register(self.pedagog, self.school)
        services.record_export(self.pedagog, register, "csv")
        return register

    def test_paid_moves_each_application_to_paid_then_report_due(self):
        register = self._exported()
        result = services.mark_register_paid(self.pedagog, register, TODAY)
        self.assertEqual((result.paid, result.released), (1, 1))
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.REPORT_DUE)
        steps = list(
            StatusChange.objects.filter(application=self.app)
            .order_by("at", "id")
            .values_list("from_status", "to_status", "by")
        )
        self.assertEqual(
            steps[-2:],
            [(S.APPROVED, S.PAID, self.pedagog.pk), (S.PAID, S.REPORT_DUE, self.pedagog.pk)],
        )
        report = PurchaseReport.objects.get(application=self.app)
        self.assertEqual(
            (report.paid_on, report.due_date, report.aid_amount),
            (TODAY, dt.date(2026, 9, 16), 50851),
        )
        register.refresh_from_db()
        self.assertEqual((register.status, register.paid_on), ("paid", TODAY))

    def test_blocked_lines_leave_the_register_and_stay_approved(self):
        register = self._exported()
        services.mark_register_paid(self.pedagog, register, TODAY)
        self.stranger_app.refresh_from_db()
        self.assertEqual(self.stranger_app.status, S.APPROVED)
        self.assertFalse(register.lines.filter(application=self.stranger_app).exists())
        # The next register takes it once the IBAN is there.
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(
            iban=ids.make_iban_kz("722", "0000000000555")
        )
        following = services.form_register(self.pedagog, self.school)
        self.assertNotEqual(following.pk, register.pk)
        self.assertEqual(
            list(following.lines.values_list("application_id", "problem")),
            [(self.stranger_app.pk, "")],
        )

    def test_a_register_changed_after_its_export_cannot_be_marked_paid(self):
        register = services.form_register(self.pedagog, self.school)
        with self.assertRaises(services.AidError) as never:
            services.mark_register_paid(self.pedagog, register, TODAY)
        self.assertEqual(never.exception.code, "export_stale")
        services.record_export(self.pedagog, register, "xlsx")
        self.travel(dt.datetime(2026, 9, 1, 12, 0, tzinfo=register.created_at.tzinfo))
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(
            iban=ids.make_iban_kz("722", "0000000000555")
        )
        services.check_register(self.pedagog, register)
        with self.assertRaises(services.AidError) as stale:
            services.mark_register_paid(self.pedagog, register, TODAY)
        self.assertEqual(stale.exception.code, "export_stale")
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.APPROVED)

    def test_the_payment_date_is_checked(self):
        register = self._exported()
        for day, code in (
            (None, "paid_on_required"),
            (TODAY + dt.timedelta(days=1), "paid_on_future"),
            (TODAY - dt.timedelta(days=1), "paid_on_before_register"),
        ):
            with self.subTest(day=day), self.assertRaises(services.AidError) as caught:
                services.mark_register_paid(self.pedagog, register, day)
            self.assertEqual(caught.exception.code, code)
        self.assertFalse(PurchaseReport.objects.exists())

    def test_a_paid_register_cannot_be_paid_again_or_changed(self):
        register = self._exported()
        services.mark_register_paid(self.pedagog, register, TODAY)
        for call in (
            lambda: services.mark_register_paid(self.pedagog, register, TODAY),
            lambda: services.check_register(self.pedagog, register),
            lambda: services.delete_register(self.pedagog, register),
        ):
            with self.assertRaises(services.AidError) as caught:
                call()
            self.assertEqual(caught.exception.code, "register_paid")
        self.assertEqual(PurchaseReport.objects.count(), 1)

    def test_an_application_no_longer_approved_stops_the_whole_payment(self):
        register = self._exported()
        Application.objects.filter(pk=self.app.pk).update(status=S.REFUSED, refusal_reason="x")
        with self.assertRaises(services.AidError) as caught:
            services.mark_register_paid(self.pedagog, register, TODAY)
        self.assertEqual(caught.exception.code, "application_not_approved")
        register.refresh_from_db()
        self.assertEqual(register.status, "draft")
        self.assertFalse(PurchaseReport.objects.exists())

    def test_deleting_a_draft_keeps_the_applications_approved(self):
        register = services.form_register(self.pedagog, self.school)
        services.delete_register(self.pedagog, register)
        self.assertFalse(PaymentRegister.objects.exists())
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.APPROVED)
