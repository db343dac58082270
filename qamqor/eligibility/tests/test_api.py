"""The JSON API: the same services and the same access as the pages."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from qamqor.accounts.tokens import issue_token
from qamqor.eligibility.models import Category, CategoryAssignment

from .factories import EligibilityTestCase, fake, pdf

S = CategoryAssignment.Status


class ApiTests(EligibilityTestCase):
    def call(self, persona: str, method: str, path: str, **kw):
        token = issue_token(getattr(self, persona))
        return getattr(self.client, method)(
            "/api/v1" + path, HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en", **kw
        )

    def test_list_role_matrix(self):
        a = self.apply(Category.ASP)
        path = f"/pupils/{self.pupil.pk}/categories"
        for persona in ("pedagog", "director", "board", "district_officer", "admin", "parent"):
            with self.subTest(persona):
                response = self.call(persona, "get", path)
                self.assertEqual(response.status_code, 200)
                body = response.json()
                self.assertEqual([x["id"] for x in body], [a.pk])
                self.assertEqual(body[0]["due_state"], "upcoming")
                self.assertEqual(body[0]["evidence"][0]["kind"], "asp_certificate")
        for persona in ("teacher", "canteen", "outsider", "nobody"):
            with self.subTest(persona):
                response = self.call(persona, "get", path)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["code"], "not_found")
        self.assertEqual(self.client.get("/api/v1" + path).status_code, 401)

    def test_list_reads_the_evidence_in_one_query_however_many_assignments(self):
        path = f"/pupils/{self.pupil.pk}/categories"
        self.apply(Category.ASP)
        token = issue_token(self.pedagog)  # issued outside the counted requests

        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                response = self.client.get("/api/v1" + path, HTTP_AUTHORIZATION=f"Bearer {token}")
            self.assertEqual(response.status_code, 200)
            return len(ctx.captured_queries)

        queries()  # the first use of the token stamps it
        one = queries()
        self.apply(Category.ORPHAN)
        self.assertEqual(queries(), one)

    def test_apply(self):
        path = f"/pupils/{self.pupil.pk}/categories"
        payload = {
            "category": "orphans",
            "received_at": "2026-03-19T10:00:00+05:00",
            "granted_by": "Қамқоршылық органы",
        }
        for persona in ("director", "parent", "teacher", "outsider"):
            with self.subTest(persona):
                response = self.call(
                    persona, "post", path, data=payload, content_type="application/json"
                )
                self.assertEqual(response.status_code, 404)
        response = self.call("pedagog", "post", path, data=payload, content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["due_date"]), ("applied", "2026-04-14"))
        response = self.call("pedagog", "post", path, data=payload, content_type="application/json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "already_applied")
        response = self.call(
            "pedagog", "post", path, data={"category": "rich"}, content_type="application/json"
        )
        self.assertEqual((response.status_code, response.json()["code"]), (422, "category_invalid"))

    def test_evidence_confirm_and_refuse(self):
        a = self.apply(Category.ORPHAN, evidence=False)
        base = f"/category-assignments/{a.pk}"
        response = self.call(
            "pedagog", "post", base + "/evidence", data={"kind": "guardianship", "file": fake()}
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (422, "file_type_not_allowed")
        )
        response = self.call(
            "pedagog", "post", base + "/evidence", data={"kind": "guardianship", "file": pdf()}
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(response.json()["download_url"].startswith("/eligibility/evidence/"))
        period = {"valid_from": "2026-04-01", "valid_to": "2026-05-31"}
        response = self.call(
            "director", "post", base + "/confirm", data=period, content_type="application/json"
        )
        self.assertEqual(response.status_code, 404)
        response = self.call(
            "pedagog", "post", base + "/confirm", data=period, content_type="application/json"
        )
        self.assertEqual((response.status_code, response.json()["status"]), (200, "confirmed"))
        response = self.call(
            "pedagog",
            "post",
            base + "/refuse",
            data={"reason": "x"},
            content_type="application/json",
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (409, "transition_not_allowed")
        )

    def test_board_decision_required(self):
        a = self.apply(Category.EMERGENCY)
        response = self.call(
            "pedagog",
            "post",
            f"/category-assignments/{a.pk}/confirm",
            data={"valid_from": "2026-04-01", "valid_to": "2026-05-31"},
            content_type="application/json",
        )
        self.assertEqual(
            (response.status_code, response.json()["code"]), (422, "board_decision_required")
        )
        decision = self.board_decision()
        response = self.call(
            "pedagog",
            "post",
            f"/category-assignments/{a.pk}/confirm",
            data={
                "valid_from": "2026-04-01",
                "valid_to": "2026-05-31",
                "board_decision_id": decision.pk,
            },
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["board_decision"]["number"], "3")

    def test_in_the_openapi_schema(self):
        self.login(self.pedagog)
        paths = self.client.get("/api/openapi.json").json()["paths"]
        self.assertIn("/api/v1/pupils/{pupil_id}/categories", paths)
        self.assertIn("/api/v1/category-assignments/{assignment_id}/confirm", paths)

    def test_invalid_body_is_explained(self):
        a = self.apply(Category.ASP)
        response = self.call(
            "pedagog",
            "post",
            f"/category-assignments/{a.pk}/confirm",
            data={"valid_from": "soon"},
            content_type="application/json",
        )
        self.assertEqual((response.status_code, response.json()["code"]), (422, "invalid"))

    def test_income_test(self):
        path = f"/families/{self.family.pk}/income-test"
        response = self.call("director", "get", path)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            (body["members"], body["per_capita"], body["subsistence_minimum"], body["below"]),
            (3, 30000, 50851, True),
        )
        self.assertEqual(
            self.call("director", "get", path + "?year=2024").json()["subsistence_minimum"], 43407
        )
        for persona in ("parent", "teacher", "canteen", "outsider"):
            with self.subTest(persona):
                self.assertEqual(self.call(persona, "get", path).status_code, 404)
