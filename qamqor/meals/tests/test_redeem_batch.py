"""Offline queues: POST /api/v1/canteen/redemptions/batch, and the day's conflicts page."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qamqor.meals.models import MealType, PupilRef, Redemption, Voucher
from qamqor.meals.services import redeem
from qamqor.registry.models import Pupil
from qamqor.testing import unique_iin

from .redeem_base import ALMATY, NOV, NOW, RedeemCase

EARLIER = NOW - dt.timedelta(minutes=20)


class BatchTests(RedeemCase):
    def test_two_terminals_serving_one_pupil_offline_give_one_meal_and_one_conflict(self):
        first = self.scan(self.voucher, at=EARLIER, terminal="door 1")
        second = self.scan(self.voucher, at=EARLIER + dt.timedelta(minutes=3), terminal="door 2")
        other = self.scan(self.sibling_voucher, at=EARLIER)
        # In one batch, whatever the order: the earlier scan is the meal.
        response = self.batch([second, other, first])
        self.assertEqual(response.status_code, 200, response.content)
        results = response.json()["results"]
        self.assertEqual(
            [(r["client_id"], r["status"]) for r in results],
            [
                (second["client_id"], "conflict"),
                (other["client_id"], "served"),
                (first["client_id"], "served"),
            ],
        )
        self.assertEqual(results[0]["code"], "already_served_today")
        self.assertEqual((results[0]["pupil"], results[0]["class"]), ("Аружан А.", "3А"))
        conflict = Redemption.objects.get(client_id=second["client_id"])
        self.assertEqual((conflict.status, conflict.code), ("conflict", "already_served_today"))
        self.assertEqual(self.served(self.voucher), 1)

    def test_the_second_terminals_queue_arriving_later_records_a_conflict(self):
        mine = self.scan(self.voucher, at=EARLIER, terminal="door 1")
        theirs = self.scan(self.voucher, at=EARLIER + dt.timedelta(minutes=1), terminal="door 2")
        self.assertEqual(self.batch([mine]).json()["results"][0]["status"], "served")
        result = self.batch([theirs], key=self.key2).json()["results"][0]
        self.assertEqual((result["status"], result["code"]), ("conflict", "already_served_today"))
        statuses = sorted(Redemption.objects.values_list("status", "operator_user_id"))
        self.assertEqual(statuses, [("conflict", self.canteen2.pk), ("served", self.canteen.pk)])

    def test_a_client_id_sent_singly_then_in_the_batch_is_answered_as_first(self):
        single = self.scan(self.voucher, at=EARLIER)
        refused = self.scan(token="BROKEN", at=EARLIER)
        first = self.post(single).json()
        self.post(refused)
        count = Redemption.objects.count()
        results = self.batch([single, refused, self.scan(self.sibling_voucher)]).json()["results"]
        self.assertEqual(results[0], first)
        self.assertEqual((results[1]["status"], results[1]["code"]), ("refused", "malformed"))
        self.assertEqual(results[2]["status"], "served")
        self.assertEqual(Redemption.objects.count(), count + 1)

    def test_a_batch_sent_twice_changes_nothing(self):
        scans = [
            self.scan(self.voucher, at=EARLIER),
            self.scan(self.voucher, at=EARLIER + dt.timedelta(minutes=1)),
            self.scan(self.sibling_voucher),
            self.scan(token="BROKEN"),
            self.scan(self.other_voucher),
        ]
        first = self.batch(scans).json()
        rows = sorted(Redemption.objects.values_list("client_id", "status", "code"))
        again = self.batch(scans).json()
        self.assertEqual(again, first)
        self.assertEqual(
            sorted(Redemption.objects.values_list("client_id", "status", "code")), rows
        )
        self.assertEqual(
            [(r["status"], r.get("code")) for r in first["results"]],
            [
                ("served", None),
                ("conflict", "already_served_today"),
                ("served", None),
                ("refused", "malformed"),
                ("refused", "wrong_school"),
            ],
        )
        # Sent singly afterwards, the conflict is a refusal with the same code.
        single = self.post(scans[1])
        self.assertEqual((single.status_code, single.json()["code"]), (422, "already_served_today"))

    def test_one_client_id_twice_in_a_batch_is_one_scan(self):
        scan = self.scan(self.voucher)
        results = self.batch([scan, dict(scan)]).json()["results"]
        self.assertEqual(results[0], results[1])
        self.assertEqual(Redemption.objects.count(), 1)

    def test_every_refusal_code_in_a_batch(self):
        Voucher.objects.filter(pk=self.stranger_voucher.pk).update(status="suspended")
        saturday = dt.datetime(2026, 11, 14, 12, tzinfo=ALMATY)
        token = self.qr(self.voucher, NOW - dt.timedelta(minutes=10))
        scans = [
            self.scan(token="X"),
            self.scan(token=token, at=NOW),
            self.scan(self.other_voucher),
            self.scan(self.stranger_voucher),
            self.scan(self.sibling_voucher, at=saturday),
            self.scan(self.voucher, at=NOW + dt.timedelta(minutes=5)),
            self.scan(self.voucher, at=NOW - dt.timedelta(days=8)),
            self.scan(self.voucher, at=NOW - dt.timedelta(minutes=5), issued=NOW),
        ]
        codes = [r["code"] for r in self.batch(scans).json()["results"]]
        self.assertEqual(
            codes,
            [
                "malformed", "expired", "wrong_school", "voucher_inactive", "not_a_meal_day",
                "scanned_at_future", "scanned_at_too_old", "scanned_at_before_issue",
            ],
        )  # fmt: skip
        self.assertEqual(Redemption.objects.filter(status="refused").count(), len(scans))

    def test_a_bad_entry_is_answered_alone_and_not_stored(self):
        good = self.scan(self.voucher)
        results = self.batch(
            [{"client_id": "nope", "token": "x", "scanned_at": NOW.isoformat()}, good, {}]
        ).json()["results"]
        self.assertEqual(
            [(r["client_id"], r["status"], r.get("code")) for r in results],
            [("nope", "refused", "invalid"), (good["client_id"], "served", None), ("", "refused", "invalid")],
        )  # fmt: skip
        self.assertEqual(Redemption.objects.count(), 1)

    def test_a_batch_over_5000_is_refused_whole(self):
        scan = self.scan(token="X")
        response = self.batch([scan] * (redeem.BATCH_MAX + 1))
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "batch_too_large")
        self.assertFalse(Redemption.objects.exists())
        self.assertEqual(self.batch([]).json(), {"results": []})


class BatchQueryCountTests(RedeemCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        pupils = Pupil.objects.bulk_create(
            Pupil(
                school=cls.school,
                school_class=cls.other_class,
                iin=unique_iin(dt.date(2013, 1, 1), "M"),
                birth_date=dt.date(2013, 1, 1),
                sex="M",
                surname=f"Оқушы{n}",
                name="Ержан",
            )  # fmt: skip
            for n in range(500)
        )
        PupilRef.objects.bulk_create(PupilRef(pupil=p) for p in pupils)
        cls.many = Voucher.objects.bulk_create(
            Voucher(
                school=cls.school,
                pupil=p,
                month=NOV,
                meal_type=MealType.LUNCH,
                status="active",
                activated_at=NOW,
            )  # fmt: skip
            for p in pupils
        )

    def _queries(self, vouchers: list[Voucher]) -> int:
        scans = [self.scan(v, at=EARLIER) for v in vouchers]
        # A replayed scan and a conflict make the follow-up queries run too.
        scans += [scans[0], self.scan(vouchers[1], at=EARLIER + dt.timedelta(minutes=1))]
        self.batch([self.scan(self.voucher)])  # caches the terminal and the school's key
        with CaptureQueriesContext(connection) as queries:
            response = self.batch(scans)
        self.assertEqual(response.status_code, 200)
        results = response.json()["results"]
        # Every voucher served once; the replayed first scan answered "served" again.
        self.assertEqual(sum(r["status"] == "served" for r in results), len(vouchers) + 1)
        self.assertEqual(results[-1]["status"], "conflict")
        return len(queries.captured_queries)

    def test_the_queries_of_a_batch_do_not_grow_with_its_size(self):
        big = self._queries(self.many)  # 500 pupils
        Redemption.objects.all().delete()
        small = self._queries(self.many[:250])
        self.assertEqual(big, small)
        self.assertLessEqual(big, 12)


class ConflictsPageTests(RedeemCase):
    def setUp(self) -> None:
        super().setUp()
        self.batch(
            [self.scan(self.voucher, at=EARLIER), self.scan(self.voucher, terminal="door 2")]
        )
        self.post(self.scan(token="X"))

    def test_the_pedagogue_and_the_operator_see_the_days_conflicts_and_refusals(self):
        url = reverse("meals:canteen_conflicts")
        for user in (self.pedagog, self.canteen):
            self.client.force_login(user)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Аружан А.")
            self.assertContains(response, "door 2")
            text = response.content.decode()
            self.assertIn(redeem.message_for("already_served_today").replace("'", "&#x27;"), text)
            self.assertIn(redeem.message_for("malformed"), text)
        response = self.client.get(url, {"status": "refused"})
        self.assertNotContains(response, "door 2")
        response = self.client.get(url, {"day": "2026-11-19"})
        self.assertNotContains(response, "Аружан А.")

    def test_another_school_sees_its_own_day_only(self):
        self.client.force_login(self.outsider)
        response = self.client.get(reverse("meals:canteen_conflicts"), {"school": self.school.pk})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Аружан")
        for user in (self.teacher, self.parent, self.nobody):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("meals:canteen_conflicts")).status_code, 404)
