"""One client id on two different scans of one batch: only the first is stored and answered
as such; the second is refused with a code of its own (hardening issue)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

from qamqor.meals.models import Redemption
from qamqor.meals.services import redeem

from .redeem_base import NOW, RedeemCase

EARLIER = NOW - dt.timedelta(minutes=20)
I18N = Path(redeem.__file__).parents[2] / "canteen/static/canteen/scan/js/i18n.js"


class DuplicateClientIdTests(RedeemCase):
    def test_one_client_id_on_two_pupils_scans_serves_only_the_first(self):
        client_id = uuid.uuid4()
        first = self.scan(self.voucher, at=EARLIER, client_id=client_id)
        second = self.scan(self.sibling_voucher, at=EARLIER, client_id=client_id)
        results = self.batch([first, second]).json()["results"]
        self.assertEqual((results[0]["status"], results[0]["pupil"]), ("served", "Аружан А."))
        self.assertEqual(
            (results[1]["client_id"], results[1]["status"], results[1]["code"]),
            (str(client_id), "refused", "duplicate_client_id"),
        )
        self.assertTrue(results[1]["message"])
        self.assertNotIn("pupil", results[1])
        self.assertEqual(Redemption.objects.get().voucher_id, self.voucher.pk)
        self.assertEqual(self.served(self.sibling_voucher), 0)

    def test_the_first_in_the_batch_wins_whatever_the_insert_order(self):
        client_id = uuid.uuid4()
        # The sibling's voucher sorts first for the INSERT; the batch order decides.
        first = self.scan(self.stranger_voucher, at=EARLIER, client_id=client_id)
        second = self.scan(self.voucher, at=EARLIER, client_id=client_id)
        results = self.batch([first, second]).json()["results"]
        self.assertEqual([r["status"] for r in results], ["served", "refused"])
        self.assertEqual(Redemption.objects.get().voucher_id, self.stranger_voucher.pk)

    def test_the_same_scan_twice_is_still_one_scan_with_one_answer(self):
        scan = self.scan(self.voucher)
        results = self.batch([scan, dict(scan)]).json()["results"]
        self.assertEqual(results[0], results[1])
        self.assertEqual(results[0]["status"], "served")

    def test_a_client_id_stored_earlier_and_reused_twice_in_a_batch(self):
        client_id = uuid.uuid4()
        stored = self.scan(self.voucher, at=EARLIER, client_id=client_id)
        first = self.post(stored).json()
        other = self.scan(self.sibling_voucher, at=EARLIER, client_id=client_id)
        results = self.batch([stored, other]).json()["results"]
        self.assertEqual(results[0], {"client_id": str(client_id), "status": "served", **first})
        self.assertEqual(results[1]["code"], "duplicate_client_id")
        self.assertEqual(Redemption.objects.count(), 1)

    def test_the_scanner_explains_the_code_in_each_language(self):
        text = I18N.read_text(encoding="utf-8")
        self.assertEqual(len(re.findall(r"^\s+duplicate_client_id: \"", text, re.M)), 3)
        self.assertIn("duplicate_client_id", redeem.CODES)
