"""Language choice: Kazakh first, Russian second, English only when chosen.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
every teacher whose browser came in English. Here the user's explicit choice (the language
cookie set by the switcher) wins; otherwise Russian when the browser asks for it before
Kazakh, else Kazakh. English is for developers and must be chosen.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def choose_language(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in SUPPORTED:
        return chosen
    for code, _q in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in {"kk", "ru"}:
            return base
    return settings.LANGUAGE_CODE


class QamqorLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        language = choose_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
