"""A generated file's download: its name survives any characters, and no cache keeps it."""

from __future__ import annotations

from django.test import SimpleTestCase

from qamqor.core.documents import XLSX_TYPE, attachment


class Attachment(SimpleTestCase):
    def test_an_ascii_name_is_quoted_and_nothing_keeps_a_copy(self):
        response = attachment(b"x", XLSX_TYPE, "monitoring-2026-10-14.xlsx")
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="monitoring-2026-10-14.xlsx"'
        )
        self.assertEqual(response["Cache-Control"], "private, no-store")
        self.assertEqual(response["Content-Type"], XLSX_TYPE)

    def test_inline_a_quote_or_a_kazakh_name_keeps_the_header_whole(self):
        response = attachment(b"x", "application/pdf", 'a"b.pdf', inline=True)
        self.assertEqual(response["Content-Disposition"], 'inline; filename="a\\"b.pdf"')
        response = attachment(b"x", "application/pdf", "Әсел.pdf")
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename*=utf-8''%D3%98%D1%81%D0%B5%D0%BB.pdf",
        )
