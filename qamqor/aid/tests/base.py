"""Shared ground for the aid tests: personas, approved cash-aid applications (made through the
applications app's services), sample files, a private media folder and a stopped clock."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import tempfile
import zlib
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from qamqor.aid import services
from qamqor.applications.models import Channel, Service
from qamqor.applications.services import (
    add_document,
    approve_application,
    start_review,
    submit_application,
)
from qamqor.core.workdays import TZ, reset_calendar
from qamqor.testing import PersonaTestCase, make_guardian, make_pupil

# Tuesday 1 September 2026, 10:00 in Almaty: the first school day.
NOW = dt.datetime(2026, 9, 1, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def almaty(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def pdf(name: str = "чек.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (16, 12)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, format=fmt)
    return buf.getvalue()


def jpeg(name: str = "чек.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG"), content_type="image/jpeg")


def png(name: str = "фото.png", size: tuple[int, int] = (16, 12)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", size), content_type="image/png")


def crafted_png(width: int, height: int) -> bytes:
    """A well-formed PNG header announcing `width` × `height` 1-bit pixels, with all the rows
    of zeros deflated into a few kilobytes: what a decompression bomb looks like."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def bomb_png(name: str = "bomb.png", side: int = 30_000) -> SimpleUploadedFile:
    """900 Mpx in ~100 KB: ten times Pillow's pixel limit (about 89 Mpx)."""
    return SimpleUploadedFile(name, crafted_png(side, side), content_type="image/png")


def not_an_image(name: str = "чек.jpg") -> SimpleUploadedFile:
    """A Windows program renamed to .jpg and sent with an image content type."""
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="image/jpeg")


class AidTestCase(PersonaTestCase):
    """Personas; two approved cash-aid applications of school A (the parent's child with a
    valid IBAN, a stranger whose guardian has none); uploads into a private media folder."""

    @classmethod
    def setUpClass(cls) -> None:
        cls._media = tempfile.mkdtemp(prefix="qamqor-aid-media-")
        cls._media_settings = override_settings(MEDIA_ROOT=cls._media)
        cls._media_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._media_settings.disable()
        shutil.rmtree(cls._media, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            cls.app = cls.approve(cls.pupil, cls.guardian, category="asp")
            cls.stranger_guardian = make_guardian(
                cls.stranger.family, surname="Иванова", name="Мария", iban=""
            )
            cls.stranger_app = cls.approve(cls.stranger, cls.stranger_guardian, category="orphans")

    @classmethod
    def approve(cls, pupil: Any, applicant: Any, category: str = "asp", received: Any = None):
        """An application made on paper at the school, complete, reviewed and approved."""
        application = submit_application(
            cls.pedagog,
            pupil,
            Service.FINANCIAL_AID,
            Channel.SCHOOL,
            received_at=received or almaty(2026, 8, 20, 11),
            category=category,
            applicant=applicant,
            allow_incomplete=True,
        )
        for kind in application.missing_documents(set()):
            add_document(cls.pedagog, application, kind, pdf("doc.pdf"))
        start_review(cls.pedagog, application)
        return approve_application(cls.pedagog, application)

    @classmethod
    def another_pupil(cls, **kw: Any):
        family = cls.stranger.family.__class__.objects.create(school=cls.school)
        pupil = make_pupil(cls.school, cls.other_class, family, **kw)
        return pupil, make_guardian(family)

    def stored_files(self) -> int:
        return sum(len(files) for _root, _dirs, files in os.walk(self._media))

    def setUp(self) -> None:
        super().setUp()
        reset_calendar()
        self.addCleanup(reset_calendar)
        self.travel(NOW)

    def travel(self, moment: dt.datetime | dt.date) -> None:
        if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
            moment = dt.datetime.combine(moment, dt.time(10, 0), tzinfo=TZ)
        if getattr(self, "_traveller", None) is not None:
            self._traveller.stop()
        self._traveller = time_machine.travel(moment, tick=False)
        self._traveller.start()
        self.addCleanup(self._stop_travel)

    def _stop_travel(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None

    # Journeys the tests share.
    def paid_register(self, paid_on: dt.date = TODAY):
        """School A's register formed, exported and paid: the reports are due."""
        register = services.form_register(self.pedagog, self.school)
        services.record_export(self.pedagog, register, "csv")
        services.mark_register_paid(self.pedagog, register, paid_on)
        register.refresh_from_db()
        return register

    def report(self):
        self.paid_register()
        self.app.refresh_from_db()
        return self.app.purchase_report

    def complete(self, report: Any) -> None:
        services.add_report_file(self.parent, report, "receipt", jpeg(), 30000)
        services.add_report_file(self.parent, report, "photo", png())
