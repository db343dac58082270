"""One scan at a time: every answer of POST /api/v1/canteen/redemptions."""

from __future__ import annotations

import datetime as dt
import uuid

import base45
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qamqor.audit.models import AuditEvent
from qamqor.core import signing
from qamqor.eligibility.models import CategoryAssignment
from qamqor.meals.models import MealDay, Programme, Redemption, Voucher
from qamqor.meals.services import redeem

from .redeem_base import ALMATY, DEC, NOW, RedeemCase


class ServedTests(RedeemCase):
    def test_a_valid_scan_is_served_with_name_initial_and_class(self):
        response = self.redeem(self.voucher, client_id=uuid.UUID(int=1))
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(
            response.json(),
            {
                "client_id": str(uuid.UUID(int=1)),
                "status": "served",
                "pupil": "Аружан А.",
                "class": "3А",
                "meal_type": "lunch",
                "day": "2026-11-20",
            },
        )
        row = Redemption.objects.get()
        self.assertEqual(
            (row.status, row.voucher_id, row.pupil_id, row.school_id, row.day, row.terminal),
            ("served", self.voucher.pk, self.pupil.pk, self.school.pk, NOW.date(), "door 1"),
        )
        self.assertEqual(row.operator_user_id, self.canteen.pk)
        self.assertEqual(len(row.token_id), 32)

    def test_the_answer_never_carries_a_category(self):
        CategoryAssignment.objects.create(
            school=self.school, pupil=self.sibling, category="asp", status="confirmed",
            received_at=NOW, counted_from=NOW.date(), due_date=NOW.date(),
        )  # fmt: skip
        response = self.redeem(self.sibling_voucher)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            set(response.json()), {"client_id", "status", "pupil", "class", "meal_type", "day"}
        )
        self.assertNotIn("asp", response.content.decode())

    def test_no_audit_event_no_session_no_csrf(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        response = client.post(
            "/api/v1/canteen/redemptions",
            self.scan(self.voucher),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotIn("sessionid", response.cookies)
        self.assertFalse(AuditEvent.objects.exists())

    def test_a_scan_costs_the_token_lookup_one_select_and_one_insert(self):
        self.redeem(self.sibling_voucher)  # the signing key is now cached, statements prepared
        body = self.scan(self.voucher)
        with CaptureQueriesContext(connection) as queries:
            response = self.post(body)
        self.assertEqual(response.status_code, 201)
        sql = [q["sql"].split()[0].upper() for q in queries.captured_queries]
        # The terminal's token (never cached: a revocation counts at once), the voucher, the
        # insert. On PostgreSQL all three run as statements prepared once per connection.
        self.assertIn(
            sql,
            (["SELECT", "SELECT", "INSERT"], ["EXECUTE", "EXECUTE", "EXECUTE"]),
            queries.captured_queries,
        )

    def test_an_expired_voucher_still_serves_a_scan_made_in_its_month(self):
        # Vouchers expire when the next month's are issued; a queued November scan counts.
        last_day = dt.datetime(2026, 11, 30, 12, tzinfo=ALMATY)
        token = self.qr(self.voucher, last_day)
        Voucher.objects.filter(pk=self.voucher.pk).update(status=Voucher.Status.EXPIRED)
        with time_machine.travel(dt.datetime(2026, 12, 2, 9, tzinfo=ALMATY), tick=False):
            response = self.redeem(token=token, at=last_day)
        self.assertEqual(response.status_code, 201, response.content)


class ReplayTests(RedeemCase):
    def test_the_same_client_id_gets_the_first_answer_and_changes_nothing(self):
        body = self.scan(self.voucher)
        first = self.post(body)
        count = Redemption.objects.count()
        again = self.post(body)
        self.assertEqual((again.status_code, again.json()), (first.status_code, first.json()))
        self.assertEqual(Redemption.objects.count(), count)
        self.assertEqual(self.served(self.voucher), 1)

    def test_a_replay_long_after_the_token_expired_still_gets_the_first_answer(self):
        body = self.scan(self.voucher)
        first = self.post(body)
        with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
            again = self.post(body)
        self.assertEqual((again.status_code, again.json()), (201, first.json()))

    def test_a_refusal_is_stored_and_replayed(self):
        body = self.scan(token="NOT A TOKEN")
        first = self.post(body)
        self.assertEqual(first.status_code, 422)
        self.assertEqual(first.json()["code"], "malformed")
        row = Redemption.objects.get()
        self.assertEqual((row.status, row.code, row.voucher_id), ("refused", "malformed", None))
        again = self.post(body)
        self.assertEqual((again.status_code, again.json()), (422, first.json()))
        self.assertEqual(Redemption.objects.count(), 1)

    def test_a_replay_with_another_token_still_gets_the_first_answer(self):
        client_id = uuid.uuid4()
        first = self.redeem(self.voucher, client_id=client_id)
        again = self.redeem(self.sibling_voucher, client_id=client_id)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(self.served(self.sibling_voucher), 0)

    def test_another_operators_client_id_is_not_answered(self):
        client_id = uuid.uuid4()
        self.redeem(self.voucher, client_id=client_id)
        response = self.redeem(self.other_voucher, key=self.key_b, client_id=client_id)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "client_id_taken")
        self.assertNotIn("Аружан", response.content.decode())


class RefusalTests(RedeemCase):
    def assertRefused(self, response, code: str) -> dict:  # noqa: N802
        self.assertEqual(response.status_code, 422, response.content)
        body = response.json()
        self.assertEqual(body["code"], code)
        self.assertTrue(body["message"])
        row = Redemption.objects.order_by("-id").first()
        self.assertEqual((row.status, row.code), ("refused", code))
        return body

    def test_already_served_today(self):
        self.assertEqual(self.redeem(self.voucher).status_code, 201)
        body = self.assertRefused(self.redeem(self.voucher), "already_served_today")
        self.assertEqual((body["pupil"], body["class"]), ("Аружан А.", "3А"))
        self.assertEqual(self.served(self.voucher), 1)
        # The next meal day is another meal.
        monday = NOW + dt.timedelta(days=3)
        with time_machine.travel(monday, tick=False):
            self.assertEqual(self.redeem(self.voucher, at=monday).status_code, 201)

    def test_malformed(self):
        self.assertRefused(self.redeem(token="HELLO"), "malformed")
        self.assertRefused(self.redeem(token=""), "malformed")

    def test_bad_signature(self):
        raw = bytearray(base45.b45decode(self.qr(self.voucher)))
        raw[-1] ^= 0x01  # the last byte of the Ed25519 signature
        forged = base45.b45encode(bytes(raw)).decode()
        self.assertRefused(self.redeem(token=forged), "bad_signature")

    def test_unknown_key(self):
        token = self.qr(self.voucher)
        signing.rotate_key(self.school.pk, revoke_previous=True)  # a leaked key ends at once
        self.assertRefused(self.redeem(token=token), "unknown_key")
        # A token of the new key is served.
        self.assertEqual(self.redeem(self.voucher).status_code, 201)

    def test_expiry_is_judged_at_the_scan_time(self):
        issued = NOW - dt.timedelta(days=2)
        token = self.qr(self.voucher, issued)
        late = issued + dt.timedelta(minutes=6)
        self.assertRefused(self.redeem(token=token, at=late), "expired")
        # Scanned within its 5 minutes two days ago (a Wednesday), sent only now: served.
        response = self.redeem(token=token, at=issued + dt.timedelta(minutes=4))
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["day"], "2026-11-18")

    def test_wrong_school(self):
        self.assertRefused(self.redeem(self.other_voucher), "wrong_school")
        # School B's terminal cannot serve school A's pupils either.
        self.assertRefused(self.redeem(self.voucher, key=self.key_b), "wrong_school")

    def test_wrong_operator(self):
        # School A's December programme is handed to another operator: the terminal of the
        # old operator, still a member of the school, is refused.
        Programme.objects.filter(school=self.school, month=DEC).update(operator=self.rival)
        at = dt.datetime(2026, 12, 2, 12, tzinfo=ALMATY)
        with time_machine.travel(at, tick=False):
            self.assertRefused(self.redeem(self.voucher_dec, at=at), "wrong_school")
            # November's programme is still the old operator's: a queued scan of it counts.
            november = dt.datetime(2026, 11, 30, 12, tzinfo=ALMATY)
            self.assertEqual(self.redeem(self.voucher, at=november).status_code, 201)

    def test_voucher_inactive(self):
        Voucher.objects.filter(pk=self.voucher.pk).update(status=Voucher.Status.SUSPENDED)
        self.assertRefused(self.redeem(self.voucher), "voucher_inactive")
        Voucher.objects.filter(pk=self.sibling_voucher.pk).update(
            status=Voucher.Status.EXPIRED, activated_at=None
        )
        self.assertRefused(self.redeem(self.sibling_voucher), "voucher_inactive")

    def test_a_november_voucher_on_the_first_of_december(self):
        first = dt.datetime(2026, 12, 1, 12, tzinfo=ALMATY)
        with time_machine.travel(first, tick=False):
            self.assertRefused(self.redeem(self.voucher, at=first), "voucher_inactive")
            # The December voucher serves that day (a working day, a meal day).
            self.assertEqual(self.redeem(self.voucher_dec, at=first).status_code, 201)

    def test_a_month_boundary_in_local_time(self):
        # 30 November 23:30 in Almaty is 18:30 UTC: still November's voucher and day.
        late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=ALMATY)  # a Monday, a meal day
        with time_machine.travel(late + dt.timedelta(minutes=1), tick=False):
            response = self.redeem(self.voucher, at=late.astimezone(dt.UTC))
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["day"], "2026-11-30")

    def test_not_a_meal_day(self):
        saturday = dt.datetime(2026, 11, 21, 12, tzinfo=ALMATY)
        with time_machine.travel(saturday, tick=False):
            self.assertRefused(self.redeem(self.voucher, at=saturday), "not_a_meal_day")

    def test_a_kazakh_holiday_is_not_a_meal_day(self):
        # 16 December (Independence Day) 2026 is a Wednesday; the 15th is a meal day.
        holiday = dt.datetime(2026, 12, 16, 12, tzinfo=ALMATY)
        with time_machine.travel(holiday, tick=False):
            self.assertRefused(self.redeem(self.voucher_dec, at=holiday), "not_a_meal_day")
            day_before = holiday - dt.timedelta(days=1)
            self.assertEqual(self.redeem(self.voucher_dec, at=day_before).status_code, 201)

    def test_a_day_taken_out_of_the_programme(self):
        MealDay.objects.filter(date=NOW.date(), programme__school=self.school).delete()
        self.assertRefused(self.redeem(self.voucher), "not_a_meal_day")


