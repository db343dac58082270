"""HTML pages of the registry: the pupil list, the pupil and family cards, their forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qamqor.accounts import access
from qamqor.accounts.models import SCHOOL_READERS
from qamqor.accounts.types import AuthedRequest, User
from qamqor.audit.services import record, record_read
from qamqor.core.views import act, attempt, paginate

from . import services
from .forms import (
    FamilyForm,
    FamilyMemberForm,
    GuardianForm,
    IncomeForm,
    PupilFilterForm,
    PupilForm,
)
from .models import Family, FamilyMember, Guardian, Income, Pupil, SchoolClass
from .selectors import CONFIRMED, family_figures, pupil_queryset


def _category_badges(user: User, pupils: list[Pupil]) -> dict[int, list[str]]:
    """Confirmed category labels per pupil, only for pupils whose category the user may see."""
    scope = access.get_scope(user)
    ids = [p.pk for p in pupils if scope.can_see_categories(p.school_id)]
    if not ids:
        return {}
    # The eligibility app hangs its assignments on Pupil; reach them through the relation
    # so that the registry does not import eligibility (the app graph stays a DAG).
    model: Any = Pupil._meta.get_field("categories").related_model
    labels = dict(model._meta.get_field("category").choices)
    result: dict[int, list[str]] = {}
    rows = model.objects.filter(pupil_id__in=ids, status=CONFIRMED).values_list(
        "pupil_id", "category"
    )
    for pupil_id, category in rows.order_by("category"):
        result.setdefault(pupil_id, []).append(labels.get(category, category))
    return result


@login_required
def pupil_list(request: AuthedRequest) -> HttpResponse:
    scope = access.get_scope(request.user)
    if not (scope.school_ids(roles=SCHOOL_READERS) or scope.class_ids):
        raise Http404
    form = PupilFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    qs = pupil_queryset(request.user, params)
    page, query = paginate(request, qs, number=params.get("page") or 1)
    pupils = list(page.object_list)
    # The list shows names, IINs and birth dates: one audit row for the page, with the
    # pupils shown and the query, not one per row.
    record_read(request.user, Pupil, pupils, request=request,
                label=_("pupil list: %(n)d shown") % {"n": len(pupils)})  # fmt: skip
    badges = _category_badges(request.user, pupils)
    for pupil in pupils:
        pupil.badges = badges.get(pupil.pk, [])
    classes = access.visible(request.user, SchoolClass)
    show_categories = any(scope.can_see_categories(s) for s in scope.member_school_ids)
    category_field: Any = Pupil._meta.get_field("categories").related_model._meta.get_field(
        "category"
    )
    context = {
        "form": form,
        "page": page,
        "pupils": pupils,
        "classes": classes.order_by("grade", "letter").distinct(),
        "grades": range(12),
        "categories": category_field.choices if show_categories else [],
        "show_categories": show_categories,
        "sort": params.get("sort") or "name",
        "query": query,
        "can_add": bool(scope.school_ids(write=True)),
        "statuses": cast(forms.ChoiceField, form.fields["status"]).choices,
    }
    template = "registry/_pupil_results.html" if request.htmx else "registry/pupil_list.html"
    return render(request, template, context)


@login_required
def pupil_card(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = access.get_pupil_for_user(request.user, pk)
    scope = access.get_scope(request.user)
    record(request.user, "view", pupil)
    family = pupil.family
    guardians = list(family.guardians.all()) if family else []
    siblings = (
        # The card names each sibling's class: fetched with them, not one query each.
        access.visible(request.user, Pupil)
        .filter(family=family)
        .exclude(pk=pupil.pk)
        .select_related("school_class")
        if family
        else []
    )
    return render(
        request,
        "registry/pupil_card.html",
        {
            "pupil": pupil,
            "family": family,
            "guardians": guardians,
            "siblings": siblings,
            "can_write": scope.can_write(pupil.school_id),
            "can_open_family": family is not None
            and access.visible(request.user, Family).filter(pk=family.pk).exists(),
            "iin_errors": pupil.iin_errors(),
        },
    )


def _writer_school(request: HttpRequest) -> Any:
    scope = access.get_scope(request.user)
    writable = sorted(scope.school_ids(write=True))
    if not writable:
        raise Http404
    wanted = request.GET.get("school") or request.POST.get("school") or writable[0]
    return access.get_school_for_user(request.user, wanted, write=True)


def _form_page(
    request: HttpRequest, form: Any, call: Any, done: str, then: Any, **context: Any
) -> HttpResponse:
    """The registry's forms are one page for GET and a refused POST: 200 either way (an
    unbound form is not valid, so `act` only shows it)."""
    return act(
        request,
        form,
        call,
        success=done,
        then=then,
        again=lambda f: render(request, "registry/form.html", {"form": f, **context}),
        status=200,
    )


@login_required
def pupil_create(request: AuthedRequest) -> HttpResponse:
    school = _writer_school(request)
    return _form_page(
        request,
        PupilForm(request.POST or None, school=school),
        lambda data: services.create_pupil(request.user, school, data),
        _("The pupil is registered."),
        lambda pupil: reverse("registry:pupil", kwargs={"pk": pupil.pk}),
        title=_("New pupil"),
        school=school,
    )


@login_required
def pupil_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    pupil = access.get_pupil_for_user(request.user, pk, write=True)
    return _form_page(
        request,
        PupilForm(request.POST or None, instance=pupil, school=pupil.school),
        # The form has already changed `pupil`: the service compares with the stored row.
        lambda data: services.update_pupil(request.user, Pupil.objects.get(pk=pupil.pk), data),
        _("Saved."),
        reverse("registry:pupil", kwargs={"pk": pupil.pk}),
        title=_("Edit pupil"),
        back=pupil,
    )


@login_required
def family_card(request: AuthedRequest, pk: int) -> HttpResponse:
    family = access.get_family_for_user(request.user, pk)
    scope = access.get_scope(request.user)
    record(request.user, "view", family)
    pupils = (
        access.visible(request.user, Pupil).filter(family=family).select_related("school_class")
    )
    return render(
        request,
        "registry/family_card.html",
        {
            "family": family,
            "pupils": pupils,
            "guardians": family.guardians.all(),
            "others": family.others.all(),
            "incomes": family.incomes.all(),
            "figures": family_figures(family),
            "can_write": scope.can_write(family.school_id),
            "income_form": IncomeForm(),
            "member_form": FamilyMemberForm(),
        },
    )


@login_required
def family_create(request: AuthedRequest) -> HttpResponse:
    school = _writer_school(request)
    return _form_page(
        request,
        FamilyForm(request.POST or None),
        lambda data: services.create_family(request.user, school, data),
        _("The family is registered."),
        lambda family: reverse("registry:family", kwargs={"pk": family.pk}),
        title=_("New family"),
    )


@login_required
def family_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    family = access.get_family_for_user(request.user, pk, write=True)
    return _form_page(
        request,
        FamilyForm(request.POST or None, instance=family),
        # The form has already changed `family`: the service compares with the stored row.
        lambda data: services.update_family(request.user, Family.objects.get(pk=pk), data),
        _("Saved."),
        reverse("registry:family", kwargs={"pk": pk}),
        title=_("Edit family"),
        back=family,
    )


@login_required
def guardian_edit(request: AuthedRequest, pk: int, gpk: int | None = None) -> HttpResponse:
    family = access.get_family_for_user(request.user, pk, write=True)
    guardian = None
    if gpk is not None:
        guardian = Guardian.objects.filter(family=family, pk=gpk).first()
        if guardian is None:
            raise Http404
    return _form_page(
        request,
        GuardianForm(request.POST or None, instance=guardian),
        lambda data: services.save_guardian(
            request.user, family, data, Guardian.objects.get(pk=gpk) if gpk else None
        ),
        _("Saved."),
        reverse("registry:family", kwargs={"pk": pk}),
        title=_("Edit guardian") if guardian else _("New guardian"),
        back=family,
    )


@login_required
@require_POST
def income_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _add_row(
        request,
        pk,
        IncomeForm(request.POST),
        lambda user, family, data: services.add_income(user, family, **data),
        _("Income added."),
        _("The income was not added: check the amount and source."),
    )


def _add_row(
    request: AuthedRequest, pk: int, form: Any, add: Any, success: str, invalid: str = ""
) -> HttpResponse:
    """A row posted from the family page: the service's words, or what is wrong with the
    form (`invalid`, or the form's own errors) as a message over the page."""
    family = access.get_family_for_user(request.user, pk, write=True)
    if form.is_valid():
        attempt(request, lambda: add(request.user, family, form.cleaned_data), success)
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, invalid or errors)
    return redirect("registry:family", pk=pk)


