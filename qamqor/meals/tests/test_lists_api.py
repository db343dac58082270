"""The JSON API of the month's list (mounted under /api/v1/ by qamqor/api.py)."""

from __future__ import annotations

import json

from qamqor.meals.models import MonthlyList

from .lists_base import ListTestCase
from .test_lists_views import ALL, APPROVERS, READERS, WRITERS

BASE = "/api/v1/meals/lists/{school}/2026-12"
St = MonthlyList.Status


class ApiTests(ListTestCase):
    def call(self, persona: str | None, method: str, path: str = "", body: dict | None = None):
        self.client.logout()
        if persona:
            self.login(getattr(self, persona))
        url = BASE.format(school=self.school.pk) + path
        if method == "GET":
            return self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        return self.client.post(
            url, json.dumps(body or {}), content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )  # fmt: skip

    def test_the_whole_workflow(self):
        self.make_programme()
        response = self.call("pedagog", "POST", "/form")
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual((data["status"], data["total"]), ("draft", 2))
        self.assertEqual(data["by_basis"], {"universal": 1, "asp": 1})
        self.assertEqual(data["by_grade"], {"3": 1, "7": 1})
        self.assertEqual(self.call("pedagog", "POST", "/submit").json()["status"], "submitted")
        response = self.call("director", "POST", "/return", {"comment": " "})
        self.assertEqual((response.status_code, response.json()["code"]), (422, "comment_required"))
        response = self.call("director", "POST", "/return", {"comment": "Тексеріңіз"})
        self.assertEqual(response.json()["status"], "returned")
        self.call("pedagog", "POST", "/submit")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.call("director", "POST", "/approve")
        self.assertEqual(response.status_code, 200)
        response = self.call("pedagog", "GET", "/verification")
        self.assertEqual(response.json()["status"], "verified")
        data = self.call("board", "GET").json()
        self.assertEqual(data["vouchers"]["active"], 2)
        steps = [(t["from_status"], t["to_status"]) for t in data["transitions"]]
        self.assertEqual(steps[-1], ("verifying", "verified"))
        self.assertEqual(len(steps), 6)

    def test_failures_come_back(self):
        self.write_registry({self.pupil.iin: None})
        self.approved()
        data = self.call("pedagog", "GET", "/verification").json()
        self.assertEqual((data["verified"], data["failed"]), (1, 1))
        failure = data["failures"][0]
        self.assertEqual((failure["pupil_id"], failure["code"]), (self.pupil.pk, "iin_unknown"))
        self.assertEqual(failure["message"], "the IIN is not in the state registry")

    def test_refusals(self):
        self.assertEqual(self.call("pedagog", "POST", "/form").json()["code"], "no_programme")
        data = self.call("pedagog", "GET").json()
        self.assertEqual(
            (data["status"], data["total"], data["programme_id"]), ("not_formed", 0, None)
        )
        self.assertEqual(
            self.call("pedagog", "GET", "/verification").json()["status"], "not_formed"
        )
        response = self.call("pedagog", "POST", "/submit")
        self.assertEqual((response.status_code, response.json()["code"]), (409, "list_not_formed"))
        self.formed()
        response = self.call("director", "POST", "/approve")
        self.assertEqual((response.status_code, response.json()["code"]),
                         (409, "transition_not_allowed"))  # fmt: skip
        self.client.force_login(self.pedagog)
        bad = self.client.get(f"/api/v1/meals/lists/{self.school.pk}/2026-13")
        self.assertEqual((bad.status_code, bad.json()["code"]), (422, "month_invalid"))

    def test_roles(self):
        self.formed()
        for persona in ALL:
            with self.subTest(persona=persona):
                code = self.call(persona, "GET").status_code
                self.assertEqual(code, 200 if persona in READERS else 404)
                code = self.call(persona, "GET", "/verification").status_code
                self.assertEqual(code, 200 if persona in READERS else 404)
                if persona not in WRITERS:
                    self.assertEqual(self.call(persona, "POST", "/form").status_code, 404)
                    self.assertEqual(self.call(persona, "POST", "/submit").status_code, 404)
                if persona not in APPROVERS:
                    for action in ("/approve", "/return"):
                        response = self.call(persona, "POST", action, {"comment": "x"})
                        self.assertEqual(response.status_code, 404)
        self.assertEqual(MonthlyList.objects.get().status, St.DRAFT)
        self.assertEqual(self.call(None, "GET").status_code, 401)
