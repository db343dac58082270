"""Generated documents: PDF rendering and the download response of any generated file.

Every document a school signs is an HTML template printed by WeasyPrint, in DejaVu Sans (it
has Kazakh Cyrillic: ә, ғ, қ, ң, ө, ұ, ү, һ, і). Stored uploads are streamed elsewhere
(their own checks and headers); this answers bytes made for this request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from .tabular import XLSX_TYPE
from .uploads import PDF as PDF_TYPE

__all__ = ["PDF_TYPE", "XLSX_TYPE", "attachment", "html_to_pdf", "render_pdf"]


def html_to_pdf(html: str) -> bytes:
    # WeasyPrint logs every layout step at INFO; a download is not the place for that.
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        # Imported here: it takes half a second to import and most requests never render.
        from weasyprint import HTML

        return HTML(string=html).write_pdf()
    finally:
        progress.setLevel(level)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The template rendered with `context`, as PDF bytes."""
    return html_to_pdf(render_to_string(template, context))


def attachment(
    content: bytes, content_type: str, filename: str, *, inline: bool = False
) -> HttpResponse:
    """A generated file as a download (or shown in the browser when `inline`)."""
    response = HttpResponse(content, content_type=content_type)
    # Django's header, as FileResponse writes it: a quote in the name is escaped, and a
    # non-ASCII name goes as filename*=utf-8''… instead of a MIME-encoded header.
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "inline"
    # A generated file holds personal data: no proxy or shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response
