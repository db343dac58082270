"""The JSON API of the meal reports: the табель totals and the daily report."""

from __future__ import annotations

import datetime as dt

import time_machine

from qamqor.accounts.tokens import issue_token
from qamqor.meals.models import TabelAmendment
from qamqor.meals.services import daily_report, tabel

from .tabel_factories import LUNCH, OCT, TabelCase, at

TABEL = "/api/v1/meals/tabel"
DAILY = "/api/v1/meals/daily-report"


class ReportApi(TabelCase):
    def call(self, persona: str, path: str, **query):
        token = issue_token(getattr(self, persona))
        return self.client.get(
            path, query, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en"
        )

    def test_tabel_shape(self):
        response = self.call("pedagog", TABEL, school=self.school.pk, month="2026-10")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        meals = self.LUNCH_MEALS + self.BREAKFAST_MEALS
        self.assertEqual(
            {k: body[k] for k in ("school", "month", "pupils", "meals", "amount")},
            {
                "school": self.school.pk,
                "month": "2026-10",
                "pupils": 2,
                "meals": meals,
                "amount": self.LUNCH_MEALS * 600 + self.BREAKFAST_MEALS * 500,
            },
        )
        self.assertEqual(len(body["days"]), 21)
        self.assertEqual(body["days"][0], {"date": "2026-10-01", "meals": 3})
        self.assertNotIn("2026-10-26", [d["date"] for d in body["days"]])
        self.assertEqual(sum(d["meals"] for d in body["days"]), meals)
        self.assertEqual(
            (body["submitted"], body["late"], body["deadline"]), (False, False, "2026-11-05")
        )
        lunch = next(m for m in body["per_meal"] if m["meal_type"] == LUNCH)
        self.assertEqual(
            lunch,
            {"meal_type": LUNCH, "pupils": 2, "meals": 31, "state_price": 600, "amount": 18600},
        )
        # Nothing in the answer names a pupil.
        self.assertNotIn("Ахметова", response.content.decode())

    def test_tabel_reflects_amendments_and_lateness(self):
        with time_machine.travel(at(dt.date(2026, 11, 9)), tick=False):
            tabel.submit_tabel(self.pedagog, self.school, OCT)
            tabel.amend_tabel(
                self.pedagog, self.school, OCT, pupil_id=self.pupil.pk, day=self.days[2],
                meal_type=LUNCH, action=TabelAmendment.Action.REMOVE, reason="қате",
            )  # fmt: skip
        body = self.call("canteen", TABEL, school=self.school.pk, month="2026-10").json()
        self.assertEqual(body["meals"], self.LUNCH_MEALS + self.BREAKFAST_MEALS - 1)
        # Two lunches and a breakfast on the 5th, less the lunch removed.
        self.assertEqual(body["days"][2], {"date": self.days[2].isoformat(), "meals": 2})
        self.assertTrue(body["submitted"])
        self.assertTrue(body["late"])

    def test_tabel_access_and_errors(self):
        for persona in ("director", "board", "district_officer", "admin", "canteen"):
            response = self.call(persona, TABEL, school=self.school.pk, month="2026-10")
            self.assertEqual(response.status_code, 200, persona)
        for persona in ("teacher", "parent", "outsider", "nobody"):
            response = self.call(persona, TABEL, school=self.school.pk, month="2026-10")
            self.assertEqual(response.status_code, 404, persona)
            self.assertEqual(response.json()["code"], "not_found")
        response = self.call("pedagog", TABEL, school=self.school.pk, month="October")
        self.assertEqual((response.status_code, response.json()["code"]), (422, "month_invalid"))
        self.assertEqual(
            self.client.get(TABEL, {"school": self.school.pk, "month": "2026-10"}).status_code, 401
        )

    def test_daily_report(self):
        day = self.days[0].isoformat()
        body = self.call("canteen", DAILY, school=self.school.pk, date=day).json()
        self.assertIsNone(body["generated_at"])
        self.assertEqual((body["vouchers_active"], body["meals_served"]), (4, 3))
        daily_report.build_daily_report(self.school, self.days[0])
        body = self.call("director", DAILY, school=self.school.pk, date=day).json()
        self.assertIsNotNone(body["generated_at"])
        self.assertEqual(body["date"], day)
        self.assertIn(
            {
                "class_id": self.other_class.pk,
                "class_label": "7Б",
                "meal_type": LUNCH,
                "vouchers_active": 2,
                "meals_served": 1,
            },
            body["rows"],
        )
        for persona in ("teacher", "parent", "outsider"):
            response = self.call(persona, DAILY, school=self.school.pk, date=day)
            self.assertEqual(response.status_code, 404, persona)
