"""PDF rendering: every document a school signs is an HTML template printed by WeasyPrint, in
DejaVu Sans (it has Kazakh Cyrillic: ә, ғ, қ, ң, ө, ұ, ү, һ, і)."""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string

from .uploads import PDF as PDF_TYPE

__all__ = ["PDF_TYPE", "html_to_pdf", "render_pdf"]


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
