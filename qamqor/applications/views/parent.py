"""The parent's pages: applying online for a child, signing with a one-time password, my list.

A parent's application through Qamqor is an electronic application (channel "portal"):
accepted around the clock, counted from the next working day after hours (seed 001), signed
with a one-time password sent to the guardian's phone. No paper identity copy is asked: the
parent is identified by their account.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import AuthedRequest
from qamqor.core.clock import today

from .. import otp, services
from ..forms import ParentApplyForm
from ..models import DECISION_WORKING_DAYS, Application, Channel, Service, Signature
from ..selectors import applications_for, my_children, my_guardian, with_due
from .applications import checklist_context, receive


def _children(request: AuthedRequest) -> Any:
    if not get_scope(request.user).child_ids:
        raise Http404
    children = my_children(request.user)
    if not children.exists():
        raise Http404
    return children


def _apply_context(request: AuthedRequest, form: ParentApplyForm, children: Any) -> dict[str, Any]:
    pupil_id = form.chosen("pupil")
    pupil = next((c for c in children if str(c.pk) == pupil_id), None) or children[0]
    service = form.chosen("service")
    service = service if service in Service.values else Service.FINANCIAL_AID
    context = checklist_context(
        form,
        pupil,
        service,
        Channel.PORTAL,
        reverse("applications:apply"),
        ("pupil", "service", "category"),
    )
    guardian = my_guardian(request.user, pupil)
    context.update(
        {
            "service": service,
            "working_days": DECISION_WORKING_DAYS[Service(service)],
            "phone_tail": guardian.phone[-4:] if guardian and guardian.phone else "",
            "code_pending": otp.pending(request.session),
        }
    )
    return context


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthedRequest) -> HttpResponse:
    children = _children(request)
    if request.method == "GET":
        initial = request.GET.dict()
        form = ParentApplyForm(initial=initial, children=children)
        return render(request, "applications/apply.html", _apply_context(request, form, children))
    form = ParentApplyForm(request.POST, request.FILES, children=children)

    def submit(data: dict[str, Any]) -> Application:
        pupil = data["pupil"]
        guardian = my_guardian(request.user, pupil)
        if guardian is None:
            raise services.ApplicationError(
                "not_guardian", _("You are not recorded as this child's guardian."), "pupil"
            )
        otp.check_code(request.session, request.user, guardian, data["code"])
        application = services.submit_application(
            request.user,
            pupil,
            data["service"],
            Channel.PORTAL,
            signed_with=Signature.OTP,
            category=data["category"] or "",
            applicant=guardian,
            documents=form.documents(),
            allow_incomplete=data["allow_incomplete"],
        )
        otp.consume(request.session)
        return application

    return receive(
        request,
        form,
        submit,
        lambda f: render(request, "applications/apply.html", _apply_context(request, f, children)),
    )


@login_required
@require_POST
def send_code(request: AuthedRequest) -> HttpResponse:
    """Send the one-time password to the guardian's phone (an htmx fragment, or a redirect)."""
    children = _children(request)
    pupil = children.filter(pk=request.POST.get("pupil") or 0).first() or children.first()
    guardian = my_guardian(request.user, pupil)
    ok, text = True, ""
    try:
        if guardian is None:
            raise otp.OtpError("not_guardian", _("You are not recorded as this child's guardian."))
        otp.send_code(request.session, request.user, guardian)
        text = _("The one-time password is sent by SMS to the number ending in %(tail)s.") % {
            "tail": guardian.phone[-4:]
        }
    except otp.OtpError as exc:
        ok, text = False, exc.message
    if request.htmx:
        return render(request, "applications/_otp_status.html", {"ok": ok, "text": text})
    (messages.success if ok else messages.error)(request, text)
    return redirect("applications:apply")


@login_required
@require_GET
def mine(request: AuthedRequest) -> HttpResponse:
    """The parent's applications for their children, with what each one waits for."""
    _children(request)
    mine = applications_for(request.user, parent=True).order_by("-received_at", "-id")
    apps = with_due(mine, today())
    waiting = [a for a in apps if a.status == Application.Status.DOCUMENTS_REQUESTED]
    return render(request, "applications/mine.html", {"applications": apps, "waiting": waiting})
