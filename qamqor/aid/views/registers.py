"""The pedagogue's payment registers: form, check, export (XLSX, the bank's CSV), mark paid."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts import access
from qamqor.accounts.access import get_school_for_user, get_scope
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record_view
from qamqor.core.clock import today
from qamqor.core.documents import XLSX_TYPE, attachment
from qamqor.core.views import RecordPage, attempt, explain, paginate

from .. import exports, services
from ..forms import PaidForm
from ..models import AID_WRITERS, AidAmount, LineProblem, PaymentRegister
from .common import get_register


@login_required
@require_GET
def registers(request: AuthedRequest) -> HttpResponse:
    """Registers of the user's schools; where they write, what waits to be put in one."""
    school_ids = access.school_ids_or_404(request.user, PaymentRegister)
    qs = (
        access.visible(request.user, PaymentRegister)
        .select_related("school")
        .annotate(
            lines_ready=Count("lines", filter=Q(lines__problem="")),
            lines_blocked=Count("lines", filter=~Q(lines__problem="")),
            total=Sum("lines__amount", filter=Q(lines__problem="")),
        )
        .order_by("-created_at", "-id")
    )
    page, _query = paginate(request, qs, 25)
    schools = list(access.readable_schools(request.user, roles=AID_WRITERS).order_by("name_kk"))
    approved = services.unregistered_counts(s.pk for s in schools)
    drafts = {
        r.school_id: r
        for r in PaymentRegister.objects.filter(
            school__in=schools, status=PaymentRegister.Status.DRAFT
        )
    }
    waiting = [
        {"school": s, "approved": approved.get(s.pk, 0), "draft": drafts.get(s.pk)} for s in schools
    ]
    year = today().year
    amount = AidAmount.objects.filter(year=year).first()
    return render(
        request,
        "aid/registers.html",
        {
            "page": page,
            "waiting": waiting,
            "amount": amount,
            "year": year,
            "many": len(school_ids) > 1,
        },
    )


@login_required
@require_POST
def register_form(request: AuthedRequest, school_pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, school_pk, roles=AID_WRITERS)
    try:
        register = services.form_register(request.user, school)
    except services.AidError as exc:
        messages.error(request, exc.message)
        return redirect("aid:registers")
    return redirect("aid:register", register.pk)


def _register_context(request: HttpRequest, register: PaymentRegister, **forms) -> dict:  # noqa: ANN003
    lines = list(
        register.lines.select_related(
            "pupil", "pupil__school_class", "guardian", "report"
        ).order_by("problem", "recipient_name", "id")
    )
    ready = [ln for ln in lines if ln.is_ready]
    can_write = get_scope(request.user).has_role(register.school_id, *AID_WRITERS)
    return {
        "register": register,
        "ready": ready,
        "blocked": [ln for ln in lines if not ln.is_ready],
        "total": sum(ln.amount for ln in ready),
        "can_write": can_write and register.is_draft,
        "paid_form": forms.get("paid_form") or PaidForm(),
        "iban_problems": {LineProblem.IBAN_MISSING, LineProblem.IBAN_INVALID},
    }


PAGE = RecordPage("aid:register", "aid/register.html", _register_context, get_register)

register_page = PAGE.page_view(record_view)


register_check = PAGE.button_view(
    services.check_register, gettext_lazy("The register is checked against the registry again.")
)


@login_required
@require_POST
def register_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    register = get_register(request, pk, write=True)
    if attempt(
        request,
        lambda: services.delete_register(request.user, register),
        _("The register is deleted; its applications stay approved."),
    ):
        return redirect("aid:registers")
    return redirect("aid:register", register.pk)


def _export(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    register = get_register(request, pk)
    if not attempt(request, lambda: services.record_export(request.user, register, kind), None):
        return redirect("aid:register", register.pk)
    if kind == "csv":
        body, content_type = exports.register_csv(register), "text/csv; charset=utf-8"
    else:
        body, content_type = exports.register_xlsx(register), XLSX_TYPE
    return attachment(body, content_type, exports.filename(register, kind))


@login_required
@require_POST
def register_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "xlsx")


@login_required
@require_POST
def register_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "csv")


@login_required
@require_POST
def register_paid(request: AuthedRequest, pk: int) -> HttpResponse:
    register = get_register(request, pk, write=True)
    form = PaidForm(request.POST)
    if form.is_valid():
        try:
            result = services.mark_register_paid(
                request.user, register, form.cleaned_data["paid_on"]
            )
        except services.AidError as exc:
            register.refresh_from_db()
            explain(form, exc)
        else:
            text = ngettext(
                "Marked paid on %(date)s: %(n)s payment; its purchase report is due.",
                "Marked paid on %(date)s: %(n)s payments; their purchase reports are due.",
                result.paid,
            ) % {"date": date_format(register.paid_on, "SHORT_DATE_FORMAT"), "n": result.paid}  # type: ignore[arg-type]  # paid: dated
            messages.success(request, text)
            if result.released:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)s line could not be paid; it will join the next register.",
                        "%(n)s lines could not be paid; they will join the next register.",
                        result.released,
                    )
                    % {"n": result.released},
                )
            return redirect(reverse("aid:register", args=[register.pk]))
    context = _register_context(request, register, paid_form=form)
    return render(request, "aid/register.html", context, status=422)
