"""The aid pages and API operations that need a register or a report, over every persona
(tests/test_role_matrix.py covers the pages without an object: its fixture has none)."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from qamqor.aid import services
from qamqor.core import ids
from qamqor.registry.models import Guardian

from .base import TODAY, AidTestCase, jpeg, png

ALL = {
    "pedagog",
    "director",
    "board",
    "teacher",
    "canteen",
    "parent",
    "district_officer",
    "admin",
    "outsider",
    "nobody",
}
WRITERS = {"pedagog", "admin"}  # form, pay, decide
READERS = WRITERS | {"director"}  # registers and reports hold IINs, IBANs and receipts
UPLOADERS = WRITERS | {"parent"}  # the child's parent, or the school for a paper report


class AccessMatrix(AidTestCase):
    def setUp(self):
        super().setUp()
        # A paid register (school A) with its report, and a draft one for the stranger.
        self.r = self.report()
        self.paid = self.r.line.register
        services.add_report_file(self.parent, self.r, "receipt", jpeg(), 1000)
        self.file = self.r.files.get()
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(
            iban=ids.make_iban_kz("722", "0000000000321")
        )
        self.draft = services.form_register(self.pedagog, self.school)
        services.record_export(self.pedagog, self.draft, "csv")

    def _isolated(self, call, *args, **kwargs):
        with transaction.atomic():
            response = call(*args, **kwargs)
            transaction.set_rollback(True)
        return response

    def pages(self):
        d, p, r, f = self.draft.pk, self.paid.pk, self.r.pk, self.file.pk
        return {
            ("aid:register", (p,), "GET"): READERS,
            ("aid:register", (d,), "GET"): READERS,
            ("aid:register_check", (d,), "POST"): WRITERS,
            ("aid:register_delete", (d,), "POST"): WRITERS,
            ("aid:register_xlsx", (d,), "POST"): READERS,
            ("aid:register_csv", (p,), "POST"): READERS,
            ("aid:register_paid", (d,), "POST"): WRITERS,
            ("aid:report", (r,), "GET"): READERS,
            ("aid:report_accept", (r,), "POST"): WRITERS,
            ("aid:report_ask_again", (r,), "POST"): WRITERS,
            ("aid:report_upload", (r,), "POST"): UPLOADERS,
            ("aid:report_submit", (r,), "POST"): UPLOADERS,
            ("aid:file", (f,), "GET"): READERS | {"parent"},
            ("aid:file_delete", (f,), "POST"): UPLOADERS,
            ("aid:my_report", (r,), "GET"): {"parent"},
        }

    def test_every_object_page_over_every_persona(self):
        for (name, args, method), allowed in self.pages().items():
            url = reverse(name, args=args)
            for persona in sorted(ALL):
                self.client.force_login(getattr(self, persona))
                code = self._isolated(self.client.generic, method, url).status_code
                if persona in allowed:
                    self.assertNotIn(code, (403, 404, 405), f"{persona} {method} {name}: {code}")
                    self.assertLess(code, 500, f"{persona} {method} {name}")
                else:
                    self.assertEqual(code, 404, f"{persona} {method} {name}: {code}")
            self.client.logout()
            response = self.client.generic(method, url)
            self.assertEqual(response.status_code, 302, f"anonymous {name}")

    def operations(self):
        d, r = self.draft.pk, self.r.pk
        return {
            ("POST", f"/api/v1/aid/schools/{self.school.pk}/register"): (WRITERS, {}),
            ("GET", f"/api/v1/aid/registers/{d}/lines"): (READERS, None),
            ("POST", f"/api/v1/aid/registers/{d}/paid"): (WRITERS, {"paid_on": str(TODAY)}),
            ("GET", f"/api/v1/aid/reports/{r}"): (READERS | {"parent"}, None),
            ("POST", f"/api/v1/aid/reports/{r}/files"): (UPLOADERS, "multipart"),
            ("POST", f"/api/v1/aid/reports/{r}/submit"): (UPLOADERS, {}),
            ("POST", f"/api/v1/aid/reports/{r}/accept"): (WRITERS, {}),
            ("POST", f"/api/v1/aid/reports/{r}/ask-again"): (WRITERS, {"comment": "x"}),
        }

    def test_every_api_operation_over_every_persona(self):
        for (method, path), (allowed, body) in self.operations().items():
            for persona in sorted(ALL):
                self.client.force_login(getattr(self, persona))
                if method == "GET":
                    response = self._isolated(self.client.get, path)
                elif body == "multipart":
                    data = {"kind": "photo", "file": png()}
                    response = self._isolated(self.client.post, path, data)
                else:
                    response = self._isolated(
                        self.client.post, path, json.dumps(body), content_type="application/json"
                    )
                code = response.status_code
                if persona in allowed:
                    self.assertNotIn(code, (401, 403, 404), f"{persona} {method} {path}: {code}")
                    self.assertLess(code, 500, f"{persona} {method} {path}")
                else:
                    self.assertEqual(code, 404, f"{persona} {method} {path}: {code}")
            self.client.logout()
            self.assertEqual(self.client.generic(method, path).status_code, 401, path)


class Api(AidTestCase):
    def post(self, path, body):
        return self.client.post(path, json.dumps(body), content_type="application/json")

    def test_the_whole_journey_through_the_api(self):
        self.login(self.pedagog)
        body = self.post(f"/api/v1/aid/schools/{self.school.pk}/register", {}).json()
        lines = {ln["application_id"]: ln for ln in body["lines"]}
        self.assertEqual(
            lines[self.stranger_app.pk]["problem_message"], "the guardian's IBAN is not recorded"
        )
        self.assertFalse(lines[self.stranger_app.pk]["ready"])
        self.assertEqual((body["total"], body["amount_per_child"]), (50851, 50851))
        register_id = body["id"]
        response = self.post(f"/api/v1/aid/registers/{register_id}/paid", {"paid_on": str(TODAY)})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "export_stale")
        services.record_export(
            self.pedagog, services.form_register(self.pedagog, self.school), "csv"
        )
        response = self.post(f"/api/v1/aid/registers/{register_id}/paid", {"paid_on": str(TODAY)})
        self.assertEqual(response.status_code, 200, response.content)
        paid = response.json()
        self.assertEqual((paid["paid"], paid["released"], paid["status"]), (1, 1, "paid"))
        self.app.refresh_from_db()
        report_id = self.app.purchase_report.pk

        self.login(self.parent)
        path = f"/api/v1/aid/reports/{report_id}/files"
        refused = self.client.post(path, {"kind": "receipt", "file": jpeg()})
        self.assertEqual((refused.status_code, refused.json()["code"]), (422, "amount_required"))
        bomb = self.client.post(
            path,
            {
                "kind": "photo",
                "file": SimpleUploadedFile("x.jpg", b"MZ" + b"\0" * 64, "image/jpeg"),
            },
        )
        self.assertEqual(bomb.json()["code"], "file_type_not_allowed")
        ok = self.client.post(path, {"kind": "receipt", "amount": 40000, "file": jpeg()})
        self.assertEqual(ok.status_code, 201, ok.content)
        self.assertEqual(ok.json()["amount"], 40000)
        self.client.post(path, {"kind": "photo", "file": png()})
        report = self.post(f"/api/v1/aid/reports/{report_id}/submit", {"note": ""}).json()
        self.assertEqual(
            (report["status"], report["receipts_total"], report["due_date"]),
            ("reported", 40000, "2026-09-16"),
        )

        self.login(self.pedagog)
        asked = self.post(f"/api/v1/aid/reports/{report_id}/ask-again", {"comment": ""})
        self.assertEqual((asked.status_code, asked.json()["code"]), (422, "comment_required"))
        accepted = self.post(f"/api/v1/aid/reports/{report_id}/accept", {})
        self.assertEqual(accepted.json()["status"], "accepted")
        again = self.post(f"/api/v1/aid/reports/{report_id}/accept", {})
        self.assertEqual((again.status_code, again.json()["code"]), (409, "report_not_submitted"))

    def test_the_openapi_schema_describes_the_operations(self):
        self.login(self.pedagog)
        schema = self.client.get("/api/openapi.json").json()
        paths = {p for p in schema["paths"] if p.startswith("/api/v1/aid/")}
        self.assertEqual(len(paths), 8)
        paid = schema["paths"]["/api/v1/aid/registers/{register_id}/paid"]["post"]
        self.assertIn("200", paid["responses"])