@login_required
@require_POST
def income_delete(request: AuthedRequest, pk: int, ipk: int) -> HttpResponse:
    return _delete_row(request, pk, Income, ipk, services.delete_income)


def _delete_row(request: AuthedRequest, pk: int, model: Any, row_pk: int, delete: Any):
    """A family's income or member: the family's writers delete it, through its service."""
    family = access.get_family_for_user(request.user, pk, write=True)
    delete(request.user, get_object_or_404(model, family=family, pk=row_pk))
    return redirect("registry:family", pk=pk)


@login_required
@require_POST
def member_add(request: AuthedRequest, pk: int) -> HttpResponse:
    form = FamilyMemberForm(request.POST)
    return _add_row(request, pk, form, services.add_family_member, _("Family member added."))


@login_required
@require_POST
def member_delete(request: AuthedRequest, pk: int, mpk: int) -> HttpResponse:
    return _delete_row(request, pk, FamilyMember, mpk, services.delete_family_member)


@login_required
def my_children(request: AuthedRequest) -> HttpResponse:
    scope = access.get_scope(request.user)
    if not scope.child_ids:
        raise Http404
    children = (
        access.visible(request.user, Pupil, parent=True)
        .select_related("school", "school_class")
        .order_by("birth_date")
    )
    return render(request, "registry/my_children.html", {"children": children})
