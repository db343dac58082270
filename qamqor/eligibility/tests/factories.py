"""Small helpers for the eligibility tests: sample documents, a private media dir, a clock."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from qamqor.core.workdays import TZ, reset_calendar
from qamqor.eligibility import services
from qamqor.eligibility.models import EXPECTED_EVIDENCE, Category
from qamqor.testing import PersonaTestCase

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
# Wednesday 1 April 2026, 10:00 in Almaty: a working day after Nauryz.
NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=TZ)


def almaty(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def pdf(name: str = "справка.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "photo.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 130)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def fake(name: str = "virus.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")


def evidence_for(category: str) -> list[tuple[str, Any]]:
    return [(kind, pdf()) for kind in EXPECTED_EVIDENCE[Category(category)]]


class EligibilityTestCase(PersonaTestCase):
    """Personas, uploads into a throwaway media directory, the clock stopped at NOW."""

    @classmethod
    def setUpClass(cls) -> None:
        cls._media = tempfile.mkdtemp(prefix="qamqor-media-")
        cls._media_settings = override_settings(MEDIA_ROOT=cls._media)
        cls._media_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._media_settings.disable()
        shutil.rmtree(cls._media, ignore_errors=True)

    def setUp(self) -> None:
        super().setUp()
        # The calendar is cached per process; a test's rolled-back override must not linger.
        reset_calendar()
        self.addCleanup(reset_calendar)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def apply(
        self,
        category: str = Category.ASP,
        pupil: Any = None,
        *,
        evidence: bool = True,
        received_at: dt.datetime | None = None,
        **kw: Any,
    ):
        return services.apply_category(
            self.pedagog,
            pupil or self.pupil,
            category,
            received_at or almaty(2026, 3, 30, 11),
            kw.pop("granted_by", "Ақсу ауылы әкімдігі"),
            evidence=evidence_for(category) if evidence else (),
            **kw,
        )

    def board_decision(self, number: str = "3", scan: bool = True):
        return services.record_board_decision(
            self.pedagog,
            self.school,
            number,
            dt.date(2026, 3, 27),
            "Отбасын тексеру актісі негізінде тегін тамақ беру.",
            pdf("decision.pdf") if scan else None,
        )
