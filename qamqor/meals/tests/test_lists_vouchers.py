"""State verification in chunks, failures coming back, vouchers and the SMS outbox."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import translation

from qamqor.meals.models import ListEntry, MonthlyList, Voucher
from qamqor.meals.services import lists, verification, vouchers
from qamqor.meals.services.programme import MealError, MealSpec
from qamqor.meals.services.verification import Result
from qamqor.registry.models import Guardian, Pupil
from qamqor.sandbox.models import SandboxSms
from qamqor.testing import make_guardian, make_pupil

from .lists_base import DECEMBER, NOVEMBER, NOW, ListTestCase, confirm

D = dt.date
St = MonthlyList.Status
V = Voucher.Status


class VerificationTests(ListTestCase):
    def test_all_verified(self):
        lst = self.approved()
        self.assertEqual((lst.status, lst.verification_done, lst.verification_total),
                         (St.VERIFIED, 2, 2))  # fmt: skip
        self.assertEqual(lst.verified_at, NOW)
        self.assertFalse(lst.entries.exclude(verification=ListEntry.Verification.VERIFIED))
        self.assertEqual(lst.transitions.last().comment, "2 verified, 0 failed")

    def test_failures_come_back_with_the_reason(self):
        self.write_registry(
            {
                self.sibling.iin: {"asp_from": "2026-06-01", "asp_to": "2026-11-30"},
                self.pupil.iin: None,  # unknown to the state registry
            }
        )
        lst = self.approved()
        self.assertEqual(lst.status, St.VERIFIED)
        failed = {e.pupil_id: (e.failure_code, e.failure_reason) for e in lists.failures(lst)}
        self.assertEqual(
            failed,
            {
                self.pupil.pk: ("iin_unknown", ""),
                self.sibling.pk: ("asp_not_valid", "АӘК 2026-06-01 – 2026-11-30"),
            },
        )
        with translation.override(None):  # the source text (English renders АӘК as TSA)
            self.assertEqual(verification.failure_message("asp_not_valid"),
                             "no АӘК (targeted social assistance) in this month")  # fmt: skip
        self.assertFalse(Voucher.objects.exists(), "who fails gets no voucher")

    def test_chunks_move_the_progress_and_the_last_one_finishes(self):
        for n in range(3):
            make_pupil(self.school, self.klass, surname=f"Бала{n}")
        self.write_registry()
        lst = self.submitted()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            lists.approve_list(self.director, lst)
        self.assertEqual(len(callbacks), 1, "the task is enqueued after commit")
        with mock.patch.object(verification, "CHUNK", 2):
            self.assertTrue(verification.verify_next_chunk(lst.pk))
            lst.refresh_from_db()
            self.assertEqual((lst.status, lst.verification_done, lst.verification_total),
                             (St.VERIFYING, 2, 5))  # fmt: skip
            self.assertEqual(lst.progress_percent, 40)
            self.assertTrue(verification.verify_next_chunk(lst.pk))
            self.assertFalse(verification.verify_next_chunk(lst.pk))
        lst.refresh_from_db()
        self.assertEqual((lst.status, lst.verification_done), (St.VERIFIED, 5))
        self.assertFalse(verification.verify_next_chunk(lst.pk), "nothing left, nothing done")
        self.assertEqual(Voucher.objects.count(), 5)

    def test_a_failing_service_loses_nothing_and_the_next_poll_retries(self):
        lst = self.submitted()
        with self.captureOnCommitCallbacks(execute=False):
            lists.approve_list(self.director, lst)

        class Down:
            def verify(self, subjects):
                raise ConnectionError("SDU is down")

        with self.assertRaises(ConnectionError):
            verification.verify_next_chunk(lst.pk, Down())
        lst.refresh_from_db()
        self.assertEqual((lst.status, lst.verification_done), (St.VERIFYING, 0))
        self.assertEqual(lst.entries.filter(verification="pending").count(), 2)
        lst = verification.advance_verification(lst.pk)
        self.assertEqual(lst.status, St.VERIFIED)

    def test_a_subject_the_service_leaves_out_fails_as_a_service_error(self):
        lst = self.submitted()
        with self.captureOnCommitCallbacks(execute=False):
            lists.approve_list(self.director, lst)

        class Partial:
            def verify(self, subjects):
                return [Result(s.iin, True) for s in subjects if s.basis == "universal"]

        verification.verify_next_chunk(lst.pk, Partial())
        self.assertEqual(ListEntry.objects.get(pupil=self.sibling).failure_code, "service_error")

    def test_the_verifier_is_chosen_in_settings(self):
        from qamqor.sandbox.sdu import SandboxSdu

        self.assertIsInstance(verification.get_verifier(), SandboxSdu)


class VoucherTests(ListTestCase):
    def test_primary_grades_active_without_sms_others_after_the_sms(self):
        with self.assertLogs("qamqor.sandbox.sms", "INFO") as logs:
            self.approved()
        mine = Voucher.objects.get(pupil=self.pupil)
        self.assertEqual((mine.status, mine.notified_at, mine.activated_at), (V.ACTIVE, None, NOW))
        theirs = Voucher.objects.get(pupil=self.sibling)
        self.assertEqual((theirs.status, theirs.notified_at), (V.ACTIVE, NOW))
        self.assertEqual((theirs.month, theirs.meal_type), (DECEMBER, "lunch"))
        sms = SandboxSms.objects.get()
        self.assertEqual(sms.phone, self.guardian.phone)
        self.assertIn("https://qamqor.example.kz/meals/wallet/", sms.text)
        self.assertIn(self.sibling.short_name, sms.text)
        self.assertNotIn(self.sibling.iin, sms.text)
        # No personal data in the log line: neither the number nor the name nor the text.
        line = "\n".join(logs.output)
        for secret in (self.guardian.phone, self.sibling.name, self.sibling.surname, sms.text):
            self.assertNotIn(secret, line)

    def test_issuing_twice_creates_and_sends_nothing_new(self):
        lst = self.approved()
        vouchers_before = list(Voucher.objects.values_list("pk", "status", "notified_at"))
        issued, notified = vouchers.issue_and_notify(self.pedagog, lst)
        self.assertEqual((issued.created, notified.sent), (0, 0))
        self.assertEqual(list(Voucher.objects.values_list("pk", "status", "notified_at")),
                         vouchers_before)  # fmt: skip
        self.assertEqual(SandboxSms.objects.count(), 1)

    def test_one_voucher_per_meal_one_sms_per_pupil(self):
        self.make_programme(meals=[MealSpec("lunch", 850), MealSpec("breakfast", 400, 50)])
        self.approved()
        self.assertEqual(Voucher.objects.count(), 4)
        self.assertEqual(
            set(Voucher.objects.filter(pupil=self.sibling).values_list("meal_type", "status")),
            {("lunch", V.ACTIVE), ("breakfast", V.ACTIVE)},
        )
        self.assertEqual(SandboxSms.objects.count(), 1)

    def test_a_parent_without_a_phone_waits_until_one_is_recorded(self):
        confirm(self.stranger, "orphans", D(2026, 9, 1), None)
        self.write_registry({self.stranger.iin: {"guardianship_number": "55"}})
        lst = self.approved()
        waiting = Voucher.objects.get(pupil=self.stranger)
        self.assertEqual((waiting.status, waiting.notified_at), (V.FORMED, None))
        self.assertEqual(vouchers.voucher_counts(self.school.pk, DECEMBER).waiting_sms, 1)
        make_guardian(self.stranger.family, relation=Guardian.Relation.GUARDIAN,
                      phone="+77779998877")  # fmt: skip
        issued, notified = vouchers.issue_and_notify(self.pedagog, lst)
        self.assertEqual((issued.created, notified.sent, notified.unreachable), (0, 1, 0))
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, V.ACTIVE)
        self.assertEqual(SandboxSms.objects.filter(phone="+77779998877").count(), 1)

    def test_counts_by_status_and_class(self):
        self.approved()
        counts = vouchers.voucher_counts(self.school.pk, DECEMBER)
        self.assertEqual(counts.by_status, {"formed": 0, "active": 2, "suspended": 0, "expired": 0})
        self.assertEqual(counts.by_class, [("3А", {"active": 1}), ("7Б", {"active": 1})])

    def test_not_before_verification(self):
        lst = self.submitted()
        with self.assertRaises(MealError) as caught:
            vouchers.issue_vouchers(self.pedagog, lst)
        self.assertEqual(caught.exception.code, "list_not_verified")

    def test_suspend_and_reactivate(self):
        self.approved()
        v = Voucher.objects.get(pupil=self.sibling)
        v = vouchers.suspend_voucher(self.pedagog, v)
        self.assertEqual(v.status, V.SUSPENDED)
        with self.assertRaises(MealError) as caught:
            vouchers.suspend_voucher(self.pedagog, v)
        self.assertEqual(caught.exception.code, "transition_not_allowed")
        v = vouchers.reactivate_voucher(self.pedagog, v)
        self.assertEqual(v.status, V.ACTIVE)
        with self.assertRaises(MealError):
            vouchers.reactivate_voucher(self.pedagog, v)

    def test_a_transferred_pupil_is_not_reactivated(self):
        self.approved()
        v = vouchers.suspend_voucher(self.pedagog, Voucher.objects.get(pupil=self.sibling))
        Pupil.objects.filter(pk=self.sibling.pk).update(status=Pupil.Status.TRANSFERRED)
        with self.assertRaises(MealError) as caught:
            vouchers.reactivate_voucher(self.pedagog, v)
        self.assertEqual(caught.exception.code, "pupil_not_active")

    def test_last_months_vouchers_expire_when_this_months_are_issued(self):
        november = self.approved(NOVEMBER)
        self.assertEqual(set(Voucher.objects.values_list("status", flat=True)), {V.ACTIVE})
        confirm(self.stranger, "other", D(2026, 9, 1), None)
        # The stranger joins in December; the sibling's АӘК ends in November: removed.
        self.asp.valid_to = D(2026, 11, 30)
        self.asp.save()
        import time_machine

        with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=NOW.tzinfo), tick=False):
            december = self.approved(DECEMBER)
        self.assertEqual(november.month, NOVEMBER)
        self.assertEqual(
            set(Voucher.objects.filter(month=NOVEMBER).values_list("status", flat=True)),
            {V.EXPIRED},
        )
        self.assertEqual(
            set(december.entries.values_list("pupil_id", flat=True)),
            {self.pupil.pk, self.stranger.pk},
        )
        self.assertFalse(Voucher.objects.filter(month=DECEMBER, pupil=self.sibling).exists())
        with self.assertRaises(MealError) as caught:
            vouchers.reactivate_voucher(self.pedagog, Voucher.objects.filter(month=NOVEMBER)[0])
        self.assertEqual(caught.exception.code, "transition_not_allowed")
