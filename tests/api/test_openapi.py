"""The OpenAPI document declares the error answers each operation gives (one place:
core.api.DocumentedAPI), and the declared answers are the ones given."""

from __future__ import annotations

from qamqor.testing import PersonaTestCase

API = "/api/v1"


class DeclaredErrors(PersonaTestCase):
    def schema(self) -> dict:
        response = self.client.get("/api/openapi.json")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def responses(self, method: str, path: str) -> set[int]:
        return {int(code) for code in self.schema()["paths"][path][method]["responses"]}

    def test_the_answers_of_a_few_operations(self):
        expected = {
            ("patch", "/api/v1/pupils/{pupil_id}"): {200, 400, 401, 403, 404, 422},
            ("get", "/api/v1/pupils/{pupil_id}"): {200, 401, 404, 422},
            ("get", "/api/v1/pupils"): {200, 401, 422},
            ("get", "/api/v1/schools"): {200, 401},
            ("post", "/api/v1/canteen/redemptions"): {201, 400, 401, 404, 422},
            ("post", "/api/v1/canteen/terminals"): {201, 400, 401, 403, 404, 422},
            ("get", "/api/v1/canteen/keys"): {200, 422},
            ("get", "/api/v1/iin/{iin}"): {200},
            ("post", "/api/v1/applications/{application_id}/transitions"): {
                200, 400, 401, 403, 404, 409, 422,
            },
        }  # fmt: skip
        for (method, path), codes in expected.items():
            with self.subTest(method=method, path=path):
                self.assertEqual(self.responses(method, path), codes)

    def test_every_operation_declares_what_its_auth_and_path_imply(self):
        for path, operations in self.schema()["paths"].items():
            for method, operation in operations.items():
                codes = {int(c) for c in operation["responses"]}
                with self.subTest(method=method, path=path):
                    if operation.get("security"):
                        self.assertIn(401, codes)
                        if "{" in path:
                            self.assertIn(404, codes)
                    if "requestBody" in operation:
                        self.assertTrue({400, 422} <= codes)
                    for code in codes & {400, 401, 403}:
                        schema = operation["responses"][str(code)]["content"]["application/json"]
                        self.assertEqual(schema["schema"]["$ref"], "#/components/schemas/ErrorOut")

    def test_an_anonymous_call_gets_the_declared_401(self):
        response = self.client.get(API + "/pupils")
        self.assertEqual((response.status_code, response.json()["code"]), (401, "unauthorized"))
        self.assertIn(401, self.responses("get", "/api/v1/pupils"))

    def test_the_scan_answers_are_documented_by_their_json_names(self):
        components = self.schema()["components"]["schemas"]
        for name in ("ServedOut", "RefusedOut", "BatchResultOut"):
            with self.subTest(schema=name):
                self.assertIn("class", components[name]["properties"])
                self.assertNotIn("class_", components[name]["properties"])
