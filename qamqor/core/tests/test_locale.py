from django.test import TestCase
from django.urls import reverse


class LanguageChoice(TestCase):
    def lang(self, **headers):
        return self.client.get(reverse("accounts:login"), **headers)["Content-Language"]

    def test_kazakh_by_default_even_for_an_english_browser(self):
        self.assertEqual(self.lang(), "kk")
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"), "kk")

    def test_russian_browser_gets_russian(self):
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.8"), "ru")

    def test_the_switcher_wins(self):
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="ru"), "en")
        self.client.post(reverse("set_language"), {"language": "kk", "next": "/"})
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="ru"), "kk")
