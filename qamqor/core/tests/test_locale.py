from django.test import TestCase
from django.urls import reverse


class LanguageChoice(TestCase):
    def lang(self, **headers):
        return self.client.get(reverse("accounts:login"), **headers)["Content-Language"]

    def test_kazakh_when_the_browser_states_nothing_we_speak(self):
        self.assertEqual(self.lang(), "kk")
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"), "kk")

    def test_the_browser_language_is_honoured(self):
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.8"), "ru")
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="kk-KZ,kk;q=0.9,ru;q=0.8"), "kk")

    def test_the_switcher_wins_and_is_remembered(self):
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="ru"), "en")
        self.client.post(reverse("set_language"), {"language": "kk", "next": "/"})
        self.assertEqual(self.lang(HTTP_ACCEPT_LANGUAGE="ru"), "kk")
