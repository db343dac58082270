"""Many terminals at once (PostgreSQL): the unique index, not a check, counts the meal."""

from __future__ import annotations

import datetime as dt
import json
import threading
import unittest
import uuid

import time_machine
from django.db import connection, connections
from django.test import Client, TransactionTestCase

from qamqor.accounts.models import Membership, Role
from qamqor.accounts.tokens import issue_token as issue_api_token
from qamqor.core import signing
from qamqor.meals.models import PupilRef, Redemption
from qamqor.meals.tokens import issue_token
from qamqor.testing import make_class, make_pupil, make_school, make_user

from .redeem_base import BATCH_URL, NOV, NOW, URL, make_operator, make_programme, make_voucher

THREADS = 50


def _run_in_threads(count: int, work) -> list:  # noqa: ANN001
    """Start `count` threads at once (a barrier), each with its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except Exception as exc:  # reported by the test, not lost in the thread
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@unittest.skipUnless(
    connection.vendor == "postgresql",
    "needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
)
class ConcurrentRedemptionTests(TransactionTestCase):
    # Every TransactionTestCase here rolls back by serialization. A plain one flushes with
    # post_migrate, which recreates the content types under new ids (PostgreSQL does not
    # reset sequences on flush); a serialized one that runs next in the same worker (the
    # backup tests) then fails to load the migrated rows on their old ids. Serialized, it
    # starts from the migrated rows and leaves the tables empty, as the others expect.
    serialized_rollback = True

    def setUp(self) -> None:
        signing.invalidate_cache()
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.addCleanup(signing.invalidate_cache)
        school = make_school()
        klass = make_class(school, 2, "Ә")
        operator = make_operator(3)
        make_programme(school, NOV, operator)
        self.vouchers = [make_voucher(make_pupil(school, klass), NOV) for _ in range(3)]
        self.keys = []
        for n in range(2):
            user = make_user(f"terminal{n}", Role.CANTEEN, school)
            Membership.objects.filter(user=user).update(organisation_bin=operator.bin)
            self.keys.append(issue_api_token(user))

    def qr(self, voucher) -> str:  # noqa: ANN001
        ref = PupilRef.objects.get(pupil_id=voucher.pupil_id).ref
        return issue_token(
            school_id=voucher.school_id, pupil_ref=ref, voucher_id=voucher.pk,
            meal_type=voucher.meal_type, now=NOW,
        ).text  # fmt: skip

    def body(self, token: str, minutes: int = 0) -> dict:
        at = NOW + dt.timedelta(minutes=minutes)
        return {"token": token, "client_id": str(uuid.uuid4()), "terminal": "t", "scanned_at": at.isoformat()}  # fmt: skip

    def post(self, url: str, body: dict, key: str):  # noqa: ANN201
        return Client().post(
            url, json.dumps(body), content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip

    def test_fifty_terminals_scanning_one_voucher_serve_one_meal(self):
        voucher = self.vouchers[0]
        tokens = [self.qr(voucher) for _ in range(THREADS)]  # each QR differs (its cti)
        results = _run_in_threads(
            THREADS, lambda n: self.post(URL, self.body(tokens[n]), self.keys[n % 2])
        )
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertFalse(errors, errors[:3])
        codes = sorted(r.status_code for r in results)
        self.assertEqual(codes, [201] + [422] * (THREADS - 1))
        refused = {r.json()["code"] for r in results if r.status_code == 422}
        self.assertEqual(refused, {"already_served_today"})
        self.assertEqual(Redemption.objects.filter(voucher=voucher, status="served").count(), 1)
        self.assertEqual(Redemption.objects.filter(voucher=voucher, status="refused").count(), 49)

    def test_the_same_client_id_fifty_times_at_once_is_one_scan(self):
        body = self.body(self.qr(self.vouchers[0]))
        results = _run_in_threads(THREADS, lambda n: self.post(URL, body, self.keys[0]))
        self.assertFalse([r for r in results if isinstance(r, Exception)])
        self.assertEqual({r.status_code for r in results}, {201})
        self.assertEqual(Redemption.objects.count(), 1)

    def test_crossing_batches_do_not_deadlock_and_count_each_meal_once(self):
        tokens = [self.qr(v) for v in self.vouchers]
        # Ten queues at once, alternately in one order and reversed, over the same pupils.
        batches = []
        for n in range(10):
            scans = [self.body(t) for t in tokens]
            batches.append((scans if n % 2 else scans[::-1], self.keys[n % 2]))
        results = _run_in_threads(
            len(batches), lambda n: self.post(BATCH_URL, {"scans": batches[n][0]}, batches[n][1])
        )
        self.assertFalse([r for r in results if isinstance(r, Exception)])
        self.assertEqual({r.status_code for r in results}, {200})
        for voucher in self.vouchers:
            served = Redemption.objects.filter(voucher=voucher, status="served").count()
            self.assertEqual(served, 1)
        statuses = [x["status"] for r in results for x in r.json()["results"]]
        self.assertEqual(statuses.count("served"), len(self.vouchers))
        self.assertEqual(statuses.count("conflict"), len(self.vouchers) * 9)
