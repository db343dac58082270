"""Bad input the API must answer with a 4xx, never a 500 (the hardening issue)."""

from __future__ import annotations

import io
import logging
import sys
from unittest import mock

from django.db import IntegrityError, transaction

from qamqor.core.logredact import RedactPersonalData
from qamqor.registry.models import Pupil
from qamqor.testing import PersonaTestCase

API = "/api/v1"
UPLOADS = (
    "/aid/reports/{id}/files",
    "/applications/{id}/documents",
    "/category-assignments/{id}/evidence",
)


class NullForRequiredText(PersonaTestCase):
    def test_null_for_a_pupils_required_text_is_a_422_and_changes_nothing(self):
        self.login(self.pedagog)
        for field in ("surname", "name", "patronymic", "iin", "sex", "status", "birth_date"):
            with self.subTest(field=field):
                response = self.client.patch(
                    f"{API}/pupils/{self.pupil.pk}", {field: None}, content_type="application/json"
                )
                self.assertEqual(response.status_code, 422, response.content)
                self.assertEqual(response.json()["code"], "invalid")
        self.pupil.refresh_from_db()
        self.assertEqual((self.pupil.surname, self.pupil.name), ("Ахметова", "Аружан"))

    def test_null_for_a_familys_text_is_a_422(self):
        self.login(self.pedagog)
        for field in ("address", "phone", "notes"):
            with self.subTest(field=field):
                response = self.client.patch(
                    f"{API}/families/{self.family.pk}",
                    {field: None},
                    content_type="application/json",
                )
                self.assertEqual(response.status_code, 422, response.content)


class MultipartWithoutBoundary(PersonaTestCase):
    def test_each_upload_endpoint_answers_400(self):
        self.login(self.pedagog)
        for path in UPLOADS:
            with self.subTest(path=path):
                response = self.client.generic(
                    "POST",
                    API + path.format(id=1),
                    b"kind=receipt",
                    content_type="multipart/form-data",
                )
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(response.json()["code"], "bad_request")


class PagingBounds(PersonaTestCase):
    def test_offset_and_limit_out_of_range_are_422(self):
        self.login(self.pedagog)
        huge = str(2**64)
        for path in ("/pupils", "/families", "/applications"):
            for params in ({"offset": huge}, {"limit": huge}, {"offset": -1}, {"limit": -1}):
                with self.subTest(path=path, params=params):
                    response = self.client.get(API + path, params)
                    self.assertEqual(response.status_code, 422, response.content)


class NonObjectBodies(PersonaTestCase):
    def test_an_array_where_an_object_is_expected_is_a_422(self):
        self.login(self.pedagog)
        for body in ("[]", "[1, 2]", "42", '"text"', "null"):
            with self.subTest(body=body):
                response = self.client.patch(
                    f"{API}/pupils/{self.pupil.pk}", body, content_type="application/json"
                )
                self.assertEqual(response.status_code, 422, response.content)
                self.assertEqual(response.json()["code"], "invalid")
                self.assertIn("object", response.json()["message"])


class Anonymous(PersonaTestCase):
    def test_anonymous_calls_get_401_not_a_csrf_403(self):
        for method, path in (
            ("GET", "/pupils"),
            ("POST", "/pupils"),
            ("PATCH", f"/pupils/{self.pupil.pk}"),
            ("POST", "/canteen/terminals"),
        ):
            with self.subTest(method=method, path=path):
                client = self.client_class(enforce_csrf_checks=True)
                response = client.generic(method, API + path, "{}", content_type="application/json")
                self.assertEqual(response.status_code, 401, response.content)
                self.assertEqual(response.json()["code"], "unauthorized")

    def test_a_signed_in_session_still_needs_the_csrf_token(self):
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.pedagog)
        response = client.patch(
            f"{API}/pupils/{self.pupil.pk}", {"name": "Z"}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 403)