class ScanTimeTests(RedeemCase):
    def assertCode(self, response, code: str) -> None:  # noqa: N802
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json()["code"], code)

    def test_a_scan_in_the_future(self):
        ahead = NOW + redeem.CLOCK_SKEW + dt.timedelta(seconds=1)
        self.assertCode(self.redeem(self.voucher, at=ahead), "scanned_at_future")
        # A terminal clock a minute ahead is tolerated.
        response = self.redeem(self.voucher, at=NOW + dt.timedelta(minutes=1), issued=NOW)
        self.assertEqual(response.status_code, 201, response.content)

    def test_a_scan_before_the_token_was_issued(self):
        early = NOW - redeem.CLOCK_SKEW - dt.timedelta(seconds=1)
        self.assertCode(self.redeem(self.voucher, at=early, issued=NOW), "scanned_at_before_issue")
        response = self.redeem(self.voucher, at=NOW - dt.timedelta(minutes=1), issued=NOW)
        self.assertEqual(response.status_code, 201, response.content)

    def test_a_scan_more_than_seven_days_old(self):
        old = NOW - redeem.MAX_AGE - dt.timedelta(minutes=1)
        self.assertCode(self.redeem(self.voucher, at=old), "scanned_at_too_old")
        week = NOW - redeem.MAX_AGE + dt.timedelta(minutes=1)  # a Friday, a meal day
        self.assertEqual(self.redeem(self.voucher, at=week).status_code, 201)

    def test_a_time_without_offset_is_almaty_time(self):
        body = self.scan(self.voucher)
        body["scanned_at"] = NOW.replace(tzinfo=None).isoformat()
        response = self.post(body)
        self.assertEqual(response.status_code, 201, response.content)
        row = Redemption.objects.get()
        self.assertEqual(row.scanned_at, NOW)

    def test_a_request_without_a_client_id_is_invalid_and_not_stored(self):
        body = self.scan(self.voucher)
        del body["client_id"]
        response = self.post(body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "invalid")
        self.assertFalse(Redemption.objects.exists())


class MessagesTests(RedeemCase):
    def test_every_code_has_a_message_in_kazakh_and_russian(self):
        from django.utils import translation

        for code in redeem.CODES:
            for language in ("kk", "ru", "en"):
                with translation.override(language):
                    self.assertTrue(redeem.message_for(code), (code, language))

    def test_a_refusal_in_russian_keeps_its_code(self):
        body = self.scan(token="X")
        response = self.client.post(
            "/api/v1/canteen/redemptions", body, content_type="application/json",
            headers={"Authorization": f"Bearer {self.key}", "Accept-Language": "ru"},
        )  # fmt: skip
        self.assertEqual(response.json()["code"], "malformed")
