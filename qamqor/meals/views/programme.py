"""The month's meal programme: what is served, at what price, to whom, and on which days.

Readers of the school see it; writers (the social pedagogue) set it up and edit the meal
days on a small calendar (htmx swaps the calendar; without JavaScript the buttons post and
the page reloads).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import AuthedRequest, HtmxRequest
from qamqor.core.views import act, attempt
from qamqor.core.workdays import get_calendar
from qamqor.registry.models import School

from ..models import Basis, MealType, Operator, Programme
from ..services import programme as services
from ..services.programme import MealError, MealSpec, month_key
from .lists import school_and_month

CATEGORY_CHOICES = [(b.value, b.label) for b in Basis if b != Basis.UNIVERSAL]
GRADES = [(g, str(g)) for g in range(12)]


# The programme's terms: named alike on the model, on the form and in save_programme.
TERMS = (
    "operator",
    "contract_number",
    "contract_date",
    "universal_from_grade",
    "universal_to_grade",
    "category_from_grade",
    "category_to_grade",
    "categories",
)


class ProgrammeForm(forms.Form):
    operator = forms.ModelChoiceField(
        label=gettext_lazy("Canteen operator"), queryset=Operator.objects.order_by("name_kk")
    )
    contract_number = forms.CharField(
        label=gettext_lazy("Contract number"), max_length=60, required=False
    )
    contract_date = forms.DateField(
        label=gettext_lazy("Contract date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    universal_from_grade = forms.TypedChoiceField(
        label=gettext_lazy("Free for all from grade"), choices=GRADES, coerce=int, initial=1
    )
    universal_to_grade = forms.TypedChoiceField(
        label=gettext_lazy("to grade"), choices=GRADES, coerce=int, initial=4
    )
    category_from_grade = forms.TypedChoiceField(
        label=gettext_lazy("By category from grade"), choices=GRADES, coerce=int, initial=5
    )
    category_to_grade = forms.TypedChoiceField(
        label=gettext_lazy("to grade"), choices=GRADES, coerce=int, initial=11
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Categories that entitle (none ticked: all five)"),
        choices=CATEGORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One row per meal: served or not, price, state share (lunch is always served).
        for meal in MealType:
            if meal != MealType.LUNCH:
                self.fields[f"{meal}_served"] = forms.BooleanField(label=meal.label, required=False)
            self.fields[f"{meal}_price"] = forms.IntegerField(
                label=gettext_lazy("price, ₸"),
                min_value=1,
                max_value=services.MAX_PRICE,
                required=meal == MealType.LUNCH,
            )
            self.fields[f"{meal}_share"] = forms.IntegerField(
                label=gettext_lazy("state share, %"), min_value=0, max_value=100, initial=100
            )

    def meal_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "meal": meal,
                "served": self[f"{meal}_served"] if meal != MealType.LUNCH else None,
                "price": self[f"{meal}_price"],
                "share": self[f"{meal}_share"],
            }
            for meal in MealType
        ]

    def meals(self) -> list[MealSpec]:
        data = self.cleaned_data
        out = []
        for meal in MealType:
            if meal == MealType.LUNCH or data.get(f"{meal}_served"):
                price = data.get(f"{meal}_price")
                if not price:
                    raise MealError(
                        "price_invalid", _("Give the price of each meal served."), f"{meal}_price"
                    )
                share = data.get(f"{meal}_share")
                out.append(MealSpec(meal, price, 100 if share is None else share))
        return out


def initial_from(programme: Programme | None) -> dict[str, Any]:
    if programme is None:
        return {}
    # serializable_value: the operator's id, without fetching the operator.
    initial: dict[str, Any] = {f: programme.serializable_value(f) for f in TERMS}
    for pm in programme.meals.all():
        initial |= {
            f"{pm.meal_type}_served": True,
            f"{pm.meal_type}_price": pm.price,
            f"{pm.meal_type}_share": pm.state_share,
        }
    return initial


def calendar_weeks(programme: Programme) -> list[list[dict[str, Any]]]:
    """The month as weeks Monday–Sunday; each day says if meals are served and why not."""
    cal = get_calendar()
    meal_days = set(programme.days.values_list("date", flat=True))
    breaks = services.school_breaks(programme.school_id, programme.month)
    days = services.month_dates(programme.month)
    cells: list[dict[str, Any] | None] = [None] * days[0].weekday()
    for d in days:
        holiday = cal.holiday_name(d)
        in_break = any(a <= d <= b for a, b in breaks)
        cells.append(
            {
                "date": d,
                "served": d in meal_days,
                "working": cal.is_working_day(d),
                "holiday": holiday or "",
                "in_break": in_break,
            }
        )
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]  # type: ignore[misc]  # None pads the last week


def _context(request: HttpRequest, school: School, month: dt.date, **extra: Any) -> dict[str, Any]:
    programme = services.programme_for(school.pk, month)
    context: dict[str, Any] = {
        "school": school,
        "month": month,
        "key": month_key(month),
        "prev_key": month_key(services.previous_month(month)),
        "next_key": month_key(services.next_month(month)),
        "programme": programme,
        "can_write": get_scope(request.user).can_write(school.pk),
    }
    if programme is not None:
        context |= {
            "weeks": calendar_weeks(programme),
            "meals": list(programme.meals.order_by("meal_type")),
            "meal_days": programme.days.count(),
            "category_labels": [Basis(c).label for c in programme.categories if c in Basis.values],
            "weekdays": [dt.date(2024, 1, d) for d in range(1, 8)],  # a Monday to a Sunday
        }
    return context | extra


@login_required
@require_GET
def month_page(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month)
    return render(request, "meals/lists/programme.html", _context(request, school, month_))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month, write=True)
    programme = services.programme_for(school.pk, month_)
    copied = None
    if programme is None:
        copied = services.previous_programme(school.pk, month_)
    if request.method == "GET":
        form = ProgrammeForm(initial=initial_from(programme or copied))
        context = {"form": form, "copied": copied}
        return render(
            request,
            "meals/lists/programme_edit.html",
            _context(request, school, month_, **context),
        )
    form = ProgrammeForm(request.POST)
    return act(
        request,
        form,
        lambda data: services.save_programme(
            request.user, school, month_, meals=form.meals(), **{f: data[f] for f in TERMS}
        ),
        success=_("The programme is saved."),
        then=reverse("meals:programme_month", args=[school.pk, month_key(month_)]),
        again=lambda f: render(
            request,
            "meals/lists/programme_edit.html",
            _context(request, school, month_, form=f, copied=copied),
        ),
    )


def _calendar_response(request: HtmxRequest, school: School, month: dt.date) -> HttpResponse:
    if request.htmx:
        return render(request, "meals/lists/_calendar.html", _context(request, school, month))
    return redirect("meals:programme_month", school.pk, month_key(month))


@login_required
@require_POST
def days(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    """Serve meals on a day (`serve=YYYY-MM-DD`) or not (`skip=YYYY-MM-DD`)."""
    school, month_ = school_and_month(request, school_id, month, write=True)
    programme = services.programme_for(school.pk, month_)
    serve = "serve" in request.POST
    raw = request.POST.get("serve") or request.POST.get("skip") or ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = None
    if programme is None or day is None:
        messages.error(request, _("Choose a day of the programme's month."))
        return _calendar_response(request, school, month_)
    attempt(request, lambda: services.set_meal_day(request.user, programme, day, serve), None)
    return _calendar_response(request, school, month_)


@login_required
@require_POST
def reset_days(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month, write=True)
    programme = services.programme_for(school.pk, month_)
    if programme is not None:
        attempt(
            request,
            lambda: services.reset_meal_days(request.user, programme),
            _("The meal days follow the calendar again."),
        )
    return redirect("meals:programme_month", school.pk, month_key(month_))
