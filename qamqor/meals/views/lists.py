"""Pages of the month's meal list: forming, the principal's decision, verification, vouchers.

The school comes through `accounts.access` (readers see, writers form and submit, approvers
decide); without access the answer is 404. A child's basis is a support category: it is
shown only where `can_see_categories` allows.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from qamqor.accounts.access import (
    get_for_user,
    get_school_for_user,
    get_scope,
    schools_or_404,
    visible,
)
from qamqor.accounts.models import SCHOOL_READERS
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record
from qamqor.core.clock import today
from qamqor.core.views import attempt, paginate
from qamqor.registry.models import School

from ..models import Basis, ListEntry, MonthlyList, Voucher, first_of_month
from ..services import lists as services
from ..services import vouchers as voucher_services
from ..services.programme import (
    MealError,
    month_key,
    next_month,
    parse_month,
    previous_month,
    programme_for,
)
from ..services.verification import POLL_BUDGET, advance_verification, failure_message

Status = MonthlyList.Status
log = logging.getLogger(__name__)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("What should be corrected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class EntryFilter(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    grade = forms.IntegerField(required=False, min_value=0, max_value=11)
    basis = forms.ChoiceField(required=False, choices=[("", "")] + Basis.choices)
    verification = forms.ChoiceField(
        required=False, choices=[("", ""), *ListEntry.Verification.choices]
    )
    page = forms.IntegerField(required=False, min_value=1)


def month_of(value: str) -> dt.date:
    try:
        return parse_month(value)
    except ValueError as exc:
        raise Http404 from exc


def school_and_month(
    request: HttpRequest, school_id: str, month: str, *, write: bool = False, roles: Any = None
) -> tuple[Any, dt.date]:
    school = get_school_for_user(request.user, school_id, write=write, roles=roles)
    return school, month_of(month)


def _back(school: School, month: dt.date) -> HttpResponse:
    return redirect("meals:list_month", school.pk, month_key(month))


def _formed(request: HttpRequest, school: School, month: dt.date) -> MonthlyList | None:
    lst = services.get_list(school.pk, month)
    if lst is None:
        messages.error(request, _("The month's list is not formed yet."))
    return lst


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """The user's schools with this month's and next month's lists, and the latest lists."""
    schools = schools_or_404(request.user, SCHOOL_READERS)
    this = first_of_month(today())
    months = [previous_month(this), this, next_month(this)]
    lists = visible(request.user, MonthlyList)
    found = {(lst.school_id, lst.month): lst for lst in lists.filter(month__in=months)}
    rows = [
        {
            "school": s,
            "can_write": get_scope(request.user).can_write(s.pk),
            "months": [
                {"month": m, "key": month_key(m), "list": found.get((s.pk, m))} for m in months
            ],
        }
        for s in schools
    ]
    recent = lists.select_related("school")[:24]
    return render(
        request,
        "meals/lists/index.html",
        {"rows": rows, "recent": recent, "this_month": this, "many": len(schools) > 1},
    )


def _entries(lst: MonthlyList, params: dict[str, Any], show_basis: bool) -> Any:
    qs = lst.entries.select_related("pupil").order_by(
        "grade", "class_label", "pupil__surname", "pupil__name"
    )
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(pupil__surname__icontains=q) | Q(pupil__name__icontains=q) | Q(pupil__iin=q)
        )
    if params.get("grade") is not None:
        qs = qs.filter(grade=params["grade"])
    if show_basis and params.get("basis"):
        qs = qs.filter(basis=params["basis"])
    if params.get("verification"):
        qs = qs.filter(verification=params["verification"])
    return qs


