"""Control characters in typed text: refused by the API, the forms and the import; one already
stored (put in by the ORM) no longer breaks the school's exports."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from qamqor.core import ids
from qamqor.core.validators import MESSAGES
from qamqor.registry.exchange.reader import cell_text
from qamqor.registry.exchange.validation import validate_row
from qamqor.registry.models import Family, Guardian, Pupil
from qamqor.testing import PersonaTestCase

BAD = "Пет\x18ров"


class Api(PersonaTestCase):
    def post(self, url: str, data: dict, lang: str = "en", method: str = "post"):
        return getattr(self.client, method)(
            url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang
        )

    def test_create_refuses_a_control_character_in_kazakh_and_russian(self):
        self.login(self.pedagog)
        iin = ids.make_iin(dt.date(2017, 2, 3), "F", 9090)
        messages = set()
        for lang in ("kk", "ru", "en"):
            response = self.post(
                "/api/v1/pupils", {"iin": iin, "surname": BAD, "name": "Айя"}, lang
            )
            self.assertEqual(response.status_code, 422, response.content)
            body = response.json()
            self.assertEqual(body["code"], "control_characters")
            with translation.override(lang):
                self.assertEqual(body["message"], str(MESSAGES["control_characters"]))
            self.assertEqual(body["detail"][0]["loc"][-1], "surname")
            messages.add(body["message"])
        self.assertEqual(len(messages), 3, "worded in Kazakh, Russian and English")
        self.assertFalse(Pupil.objects.filter(iin=iin).exists())

    def test_patch_refuses_it_and_changes_nothing(self):
        self.login(self.pedagog)
        before = Pupil.objects.values().get(pk=self.pupil.pk)
        for field, value in (("surname", BAD), ("name", "Ару\u0000жан"), ("patronymic", "a\tb"),
                             ("surname", "Ахмет\nова")):  # fmt: skip
            response = self.post(f"/api/v1/pupils/{self.pupil.pk}", {field: value}, method="patch")
            self.assertEqual(response.status_code, 422, (field, value))
            self.assertEqual(response.json()["code"], "control_characters")
        self.assertEqual(Pupil.objects.values().get(pk=self.pupil.pk), before)

    def test_multi_line_notes_may_have_line_breaks_but_no_other_control(self):
        self.login(self.pedagog)
        url = f"/api/v1/families/{self.family.pk}"
        response = self.post(url, {"notes": "бірінші\nекінші\tжол"}, method="patch")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Family.objects.get(pk=self.family.pk).notes, "бірінші\nекінші\tжол")
        for data in ({"notes": "a\x18b"}, {"address": "Ақсу\nауылы"}):
            response = self.post(url, data, method="patch")
            self.assertEqual(response.status_code, 422, data)
        family = Family.objects.get(pk=self.family.pk)
        self.assertEqual((family.address, family.notes), ("Ақсу ауылы, 1", "бірінші\nекінші\tжол"))


class Forms(PersonaTestCase):
    def test_the_pupil_form_explains_and_saves_nothing(self):
        self.login(self.pedagog)
        data = {
            "iin": self.stranger.iin,
            "surname": BAD,
            "name": "Иван",
            "patronymic": "Петрович",
            "school_class": self.other_class.pk,
            "family": self.stranger.family_id,
            "status": "active",
        }
        response = self.client.post(reverse("registry:pupil_edit", args=[self.stranger.pk]), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="error-surname"')
        self.assertContains(response, "invisible control character")
        self.stranger.refresh_from_db()
        self.assertEqual(self.stranger.surname, "Иванов")

    def test_the_guardian_and_family_forms(self):
        self.login(self.pedagog)
        url = reverse("registry:guardian_edit", args=[self.family.pk, self.guardian.pk])
        response = self.client.post(url, {
            "iin": self.guardian.iin, "surname": "Ахметова", "name": "Гүл\x01нар",
            "relation": "mother", "phone": "", "iban": "",
        })  # fmt: skip
        self.assertContains(response, 'data-testid="error-name"')
        self.assertEqual(Guardian.objects.get(pk=self.guardian.pk).name, "Гүлнар")
        url = reverse("registry:family_edit", args=[self.family.pk])
        response = self.client.post(url, {"address": "Ақсу", "phone": "", "notes": "a\x18"})
        self.assertContains(response, 'data-testid="error-notes"')
        response = self.client.post(url, {"address": "Ақсу", "phone": "", "notes": "a\r\nb"})
        self.assertEqual(response.status_code, 302)


class StoredAlready(PersonaTestCase):
    def test_the_school_export_still_answers_with_a_valid_file(self):
        Pupil.objects.filter(pk=self.stranger.pk).update(surname=BAD)
        self.login(self.pedagog)
        response = self.client.get(reverse("registry:exchange:export"))
        self.assertEqual(response.status_code, 200)
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        self.assertIn("Петров", [row[1] for row in rows])

    def test_an_imported_row_with_one_is_refused_by_column(self):
        cells = {"pupil_iin": self.stranger.iin, "surname": BAD, "name": "Иван",
                 "family_key": "F-1", "family_address": cell_text("Ақсу,\nМира 5")}  # fmt: skip
        data, errors = validate_row(2, cells, dt.date(2026, 9, 1))
        self.assertEqual([(e["column"], e["code"]) for e in errors],
                         [("surname", "control_characters")])  # fmt: skip
        self.assertEqual(data.address, "Ақсу, Мира 5")  # a line break in a cell is a space
