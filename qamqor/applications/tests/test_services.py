"""The application services: receipt and deadlines, the checklist, each transition, uploads."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from PIL import Image

from qamqor.applications import services
from qamqor.applications.models import (
    Application,
    ApplicationDocument,
    Channel,
    Service,
    Signature,
    StatusChange,
)
from qamqor.audit.models import AuditEvent
from qamqor.core.models import DayOverride
from qamqor.registry.models import Pupil
from qamqor.sandbox.models import SandboxSms

from .base import NOW, ApplicationsTestCase, K, Status, almaty, fake, paper_documents, pdf, png


class Receipt(ApplicationsTestCase):
    def test_after_hours_on_a_friday_before_a_holiday_counts_from_the_next_working_day(self):
        # Friday 13 December 2024, 18:31: Monday the 16th is Independence Day.
        a = self.submit(received_at=almaty(2024, 12, 13, 18, 31))
        self.assertEqual(a.counted_from, dt.date(2024, 12, 17))
        # 15 working days across New Year (1-2 Jan), the decree day off of 3 January, the
        # working Sunday of 5 January and Orthodox Christmas (7 January).
        self.assertEqual(a.due_date, dt.date(2025, 1, 10))

    def test_half_past_six_is_still_in_time(self):
        a = self.submit(received_at=almaty(2024, 12, 13, 18, 30))
        self.assertEqual(a.counted_from, dt.date(2024, 12, 13))

    def test_camp_and_meal_deadlines_are_five_working_days(self):
        for service in (Service.CAMP_VOUCHER, Service.FREE_MEALS):
            pupil = self.sibling if service == Service.CAMP_VOUCHER else self.pupil
            docs = paper_documents(service, K.BIRTH_CERTIFICATE)
            a = self.submit(
                pupil, service, received_at=almaty(2024, 12, 13, 18, 31), documents=docs
            )
            self.assertEqual(
                (a.counted_from, a.due_date), (dt.date(2024, 12, 17), dt.date(2024, 12, 24))
            )

    def test_nauryz_and_the_decree_table(self):
        # Friday 20 March 2026 after hours; 21-23 March is Nauryz (the Saturday and Sunday are
        # moved on). A decree day off entered by the administrator moves the deadline too.
        a = self.submit(received_at=almaty(2026, 3, 20, 19, 0), service=Service.FREE_MEALS)
        before = a.due_date
        self.assertGreater(a.counted_from, dt.date(2026, 3, 23))
        a.delete()
        DayOverride.objects.create(date=before, kind=DayOverride.Kind.DAY_OFF)
        b = self.submit(received_at=almaty(2026, 3, 20, 19, 0), service=Service.FREE_MEALS)
        self.assertGreater(b.due_date, before)

    def test_a_weekend_portal_application_counts_from_monday(self):
        a = self.submit(
            channel=Channel.PORTAL,
            signed_with=Signature.EDS,
            received_at=almaty(2026, 3, 28, 23, 50),  # Saturday night
            documents=[(K.CATEGORY_DOCUMENT, pdf())],
        )
        self.assertEqual(a.counted_from, dt.date(2026, 3, 30))
        self.assertEqual(a.signed_with, "eds")

    def test_a_receipt_in_the_future_is_refused(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(received_at=NOW + dt.timedelta(minutes=5))
        self.assertEqual(e.exception.code, "received_in_future")
        self.assertFalse(Application.objects.exists())

    def test_the_portal_needs_a_signature_and_paper_has_none(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(channel=Channel.PORTAL, documents=[(K.CATEGORY_DOCUMENT, pdf())])
        self.assertEqual(e.exception.code, "signature_required")
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(signed_with=Signature.OTP)
        self.assertEqual(e.exception.code, "signature_not_applicable")

    def test_a_pupil_who_left_the_school_gets_no_application(self):
        self.pupil.status = Pupil.Status.LEFT
        self.pupil.save(update_fields=["status"])
        with self.assertRaises(services.ApplicationError) as e:
            self.submit()
        self.assertEqual(e.exception.code, "pupil_not_active")
        self.assertFalse(Application.objects.exists())

    def test_one_open_application_per_child_and_service_and_one_cash_aid_a_year(self):
        a = self.submit()
        with self.assertRaises(services.ApplicationError) as e:
            self.submit()
        self.assertEqual(e.exception.code, "already_applied")
        self.advance(a, Status.UNDER_REVIEW, Status.APPROVED)
        with self.assertRaises(services.ApplicationError) as e:
            self.submit()
        self.assertEqual(e.exception.code, "already_granted")
        # Another service is another matter; a refusal does not block a new application.
        self.submit(service=Service.FREE_MEALS)
        b = self.submit(
            self.sibling, documents=paper_documents(Service.FINANCIAL_AID, K.BIRTH_CERTIFICATE)
        )
        self.advance(b, Status.UNDER_REVIEW, Status.REFUSED)
        self.submit(
            self.sibling, documents=paper_documents(Service.FINANCIAL_AID, K.BIRTH_CERTIFICATE)
        )

    def test_the_applicant_is_a_guardian_of_the_child(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(self.stranger, applicant=self.guardian, allow_incomplete=True)
        self.assertEqual(e.exception.code, "applicant_not_guardian")

    def test_receipt_is_recorded_and_audited_without_values(self):
        a = self.submit(applicant=self.guardian)
        change = StatusChange.objects.get(application=a)
        self.assertEqual(
            (change.from_status, change.to_status, change.by), ("", "submitted", self.pedagog)
        )
        event = AuditEvent.objects.get(object_type="applications.application", action="create")
        self.assertIn("category", event.fields)
        self.assertNotIn("asp", str(event.fields) + event.object_label)
        self.assertEqual(ApplicationDocument.objects.filter(application=a).count(), 3)


class Checklist(ApplicationsTestCase):
    def test_missing_documents_are_named_and_nothing_is_kept(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(documents=[(K.APPLICATION_FORM, pdf())])
        self.assertEqual(e.exception.code, "documents_missing")
        self.assertEqual(e.exception.extra["missing"], [K.IDENTITY, K.CATEGORY_DOCUMENT])
        self.assertIn("identity document", e.exception.message)
        self.assertFalse(Application.objects.exists())
        self.assertFalse(ApplicationDocument.objects.exists())

    def test_an_incomplete_application_may_be_accepted_when_asked(self):
        a = self.submit(documents=[(K.APPLICATION_FORM, pdf())], allow_incomplete=True)
        self.assertEqual(
            a.missing_documents(services.kinds_present(a)), [K.IDENTITY, K.CATEGORY_DOCUMENT]
        )
        self.assertIn("Documents missing", a.history.get().comment)

    def test_a_child_the_registry_knows_needs_no_certificates(self):
        a = self.submit()
        self.assertFalse(a.needs_birth_certificate)
        self.assertFalse(a.needs_marriage_certificate)
        self.assertNotIn(K.BIRTH_CERTIFICATE, a.required_documents())

    def test_a_child_born_abroad_brings_the_birth_certificate(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(self.sibling)
        self.assertEqual(e.exception.extra["missing"], [K.BIRTH_CERTIFICATE])
        a = self.submit(
            self.sibling, documents=paper_documents(Service.FINANCIAL_AID, K.BIRTH_CERTIFICATE)
        )
        self.assertTrue(a.needs_birth_certificate)
        self.assertFalse(a.needs_marriage_certificate)

    def test_a_child_without_a_record_brings_both_certificates(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(self.stranger)
        self.assertEqual(
            e.exception.extra["missing"], [K.BIRTH_CERTIFICATE, K.MARRIAGE_CERTIFICATE]
        )

    def test_the_checklist_is_kept_when_the_registry_changes(self):
        a = self.submit()
        self.civil_path.write_text("iin,birth_record,born_abroad,birth_country,marriage\n")
        a.refresh_from_db()
        self.assertNotIn(K.BIRTH_CERTIFICATE, a.required_documents())

    def test_camps_ask_for_the_medical_certificate(self):
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(service=Service.CAMP_VOUCHER, documents=paper_documents())
        self.assertEqual(e.exception.extra["missing"], [K.MEDICAL_071])


class Uploads(ApplicationsTestCase):
    def test_a_file_that_is_not_a_document_is_refused_before_anything_is_stored(self):
        docs = paper_documents()
        docs[0] = (K.APPLICATION_FORM, fake())
        with self.assertRaises(services.ApplicationError) as e:
            self.submit(documents=docs)
        self.assertEqual((e.exception.code, e.exception.field), ("file_type_not_allowed", "file"))
        self.assertFalse(Application.objects.exists())

    def test_upload_checks_on_an_existing_application(self):
        a = self.submit(documents=[(K.APPLICATION_FORM, pdf())], allow_incomplete=True)
        with self.assertRaises(services.ApplicationError) as e:
            services.add_document(self.parent, a, K.IDENTITY, fake())
        self.assertEqual(e.exception.code, "file_type_not_allowed")
        with override_settings(UPLOAD_MAX_BYTES=20):
            with self.assertRaises(services.ApplicationError) as e:
                services.add_document(self.parent, a, K.IDENTITY, pdf())
        self.assertEqual(e.exception.code, "file_too_large")
        limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = 5000
        try:
            with self.assertRaises(services.ApplicationError) as e:
                services.add_document(self.parent, a, K.IDENTITY, png(size=(100, 100)))
        finally:
            Image.MAX_IMAGE_PIXELS = limit
        self.assertEqual(e.exception.code, "image_too_large")
        with self.assertRaises(services.ApplicationError) as e:
            services.add_document(self.parent, a, "passport_scan", pdf())
        self.assertEqual(e.exception.code, "document_kind_invalid")
        self.assertEqual(a.documents.count(), 1)
        doc = services.add_document(self.parent, a, K.IDENTITY, png("куәлік.png"))
        self.assertEqual((doc.content_type, doc.original_name), ("image/png", "куәлік.png"))
        self.assertTrue(doc.file.name.endswith(".png"))
        self.assertNotIn("куәлік", doc.file.name)

    def test_no_documents_once_decided(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW, Status.APPROVED)
        with self.assertRaises(services.ApplicationError) as e:
            services.add_document(self.parent, a, K.OTHER, pdf())
        self.assertEqual(e.exception.code, "documents_closed")


class Transitions(ApplicationsTestCase):
    def test_review_request_upload_approve(self):
        a = self.submit(
            documents=[(K.APPLICATION_FORM, pdf()), (K.IDENTITY, pdf())], allow_incomplete=True
        )
        services.start_review(self.pedagog, a)
        with self.assertRaises(services.ApplicationError) as e:
            services.approve_application(self.pedagog, a)
        self.assertEqual(e.exception.code, "documents_missing")
        a.refresh_from_db()
        self.assertEqual(a.status, Status.UNDER_REVIEW)
        with self.assertRaises(services.ApplicationError) as e:
            services.request_documents(self.pedagog, a, [], "")
        self.assertEqual(e.exception.code, "documents_not_named")
        with self.captureOnCommitCallbacks(execute=True):
            services.request_documents(
                self.pedagog, a, [K.CATEGORY_DOCUMENT, K.OTHER], "АӘК анықтамасы"
            )
        a.refresh_from_db()
        self.assertEqual(a.status, Status.DOCUMENTS_REQUESTED)
        self.assertEqual(a.requested_documents, [K.CATEGORY_DOCUMENT, K.OTHER])
        sms = SandboxSms.objects.get(purpose="application_documents")
        self.assertEqual(sms.phone, self.guardian.phone)
        self.assertIn(f"№{a.pk}", sms.text)
        self.assertNotIn(self.pupil.name, sms.text)
        # One of two: still waiting; both: back under review by itself.
        services.add_document(self.parent, a, K.CATEGORY_DOCUMENT, pdf())
        a.refresh_from_db()
        self.assertEqual(a.status, Status.DOCUMENTS_REQUESTED)
        services.add_document(self.parent, a, K.OTHER, png())
        a.refresh_from_db()
        self.assertEqual(a.status, Status.UNDER_REVIEW)
        with self.captureOnCommitCallbacks(execute=True):
            services.approve_application(self.pedagog, a, "Бәрі дұрыс")
        a.refresh_from_db()
        self.assertEqual((a.status, a.decided_by), (Status.APPROVED, self.pedagog))
        self.assertEqual(a.decided_at, NOW)
        self.assertEqual(
            list(a.history.values_list("to_status", flat=True)),
            ["submitted", "under_review", "documents_requested", "under_review", "approved"],
        )
        self.assertEqual(a.history.get(to_status="under_review", by=self.parent).comment,
                         "The requested documents arrived.")  # fmt: skip
        self.assertTrue(SandboxSms.objects.filter(purpose="application_decided").exists())
        updates = AuditEvent.objects.filter(object_type="applications.application", action="update")
        self.assertEqual(updates.count(), 4)
        self.assertIn("decided_by", updates.order_by("-id").first().fields)

    def test_refusal_needs_a_reason_and_changes_nothing_without_one(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW)
        with self.assertRaises(services.ApplicationError) as e:
            services.refuse_application(self.pedagog, a, "   ")
        self.assertEqual(e.exception.code, "reason_required")
        a.refresh_from_db()
        self.assertEqual(
            (a.status, a.refusal_reason, a.decided_at), (Status.UNDER_REVIEW, "", None)
        )
        services.refuse_application(self.pedagog, a, "АӘК анықтамасының мерзімі өткен.")
        a.refresh_from_db()
        self.assertEqual(a.status, Status.REFUSED)
        self.assertEqual(a.history.last().comment, "АӘК анықтамасының мерзімі өткен.")

    def test_refused_while_documents_are_requested(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW)
        services.request_documents(self.pedagog, a, [K.OTHER])
        services.refuse_application(self.pedagog, a, "Құжаттар әкелінбеді.")
        self.assertEqual(a.status, Status.REFUSED)

    def test_steps_out_of_order_are_refused(self):
        a = self.submit()
        for call in (
            lambda: services.approve_application(self.pedagog, a),
            lambda: services.refuse_application(self.pedagog, a, "x"),
            lambda: services.request_documents(self.pedagog, a, [K.OTHER]),
            lambda: services.file_appeal(self.parent, a, "x"),
            lambda: services.decide_appeal(self.director, a, True, "x"),
            lambda: services.transition_application(self.pedagog, a, Status.PAID),
        ):
            with self.assertRaises(services.ApplicationError) as e:
                call()
            self.assertEqual(e.exception.code, "transition_not_allowed")
            a.refresh_from_db()
            self.assertEqual(a.status, Status.SUBMITTED)
        self.assertEqual(a.history.count(), 1)

    def test_appeal_upheld_restarts_the_review_with_a_new_term(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW, Status.REFUSED)
        with self.assertRaises(services.ApplicationError) as e:
            services.file_appeal(self.parent, a, "")
        self.assertEqual(e.exception.code, "appeal_text_required")
        services.file_appeal(self.parent, a, "Анықтама жаңа.")
        a.refresh_from_db()
        self.assertEqual(a.status, Status.APPEALED)
        # Wednesday 1 April 2026 + 5 working days.
        self.assertEqual(a.appeal_due_date, dt.date(2026, 4, 8))
        with self.assertRaises(services.ApplicationError):
            services.start_review(self.pedagog, a)
        with self.assertRaises(services.ApplicationError) as e:
            services.decide_appeal(self.director, a, True, "")
        self.assertEqual(e.exception.code, "appeal_decision_required")
        services.decide_appeal(self.director, a, True, "Жаңа анықтама қабылданды.")
        a.refresh_from_db()
        self.assertEqual(
            (a.status, a.refusal_reason, a.decided_at), (Status.UNDER_REVIEW, "", None)
        )
        self.assertEqual(a.due_date, dt.date(2026, 4, 22))
        self.advance(a, Status.APPROVED)

    def test_appeal_dismissed_keeps_the_refusal(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW, Status.REFUSED, Status.APPEALED)
        services.decide_appeal(self.director, a, False, "Негіз жоқ.")
        a.refresh_from_db()
        self.assertEqual(a.status, Status.REFUSED)
        self.assertEqual(a.refusal_reason, "Құжат жарамсыз.")
        self.assertEqual(a.appeal_decision, "Негіз жоқ.")

    def test_the_cash_aid_tail_through_the_generic_transition(self):
        a = self.advance(self.submit(), Status.UNDER_REVIEW, Status.APPROVED)
        for status in (Status.PAID, Status.REPORT_DUE, Status.REPORTED, Status.REPORT_DUE,
                       Status.OVERDUE, Status.REPORTED, Status.ACCEPTED):  # fmt: skip
            services.transition_application(self.pedagog, a, status, comment=status)
            a.refresh_from_db()
            self.assertEqual(a.status, status)
        with self.assertRaises(services.ApplicationError):
            services.transition_application(self.pedagog, a, Status.REPORTED)

    def test_no_payment_for_a_camp_voucher(self):
        a = self.submit(
            service=Service.CAMP_VOUCHER, documents=paper_documents(Service.CAMP_VOUCHER)
        )
        self.advance(a, Status.UNDER_REVIEW, Status.APPROVED)
        with self.assertRaises(services.ApplicationError) as e:
            services.transition_application(self.pedagog, a, Status.PAID)
        self.assertEqual(e.exception.code, "transition_not_allowed")
