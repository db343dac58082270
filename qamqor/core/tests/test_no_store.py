"""Pages and API answers with personal data say `Cache-Control: no-store`."""

from django.urls import reverse

from qamqor.accounts.tokens import issue_token
from qamqor.testing import PersonaTestCase


class NoStore(PersonaTestCase):
    def test_a_pupil_card_is_not_stored(self):
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:pupil", args=[self.pupil.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])

    def test_api_answers_are_not_stored(self):
        raw = issue_token(self.pedagog)
        response = self.client.get(
            f"/api/v1/pupils/{self.pupil.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        self.login(self.pedagog)
        self.assertIn("no-store", self.client.get("/api/v1/families")["Cache-Control"])
        # A refusal too: it still says what exists.
        self.assertIn("no-store", self.client.get("/api/v1/pupils/999999")["Cache-Control"])

    def test_a_view_that_sets_its_own_cache_control_keeps_it(self):
        response = self.client.get("/api/v1/canteen/keys")
        self.assertEqual(response["Cache-Control"], "public, max-age=60")
