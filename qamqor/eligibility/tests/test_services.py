"""Services: applications, evidence, decisions, the income test and the deadline."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.utils import translation

from qamqor.audit.models import AuditEvent
from qamqor.core.models import DayOverride
from qamqor.eligibility import services
from qamqor.eligibility.models import (
    BoardDecision,
    Category,
    CategoryAssignment,
    Evidence,
    EvidenceKind,
    SubsistenceMinimum,
)
from qamqor.eligibility.services import EligibilityError
from qamqor.registry.models import Income, Pupil

from .factories import EligibilityTestCase, almaty, fake, pdf, png

S = CategoryAssignment.Status
D = dt.date


class ApplyTests(EligibilityTestCase):
    def test_apply_sets_status_due_date_and_audit(self):
        a = self.apply(Category.ASP, received_at=almaty(2026, 3, 30, 11))
        a.refresh_from_db()
        self.assertEqual(a.status, S.APPLIED)
        self.assertEqual(a.school_id, self.school.pk)
        self.assertEqual(a.counted_from, D(2026, 3, 30))
        self.assertEqual(a.created_by, self.pedagog)
        self.assertEqual(a.evidence.get().kind, EvidenceKind.ASP_CERTIFICATE)
        event = AuditEvent.objects.filter(object_type="eligibility.categoryassignment").get()
        self.assertEqual(event.action, "create")
        self.assertIn("category", event.fields)
        # Field names only: no value of the application reaches the trail.
        self.assertNotIn("Ақсу", str(event.fields) + event.object_label)

    def test_due_date_skips_nauryz(self):
        # seed 001: 15 working days. Thursday 19 March 2026; Nauryz 21-23 March falls on
        # Sat-Mon and its weekend days move to Tue 24 and Wed 25: due Tuesday 14 April
        # (without the holidays it would be Thursday 9 April).
        a = self.apply(received_at=almaty(2026, 3, 19, 10))
        self.assertEqual((a.counted_from, a.due_date), (D(2026, 3, 19), D(2026, 4, 14)))

    def test_after_hours_counts_from_the_next_working_day(self):
        a = self.apply(received_at=almaty(2026, 3, 19, 19))
        self.assertEqual((a.counted_from, a.due_date), (D(2026, 3, 20), D(2026, 4, 15)))

    def test_due_date_follows_the_decree_table(self):
        DayOverride.objects.create(date=D(2026, 4, 10), kind=DayOverride.Kind.DAY_OFF)
        a = self.apply(received_at=almaty(2026, 3, 19, 10))
        self.assertEqual(a.due_date, D(2026, 4, 15))

    def test_received_at_defaults_to_now_and_is_not_in_the_future(self):
        a = services.apply_category(self.pedagog, self.pupil, Category.ORPHAN)
        self.assertEqual(a.received_at, almaty(2026, 4, 1, 10))
        with self.assertRaises(EligibilityError) as ctx:
            self.apply(Category.ASP, self.sibling, received_at=almaty(2026, 4, 2, 9))
        self.assertEqual(ctx.exception.code, "received_in_future")

    def test_unknown_category_and_duplicate(self):
        with self.assertRaises(EligibilityError) as ctx:
            services.apply_category(self.pedagog, self.pupil, "rich")
        self.assertEqual(ctx.exception.code, "category_invalid")
        self.apply(Category.ASP)
        with self.assertRaises(EligibilityError) as ctx:
            self.apply(Category.ASP)
        self.assertEqual(ctx.exception.code, "already_applied")
        self.apply(Category.ORPHAN)  # another category is another application

    def test_pupil_must_be_studying(self):
        Pupil.objects.filter(pk=self.stranger.pk).update(status=Pupil.Status.LEFT)
        self.stranger.refresh_from_db()
        with self.assertRaises(EligibilityError) as ctx:
            self.apply(Category.ASP, self.stranger)
        self.assertEqual(ctx.exception.code, "pupil_not_active")

    def test_bad_file_rolls_back_the_whole_application(self):
        with self.assertRaises(EligibilityError) as ctx:
            services.apply_category(
                self.pedagog,
                self.pupil,
                Category.ASP,
                almaty(2026, 3, 30, 11),
                evidence=[(EvidenceKind.ASP_CERTIFICATE, pdf()), (EvidenceKind.OTHER, fake())],
            )
        self.assertEqual(ctx.exception.code, "file_type_not_allowed")
        self.assertFalse(CategoryAssignment.objects.exists())
        self.assertFalse(Evidence.objects.exists())

    def test_board_decision_only_for_board_categories_of_the_school(self):
        decision = self.board_decision()
        with self.assertRaises(EligibilityError) as ctx:
            self.apply(Category.ASP, board_decision=decision)
        self.assertEqual(ctx.exception.code, "board_decision_not_applicable")
        with self.assertRaises(EligibilityError) as ctx:
            self.apply(Category.EMERGENCY, self.other_pupil, board_decision=decision)
        self.assertEqual(ctx.exception.code, "board_decision_other_school")


class EvidenceTests(EligibilityTestCase):
    def test_add_evidence_checks_content_and_stores_a_fresh_name(self):
        a = self.apply(Category.ORPHAN, evidence=False)
        e = services.add_evidence(self.pedagog, a, EvidenceKind.GUARDIANSHIP, png("Иванов.png"))
        e.refresh_from_db()
        self.assertEqual((e.content_type, e.original_name), ("image/png", "Иванов.png"))
        self.assertNotIn("Иванов", e.file.name)
        self.assertTrue(e.file.name.startswith("evidence/2026/04/"))
        self.assertEqual(e.size, e.file.size)
        self.assertEqual(e.uploaded_by, self.pedagog)
        event = AuditEvent.objects.get(object_type="eligibility.evidence")
        self.assertEqual((event.action, event.school_id), ("create", self.school.pk))
        self.assertNotIn("Иванов", event.object_label)

    def test_type_is_checked_by_content_not_name(self):
        a = self.apply(Category.ORPHAN, evidence=False)
        with self.assertRaises(EligibilityError) as ctx:
            services.add_evidence(self.pedagog, a, EvidenceKind.GUARDIANSHIP, fake("ok.pdf"))
        self.assertEqual(
            (ctx.exception.code, ctx.exception.field), ("file_type_not_allowed", "file")
        )
        self.assertFalse(a.evidence.exists())

    @override_settings(UPLOAD_MAX_BYTES=20)
    def test_size_limit(self):
        a = self.apply(Category.ORPHAN, evidence=False)
        with self.assertRaises(EligibilityError) as ctx:
            services.add_evidence(self.pedagog, a, EvidenceKind.GUARDIANSHIP, pdf())
        self.assertEqual(ctx.exception.code, "file_too_large")

    def test_kind_must_be_known(self):
        a = self.apply(Category.ORPHAN, evidence=False)
        with self.assertRaises(EligibilityError) as ctx:
            services.add_evidence(self.pedagog, a, "selfie", pdf())
        self.assertEqual(ctx.exception.code, "evidence_kind_invalid")

    def test_no_evidence_after_the_decision(self):
        a = self.apply(Category.ORPHAN)
        services.refuse_category(self.pedagog, a, "Шешім жоқ")
        with self.assertRaises(EligibilityError) as ctx:
            services.add_evidence(self.pedagog, a, EvidenceKind.OTHER, pdf())
        self.assertEqual(ctx.exception.code, "transition_not_allowed")


class ConfirmTests(EligibilityTestCase):
    period = (D(2026, 4, 1), D(2026, 5, 31))

    def confirm(self, a, **kw):
        return services.confirm_category(
            self.pedagog,
            a,
            *kw.pop("period", self.period),
            kw.pop("granted_by", "Әкімдік анықтамасы № 5"),
            **kw,
        )

    def test_confirm_asp(self):
        a = self.confirm(self.apply(Category.ASP))
        a.refresh_from_db()
        self.assertEqual(a.status, S.CONFIRMED)
        self.assertEqual((a.valid_from, a.valid_to), self.period)
        self.assertEqual(a.decided_by, self.pedagog)
        self.assertEqual(a.decided_at, almaty(2026, 4, 1, 10))
        self.assertEqual(a.granted_by, "Әкімдік анықтамасы № 5")
        self.assertTrue(a.is_valid_on(D(2026, 4, 15)))
        event = AuditEvent.objects.filter(action="update").get()
        self.assertEqual(set(event.fields) >= {"status", "valid_from", "valid_to"}, True)

    def test_confirm_orphan(self):
        self.assertEqual(self.confirm(self.apply(Category.ORPHAN)).status, S.CONFIRMED)

    def test_cannot_decide_twice(self):
        a = self.confirm(self.apply(Category.ASP))
        for call in (
            lambda: self.confirm(a),
            lambda: services.refuse_category(self.pedagog, a, "x"),
        ):
            with self.assertRaises(EligibilityError) as ctx:
                call()
            self.assertEqual(ctx.exception.code, "transition_not_allowed")
        a.refresh_from_db()
        self.assertEqual(a.status, S.CONFIRMED)

    def test_a_stale_copy_cannot_decide_again(self):
        a = self.apply(Category.ASP)
        stale = CategoryAssignment.objects.get(pk=a.pk)
        services.refuse_category(self.pedagog, a, "Анықтама жоқ")
        with self.assertRaises(EligibilityError) as ctx:
            self.confirm(stale)
        self.assertEqual(ctx.exception.code, "transition_not_allowed")

    def test_period_invalid(self):
        a = self.apply(Category.ASP)
        for period in ((D(2026, 5, 1), D(2026, 4, 1)), (None, D(2026, 4, 1))):
            with self.assertRaises(EligibilityError) as ctx:
                self.confirm(a, period=period)
            self.assertEqual(ctx.exception.code, "period_invalid")

    def test_evidence_missing(self):
        a = self.apply(Category.ASP, evidence=False)
        with translation.override("en"), self.assertRaises(EligibilityError) as ctx:
            self.confirm(a)
        self.assertEqual(ctx.exception.code, "evidence_missing")
        self.assertIn("АӘК certificate", ctx.exception.message)
        services.add_evidence(self.pedagog, a, EvidenceKind.ASP_CERTIFICATE, pdf())
        self.assertEqual(self.confirm(a).status, S.CONFIRMED)

    def test_board_decision_required_for_emergency_and_other(self):
        for category in (Category.EMERGENCY, Category.OTHER):
            a = self.apply(category)
            with self.assertRaises(EligibilityError) as ctx:
                self.confirm(a)
            self.assertEqual(ctx.exception.code, "board_decision_required")
            a.refresh_from_db()
            self.assertEqual(a.status, S.APPLIED)
            decision = self.board_decision(number=f"7-{category}")
            self.assertEqual(self.confirm(a, board_decision=decision).status, S.CONFIRMED)
            a.refresh_from_db()
            self.assertEqual(a.board_decision, decision)

    def test_board_decision_recorded_while_applying_and_its_scan_counts(self):
        decision = self.board_decision()
        a = self.apply(Category.EMERGENCY, evidence=False, board_decision=decision)
        services.add_evidence(self.pedagog, a, EvidenceKind.INSPECTION, pdf())
        # The decision's scan proves the decision; only the inspection report was uploaded.
        self.assertEqual(self.confirm(a).status, S.CONFIRMED)

    def test_board_decision_without_scan_needs_the_document(self):
        decision = self.board_decision(scan=False)
        a = self.apply(Category.OTHER, evidence=False, board_decision=decision)
        services.add_evidence(self.pedagog, a, EvidenceKind.INSPECTION, pdf())
        with self.assertRaises(EligibilityError) as ctx:
            self.confirm(a)
        self.assertEqual(ctx.exception.code, "evidence_missing")

    def test_board_decision_of_another_school_refused(self):
        other = BoardDecision.objects.create(
            school=self.other_school, number="1", date=D(2026, 3, 1), text="…"
        )
        a = self.apply(Category.EMERGENCY)
        with self.assertRaises(EligibilityError) as ctx:
            self.confirm(a, board_decision=other)
        self.assertEqual(ctx.exception.code, "board_decision_other_school")


class IncomeTestTests(EligibilityTestCase):
    """Persona family: 90,000 ₸ a month, 3 members (two pupils, the mother): 30,000 each."""

    period = (D(2026, 4, 1), D(2026, 5, 31))

    def confirm(self, a):
        return services.confirm_category(self.pedagog, a, *self.period, "Табыс анықтамалары")

    def test_below_the_minimum_confirms(self):
        self.assertEqual(self.confirm(self.apply(Category.BELOW_SUBSISTENCE)).status, S.CONFIRMED)

    def test_not_below_is_refused_with_a_clear_message(self):
        Income.objects.create(
            family=self.family, source=Income.Source.BUSINESS, monthly_amount=90_000
        )  # 60,000 each > 50,851 (2026)
        a = self.apply(Category.BELOW_SUBSISTENCE)
        with translation.override("en"), self.assertRaises(EligibilityError) as ctx:
            self.confirm(a)
        self.assertEqual(ctx.exception.code, "income_not_below_minimum")
        for part in ("60,000", "50,851", "2026"):
            self.assertIn(part, ctx.exception.message)
        a.refresh_from_db()
        self.assertEqual(a.status, S.APPLIED)

    def test_a_family_receiving_asp_is_category_1_not_2(self):
        # Seed 000: "below subsistence" is for families that do not receive АӘК.
        Income.objects.create(family=self.family, source=Income.Source.ASP, monthly_amount=20_000)
        a = self.apply(Category.BELOW_SUBSISTENCE)
        with self.assertRaises(EligibilityError) as ctx:
            self.confirm(a)
        self.assertEqual(ctx.exception.code, "receives_asp")
        a.refresh_from_db()
        self.assertEqual(a.status, S.APPLIED)

    def test_regional_minimum_wins_over_the_national_one(self):
        SubsistenceMinimum.objects.create(year=2026, region=self.region, amount=25_000)
        with translation.override("en"), self.assertRaises(EligibilityError) as ctx:
            self.confirm(self.apply(Category.BELOW_SUBSISTENCE))
        self.assertEqual(ctx.exception.code, "income_not_below_minimum")
        self.assertIn("25,000", ctx.exception.message)

    def test_another_regions_minimum_does_not_apply(self):
        from qamqor.testing import make_region

        SubsistenceMinimum.objects.create(year=2026, region=make_region(), amount=25_000)
        self.assertEqual(self.confirm(self.apply(Category.BELOW_SUBSISTENCE)).status, S.CONFIRMED)

    def test_the_year_of_the_decision_counts(self):
        Income.objects.create(
            family=self.family, source=Income.Source.PENSION, monthly_amount=60_000
        )  # 50,000 each: < 50,851 (2026), > 46,228
        # Received in 2025, when 50,000 was above the minimum; decided in 2026, when it is not.
        a = self.apply(Category.BELOW_SUBSISTENCE, received_at=almaty(2025, 12, 29, 10))
        self.assertEqual(self.confirm(a).status, S.CONFIRMED)

    def test_no_minimum_for_the_year(self):
        SubsistenceMinimum.objects.filter(year=2026).delete()
        with self.assertRaises(EligibilityError) as ctx:
            self.confirm(self.apply(Category.BELOW_SUBSISTENCE))
        self.assertEqual(ctx.exception.code, "subsistence_minimum_missing")

    def test_no_family(self):
        Pupil.objects.filter(pk=self.pupil.pk).update(family=None)
        self.pupil.refresh_from_db()
        with self.assertRaises(EligibilityError) as ctx:
            self.confirm(self.apply(Category.BELOW_SUBSISTENCE))
        self.assertEqual(ctx.exception.code, "income_unknown")


class RefuseTests(EligibilityTestCase):
    def test_refuse_with_reason(self):
        a = self.apply(Category.ORPHAN)
        services.refuse_category(self.pedagog, a, "  Қамқоршылық шешімі жоқ  ")
        a.refresh_from_db()
        self.assertEqual((a.status, a.refusal_reason), (S.REFUSED, "Қамқоршылық шешімі жоқ"))
        self.assertEqual(a.decided_by, self.pedagog)
        self.assertFalse(a.is_valid_on(D(2026, 4, 2)))
        event = AuditEvent.objects.filter(action="update").get()
        self.assertIn("refusal_reason", event.fields)

    def test_reason_required(self):
        a = self.apply(Category.ORPHAN)
        with self.assertRaises(EligibilityError) as ctx:
            services.refuse_category(self.pedagog, a, "   ")
        self.assertEqual(ctx.exception.code, "reason_required")


class BoardDecisionTests(EligibilityTestCase):
    def test_record_and_reuse(self):
        first = self.board_decision(scan=False)
        self.assertFalse(first.scan)
        again = services.record_board_decision(
            self.pedagog, self.school, "3", D(2026, 3, 27), "", pdf("scan.pdf")
        )
        self.assertEqual(again.pk, first.pk)
        again.refresh_from_db()
        self.assertTrue(again.scan.name.startswith("board/"))
        self.assertEqual(BoardDecision.objects.count(), 1)
        actions = list(
            AuditEvent.objects.filter(object_type="eligibility.boarddecision")
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["create", "update"])

    def test_required_fields_and_dates(self):
        cases = [
            (("", D(2026, 3, 1), "text"), "board_number_required"),
            (("1", None, "text"), "board_date_required"),
            (("1", D(2026, 4, 2), "text"), "board_date_future"),
            (("1", D(2026, 3, 1), ""), "board_text_required"),
        ]
        for args, code in cases:
            with self.assertRaises(EligibilityError) as ctx:
                services.record_board_decision(self.pedagog, self.school, *args)
            self.assertEqual(ctx.exception.code, code)

    def test_scan_is_checked(self):
        with self.assertRaises(EligibilityError) as ctx:
            services.record_board_decision(
                self.pedagog, self.school, "1", D(2026, 3, 1), "text", fake()
            )
        self.assertEqual(
            (ctx.exception.code, ctx.exception.field), ("file_type_not_allowed", "board_scan")
        )
        self.assertFalse(BoardDecision.objects.exists())
