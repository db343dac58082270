"""The month's list of entitled pupils: forming, the principal's decision, and what it shows.

seed 004, steps 1–2: the social pedagogue forms the list from the registry, the principal
approves it (or returns it with a comment), and it goes to state verification (SDU). Every
status change goes through `core.status.move`: checked against `MonthlyList.TRANSITIONS`
and recorded as a `ListTransition` (who, when, comment). Access is the caller's job: views and the API fetch
the school through `accounts.access` (writers form and submit, `APPROVERS` decide) first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qamqor.accounts.models import Role
from qamqor.accounts.types import User
from qamqor.audit.services import record
from qamqor.core.clock import now
from qamqor.core.status import move
from qamqor.eligibility.models import CategoryAssignment
from qamqor.registry.models import Pupil, School

from ..models import Basis, ListEntry, MonthlyList, Programme, first_of_month
from .programme import (
    MealError,
    NotEntitled,
    basis_in_month,
    entitlement_days,
    previous_month,
    programme_for,
    why_not_entitled,
)

Status = MonthlyList.Status
# seed 004 step 2: the principal approves; the pedagogue who formed the list may not.
APPROVERS = {Role.PRINCIPAL, Role.ADMIN}

# Why a pupil of last month's list is not on this one (codes of programme.why_not_entitled).
DEPARTURE_REASONS = {
    "not_active": gettext_lazy("no longer studies at the school"),
    "other_school": gettext_lazy("moved to another school"),
    "no_class": gettext_lazy("has no class in the registry"),
    "out_of_grades": gettext_lazy("moved out of the entitled grades"),
    "category_expired": gettext_lazy("the category has ended"),
    "category_refused": gettext_lazy("the category was refused"),
    "no_category": gettext_lazy("no confirmed category valid this month"),
    "category_not_entitling": gettext_lazy("the category does not entitle to meals this month"),
    "entitled": gettext_lazy("entitled, but not on the list (formed before the change)"),
}
# Reasons that reveal a child's category: shown only to those who may see categories.
CATEGORY_REASONS = {"category_expired", "category_refused", "no_category", "category_not_entitling"}


def _locked(lst: MonthlyList) -> MonthlyList:
    """The row again, locked: a submit and a re-form racing must not both win."""
    return MonthlyList.objects.select_for_update().select_related("programme").get(pk=lst.pk)


def get_list(school_id: int, month: dt.date) -> MonthlyList | None:
    return (
        MonthlyList.objects.filter(school_id=school_id, month=first_of_month(month))
        .select_related("programme", "programme__operator")
        .first()
    )


def _assignments_by_pupil(pupil_ids: list[int]) -> dict[int, list[CategoryAssignment]]:
    rows = CategoryAssignment.objects.filter(pupil_id__in=pupil_ids).only(
        "pupil_id", "category", "status", "valid_from", "valid_to"
    )
    out: dict[int, list[CategoryAssignment]] = defaultdict(list)
    for a in rows:
        out[a.pupil_id].append(a)
    return out


def compute_entries(programme: Programme) -> list[ListEntry]:
    """Every active pupil of the school the programme feeds this month, with the reason."""
    days = entitlement_days(programme, list(programme.days.values_list("date", flat=True)))
    pupils = list(
        Pupil.objects.filter(
            school_id=programme.school_id,
            status=Pupil.Status.ACTIVE,
            school_class__isnull=False,
        )
        .select_related("school_class")
        .only("id", "school_class__grade", "school_class__letter")
    )
    assignments = _assignments_by_pupil(
        [p.pk for p in pupils if p.school_class.grade >= programme.category_from_grade]  # type: ignore[union-attr]  # school_class__isnull=False
    )
    entries = []
    for pupil in pupils:
        grade = pupil.school_class.grade  # type: ignore[union-attr]  # school_class__isnull=False
        basis = basis_in_month(programme, grade, assignments.get(pupil.pk, []), days)
        if basis:
            entries.append(
                ListEntry(
                    pupil_id=pupil.pk,
                    school_id=programme.school_id,
                    grade=grade,
                    class_label=str(pupil.school_class)[:8],
                    basis=basis,
                )
            )
    return entries


@transaction.atomic
def form_list(user: User, school: School, month: dt.date) -> MonthlyList:
    """Form (or form again) the month's list from the registry, in one action."""
    month = first_of_month(month)
    programme = programme_for(school.pk, month)
    if programme is None:
        raise MealError(
            "no_programme", _("Set up the month's meal programme before forming the list.")
        )
    lst, created = MonthlyList.objects.select_for_update().get_or_create(
        school=school, month=month, defaults={"programme": programme}
    )
    if not lst.editable:
        raise MealError(
            "list_locked",
            _("The list is %(status)s; it can no longer be formed again.")
            % {"status": lst.get_status_display()},
        )
    if lst.status == Status.RETURNED:
        # Reworking a returned list makes it a draft again; the principal's comment stays.
        move(lst, Status.DRAFT, error=MealError, by=user, comment=_("formed again"), save=False)
    lst.programme = programme
    lst.formed_at = now()
    lst.verification_done = lst.verification_total = 0
    lst.save(
        update_fields=[
            "status",
            "programme",
            "formed_at",
            "verification_done",
            "verification_total",
        ]
    )
    lst.entries.all().delete()
    entries = compute_entries(programme)
    for entry in entries:
        entry.monthly_list = lst
    ListEntry.objects.bulk_create(entries, batch_size=1000)
    record(
        user,
        "create" if created else "update",
        lst,
        fields=["entries"],
        school_id=school.pk,
        label=f"{lst.month:%Y-%m}: {len(entries)}",
    )
    return lst


