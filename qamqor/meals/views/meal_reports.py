"""Pages of the meal reports: the daily report, the табель (submit, amend) and the payment
statement, with their downloads.

Who: the табель names pupils, so it is for the school's readers (pedagogue, principal, board,
district, admin); the pedagogue (and admin) submits and amends it. The daily report and the
payment statement carry counts only: the canteen operator of the school reads them too (see
`services.daily_report.school_for_counts`). Everyone else gets 404. Every download is audited as
an export; opening a class of the табель (names on screen) as a view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts import access
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record
from qamqor.core.clock import today
from qamqor.core.documents import PDF_TYPE, XLSX_TYPE, attachment
from qamqor.core.views import act
from qamqor.registry.models import School

from .. import exports
from ..models import TabelAmendment, first_of_month
from ..services import tabel as tabel_services
from ..services.daily_report import (
    COUNT_READERS,
    TABEL_READERS,
    daily_report,
    school_for_counts,
)
from ..services.tabel import (
    DEADLINE_DAY,
    TabelError,
    parse_month,
    tabel_deadline_state,
    tabel_summary,
)
from ..services.tabel_grid import Tabel, build_tabel
from ..services.tabel_pdf import tabel_pdf_state

# --- parameters ---------------------------------------------------------------------------


def default_month(day: dt.date) -> dt.date:
    """Until the 5th the табель to finish is last month's; after it, this month's."""
    month = first_of_month(day)
    return tabel_services.previous_month(month) if day.day <= DEADLINE_DAY else month


def _month(request: HttpRequest) -> dt.date:
    return parse_month(request.GET.get("month")) or default_month(today())


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date") or "")
    except ValueError:
        return today()


def _schools(request: HttpRequest, roles: AbstractSet[str]) -> list[School]:
    return list(access.readable_schools(request.user, roles=roles).order_by("name_kk", "id"))


def _school(request: HttpRequest, roles: AbstractSet[str]) -> School:
    """The school asked for (`?school=`), else the user's first; 404 without the role."""
    wanted = request.GET.get("school")
    if wanted:
        return access.get_school_for_user(request.user, wanted, roles=roles)
    schools = _schools(request, roles)
    if not schools:
        raise Http404
    return schools[0]


T = TypeVar("T")


def _counts(
    request: AuthedRequest, when: dt.date, build: Callable[[School, dt.date], T]
) -> tuple[School, T]:
    """The school asked for, if the user reads its counts on `when`, and `build(school, when)`
    (the day's report or the month's summary: a page and its downloads show the same)."""
    school = school_for_counts(request.user, _school(request, COUNT_READERS).pk, when)
    return school, build(school, when)


def _query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# --- the daily report ---------------------------------------------------------------------


@login_required
@require_GET
def daily(request: AuthedRequest) -> HttpResponse:
    day = _day(request)
    school, report = _counts(request, day, daily_report)
    query = _query(school=school.pk, date=day.isoformat())
    context = {
        "report": report,
        "school": school,
        "schools": _schools(request, COUNT_READERS),
        "day": day,
        "previous": _query(school=school.pk, date=(day - dt.timedelta(days=1)).isoformat()),
        "next": _query(school=school.pk, date=(day + dt.timedelta(days=1)).isoformat()),
        "query": query,
    }
    return render(request, "meals/reports/daily.html", context)


@login_required
@require_GET
def daily_xlsx(request: AuthedRequest) -> HttpResponse:
    day = _day(request)
    school, report = _counts(request, day, daily_report)
    content = exports.daily_xlsx(report)
    label = f"{_('Daily meal report')} {day:%Y-%m-%d}"
    name = f"meals-daily-{school.bin}-{day:%Y-%m-%d}.xlsx"
    return _exported(request, "meals.dailyreport", school, label, content, XLSX_TYPE, name)


def _exported(
    request: AuthedRequest,
    kind: str,
    school: School,
    label: str,
    content: bytes,
    mime: str,
    name: str,
) -> HttpResponse:
    """Every download of a report is recorded (one audit row) before it is sent."""
    record(request.user, "export", object_type=kind, school_id=school.pk, label=label)
    return attachment(content, mime, name)


# --- the табель ---------------------------------------------------------------------------


