"""Scan times no time zone has (an offset past ±14:00, which PostgreSQL refuses to store)
are refused as invalid input, singly (422) and in a batch (`invalid`), not a server error."""

from __future__ import annotations

import datetime as dt

from qamqor.meals.models import Redemption

from .redeem_base import NOW, RedeemCase

FAR = dt.timezone(dt.timedelta(hours=18, minutes=51))


class ImpossibleOffsetTests(RedeemCase):
    def test_a_single_scan_with_an_offset_past_14_hours_is_a_422(self):
        body = self.scan(self.voucher)
        body["scanned_at"] = NOW.astimezone(FAR).isoformat()
        response = self.post(body)
        self.assertEqual((response.status_code, response.json()["code"]), (422, "invalid"))
        self.assertFalse(Redemption.objects.exists())

    def test_a_batch_entry_with_such_an_offset_is_answered_invalid_alone(self):
        bad, good = self.scan(self.voucher), self.scan(self.sibling_voucher)
        bad["scanned_at"] = NOW.astimezone(FAR).isoformat()
        results = self.batch([bad, good]).json()["results"]
        self.assertEqual(
            [(r["status"], r.get("code")) for r in results],
            [("refused", "invalid"), ("served", None)],
        )
        self.assertEqual(Redemption.objects.count(), 1)

    def test_an_offset_within_14_hours_is_the_same_moment(self):
        body = self.scan(self.voucher)
        body["scanned_at"] = NOW.astimezone(dt.timezone(dt.timedelta(hours=-11))).isoformat()
        self.assertEqual(self.post(body).status_code, 201)
        self.assertEqual(Redemption.objects.get().scanned_at, NOW)
