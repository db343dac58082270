"""The consultation log's read side: search, the monthly summary, and its XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from qamqor.core.tabular import workbook, xlsx_bytes

from .models import Channel, Consultation, Service
from .selectors import contains

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def search(qs: QuerySet[Consultation], text: str) -> QuerySet[Consultation]:
    text = (text or "").strip()
    if not text:
        return qs
    if text.isdigit():
        if len(text) == 12:
            return qs.filter(
                Q(family__pupils__iin=text) | Q(family__guardians__iin=text)
            ).distinct()
        return qs.filter(family_id=int(text))
    q = Q()
    for word in text.split()[:4]:
        q &= (
            contains("notes", word)
            | contains("family__guardians__surname", word)
            | contains("family__pupils__surname", word)
        )
    return qs.filter(q).distinct()


def summary(qs: QuerySet[Consultation]) -> dict[str, Any]:
    """Counts by service, channel, topic and outcome (every choice, zeros included)."""

    def by(field: str, choices: Any) -> list[tuple[str, int]]:
        counts = dict(qs.values_list(field).annotate(n=Count("id")).order_by())
        rows = [(str(label), counts.get(value, 0)) for value, label in choices]
        if counts.get(""):
            rows.append((_("not named"), counts[""]))
        return rows

    return {
        "total": qs.count(),
        "families": qs.values("family").distinct().count(),
        "service": by("service", Service.choices),
        "channel": by("channel", Channel.choices),
        "topic": by("topic", Consultation.Topic.choices),
        "outcome": by("outcome", Consultation.Outcome.choices),
    }


def summary_xlsx(
    rows: list[Consultation], totals: dict[str, Any], month: dt.date, school: str
) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    title = _("Consultations on public services, %(month)s") % {
        "month": date_format(month, "YEAR_MONTH_FORMAT")
    }
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([school])
    ws.append([])
    ws.append([_("Consultations"), totals["total"]])
    ws.append([_("Families"), totals["families"]])
    for key, heading in (
        ("service", _("By service")),
        ("channel", _("By channel")),
        ("topic", _("By topic")),
        ("outcome", _("By outcome")),
    ):
        ws.append([])
        ws.append([heading])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        for label, n in totals[key]:
            ws.append([label, n])
    ws.column_dimensions["A"].width = 48
    log = wb.create_sheet(_("Log")[:31])
    header = [
        _("Date"),
        _("Family"),
        _("Topic"),
        _("Service"),
        _("Channel"),
        _("Outcome"),
        _("Follow up on"),
        _("Notes"),
        _("Social pedagogue"),
    ]
    log.append(header)
    for cell in log[1]:
        cell.font = Font(bold=True)
    for c in rows:
        log.append(
            [
                timezone.localtime(c.held_at).replace(tzinfo=None),
                f"№{c.family_id}",
                str(c.get_topic_display()),
                str(c.get_service_display()) if c.service else "",
                str(c.get_channel_display()) if c.channel else "",
                str(c.get_outcome_display()),
                c.follow_up_on,
                c.notes,
                c.by.display_name() if c.by else "",
            ]
        )
        log.cell(row=log.max_row, column=1).number_format = "yyyy-mm-dd hh:mm"
        log.cell(row=log.max_row, column=7).number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHI", (17, 10, 28, 30, 24, 30, 13, 50, 24), strict=True):
        log.column_dimensions[letter].width = width
    return xlsx_bytes(wb)
