"""Every XLSX and CSV the project produces, fed hostile values: no cell is a formula, no CSV
field starts a formula, and a control character stored before the validators refused it
(here put in by the ORM) neither breaks an export nor reaches the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from qamqor.aid import services as aid_services
from qamqor.aid.tests.base import AidTestCase
from qamqor.applications.models import Consultation
from qamqor.core.tabular import FORMULA_START
from qamqor.meals.models import Operator
from qamqor.meals.services import daily_report
from qamqor.meals.tests.tabel_factories import OCT, TabelCase, at
from qamqor.registry.exchange.models import ImportJob
from qamqor.registry.models import Family, Guardian, Pupil, School, SchoolClass

HYPERLINK = '=HYPERLINK("http://x","y")'
CONTROL = "Пет\x18ров"
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def make_hostile(case) -> None:  # noqa: ANN001
    """Hostile text in every place a user or an administrator types it."""
    Pupil.objects.filter(pk=case.pupil.pk).update(surname=HYPERLINK, name="+1+1")
    Pupil.objects.filter(pk=case.sibling.pk).update(surname="@SUM(A1)", name="-2+3")
    Pupil.objects.filter(pk=case.stranger.pk).update(surname=CONTROL, name="\tИван")
    School.objects.filter(pk=case.school.pk).update(name_kk="=1+1", name_ru="=1+1")
    SchoolClass.objects.filter(pk=case.klass.pk).update(letter="=А")
    Family.objects.filter(pk=case.family.pk).update(address="@cmd", phone="+1+1")
    Guardian.objects.filter(pk=case.guardian.pk).update(surname="=2+2", name=f"Гүл{chr(1)}нар")


class Checks:
    def assert_safe_xlsx(self, content: bytes, name: str) -> list[str]:
        wb = load_workbook(io.BytesIO(content))
        texts = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", f"{name} {ws.title}!{cell.coordinate}")
                    if isinstance(cell.value, str):
                        self.assertIsNone(ILLEGAL.search(cell.value), name)
                        texts.append(cell.value)
        return texts

    def assert_safe_csv(self, content: bytes, name: str) -> list[str]:
        fields = [
            field
            for row in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";")
            for field in row
        ]
        for field in fields:
            self.assertFalse(
                field.startswith(FORMULA_START) and not field.lstrip("+-").isdigit(),
                f"{name}: {field!r}",
            )
            self.assertIsNone(ILLEGAL.search(field), name)
        return fields

    def download(self, url: str, name: str, method: str = "get") -> bytes:
        response = getattr(self.client, method)(url)
        self.assertEqual(response.status_code, 200, name)
        return response.content


class MealsAndRegistryExports(Checks, TabelCase):
    def setUp(self):
        super().setUp()
        make_hostile(self)
        Operator.objects.filter(pk=self.operator.pk).update(name_kk="-1-1", name_ru="-1-1")

    def test_every_export_of_the_school(self):
        daily_report.build_daily_report(self.school, dt.date(2026, 10, 1))
        job = ImportJob.objects.create(
            school=self.school, original_name="x.xlsx", state=ImportJob.State.FAILED,
            columns={"surname": "=A1"},
            errors=[{"row": 2, "column": "surname", "code": "+code", "detail": "", "params": {}},
                    {"row": 3, "column": "@x", "code": "too_long", "detail": "",
                     "params": {"max": "=1"}}],
        )  # fmt: skip
        month = f"?month={OCT:%Y-%m}"
        urls = {
            "tabel": reverse("meals:tabel_xlsx") + month,
            "payment": reverse("meals:payment_xlsx") + month,
            "daily": reverse("meals:report_daily_xlsx") + "?date=2026-10-01",
            "registry": reverse("registry:exchange:export"),
            "template": reverse("registry:exchange:template"),
            "errors": reverse("registry:exchange:errors_xlsx", args=[job.pk]),
            "monitoring": reverse("reports:monitoring_xlsx"),
        }
        self.client.force_login(self.pedagog)
        texts = {}
        with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
            for name, url in urls.items():
                texts[name] = self.assert_safe_xlsx(self.download(url, name), name)
        # The hostile values are there, as text; the control character is gone.
        self.assertIn(HYPERLINK + " +1+1", texts["tabel"])
        self.assertIn("Петров \tИван", texts["tabel"])
        self.assertTrue(any("-1-1" in t for t in texts["payment"]))
        self.assertIn("=А", " ".join(texts["daily"]))
        for value in (HYPERLINK, "+1+1", "@SUM(A1)", "-2+3", "Петров", "=2+2", "Гүлнар", "@cmd"):
            self.assertIn(value, texts["registry"])
        self.assertIn("+code", texts["errors"])
        self.assertIn("=1+1", texts["monitoring"])


class AidAndConsultationExports(Checks, AidTestCase):
    def setUp(self):
        super().setUp()
        make_hostile(self)
        Guardian.objects.filter(pk=self.stranger_guardian.pk).update(surname=CONTROL)

    def test_every_export_of_aid_and_consultations(self):
        register = aid_services.form_register(self.pedagog, self.school)
        Consultation.objects.create(
            school=self.school, family=self.family, by=self.pedagog,
            held_at=self.now_at(), topic="documents", outcome="informed",
            notes="=cmd|' /C calc'!A0\x18",
        )  # fmt: skip
        self.client.force_login(self.pedagog)
        texts = {
            "register": self.assert_safe_xlsx(
                self.download(reverse("aid:register_xlsx", args=[register.pk]), "xlsx", "post"),
                "register",
            )
        }
        xlsx = {
            "aid monitoring": reverse("aid:monitoring_xlsx"),
            "consultations": reverse("applications:consultation_xlsx")
            + f"?month={self.now_at():%Y-%m}",
        }
        for name, url in xlsx.items():
            texts[name] = self.assert_safe_xlsx(self.download(url, name), name)
        fields = self.assert_safe_csv(
            self.download(reverse("aid:register_csv", args=[register.pk]), "csv", "post"), "csv"
        )
        self.assertIn("'=2+2 Гүлнар", fields)  # the guardian's name, behind an apostrophe
        self.assertTrue(any(t.startswith(HYPERLINK) for t in texts["register"]))
        self.assertIn("Петров", " ".join(texts["register"]))  # the blocked line's recipient
        self.assertIn("=cmd|' /C calc'!A0", texts["consultations"])

    def now_at(self) -> dt.datetime:
        from qamqor.core.clock import now

        return now() - dt.timedelta(hours=1)