class NoPersonalDataInLogs(PersonaTestCase):
    """Whatever the error, no IIN or name reaches the log (PostgreSQL quotes the row)."""

    def _capture(self) -> io.StringIO:
        stream = io.StringIO()
        handlers = {h for name in ("", "django") for h in logging.getLogger(name).handlers}
        for handler in handlers:
            if isinstance(handler, logging.StreamHandler):
                old = handler.setStream(stream)
                self.addCleanup(handler.setStream, old)
        return stream

    def test_an_unhandled_database_error_is_logged_without_the_row(self):
        pupil = self.pupil

        def broken_update(user, target, data):
            # A real NOT NULL violation: PostgreSQL's error text holds the whole row.
            with transaction.atomic():
                Pupil.objects.filter(pk=target.pk).update(surname=None)

        stream = self._capture()
        self.login(self.pedagog)
        self.client.raise_request_exception = False
        with mock.patch("qamqor.registry.services.update_pupil", broken_update):
            response = self.client.patch(
                f"{API}/pupils/{pupil.pk}", {"name": "Бота"}, content_type="application/json"
            )
        self.assertEqual(response.status_code, 500)
        logged = stream.getvalue()
        self.assertIn("IntegrityError", logged)
        self.assertIn("Traceback", logged)
        for secret in (pupil.iin, pupil.surname, pupil.name, pupil.patronymic, "Бота"):
            self.assertNotIn(secret, logged)

    def test_sql_and_its_parameters_are_never_logged(self):
        # Django logs each query with its parameters at DEBUG (with settings.DEBUG on): the
        # logger stays at INFO whatever LOG_LEVEL says.
        self.assertFalse(logging.getLogger("django.db.backends").isEnabledFor(logging.DEBUG))
        self.assertEqual(logging.getLogger("django").propagate, False)

    def test_the_filter_withholds_every_message_of_the_chain(self):
        record = None
        refused = f"invalid literal: '{self.pupil.iin}' {self.pupil.surname}"
        row = f"Failing row contains ({self.pupil.iin}, {self.pupil.surname})"
        try:
            try:
                raise ValueError(refused)
            except ValueError as inner:
                raise IntegrityError(row) from inner
        except IntegrityError:
            record = logging.LogRecord(
                "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                (f"/api/v1/iin/{self.pupil.iin}",), sys.exc_info(),
            )  # fmt: skip
        RedactPersonalData().filter(record)
        text = logging.Formatter().format(record)
        self.assertIn("ValueError: [message withheld]", text)
        self.assertIn("django.db.utils.IntegrityError: [message withheld]", text)
        self.assertIn("/api/v1/iin/############", text)
        self.assertNotIn(self.pupil.iin, text)
        self.assertNotIn(self.pupil.surname, text)


class ImpossibleOffsets(PersonaTestCase):
    def test_times_with_an_offset_no_zone_has_are_422(self):
        self.login(self.pedagog)
        far = "2026-03-19T19:00:00+18:51"
        response = self.client.get(
            f"{API}/calendar/due-date", {"received": far, "working_days": 15}
        )
        self.assertEqual(response.status_code, 422, response.content)
        response = self.client.post(
            f"{API}/pupils/{self.pupil.pk}/categories",
            {"category": "asp", "received_at": far},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422, response.content)
        response = self.client.post(
            f"{API}/applications",
            {"pupil_id": self.pupil.pk, "service": "financial_aid", "channel": "school",
             "received_at": far},
            content_type="application/json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json()["code"], "invalid")


class NulCharacters(PersonaTestCase):
    """PostgreSQL stores no NUL character in text: a 500 there, so a 422 everywhere."""

    def test_in_a_body_a_query_or_a_form(self):
        self.login(self.pedagog)
        cases = (
            self.client.patch(
                f"{API}/families/{self.family.pk}", {"address": "Ақсу\x00"},
                content_type="application/json",
            ),
            self.client.post(
                f"{API}/pupils/{self.pupil.pk}/categories", {"category": "asp", "granted_by": "\x00"},
                content_type="application/json",
            ),
            self.client.get(f"{API}/pupils", {"q": "Ах\x00"}),
            self.client.get(f"{API}/applications", {"status": "approved\x00"}),
            self.client.post(
                f"{API}/aid/reports/1/files", {"kind": "receipt\x00", "file": io.BytesIO(b"x")}
            ),
        )  # fmt: skip
        for response in cases:
            with self.subTest(response=response.request["PATH_INFO"]):
                self.assertEqual(response.status_code, 422, response.content)
                self.assertEqual(response.json()["code"], "control_characters")
                self.assertIn("control character", response.json()["message"])
        self.family.refresh_from_db()
        self.assertNotIn("\x00", self.family.address)

    def test_a_backslash_u_in_text_is_not_a_nul(self):
        self.login(self.pedagog)
        response = self.client.patch(
            f"{API}/families/{self.family.pk}", {"notes": "C:\\u0000"},
            content_type="application/json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 200, response.content)


class NumbersPastTheDatabase(PersonaTestCase):
    """An id past 64 bits in a query or a body is not a server error: PostgreSQL matches
    nothing (200, an empty list), SQLite's driver overflows (was a 500, now a 422)."""

    def test_query_and_body_ids(self):
        self.login(self.pedagog)
        huge = 2**70
        cases = (
            self.client.get(f"{API}/families", {"school": huge}),
            self.client.get(f"{API}/pupils", {"school_class": -huge}),
            self.client.get(f"{API}/pupils", {"school": huge}),
            self.client.get(f"{API}/canteen/keys", {"school": huge}),
            self.client.patch(
                f"{API}/pupils/{self.pupil.pk}", {"school_class_id": huge},
                content_type="application/json",
            ),
        )  # fmt: skip
        for response in cases:
            with self.subTest(path=response.request["PATH_INFO"]):
                self.assertIn(response.status_code, (200, 422), response.content)
                if response.status_code == 200:
                    self.assertFalse(response.json().get("items", response.json().get("keys")))
