"""The purchase report: uploads and their checks, submission, accept / ask again, the 15 days."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from qamqor.aid import services
from qamqor.aid.models import ReportFile, report_due_date
from qamqor.applications.models import Application, StatusChange
from qamqor.core.workdays import TZ

from .base import TODAY, AidTestCase, bomb_png, crafted_png, jpeg, not_an_image, pdf, png

S = Application.Status


class Uploads(AidTestCase):
    def setUp(self):
        super().setUp()
        self.r = self.report()

    def refused(self, kind, f, amount=None, code=None):
        before = ReportFile.objects.count(), self.stored_files()
        with self.assertRaises(services.AidError) as caught:
            services.add_report_file(self.parent, self.r, kind, f, amount)
        if code:
            self.assertEqual(caught.exception.code, code)
        # Nothing reached the database or the disk.
        self.assertEqual((ReportFile.objects.count(), self.stored_files()), before)
        return caught.exception

    def test_receipts_with_amounts_and_photos(self):
        receipt = services.add_report_file(self.parent, self.r, "receipt", jpeg(), 21500)
        e_receipt = services.add_report_file(self.parent, self.r, "receipt", pdf(), "12000")
        photo = services.add_report_file(self.parent, self.r, "photo", png())
        self.assertEqual(
            [(f.kind, f.amount, f.content_type) for f in (receipt, e_receipt, photo)],
            [
                ("receipt", 21500, "image/jpeg"),
                ("receipt", 12000, "application/pdf"),
                ("photo", None, "image/png"),
            ],
        )
        self.assertEqual(self.r.receipts_total(), 33500)
        # Stored under a fresh name: nothing of the uploader's file name reaches the disk.
        self.assertNotIn("чек", receipt.file.name)
        self.assertEqual(receipt.original_name, "чек.jpg")

    def test_a_receipt_needs_its_amount(self):
        for amount in (None, 0, -5, "abc"):
            with self.subTest(amount=amount):
                self.refused("receipt", jpeg(), amount, "amount_required")

    def test_a_receipt_above_the_ceiling_is_a_typing_slip(self):
        ceiling = services.purchase_reports.MAX_RECEIPT_AMOUNT
        self.refused("receipt", jpeg(), ceiling + 1, "amount_too_large")
        services.add_report_file(self.parent, self.r, "receipt", jpeg(), ceiling)

    def test_a_report_holds_at_most_max_files(self):
        with mock.patch.object(services.purchase_reports, "MAX_FILES", 2):
            services.add_report_file(self.parent, self.r, "photo", png())
            services.add_report_file(self.parent, self.r, "photo", png())
            self.refused("photo", png(), code="too_many_files")

    def test_a_decompression_bomb_is_refused(self):
        error = self.refused("photo", bomb_png(), code="image_too_large")
        self.assertIn("too many pixels", error.message)

    def test_an_image_just_over_the_pixel_limit_is_refused(self):
        # 12,000 × 12,000 = 144 Mpx: above Pillow's limit, below twice it (where Pillow only
        # warns): still refused.
        f = SimpleUploadedFile("big.png", crafted_png(12_000, 12_000), content_type="image/png")
        self.refused("photo", f, code="image_too_large")

    def test_a_program_renamed_to_jpg_is_refused(self):
        error = self.refused("receipt", not_an_image(), 1000, "file_type_not_allowed")
        self.assertIn("Only PDF, JPEG and PNG", error.message)
        self.refused("photo", not_an_image(), code="file_type_not_allowed")

    def test_a_photo_must_be_an_image(self):
        error = self.refused("photo", pdf("photo.pdf"), code="file_type_not_allowed")
        self.assertIn("JPEG or PNG", error.message)

    def test_a_damaged_jpeg_is_refused(self):
        data = jpeg().read()
        cut = SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg")
        self.refused("photo", cut, code="file_damaged")

    @override_settings(UPLOAD_MAX_BYTES=1000)
    def test_size_limit(self):
        big = SimpleUploadedFile("big.png", crafted_png(600, 600) + b"\0" * 2000)
        error = self.refused("photo", big, code="file_too_large")
        self.assertIn("too large", error.message)

    def test_uploads_close_once_submitted_and_reopen_when_asked_again(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        self.refused("photo", png(), code="report_closed")
        services.ask_again(self.pedagog, self.r, "Чектің суреті анық емес.")
        services.add_report_file(self.parent, self.r, "photo", png())
        self.assertEqual(self.r.files.count(), 3)

    def test_what_the_school_saw_stays(self):
        self.complete(self.r)
        first = self.r.files.first()
        services.submit_report(self.parent, self.r)
        self.travel(dt.datetime(2026, 9, 2, 10, 0, tzinfo=self.r.submitted_at.tzinfo))
        services.ask_again(self.pedagog, self.r, "Тағы бір чек керек.")
        self.travel(dt.datetime(2026, 9, 3, 10, 0, tzinfo=self.r.submitted_at.tzinfo))
        added = services.add_report_file(self.parent, self.r, "receipt", jpeg(), 5000)
        with self.assertRaises(services.AidError) as caught:
            services.remove_report_file(self.parent, first)
        self.assertEqual(caught.exception.code, "file_kept")
        services.remove_report_file(self.parent, added)
        self.assertEqual(self.r.files.count(), 2)


class Decisions(AidTestCase):
    def setUp(self):
        super().setUp()
        self.r = self.report()

    def status(self):
        self.app.refresh_from_db()
        return self.app.status

    def test_submit_needs_a_receipt_and_a_photo(self):
        services.add_report_file(self.parent, self.r, "receipt", jpeg(), 30000)
        with self.assertRaises(services.AidError) as caught:
            services.submit_report(self.parent, self.r)
        self.assertEqual(caught.exception.code, "files_missing")
        self.assertIn("photo of the purchases", caught.exception.message)
        self.assertEqual(self.status(), S.REPORT_DUE)

    def test_submit_then_accept(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r, "Сөмке, дәптерлер, форма.")
        self.assertEqual(self.status(), S.REPORTED)
        services.accept_report(self.pedagog, self.r)
        self.assertEqual(self.status(), S.ACCEPTED)
        self.r.refresh_from_db()
        self.assertEqual(self.r.decided_by, self.pedagog)
        self.assertEqual(
            list(
                StatusChange.objects.filter(application=self.app)
                .order_by("at", "id")
                .values_list("to_status", flat=True)
            )[-2:],
            [S.REPORTED, S.ACCEPTED],
        )
        with self.assertRaises(services.AidError) as again:
            services.accept_report(self.pedagog, self.r)
        self.assertEqual(again.exception.code, "report_not_submitted")

    def test_nothing_to_accept_before_submission(self):
        with self.assertRaises(services.AidError) as caught:
            services.accept_report(self.pedagog, self.r)
        self.assertEqual(caught.exception.code, "report_not_submitted")

    def test_ask_again_needs_a_comment_and_gives_time(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        with self.assertRaises(services.AidError) as caught:
            services.ask_again(self.pedagog, self.r, "  ")
        self.assertEqual(caught.exception.code, "comment_required")
        self.assertEqual(self.status(), S.REPORTED)
        # Checked on day 14: the original deadline (16 Sep) is only 2 days off, so the family
        # gets 5 days from today instead.
        self.travel(dt.date(2026, 9, 14))
        services.ask_again(self.pedagog, self.r, "Фотода сөмке көрінбейді.")
        self.assertEqual(self.status(), S.REPORT_DUE)
        self.r.refresh_from_db()
        self.assertEqual(
            (self.r.due_date, self.r.return_comment, self.r.times_returned),
            (dt.date(2026, 9, 19), "Фотода сөмке көрінбейді.", 1),
        )
        change = StatusChange.objects.filter(application=self.app).latest("at", "id")
        self.assertEqual(change.comment, "Фотода сөмке көрінбейді.")

    def test_ask_again_early_keeps_the_original_deadline(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        services.ask_again(self.pedagog, self.r, "Чек керек.")
        self.r.refresh_from_db()
        self.assertEqual(self.r.due_date, dt.date(2026, 9, 16))


class FifteenDays(AidTestCase):
    """seed 000: the report within 15 days of the payment — calendar days, counted from the
    day after it. Paid on Tuesday 1 September: the 15th day is Wednesday 16 September."""

    def setUp(self):
        super().setUp()
        self.r = self.report()

    def test_the_due_date(self):
        self.assertEqual(report_due_date(TODAY), dt.date(2026, 9, 16))
        self.assertEqual(self.r.due_date, dt.date(2026, 9, 16))
        # Calendar days: weekends and holidays count (30 August, Constitution Day, too).
        self.assertEqual(report_due_date(dt.date(2026, 8, 21)), dt.date(2026, 9, 5))

    def test_the_15th_day_is_on_time_and_the_16th_overdue(self):
        self.travel(dt.date(2026, 9, 16))
        self.assertFalse(self.r.is_late(dt.date(2026, 9, 16)))
        self.assertEqual(services.mark_overdue(), 0)
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.REPORT_DUE)
        self.travel(dt.date(2026, 9, 17))
        self.assertTrue(self.r.is_late(dt.date(2026, 9, 17)))
        self.assertEqual(services.mark_overdue(), 1)
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.OVERDUE)
        # Flagging is idempotent.
        self.assertEqual(services.mark_overdue(), 0)

    def test_a_report_sent_on_the_15th_day_is_never_overdue(self):
        self.travel(dt.datetime(2026, 9, 16, 23, 50, tzinfo=TZ))
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        self.travel(dt.date(2026, 9, 20))
        self.assertEqual(services.mark_overdue(), 0)
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.REPORTED)

    def test_a_late_report_is_still_taken_and_accepted(self):
        self.travel(dt.date(2026, 9, 18))
        services.mark_overdue()
        self.r.refresh_from_db()
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        services.accept_report(self.pedagog, self.r)
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.ACCEPTED)
        self.assertIn(
            S.OVERDUE,
            StatusChange.objects.filter(application=self.app).values_list("to_status", flat=True),
        )
