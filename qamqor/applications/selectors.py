"""Read side of the applications app: deadlines, the pedagogue's dashboard, the parent's view."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Case, DateField, F, Q, QuerySet, When

from qamqor.accounts.access import get_scope, visible
from qamqor.accounts.models import Role
from qamqor.accounts.types import User
from qamqor.core.workdays import WorkCalendar
from qamqor.eligibility.selectors import Due, standing
from qamqor.eligibility.selectors import with_due as with_due_of
from qamqor.registry.models import Guardian, Pupil

from .catalogue import checklist
from .civil import certificates_needed
from .models import Application

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CurrentDue(TypedDict):
    current_due: dt.date


Status = Application.Status


def due_of(application: Application, today: dt.date, cal: WorkCalendar | None = None) -> Due:
    """Where an open application stands against its legal term (the appeal's while appealed)."""
    due = application.current_due_date()
    if due is None:
        return Due("", 0, application.due_date)
    return standing(due, today, application.is_overdue(today), cal)


def with_due(applications: Any, today: dt.date) -> list[Application]:
    return with_due_of(applications, today, due_of)


def with_current_due(
    qs: QuerySet[Application],
) -> QuerySet[WithAnnotations[Application, CurrentDue]]:
    """Annotate `current_due`: the appeal's deadline while appealed, else the decision's."""
    return qs.annotate(
        current_due=Case(
            When(status=Status.APPEALED, then=F("appeal_due_date")),
            default=F("due_date"),
            output_field=DateField(),
        )
    )


def week_end(today: dt.date) -> dt.date:
    """The Sunday that ends today's week."""
    return today + dt.timedelta(days=6 - today.weekday())


def dashboard_buckets(school_ids: set[int], today: dt.date) -> dict[str, list[Application]]:
    """Open applications due today, later this week, and overdue (oldest deadline first)."""
    base = with_current_due(
        Application.objects.filter(
            school_id__in=school_ids, status__in=Application.OPEN_STATUSES
        ).select_related("pupil", "pupil__school_class", "school")
    ).order_by("current_due", "received_at", "id")
    return {
        "overdue": with_due(base.filter(current_due__lt=today), today),
        "today": with_due(base.filter(current_due=today), today),
        "week": with_due(
            base.filter(current_due__gt=today, current_due__lte=week_end(today)), today
        ),
    }


def is_parent_of(user: User, application: Application) -> bool:
    return application.pupil_id in get_scope(user).child_ids


def can_write(user: User, application: Application) -> bool:
    return get_scope(user).can_write(application.school_id)


def acts_for_family(user: User, application: Application) -> bool:
    """Adds documents and files an appeal: a writer of the school or the child's own parent."""
    return can_write(user, application) or is_parent_of(user, application)


def can_decide_appeal(user: User, application: Application) -> bool:
    # An appeal is decided above the person who refused: the principal (or an administrator).
    return get_scope(user).has_role(application.school_id, Role.PRINCIPAL, Role.ADMIN)


def my_children(user: User) -> QuerySet[Pupil]:
    return (
        visible(user, Pupil, parent=True)
        .filter(status=Pupil.Status.ACTIVE)
        .select_related("school", "school_class")
        .order_by("birth_date", "id")
    )


def my_guardian(user: User, pupil: Pupil) -> Guardian | None:
    """The signed-in parent's own guardian record in the child's family."""
    return Guardian.objects.filter(user=user, family_id=pupil.family_id).first()  # type: ignore[misc]  # no family: None


def checklist_for_pupil(
    pupil: Pupil, service: str, channel: str, category: str
) -> tuple[list, bool]:
    """The documents this child's family gives (the civil registry decides the certificates),
    and whether the registry answered."""
    birth, marriage, answered = certificates_needed(pupil.iin)
    items = checklist(
        service,
        channel,
        category=category,
        needs_birth_certificate=birth,
        needs_marriage_certificate=marriage,
    )
    return items, answered


def application_checklist(application: Application, present: set[str]) -> list:
    return checklist(
        application.service,
        application.channel,
        category=application.category,
        needs_birth_certificate=application.needs_birth_certificate,
        needs_marriage_certificate=application.needs_marriage_certificate,
        present=present,
    )


def applications_for(user: User, parent: bool = False) -> QuerySet[Application]:
    return visible(user, Application, parent=parent).select_related(
        "pupil", "pupil__school_class", "school"
    )


def contains(field: str, word: str) -> Q:
    """Case-insensitive `icontains` for Cyrillic too: SQLite folds only ASCII letters, so the
    usual spellings (as typed, lower, upper, capitalised) are tried as well."""
    q = Q()
    for variant in {word, word.lower(), word.upper(), word.capitalize()}:
        q |= Q(**{f"{field}__icontains": variant})
    return q


def search_applications(qs: QuerySet[Application], text: str) -> QuerySet[Application]:
    text = (text or "").strip()
    if not text:
        return qs
    if text.isdigit() and len(text) == 12:
        return qs.filter(Q(pupil__iin=text) | Q(applicant__iin=text))
    if text.lstrip("№#").isdigit():
        return qs.filter(pk=int(text.lstrip("№#")))
    q = Q()
    for word in text.split()[:4]:
        q &= contains("pupil__surname", word) | contains("pupil__name", word)
    return qs.filter(q)