class AmendForm(forms.Form):
    pupil = forms.TypedChoiceField(label=gettext_lazy("Pupil"), coerce=int)
    day = forms.TypedChoiceField(
        label=gettext_lazy("Day"), coerce=dt.date.fromisoformat, empty_value=None
    )
    meal_type = forms.ChoiceField(label=gettext_lazy("Meal"))
    action = forms.ChoiceField(label=gettext_lazy("Correction"), choices=TabelAmendment.Action)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, tabel: Tabel, **kwargs: Any):
        super().__init__(*args, **kwargs)
        pupils: dict[int, str] = {}
        for sheet in tabel.sheets:
            for row in sheet.rows:
                pupils.setdefault(row.pupil_id, f"{row.display_name} ({sheet.class_label})")
        by_name = sorted(pupils.items(), key=lambda p: p[1])
        cast(forms.ChoiceField, self.fields["pupil"]).choices = by_name
        cast(forms.ChoiceField, self.fields["day"]).choices = [
            (d.isoformat(), date_format(d)) for d in tabel.days
        ]
        programme = tabel.summary.programme
        cast(forms.ChoiceField, self.fields["meal_type"]).choices = (
            [(m.meal_type, m.get_meal_type_display()) for m in programme.meals.all()]
            if programme
            else []
        )


def _tabel_context(
    request: HttpRequest, school: School, month: dt.date, amend_form: AmendForm | None = None
) -> dict[str, Any]:
    tabel = build_tabel(school, month)
    summary = tabel.summary
    sheet = tabel.sheet(request.GET.get("sheet")) or (tabel.sheets[0] if tabel.sheets else None)
    can_write = access.get_scope(request.user).can_write(school.pk)
    deadline = tabel_deadline_state(summary, today())
    context: dict[str, Any] = {
        "tabel": tabel,
        "s": summary,
        "sheet": sheet,
        "school": school,
        "schools": _schools(request, TABEL_READERS),
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "month_label": exports.month_label(month),
        "deadline": deadline,
        "can_write": can_write,
        "can_submit": can_write and summary.submission is None and deadline.state != "not_due",
        "amendments": tabel_services.amendments_for(summary.submission),
        "query": _query(school=school.pk, month=f"{month:%Y-%m}"),
        "previous": _query(school=school.pk, month=f"{tabel_services.previous_month(month):%Y-%m}"),
        "next": _query(school=school.pk, month=f"{tabel_services.next_month(month):%Y-%m}"),
        "post_args": [school.pk, month.year, month.month],
    }
    if can_write and summary.submission is not None:
        context["amend_form"] = amend_form or AmendForm(tabel=tabel)
    if sheet is not None:
        # Names of a whole class are on the screen: personal data viewed.
        record(
            request.user,
            "view",
            object_type="meals.tabel",
            school_id=school.pk,
            label=f"{month:%Y-%m} {sheet.class_label}",
        )
    return context


@login_required
@require_GET
def tabel_month(request: AuthedRequest) -> HttpResponse:
    school = _school(request, TABEL_READERS)
    return render(
        request, "meals/reports/tabel.html", _tabel_context(request, school, _month(request))
    )


def _tabel_export(
    request: AuthedRequest,
    school: School,
    month: dt.date,
    what: str,
    content: bytes,
    mime: str,
    name: str,
) -> HttpResponse:
    label = f"{_('Табель')} {month:%Y-%m} {what}"
    return _exported(request, "meals.tabel", school, label, content, mime, name)


@login_required
@require_GET
def tabel_xlsx(request: AuthedRequest) -> HttpResponse:
    school = _school(request, TABEL_READERS)
    month = _month(request)
    content = exports.tabel_xlsx(build_tabel(school, month))
    name = f"tabel-{school.bin}-{month:%Y-%m}.xlsx"
    return _tabel_export(request, school, month, "XLSX", content, XLSX_TYPE, name)


