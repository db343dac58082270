import io

from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from qamqor.accounts.models import ApiToken, User, hash_token
from qamqor.accounts.tokens import issue_token
from qamqor.testing import PASSWORD, PersonaTestCase


class LoginTests(PersonaTestCase):
    def test_login_and_logout(self):
        response = self.client.post(
            reverse("accounts:login"), {"username": "pedagog", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn("_auth_user_id", self.client.session)
        self.client.post(reverse("accounts:logout"))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_passwords_are_hashed_with_argon2_in_production(self):
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]
        ):
            user = User.objects.create_user("argon", password="s3cret-enough-pass")
            self.assertEqual(identify_hasher(user.password).algorithm, "argon2")

    def test_security_headers(self):
        response = self.client.get(reverse("accounts:login"))
        self.assertIn("default-src 'self'", response["Content-Security-Policy"])
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("csrfmiddlewaretoken", response.content.decode())

    def test_csrf_is_enforced_on_forms(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        response = client.post(
            reverse("accounts:login"), {"username": "pedagog", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 403)


class TokenTests(PersonaTestCase):
    def test_token_command_prints_a_token_stored_hashed(self):
        out = io.StringIO()
        call_command("token", "pedagog", stdout=out)
        raw = out.getvalue().strip()
        self.assertTrue(raw.startswith("qmq_"))
        token = ApiToken.objects.get(user=self.pedagog)
        self.assertEqual(token.key_hash, hash_token(raw))
        self.assertNotIn(raw, token.key_hash)
        response = self.client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([s["id"] for s in response.json()], [self.school.pk])

    def test_bad_or_revoked_token_is_refused(self):
        raw = issue_token(self.pedagog)
        ApiToken.objects.update(revoked=True)
        self.assertEqual(
            self.client.get("/api/v1/schools", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code,
            401,
        )
        self.assertEqual(
            self.client.get("/api/v1/schools", HTTP_AUTHORIZATION="Bearer nope").status_code, 401
        )
        self.assertEqual(self.client.get("/api/v1/schools").status_code, 401)

    def test_session_api_calls_need_csrf_for_writes(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.pedagog)
        response = client.post(
            "/api/v1/families", data={"address": "x"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)

    def test_schools_per_role(self):
        expected = {
            "pedagog": {self.school.pk},
            "district_officer": {self.school.pk, self.other_school.pk},
            "outsider": {self.other_school.pk},
            "parent": {self.school.pk},
            "nobody": set(),
        }
        for name, ids in expected.items():
            self.client.force_login(getattr(self, name))
            got = {s["id"] for s in self.client.get("/api/v1/schools").json()}
            self.assertEqual(got, ids, name)
            self.assertNotIn(self.far_school.pk, got)


class ApiDocs(PersonaTestCase):
    def test_openapi_and_docs_are_served(self):
        schema = self.client.get("/api/openapi.json")
        self.assertEqual(schema.status_code, 200)
        self.assertIn("/api/v1/pupils", schema.json()["paths"])
        self.assertEqual(self.client.get("/api/docs").status_code, 200)
