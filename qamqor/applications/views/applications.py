"""The application page (school and parent), the pedagogue's dashboard and registration, actions.

Every protected object comes through `accounts.access`; without access the answer is 404.
Documents are streamed by an access-checked view, never served as media.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from qamqor.accounts.access import (
    get_for_user,
    get_pupil_for_user,
    get_scope,
    school_ids_or_404,
    visible,
)
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import read_file, record_read, record_view
from qamqor.core import uploads
from qamqor.core.clock import today
from qamqor.core.views import RecordPage, act, paginate
from qamqor.registry.models import Pupil

from .. import services
from ..catalogue import receipt_rule
from ..forms import (
    AppealDecisionForm,
    AppealForm,
    ApproveForm,
    DashboardFilterForm,
    DocumentForm,
    RefuseForm,
    RegisterForm,
    RequestDocumentsForm,
)
from ..models import (
    APPEAL_WORKING_DAYS,
    DECISION_WORKING_DAYS,
    Application,
    ApplicationDocument,
    Channel,
    Service,
)
from ..selectors import (
    acts_for_family,
    application_checklist,
    can_decide_appeal,
    can_write,
    checklist_for_pupil,
    dashboard_buckets,
    due_of,
    is_parent_of,
    search_applications,
    with_due,
)
from .common import filter_chosen

Status = Application.Status


def received_message(application: Application) -> str:
    message = _("The application №%(id)s is received; the decision is due by %(due)s.") % {
        "id": application.pk,
        "due": date_format(application.due_date),
    }
    if receipt_rule(application.received_at, application.counted_from):
        message += " " + _(
            "It came after working hours, so it counts from the next working day, %(day)s."
        ) % {"day": date_format(application.counted_from)}
    return message


def receive(
    request: HttpRequest, form: Any, submit: Callable[..., Any], again: Callable[..., Any]
) -> HttpResponse:
    """`act` for an application form (the school's or the parent's): received → its page."""
    return act(
        request,
        form,
        submit,
        success=received_message,
        then=lambda application: reverse("applications:detail", args=[application.pk]),
        again=again,
    )


# --- the pedagogue's dashboard ---------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    """What is due today, this week and overdue; then every application, searched and filtered."""
    school_ids = school_ids_or_404(request.user, Application)
    day = today()
    form = DashboardFilterForm(request.GET or None)
    staff = visible(request.user, Application, staff=True)
    qs = staff.select_related("pupil", "pupil__school_class", "school")
    if form.is_valid():
        data = form.cleaned_data
        qs = filter_chosen(search_applications(qs, data["q"]), data, "service", "channel")
        if data["status"] == "open":
            qs = qs.filter(status__in=Application.OPEN_STATUSES)
        elif data["status"]:
            qs = qs.filter(status=data["status"])
    page, query = paginate(request, qs.order_by("-received_at", "-id"))
    page.object_list = with_due(page.object_list, day)
    counts = dict(staff.values_list("status").annotate(n=Count("id")))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": query,
        "buckets": dashboard_buckets(school_ids, day),
        "counts": [
            (s.value, s.label, counts.get(s.value, 0)) for s in Status if counts.get(s.value)
        ],
        "many_schools": len(school_ids) > 1,
        "can_register": bool(get_scope(request.user).school_ids(write=True)),
        "today": day,
    }
    shown = [*page, *(a for rows in context["buckets"].values() for a in rows)]
    record_read(request.user, Application, {a.pk: a for a in shown}.values(), request=request)
    return render(request, "applications/dashboard.html", context)


@login_required
@require_GET
def register_find(request: AuthedRequest) -> HttpResponse:
    """The pupil by IIN among the pupils the user writes, then the registration form."""
    if not get_scope(request.user).school_ids(write=True):
        raise Http404
    iin = (request.GET.get("iin") or "").strip()
    pupil = visible(request.user, Pupil, write=True).filter(iin=iin).first() if iin else None
    if pupil is None:
        messages.error(request, _("No pupil of your school has this IIN."))
        return redirect("applications:dashboard")
    return redirect("applications:register", pupil.pk)


# --- registering a paper (or portal) application for a pupil ---------------------------------


def checklist_context(
    form: Any, pupil: Any, service: str, channel: str, url: str, redraw: tuple[str, ...]
) -> dict[str, Any]:
    """An application form's context: the documents the child's family gives for `service`
    through `channel` (the civil registry decides the certificates), a file field for each;
    choosing one of the `redraw` fields redraws the checklist from `url` (htmx)."""
    items, answered = checklist_for_pupil(pupil, service, channel, form.chosen("category"))
    for name in redraw:
        form.fields[name].widget.attrs.update(
            {
                "hx-get": url,
                "hx-target": "#checklist",
                "hx-select": "#checklist",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
                "hx-trigger": "change",
                # A quick second choice cancels the first redraw: answers must not cross.
                "hx-sync": "closest form:replace",
            }
        )
    return {
        "pupil": pupil,
        "form": form,
        "items": items,
        "fields": [(item, form.document_field(item.kind)) for item in items],
        "other_field": form.document_field("other"),
        "registry_answered": answered,
        "max_upload": uploads.max_bytes(),
    }


def _register_context(pupil: Any, form: RegisterForm) -> dict[str, Any]:
    service = form.chosen("service") or Service.FINANCIAL_AID
    channel = form.chosen("channel") or Channel.SCHOOL
    context = checklist_context(
        form,
        pupil,
        service if service in Service.values else Service.FINANCIAL_AID,
        channel if channel in Channel.values else Channel.SCHOOL,
        reverse("applications:register", args=[pupil.pk]),
        ("service", "channel", "category"),
    )
    context["working_days"] = DECISION_WORKING_DAYS.get(service, 0)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest, pupil_id: int) -> HttpResponse:
    pupil = get_pupil_for_user(request.user, pupil_id, write=True)
    if request.method == "GET":
        form = RegisterForm(initial=request.GET.dict(), pupil=pupil)
        return render(request, "applications/register.html", _register_context(pupil, form))
    form = RegisterForm(request.POST, request.FILES, pupil=pupil)

    def submit(data: dict[str, Any]) -> Application:
        return services.submit_application(
            request.user,
            pupil,
            data["service"],
            data["channel"],
            received_at=data["received_at"],
            signed_with=data["signed_with"] or "",
            category=data["category"] or "",
            applicant=data["applicant"],
            documents=form.documents(),
            allow_incomplete=data["allow_incomplete"],
            notes=data["notes"],
        )

    return receive(
        request,
        form,
        submit,
        lambda f: render(request, "applications/register.html", _register_context(pupil, f)),
    )


# --- the application page --------------------------------------------------------------------


def _get(request: HttpRequest, pk: int, write: bool = False) -> Application:
    related = ["pupil", "pupil__school_class", "pupil__family", "school", "applicant", "decided_by"]
    return get_for_user(request.user, Application, pk, write, related=related)


def _detail_context(request: AuthedRequest, a: Application, **forms: Any) -> dict[str, Any]:
    user = request.user
    writer, parent = can_write(user, a), is_parent_of(user, a)
    present = services.kinds_present(a)
    missing = a.missing_documents(present)
    context: dict[str, Any] = {
        "a": a,
        "pupil": a.pupil,
        "due": due_of(a, today()),
        "documents": list(a.documents.order_by("uploaded_at", "id")),
        "checklist": application_checklist(a, present),
        "missing": missing,
        "requested": list(a.requested_documents or []),
        "history": list(a.history.select_related("by").order_by("at", "id")),
        "camp_places": list(a.camp_places.select_related("session", "session__camp")),
        "can_write": writer,
        "is_parent": parent,
        "staff_view": writer or not parent,
        "max_upload": uploads.max_bytes(),
    }
    allowed = a.allowed_transitions()
    if writer and Status.UNDER_REVIEW in allowed and a.status == Status.SUBMITTED:
        context["can_start"] = True
    if writer and Status.DOCUMENTS_REQUESTED in allowed:
        context["request_form"] = forms.get("request_form") or RequestDocumentsForm(
            initial={"kinds": missing}
        )
    if writer and Status.APPROVED in allowed:
        context["approve_form"] = forms.get("approve_form") or ApproveForm()
    if writer and Status.REFUSED in allowed and a.status != Status.APPEALED:
        context["refuse_form"] = forms.get("refuse_form") or RefuseForm()
    if (writer or parent) and a.parent_may_upload():
        context["document_form"] = forms.get("document_form") or DocumentForm(
            initial={"kind": missing[0] if missing else "other"}
        )
    if (writer or parent) and Status.APPEALED in allowed:
        context["appeal_form"] = forms.get("appeal_form") or AppealForm()
    if a.status == Status.APPEALED and can_decide_appeal(user, a):
        context["appeal_decision_form"] = forms.get("appeal_decision_form") or AppealDecisionForm()
    return context


# The application's page: the clerk's and the parent's forms post to their own views.
DETAIL = RecordPage("applications:detail", "applications/detail.html", _detail_context, _get)

detail = DETAIL.page_view(record_view)


def _writer_or_parent(request: AuthedRequest, pk: int) -> Application:
    a = _get(request, pk)
    if not acts_for_family(request.user, a):
        raise Http404
    return a


def _appeal_decider(request: AuthedRequest, pk: int) -> Application:
    a = _get(request, pk)
    if not can_decide_appeal(request.user, a):
        raise Http404
    return a


start = DETAIL.button_view(services.start_review, gettext_lazy("The review has started."))
request_docs = DETAIL.form_view(
    "request_form",
    RequestDocumentsForm,
    lambda user, a, d: services.request_documents(user, a, d["kinds"], d["note"]),
    gettext_lazy("The family is asked for the documents."),
)
approve = DETAIL.form_view(
    "approve_form",
    ApproveForm,
    lambda user, a, d: services.approve_application(user, a, d["comment"]),
    gettext_lazy("The application is approved."),
)
refuse = DETAIL.form_view(
    "refuse_form",
    RefuseForm,
    lambda user, a, d: services.refuse_application(user, a, d["reason"]),
    gettext_lazy("The application is refused; the family is told the reason."),
)
upload = DETAIL.form_view(
    "document_form",
    DocumentForm,
    lambda user, a, d: services.add_document(user, a, d["kind"], d["file"]),
    gettext_lazy("The document is added."),
    fetch=_writer_or_parent,
)
appeal = DETAIL.form_view(
    "appeal_form",
    AppealForm,
    lambda user, a, d: services.file_appeal(user, a, d["text"]),
    lambda _filed: (
        _("The appeal is filed; it is decided within %(days)s working days.")
        % {"days": APPEAL_WORKING_DAYS}
    ),
    fetch=_writer_or_parent,
)
decide_appeal = DETAIL.form_view(
    "appeal_decision_form",
    AppealDecisionForm,
    lambda user, a, d: services.decide_appeal(user, a, d["upheld"], d["decision"]),
    gettext_lazy("The appeal is decided."),
    fetch=_appeal_decider,
)


@login_required
@require_GET
def document(request: AuthedRequest, pk: int) -> FileResponse:
    return read_file(request.user, ApplicationDocument, pk, "application").response()