def _month_context(
    request: HttpRequest, school: School, month: dt.date, **extra: Any
) -> dict[str, Any]:
    scope = get_scope(request.user)
    show_basis = scope.can_see_categories(school.pk)
    lst = services.get_list(school.pk, month)
    filters = EntryFilter(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    context: dict[str, Any] = {
        "school": school,
        "month": month,
        "key": month_key(month),
        "prev_key": month_key(previous_month(month)),
        "next_key": month_key(next_month(month)),
        "programme": lst.programme if lst else programme_for(school.pk, month),
        "list": lst,
        "can_write": scope.can_write(school.pk),
        "can_approve": scope.has_role(school.pk, *services.APPROVERS),
        "show_basis": show_basis,
        "filters": filters,
        "params": params,
        "bases": Basis.choices,
        "states": ListEntry.Verification.choices,
        "grades": range(12),
        "return_form": extra.pop("return_form", None) or ReturnForm(),
    }
    if lst is not None:
        counts = services.counts(lst)
        page, query = paginate(
            request, _entries(lst, params, show_basis), number=params.get("page") or 1
        )
        diff = services.diff_with_previous(lst)
        failed = services.failures(lst)
        for entry in failed:
            entry.message = failure_message(entry.failure_code)  # type: ignore[attr-defined]  # for the template
        context |= {
            "counts": counts,
            "basis_rows": [(Basis(b).label, b, n) for b, n in counts.by_basis.items()],
            "category_total": sum(n for b, n in counts.by_basis.items() if b != Basis.UNIVERSAL),
            "page": page,
            "query": query,
            "diff": diff,
            "failures": failed,
            "transitions": list(lst.transitions.select_related("by")),
            "vouchers": voucher_services.voucher_counts(school.pk, month)
            if lst.status == Status.VERIFIED
            else None,
        }
    return context | extra


def _advance(school_id: int, month: dt.date) -> bool:
    """Move a verifying list on for up to a second (no worker needed); False if it failed."""
    lst = MonthlyList.objects.filter(
        school_id=school_id, month=month, status=Status.VERIFYING
    ).first()
    if lst is None:
        return True
    try:
        advance_verification(lst.pk, budget=POLL_BUDGET)
    except Exception:  # the state service failed: the next poll tries the chunk again
        log.exception("verification of list %s failed; the next poll retries", lst.pk)
        return False
    return True


@login_required
@require_GET
def month_page(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month)
    _advance(school.pk, month_)
    context = _month_context(request, school, month_)
    lst = context["list"]
    if request.htmx and request.htmx.target == "entry-results":
        return render(request, "meals/lists/_entries.html", context)
    if lst is not None:
        record(request.user, "view", lst, label=f"{lst.month:%Y-%m}")
    return render(request, "meals/lists/month.html", context)


@login_required
@require_POST
def form(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month, write=True)
    attempt(
        request,
        lambda: services.form_list(request.user, school, month_),
        lambda lst: _("The list is formed: %(n)s pupils.") % {"n": lst.entries.count()},
    )
    return _back(school, month_)


def _step(
    request: HttpRequest, school_id: str, month: str, step: Any, done: str, **access: Any
) -> HttpResponse:
    """A button that moves the formed list on, with the comment posted beside it."""
    school, month_ = school_and_month(request, school_id, month, **access)
    lst = _formed(request, school, month_)
    if lst is not None:
        attempt(request, lambda: step(request.user, lst, request.POST.get("comment", "")), done)
    return _back(school, month_)


@login_required
@require_POST
def submit(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    done = _("The list is sent to the principal.")
    return _step(request, school_id, month, services.submit_list, done, write=True)


@login_required
@require_POST
def approve(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    done = _("The list is approved and sent to state verification.")
    return _step(request, school_id, month, services.approve_list, done, roles=services.APPROVERS)


@login_required
@require_POST
def return_(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month, roles=services.APPROVERS)
    lst = _formed(request, school, month_)
    if lst is None:
        return _back(school, month_)
    return_form = ReturnForm(request.POST)
    if return_form.is_valid():
        attempt(
            request,
            lambda: services.return_list(request.user, lst, return_form.cleaned_data["comment"]),
            _("The list is returned to the pedagogue."),
        )
        return _back(school, month_)
    context = _month_context(request, school, month_, return_form=return_form)
    return render(request, "meals/lists/month.html", context, status=422)


@login_required
@require_GET
def progress(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month)
    error = not _advance(school.pk, month_)
    lst = services.get_list(school.pk, month_)
    if lst is None or lst.status != Status.VERIFYING:
        if request.htmx:
            return HttpResponseClientRefresh()  # the failures and vouchers are on the page
        return _back(school, month_)
    return render(
        request,
        "meals/lists/_progress.html",
        {"lst": lst, "school": school, "key": month_key(month_), "error": error},
    )


@login_required
@require_GET
def vouchers(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month)
    lst = services.get_list(school.pk, month_)
    status = request.GET.get("status", "")
    q = (request.GET.get("q") or "").strip()
    qs = Voucher.objects.filter(school=school, month=month_).select_related(
        "pupil", "pupil__school_class", "entry"
    )
    if status in Voucher.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(pupil__surname__icontains=q) | Q(pupil__name__icontains=q))
    qs = qs.order_by("entry__grade", "entry__class_label", "pupil__surname", "pupil__name", "id")
    page, query = paginate(request, qs)
    counts = voucher_services.voucher_counts(school.pk, month_)
    statuses = Voucher.Status.choices
    context = {
        "school": school,
        "month": month_,
        "key": month_key(month_),
        "prev_key": month_key(previous_month(month_)),
        "next_key": month_key(next_month(month_)),
        "list": lst,
        "counts": counts,
        "status_rows": [(code, label, counts.by_status[code]) for code, label in statuses],
        "class_rows": [
            (label, [row.get(code, 0) for code, _label in statuses])
            for label, row in counts.by_class
        ],
        "statuses": statuses,
        "status": status,
        "q": q,
        "page": page,
        "query": query,
        "can_write": get_scope(request.user).can_write(school.pk),
    }
    if request.htmx and request.htmx.target == "voucher-results":
        return render(request, "meals/lists/_vouchers.html", context)
    record(
        request.user,
        "view",
        object_type="meals.voucher",
        school_id=school.pk,
        label=f"{month_key(month_)}: {page.paginator.count}",
    )
    return render(request, "meals/lists/vouchers.html", context)


@login_required
@require_POST
def vouchers_issue(request: AuthedRequest, school_id: str, month: str) -> HttpResponse:
    school, month_ = school_and_month(request, school_id, month, write=True)
    lst = _formed(request, school, month_)
    if lst is None:
        return redirect("meals:list_vouchers", school.pk, month_key(month_))
    try:
        issued, notified = voucher_services.issue_and_notify(request.user, lst)
    except MealError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Vouchers issued: %(created)s; parents notified: %(sent)s.")
            % {"created": issued.created, "sent": notified.sent},
        )
        if notified.unreachable:
            messages.warning(
                request,
                _("%(n)s parents have no phone number in the registry: their vouchers wait.")
                % {"n": notified.unreachable},
            )
    return redirect("meals:list_vouchers", school.pk, month_key(month_))


def _voucher_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    voucher = get_for_user(request.user, Voucher, pk, write=True)
    attempt(request, lambda: action(request.user, voucher), done)
    url = reverse("meals:list_vouchers", args=[voucher.school_id, month_key(voucher.month)])
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(url) else url)


@login_required
@require_POST
def voucher_suspend(request: AuthedRequest, pk: int) -> HttpResponse:
    return _voucher_action(
        request, pk, voucher_services.suspend_voucher, _("The voucher is suspended.")
    )


@login_required
@require_POST
def voucher_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _voucher_action(
        request, pk, voucher_services.reactivate_voucher, _("The voucher is active again.")
    )