@login_required
@require_GET
def tabel_pdf(request: AuthedRequest) -> HttpResponse:
    """One class (`?sheet=`) at once; the whole school from storage, rendered in the
    background when large (see services.tabel_pdf), with a page that waits for it."""
    school = _school(request, TABEL_READERS)
    month = _month(request)
    key = request.GET.get("sheet")
    if key:
        tabel = build_tabel(school, month)
        sheet = tabel.sheet(key)
        if sheet is None:
            raise Http404
        tabel.sheets = [sheet]
        content = exports.tabel_pdf(tabel)
        name = f"tabel-{school.bin}-{month:%Y-%m}-{slugify(sheet.class_label) or 'class'}.pdf"
        what = f"PDF {sheet.class_label}"
    else:
        state = tabel_pdf_state(school, month, get_language() or "kk")
        if state.content is None:
            context = {
                "school": school,
                "month_label": exports.month_label(month),
                "rows": state.rows,
            }
            return render(request, "meals/reports/tabel_pdf_wait.html", context, status=202)
        content, name, what = state.content, f"tabel-{school.bin}-{month:%Y-%m}.pdf", "PDF"
    return _tabel_export(request, school, month, what, content, PDF_TYPE, name)


def _posted_month(school_id: int, year: int, month: int, request: HttpRequest):
    school = access.get_school_for_user(request.user, school_id, write=True)
    try:
        return school, dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc


def _back_url(school: School, month: dt.date, sheet: str = "") -> str:
    query = _query(school=school.pk, month=f"{month:%Y-%m}", sheet=sheet)
    return f"{reverse('meals:tabel_month')}?{query}"


def _back(school: School, month: dt.date, sheet: str = "") -> HttpResponse:
    return redirect(_back_url(school, month, sheet))


@login_required
@require_POST
def tabel_submit(request: AuthedRequest, school_id: int, year: int, month: int) -> HttpResponse:
    school, first = _posted_month(school_id, year, month, request)
    try:
        submission = tabel_services.submit_tabel(request.user, school, first)
    except TabelError as exc:
        messages.error(request, exc.message)
    else:
        text = _("The табель is submitted and locked: %(meals)s meals, %(amount)s ₸.") % {
            "meals": submission.meals,
            "amount": submission.amount,
        }
        if submission.late:
            messages.warning(request, text + " " + _("It is late: it was due by the 5th."))
        else:
            messages.success(request, text)
    return _back(school, first)


@login_required
@require_POST
def tabel_amend(request: AuthedRequest, school_id: int, year: int, month: int) -> HttpResponse:
    school, first = _posted_month(school_id, year, month, request)
    tabel = build_tabel(school, first)
    return act(
        request,
        AmendForm(request.POST, tabel=tabel),
        # The other fields are named as amend_tabel's arguments.
        lambda d: tabel_services.amend_tabel(
            request.user, school, first, pupil_id=d.pop("pupil"), **d
        ),
        success=_("The correction is recorded."),
        then=_back_url(school, first, request.POST.get("sheet", "")),
        again=lambda f: render(
            request,
            "meals/reports/tabel.html",
            _tabel_context(request, school, first, amend_form=f),
        ),
    )


# --- the payment statement ----------------------------------------------------------------


@login_required
@require_GET
def payment_statement(request: AuthedRequest) -> HttpResponse:
    month = _month(request)
    school, summary = _counts(request, month, tabel_summary)
    context = {
        "s": summary,
        "school": school,
        "schools": _schools(request, COUNT_READERS),
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "month_label": exports.month_label(month),
        "deadline": tabel_deadline_state(summary, today()),
        "can_read_tabel": access.get_scope(request.user).has_role(school.pk, *TABEL_READERS),
        "query": _query(school=school.pk, month=f"{month:%Y-%m}"),
        "previous": _query(school=school.pk, month=f"{tabel_services.previous_month(month):%Y-%m}"),
        "next": _query(school=school.pk, month=f"{tabel_services.next_month(month):%Y-%m}"),
    }
    return render(request, "meals/reports/payment.html", context)


def _payment_export(request: AuthedRequest, kind: str) -> HttpResponse:
    month = _month(request)
    school, summary = _counts(request, month, tabel_summary)
    label = f"{_('Payment statement')} {month:%Y-%m} {kind.upper()}"
    name = f"meals-payment-{school.bin}-{month:%Y-%m}.{kind}"
    if kind == "pdf":
        content, mime = exports.payment_pdf(summary), PDF_TYPE
    else:
        content, mime = exports.payment_xlsx(summary), XLSX_TYPE
    return _exported(request, "meals.payment", school, label, content, mime, name)


@login_required
@require_GET
def payment_xlsx(request: AuthedRequest) -> HttpResponse:
    return _payment_export(request, "xlsx")


@login_required
@require_GET
def payment_pdf(request: AuthedRequest) -> HttpResponse:
    return _payment_export(request, "pdf")
