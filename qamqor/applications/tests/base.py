"""Shared pieces of the applications tests: documents, a civil registry file, a stopped clock."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from qamqor.applications import services
from qamqor.applications.models import Application, Channel, DocumentKind, Service
from qamqor.core.workdays import TZ, reset_calendar
from qamqor.testing import PersonaTestCase

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
# Wednesday 1 April 2026, 10:00 in Almaty: a working day after Nauryz.
NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=TZ)
Status = Application.Status
K = DocumentKind


def almaty(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def pdf(name: str = "өтініш.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "photo.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 130)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def fake(name: str = "virus.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")


def write_civil_registry(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    """Rows of (iin, birth_record, born_abroad, marriage)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iin", "birth_record", "born_abroad", "birth_country", "marriage"])
        for iin, record, abroad, marriage in rows:
            w.writerow([iin, record, abroad, "UZ" if abroad == "1" else "KZ", marriage])


def paper_documents(service: str = Service.FINANCIAL_AID, *extra: str) -> list[tuple[str, Any]]:
    """A full paper package for a child the civil registry knows."""
    kinds = [K.APPLICATION_FORM, K.IDENTITY, K.CATEGORY_DOCUMENT, *extra]
    if service == Service.CAMP_VOUCHER:
        kinds.append(K.MEDICAL_071)
    return [(k, pdf(f"{k}.pdf")) for k in kinds]


class ApplicationsTestCase(PersonaTestCase):
    """Personas; a civil registry where `pupil` has every record, `sibling` was born abroad and
    `stranger` is unknown; uploads into a throwaway media directory; the clock stopped at NOW."""

    @classmethod
    def setUpClass(cls) -> None:
        cls._tmp = tempfile.mkdtemp(prefix="qamqor-applications-")
        cls.civil_path = Path(cls._tmp) / "civil_registry.csv"
        cls._settings = override_settings(
            MEDIA_ROOT=str(Path(cls._tmp) / "media"),
            QAMQOR_SANDBOX_CIVIL_REGISTRY=str(cls.civil_path),
        )
        cls._settings.enable()
        # Class cleanups run last-in first-out, after every tearDownClass: a subclass's own
        # @override_settings (enabled later, in super().setUpClass) is undone before this one.
        cls.addClassCleanup(shutil.rmtree, cls._tmp, ignore_errors=True)
        cls.addClassCleanup(cls._settings.disable)
        # The class's data (setUpTestData) is made at NOW too, not on the day the suite runs.
        with time_machine.travel(NOW, tick=False):
            super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        write_civil_registry(
            cls.civil_path,
            [
                (cls.pupil.iin, "1", "0", "registered"),
                (cls.sibling.iin, "1", "1", "registered"),
                (cls.other_pupil.iin, "1", "0", "none"),
            ],
        )

    def setUp(self) -> None:
        super().setUp()
        reset_calendar()
        self.addCleanup(reset_calendar)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def submit(
        self,
        pupil: Any = None,
        service: str = Service.FINANCIAL_AID,
        channel: str = Channel.SCHOOL,
        *,
        received_at: dt.datetime | None = None,
        documents: list | None = None,
        **kw: Any,
    ) -> Application:
        return services.submit_application(
            kw.pop("user", self.pedagog),
            pupil or self.pupil,
            service,
            channel,
            received_at=received_at or almaty(2026, 3, 30, 11),
            documents=paper_documents(service) if documents is None else documents,
            category=kw.pop("category", "asp"),
            **kw,
        )

    def advance(self, application: Application, *statuses: str) -> Application:
        """Drive an application through the school's steps to each of `statuses` in turn."""
        for status in statuses:
            if status == Status.UNDER_REVIEW:
                services.start_review(self.pedagog, application)
            elif status == Status.APPROVED:
                services.approve_application(self.pedagog, application)
            elif status == Status.REFUSED:
                services.refuse_application(self.pedagog, application, "Құжат жарамсыз.")
            elif status == Status.APPEALED:
                services.file_appeal(self.parent, application, "Келіспеймін.")
            else:
                services.transition_application(self.pedagog, application, status)
            application.refresh_from_db()
        return application
