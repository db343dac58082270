"""The whole-school табель as one PDF: rendered once per version, in the background when big.

WeasyPrint lays a table out at roughly a third of a second per A4 page. One class is
instant; a school with 2,000 pupils on the list (about 70 pages) takes half a minute, too
long for a request. So the PDF is stored under a name that changes whenever the табель does
(a digest of its scans, amendments, submission, list, meal days, pupils' names and the
language): a small school's is rendered in the request, a large one's by the worker while the
page polls. If no worker picks it up within a while, the request renders it itself: a queue
that is down must not make the document unobtainable. Older versions are deleted.

Stored in the default storage under meals/tabel/, which is never served as media: only the
access-checked view streams it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Max
from django.utils import translation
from django_tasks import task

from qamqor.registry.models import Pupil, School

from ..models import MealDay, Redemption, TabelAmendment, TabelSubmission, Voucher
from .tabel import month_last_day

log = logging.getLogger(__name__)

# Up to about 13 pages: render in the request.
SYNC_ROWS = 400
# A pending render older than this is presumed lost (no worker running): render in the request.
STALE_SECONDS = 90
# Bump when the template changes, so stored PDFs are redrawn.
LAYOUT = "1"


@dataclass
class PdfState:
    name: str
    content: bytes | None  # None: being rendered in the background
    rows: int


def _fingerprint(school: School, month: dt.date) -> str:
    last = month_last_day(month)
    parts: list[object] = [LAYOUT, school.pk, school.name_kk, school.name_ru, month]
    parts += (
        Redemption.objects.filter(
            school_id=school.pk, day__gte=month, day__lte=last, status=Redemption.Status.SERVED
        )
        .aggregate(n=Count("id"), last=Max("id"))
        .values()
    )
    vouchers = Voucher.objects.filter(school=school, month=month).exclude(
        status=Voucher.Status.FORMED
    )
    parts += vouchers.aggregate(n=Count("id"), last=Max("id")).values()
    parts += (
        Pupil.objects.filter(id__in=vouchers.values("pupil_id"))
        .aggregate(changed=Max("updated_at"))
        .values()
    )
    parts += TabelSubmission.objects.filter(school=school, month=month).values_list(
        "id", "submitted_at"
    )
    parts += (
        TabelAmendment.objects.filter(submission__school=school, submission__month=month)
        .aggregate(n=Count("id"), last=Max("id"))
        .values()
    )
    parts += (
        MealDay.objects.filter(programme__school=school, programme__month=month)
        .aggregate(n=Count("id"), last=Max("id"))
        .values()
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _folder(school: School, month: dt.date) -> str:
    return f"meals/tabel/{school.pk}"


def _name(school: School, month: dt.date, lang: str) -> str:
    return f"{_folder(school, month)}/{month:%Y-%m}-{lang}-{_fingerprint(school, month)}.pdf"


def _rows(school: School, month: dt.date) -> int:
    return (
        Voucher.objects.filter(school=school, month=month)
        .exclude(status=Voucher.Status.FORMED)
        .count()
    )


def _read(name: str) -> bytes | None:
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _pending_age(name: str) -> float | None:
    marker = f"{name}.pending"
    if not default_storage.exists(marker):
        return None
    with default_storage.open(marker, "rb") as handle:
        try:
            started = float(handle.read().decode() or 0)
        except ValueError:
            started = 0.0
    return time.time() - started


def render_and_store(school: School, month: dt.date, lang: str, name: str) -> bytes:
    """Render the whole табель, store it under `name`, drop the older versions."""
    from ..exports import tabel_pdf
    from .tabel_grid import build_tabel

    with translation.override(lang):
        content = tabel_pdf(build_tabel(school, month))
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    prefix = f"{month:%Y-%m}-{lang}-"
    folder = _folder(school, month)
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        files = []
    for other in files:
        path = f"{folder}/{other}"
        if other.startswith(prefix) and path != name:
            default_storage.delete(path)
    return content


@task()
def render_tabel_pdf(school_id: int, month: str, lang: str, name: str) -> str:
    school = School.objects.get(pk=school_id)
    render_and_store(school, dt.date.fromisoformat(month), lang, name)
    return name


def tabel_pdf_state(school: School, month: dt.date, lang: str) -> PdfState:
    """The stored PDF of the current табель, or start rendering it (and say so)."""
    name = _name(school, month, lang)
    content = _read(name)
    rows = _rows(school, month)
    if content is not None:
        return PdfState(name, content, rows)
    age = _pending_age(name)
    if rows <= SYNC_ROWS or (age is not None and age > STALE_SECONDS):
        return PdfState(name, render_and_store(school, month, lang, name), rows)
    if age is None:
        default_storage.save(f"{name}.pending", ContentFile(str(time.time()).encode()))
        try:
            render_tabel_pdf.enqueue(school.pk, month.isoformat(), lang, name)
        except Exception:  # the queue only speeds things up; the page renders it after a while
            log.exception("could not enqueue the табель PDF of school %s", school.pk)
        content = _read(name)  # the immediate backend (tests, a demo without a worker)
    return PdfState(name, content, rows)
