"""The home page sends each role to where its work is."""

from django.urls import reverse

from qamqor.testing import PersonaTestCase


class Home(PersonaTestCase):
    def test_each_role_lands_on_its_work(self):
        expected = {
            "pedagog": reverse("eligibility:dashboard"),
            "admin": reverse("eligibility:dashboard"),
            "director": reverse("registry:pupils"),
            "board": reverse("registry:pupils"),
            "district_officer": reverse("registry:pupils"),
            "teacher": reverse("registry:pupils"),
            "parent": reverse("registry:my_children"),
        }
        for persona, url in expected.items():
            with self.subTest(persona=persona):
                self.client.force_login(getattr(self, persona))
                self.assertRedirects(self.client.get("/"), url, fetch_redirect_response=False)

    def test_a_user_with_no_work_here_is_welcomed_and_told_why(self):
        self.client.force_login(self.nobody)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Welcome, Nobody")
        self.assertContains(response, "Your account has no role in any school yet.")

    def test_a_canteen_operator_sees_their_school(self):
        self.client.force_login(self.canteen)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Your schools:")
        self.assertContains(response, str(self.school))

    def test_an_anonymous_visitor_is_sent_to_sign_in(self):
        response = self.client.get("/")
        self.assertRedirects(
            response, f"{reverse('accounts:login')}?next=/", fetch_redirect_response=False
        )
