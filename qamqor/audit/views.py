from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from qamqor.accounts import access
from qamqor.accounts.types import AuthedRequest
from qamqor.core.views import paginate

from .models import AuditEvent


@login_required
def events(request: AuthedRequest) -> HttpResponse:
    """The audit trail of the schools where the user is principal or administrator."""
    if not access.get_scope(request.user).can_read_audit_anywhere:
        raise Http404
    qs = access.visible(request.user, AuditEvent)
    action = request.GET.get("action")
    if action in AuditEvent.Action.values:
        qs = qs.filter(action=action)
    who = (request.GET.get("who") or "").strip()
    if who:
        qs = qs.filter(actor_username__icontains=who)
    obj = (request.GET.get("object") or "").strip()
    if obj:
        qs = qs.filter(object_label__icontains=obj)
    page, query = paginate(request, qs)
    return render(
        request,
        "audit/events.html",
        {"page": page, "actions": AuditEvent.Action.choices, "query": query},
    )
