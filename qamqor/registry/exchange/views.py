"""Pages of the НОБД exchange: upload, progress, preview, apply, error report, export.

Only the roles that write the registry of a school (social pedagogue, administrator) reach
them; everyone else gets 404, as for every protected object.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from qamqor.accounts.access import get_for_user, get_school_for_user, readable_schools
from qamqor.accounts.models import SCHOOL_WRITERS
from qamqor.accounts.types import AuthedRequest, User
from qamqor.registry.models import Pupil

from . import services
from .columns import BY_KEY, COLUMNS
from .export import XLSX_TYPE, error_report, export_registry, header, write_xlsx
from .forms import SchoolChoiceForm, UploadForm
from .models import ImportJob
from .validation import column_label, message

SHOWN_ERRORS = 500

# Counts the preview always shows (the issue names them); the others only when not zero.
ALWAYS_SHOWN = {"pupils_new", "pupils_updated", "pupils_unchanged", "families_new",
                "guardians_new", "classes_new"}  # fmt: skip


def _count_labels() -> list[tuple[str, str]]:
    return [
        ("pupils_new", _("new pupils")),
        ("pupils_updated", _("updated pupils")),
        ("pupils_unchanged", _("unchanged pupils")),
        ("families_new", _("new families")),
        ("families_updated", _("updated families")),
        ("guardians_new", _("new guardians")),
        ("guardians_updated", _("updated guardians")),
        ("classes_new", _("classes created")),
        ("classes_updated", _("classes updated")),
        ("incomes_changed", _("families with new incomes")),
        ("members_added", _("household members added")),
        ("members_removed", _("household members removed")),
    ]


def _writable_schools(user: User) -> Any:
    schools = readable_schools(user, roles=SCHOOL_WRITERS).order_by("name_kk")
    if not schools.exists():
        raise Http404
    return schools


def _school_from(request: AuthedRequest, value: Any) -> Any:
    schools = _writable_schools(request.user)
    if value in (None, ""):
        if len(schools) != 1:
            return None
        value = schools[0].pk
    return get_school_for_user(request.user, value, write=True)


def _job_for_user(request: HttpRequest, pk: int) -> ImportJob:
    return get_for_user(request.user, ImportJob, pk, related=["school", "user"])


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: never kept by a proxy
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest) -> HttpResponse:
    schools = _writable_schools(request.user)
    school = _school_from(request, request.GET.get("school"))
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, schools=schools)
        if form.is_valid():
            school = get_school_for_user(request.user, form.cleaned_data["school"].pk, write=True)
            upload_file = form.cleaned_data["file"]
            job = services.start_import(request.user, school, upload_file.name,
                                        upload_file.read())  # fmt: skip
            services.enqueue(job)
            return redirect("registry:exchange:job", pk=job.pk)
    else:
        form = UploadForm(schools=schools, initial={"school": school.pk if school else None})
    jobs = (
        ImportJob.objects.defer("errors", "preview")
        .filter(school__in=schools)
        .select_related("school", "user")[:20]
    )
    lang = (get_language() or "kk")[:2]
    return render(request, "registry/exchange/upload.html", {
        "form": form,
        "export_form": SchoolChoiceForm(schools=schools,
                                        initial={"school": school.pk if school else None}),
        "jobs": jobs,
        "many_schools": len(schools) > 1,
        "format": [(c, c.header(lang)) for c in COLUMNS],
    })  # fmt: skip


def _field_label(name: str, lang: str) -> str:
    try:
        return str(Pupil._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # a column, not a relation
    except FieldDoesNotExist:  # a family, guardian or income column
        if name in BY_KEY:
            return BY_KEY[name].header(lang)
        return {"address": _("address"), "phone": _("phone"), "nobd_key": _("НОБД family key"),
                "relation": _("relation"), "iban": "IBAN", "iin": _("IIN"),
                "shift": _("shift"), "language": _("language of instruction")}.get(name, name)  # fmt: skip


def _job_context(job: ImportJob) -> dict[str, Any]:
    lang = (get_language() or "kk")[:2]
    kinds = {"pupil": _("pupil"), "family": _("family"), "guardian": _("guardian"),
             "class": _("class")}  # fmt: skip
    actions = {"new": _("new"), "update": _("changed")}
    errors = [
        {"row": e["row"] or "", "code": e["code"], "message": message(e),
         "column": column_label(e["column"], job.columns, lang) if e["column"] else ""}
        for e in job.errors[:SHOWN_ERRORS]
    ]  # fmt: skip
    preview = [
        {"row": c["row"] or "", "kind": kinds.get(c["kind"], c["kind"]),
         "action": actions.get(c["action"], c["action"]), "label": c["label"],
         "fields": ", ".join(_field_label(f, lang) for f in c["fields"])}
        for c in job.preview
    ]  # fmt: skip
    counts = [
        (label, job.summary.get(key, 0))
        for key, label in _count_labels()
        if key in ALWAYS_SHOWN or job.summary.get(key)
    ]
    return {
        "job": job,
        "errors": errors,
        "error_count": len(job.errors),
        "more_errors": max(0, len(job.errors) - SHOWN_ERRORS),
        "preview": preview,
        "counts": counts,
        "ignored": job.summary.get("ignored_columns", []),
    }


@login_required
@require_GET
def job_page(request: AuthedRequest, pk: int) -> HttpResponse:
    # Only the worker reads the file; the page shows where it is (and a job whose worker
    # died on it as failed), reading nothing itself.
    job = services.fail_stalled(_job_for_user(request, pk))
    return render(request, "registry/exchange/job.html", _job_context(job))


@login_required
@require_GET
def progress(request: AuthedRequest, pk: int) -> HttpResponse:
    job = services.fail_stalled(_job_for_user(request, pk))
    if not job.is_working and request.htmx:
        return HttpResponseClientRefresh()  # the result is a different page: reload it
    return render(request, "registry/exchange/_progress.html", {"job": job})


@login_required
@require_POST
def apply(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    try:
        job = services.request_apply(request.user, job)
    except services.TransitionError:
        return redirect("registry:exchange:job", pk=job.pk)
    services.enqueue(job)
    return redirect("registry:exchange:job", pk=job.pk)


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    try:
        services.cancel_import(request.user, job)
    except services.TransitionError:
        return redirect("registry:exchange:job", pk=job.pk)
    return redirect("registry:exchange:upload")


@login_required
@require_GET
def errors_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    return _xlsx(error_report(job.errors, job.columns), f"errors-{job.pk}.xlsx")


@login_required
@require_GET
def export(request: AuthedRequest) -> HttpResponse:
    school = _school_from(request, request.GET.get("school"))
    if school is None:
        return redirect("registry:exchange:upload")
    data = export_registry(request.user, school)
    return _xlsx(data, f"nobd-{school.bin}.xlsx")


@login_required
@require_GET
def template(request: AuthedRequest) -> HttpResponse:
    _writable_schools(request.user)
    lang = (get_language() or "kk")[:2]
    return _xlsx(write_xlsx(header(lang), [], title="НОБД"), "nobd-template.xlsx")
