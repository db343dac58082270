"""Pages of the eligibility app: the dashboard, assigning a category, deciding, downloads.

Every protected object comes through `accounts.access`; without access the answer is 404.
Evidence and board scans are streamed by access-checked views, never served as media.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qamqor.accounts.access import (
    get_for_user,
    get_pupil_for_user,
    get_scope,
    school_ids_or_404,
)
from qamqor.accounts.types import AuthedRequest, User
from qamqor.audit.services import read_file, record_read, record_view
from qamqor.core import files, uploads
from qamqor.core.clock import today
from qamqor.core.views import RecordPage, explain, paginate
from qamqor.registry.models import School

from . import services
from .forms import (
    AssignForm,
    BoardDecisionFields,
    ConfirmForm,
    DashboardFilterForm,
    EvidenceForm,
    EvidenceFormSet,
    RefuseForm,
    evidence_initial,
)
from .models import (
    BOARD_CATEGORIES,
    EXPECTED_EVIDENCE,
    BoardDecision,
    Category,
    CategoryAssignment,
    Evidence,
    EvidenceKind,
)
from .selectors import (
    category_counts,
    dashboard_assignments,
    due_of,
    income_test,
    with_due,
)

Status = CategoryAssignment.Status
RECENT = 20


def _board_decision(user: User, school: School, form: BoardDecisionFields) -> BoardDecision | None:
    chosen = form.cleaned_data.get("board_decision")
    if chosen:
        return chosen
    new = form.new_board_decision
    return services.record_board_decision(user, school, **new) if new else None


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    """Applications waiting for a decision, by due date; recent decisions; counts."""
    school_ids = school_ids_or_404(request.user, CategoryAssignment)
    form = DashboardFilterForm(request.GET or None, school_ids=school_ids)
    day = today()
    chosen = school_ids
    category = overdue_only = None
    if form.is_bound and form.is_valid():
        if form.cleaned_data["school"]:
            chosen = {form.cleaned_data["school"].pk}
        category = form.cleaned_data["category"] or None
        overdue_only = form.cleaned_data["overdue"]
    base = dashboard_assignments(chosen)
    applied = base.filter(status=Status.APPLIED).order_by("due_date", "received_at", "id")
    decided = base.exclude(status=Status.APPLIED).order_by("-decided_at", "-id")
    if category:
        applied = applied.filter(category=category)
        decided = decided.filter(category=category)
    if overdue_only:
        applied = applied.filter(due_date__lt=day)
    page, query = paginate(request, applied)
    page.object_list = with_due(page.object_list, day)
    counts = category_counts(chosen, day)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": query,
        "recent": list(decided[:RECENT]),
        "counts": counts,
        # The totals are the per-category counts added up (same schools, same day).
        "overdue_total": sum(c["overdue"] for c in counts),
        "applied_total": sum(c["applied"] for c in counts),
        "many_schools": len(school_ids) > 1,
        "today": day,
    }
    record_read(request.user, CategoryAssignment, [*page, *context["recent"]], request=request)
    return render(request, "eligibility/dashboard.html", context)


def _assign_context(pupil: Any, form: AssignForm, formset: Any) -> dict[str, Any]:
    category = form.chosen_category
    # Choosing a category redraws the board fields and the expected documents (htmx).
    form.fields["category"].widget.attrs.update(
        {
            "hx-get": reverse("eligibility:assign", args=[pupil.pk]),
            "hx-target": "#category-extra",
            "hx-trigger": "change",
            "hx-swap": "outerHTML",
        }
    )
    return {
        "pupil": pupil,
        "form": form,
        "formset": formset,
        "category": category,
        "board_category": category in BOARD_CATEGORIES,
        "expected": [EvidenceKind(k).label for k in EXPECTED_EVIDENCE.get(category, [])]
        if category
        else [],
        "income": income_test(pupil.family, today().year),
        "income_category": category == Category.BELOW_SUBSISTENCE,
        "max_upload": uploads.max_bytes(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for_user(request.user, pk, write=True)
    if request.method == "GET":
        form = AssignForm(
            initial={"category": request.GET.get("category", "")}, school=pupil.school
        )
        formset = EvidenceFormSet(prefix="evidence", initial=evidence_initial(form.chosen_category))
        context = _assign_context(pupil, form, formset)
        if request.htmx and request.htmx.target == "category-extra":
            # The category changed: redraw what depends on it (board fields, documents).
            return render(request, "eligibility/_assign_extra.html", context)
        return render(request, "eligibility/assign.html", context)

    form = AssignForm(request.POST, request.FILES, school=pupil.school)
    formset = EvidenceFormSet(request.POST, request.FILES, prefix="evidence")
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        files = [
            (f.cleaned_data["kind"], f.cleaned_data["file"])
            for f in formset
            if f.cleaned_data.get("file")
        ]
        try:
            # The decision, the application and its files are one act: all or nothing.
            with transaction.atomic():
                decision = _board_decision(request.user, pupil.school, form)
                assignment = services.apply_category(
                    request.user,
                    pupil,
                    data["category"],
                    data["received_at"],
                    data["granted_by"],
                    evidence=files,
                    board_decision=decision,
                )
        except services.EligibilityError as exc:
            explain(form, exc)
        else:
            messages.success(
                request,
                _("The application is registered; the decision is due by %(due)s.")
                % {"due": date_format(assignment.due_date)},
            )
            return redirect("eligibility:assignment", assignment.pk)
    return render(
        request, "eligibility/assign.html", _assign_context(pupil, form, formset), status=422
    )


def _assignment_context(
    request: HttpRequest, assignment: CategoryAssignment, **forms: Any
) -> dict[str, Any]:
    day = today()
    can_write = get_scope(request.user).can_write(assignment.school_id)
    open_ = assignment.status == Status.APPLIED
    missing = assignment.missing_evidence(services.kinds_present(assignment))
    context: dict[str, Any] = {
        "a": assignment,
        "pupil": assignment.pupil,
        "due": due_of(assignment, day),
        "evidence": list(assignment.evidence.order_by("uploaded_at", "id")),
        "missing": [EvidenceKind(k).label for k in missing],
        "can_write": can_write,
        "can_decide": can_write and open_,
        "staff_view": get_scope(request.user).can_see_categories(assignment.school_id),
        "max_upload": uploads.max_bytes(),
    }
    if assignment.category == Category.BELOW_SUBSISTENCE:
        year = (assignment.decided_at.date() if assignment.decided_at else day).year
        context["income"] = income_test(assignment.pupil.family, year)
    if context["can_decide"]:
        context["confirm_form"] = forms.get("confirm_form") or ConfirmForm(assignment=assignment)
        context["refuse_form"] = forms.get("refuse_form") or RefuseForm()
        context["evidence_form"] = forms.get("evidence_form") or EvidenceForm(
            prefix="add", require_file=True, initial={"kind": missing[0] if missing else ""}
        )
    return context


def _get_assignment(request: HttpRequest, pk: int, write: bool = False) -> CategoryAssignment:
    related = ["pupil", "pupil__family", "pupil__school_class", "school", "board_decision"]
    related += ["decided_by", "created_by"]
    return get_for_user(request.user, CategoryAssignment, pk, write, related=related)


PAGE = RecordPage(
    "eligibility:assignment", "eligibility/assignment.html", _assignment_context, _get_assignment
)

assignment_page = PAGE.page_view(record_view)


@login_required
@require_POST
def confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = _get_assignment(request, pk, write=True)
    form = ConfirmForm(request.POST, request.FILES, assignment=assignment)

    @transaction.atomic
    def decide(data: dict[str, Any]) -> None:
        decision = (
            _board_decision(request.user, assignment.school, form) if form.board_wanted() else None
        )
        services.confirm_category(
            request.user,
            assignment,
            data["valid_from"],
            data["valid_to"],
            data["granted_by"],
            decision,
        )

    return PAGE.act(
        request, assignment, "confirm_form", form, decide, _("The category is confirmed.")
    )


refuse = PAGE.form_view(
    "refuse_form",
    RefuseForm,
    lambda user, assignment, d: services.refuse_category(user, assignment, d["reason"]),
    gettext_lazy("The application is refused."),
)
add_evidence = PAGE.form_view(
    "evidence_form",
    partial(EvidenceForm, prefix="add", require_file=True),
    lambda user, assignment, d: services.add_evidence(user, assignment, d["kind"], d["file"]),
    gettext_lazy("The document is added."),
)


@login_required
@require_GET
def evidence_download(request: AuthedRequest, pk: int) -> FileResponse:
    return read_file(request.user, Evidence, pk, "assignment").response()


@login_required
@require_GET
def board_scan(request: AuthedRequest, pk: int) -> FileResponse:
    decision = get_for_user(request.user, BoardDecision, pk)
    if not decision.scan:
        raise Http404
    record_view(request.user, decision, fields=["scan"])
    name = (decision.scan.name or "").rsplit(".", 1)  # a scan has a name (checked above)
    extension = name[1].lower() if len(name) == 2 else "pdf"
    # The scan was stored under `uploads.storage_name`: its extension names its type.
    types = {ext.lstrip("."): kind for kind, ext in uploads.EXTENSIONS.items()}
    content_type = types.get(extension, "application/octet-stream")
    number = slugify(decision.number) or "decision"
    filename = f"board-decision-{number}-{decision.date:%Y-%m-%d}.{extension}"
    return files.stream(decision.scan, filename, content_type)