@transaction.atomic
def submit_list(user: User, lst: MonthlyList, comment: str = "") -> MonthlyList:
    lst = _locked(lst)
    if lst.formed_at is None:
        raise MealError("list_not_formed", _("Form the list before sending it."))
    move(lst, Status.SUBMITTED, error=MealError, by=user, comment=comment)
    record(user, "update", lst, fields=["status"])
    return lst


@transaction.atomic
def approve_list(user: User, lst: MonthlyList, comment: str = "") -> MonthlyList:
    """Approve and hand the list to state verification (seed 004 step 2), which starts now."""
    from .verification import enqueue_verification

    lst = _locked(lst)
    move(lst, Status.APPROVED, error=MealError, by=user, comment=comment, save=False)
    move(lst, Status.VERIFYING, error=MealError, by=user, save=False)
    lst.comment = ""
    lst.entries.update(
        verification=ListEntry.Verification.PENDING, failure_code="", failure_reason=""
    )
    lst.verification_total = lst.entries.count()
    lst.verification_done = 0
    lst.save(update_fields=["status", "comment", "verification_total", "verification_done"])
    record(user, "update", lst, fields=["status"])
    list_id = lst.pk
    transaction.on_commit(lambda: enqueue_verification(list_id))
    return lst


@transaction.atomic
def return_list(user: User, lst: MonthlyList, comment: str) -> MonthlyList:
    """Send the list back to the pedagogue; the principal must say why."""
    comment = MealError.required(
        comment, "comment_required", _("Say what the pedagogue should correct."), "comment"
    )
    lst = _locked(lst)
    lst.comment = comment
    move(lst, Status.RETURNED, error=MealError, by=user, comment=comment, fields=["comment"])
    record(user, "update", lst, fields=["status", "comment"])
    return lst


# --- what the pages show -----------------------------------------------------------------


@dataclass
class Counts:
    total: int
    by_basis: dict[str, int]
    by_grade: dict[int, int]
    verified: int
    failed: int
    pending: int


def counts(lst: MonthlyList) -> Counts:
    rows = list(lst.entries.values_list("basis", "grade", "verification"))
    by_basis = Counter(b for b, _g, _v in rows)
    by_grade = Counter(g for _b, g, _v in rows)
    by_state = Counter(v for _b, _g, v in rows)
    ordered = {b.value: by_basis[b.value] for b in Basis if by_basis[b.value]}
    return Counts(
        total=len(rows),
        by_basis=ordered,
        by_grade=dict(sorted(by_grade.items())),
        verified=by_state[ListEntry.Verification.VERIFIED],
        failed=by_state[ListEntry.Verification.FAILED],
        pending=by_state[ListEntry.Verification.PENDING],
    )


@dataclass
class Departure:
    pupil: Pupil
    basis: str  # last month's
    class_label: str  # last month's
    reason: NotEntitled

    @property
    def reveals_category(self) -> bool:
        return self.reason.code in CATEGORY_REASONS or self.basis != Basis.UNIVERSAL

    @property
    def label(self) -> str:
        return str(DEPARTURE_REASONS.get(self.reason.code, self.reason.code))

    @property
    def basis_label(self) -> str:
        return str(Basis(self.basis).label) if self.basis in Basis.values else self.basis


@dataclass
class Diff:
    previous: MonthlyList | None
    left: list[Departure]
    joined: int


def diff_with_previous(lst: MonthlyList) -> Diff:
    """Who was on last month's list and is not on this one, and why; how many are new."""
    previous = get_list(lst.school_id, previous_month(lst.month))
    if previous is None:
        return Diff(None, [], 0)
    now_ids = set(lst.entries.values_list("pupil_id", flat=True))
    before = {
        e.pupil_id: e
        for e in previous.entries.only("pupil_id", "basis", "class_label", "monthly_list_id")
    }
    gone = sorted(set(before) - now_ids)
    programme = lst.programme
    days = entitlement_days(programme, list(programme.days.values_list("date", flat=True)))
    pupils = Pupil.objects.filter(pk__in=gone).select_related("school_class")
    assignments = _assignments_by_pupil(gone)
    left = []
    for pupil in pupils:
        reason = why_not_entitled(
            programme,
            status=pupil.status,
            school_id=pupil.school_id,
            grade=pupil.school_class.grade if pupil.school_class else None,
            assignments=assignments.get(pupil.pk, []),
            days=days,
        ) or NotEntitled("entitled")
        entry = before[pupil.pk]
        left.append(Departure(pupil, entry.basis, entry.class_label, reason))
    left.sort(key=lambda d: (d.class_label, d.pupil.surname, d.pupil.name))
    return Diff(previous, left, len(now_ids - set(before)))


def failures(lst: MonthlyList) -> list[ListEntry]:
    return list(
        lst.entries.filter(verification=ListEntry.Verification.FAILED)
        .select_related("pupil")
        .order_by("grade", "class_label", "pupil__surname", "pupil__name")
    )
