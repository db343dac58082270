"""The only way to fetch protected objects.

A user's `Scope` is computed once per request from their memberships: the schools they read
or write (by role), the classes they teach, the children and families they are a guardian of.
Each protected model declares an `access = Policy(...)` saying which rows a scope reaches;
this module applies it. Without access the answer is 404, so existence never leaks.

This module imports no other app: models are looked up by label, so every app can import
it without making the app graph cyclic (see docs/decisions.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar, cast

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import (
    AUDIT_READERS,
    CATEGORY_READERS,
    SCHOOL_READERS,
    SCHOOL_WRITERS,
    Membership,
    Role,
    User,
)
from .types import AnyUser

M = TypeVar("M", bound=Model)


class Scope:
    def __init__(self, user: AnyUser | None):
        # The signed-in user (only a User is authenticated), for the queries below.
        self.member: User | None = user if isinstance(user, User) else None
        self.authenticated = self.member is not None

    @cached_property
    def roles_by_school(self) -> dict[int, set[str]]:
        """School id → the user's roles there (district officers get their district's schools)."""
        result: dict[int, set[str]] = defaultdict(set)
        if self.member is None:
            return result
        school_model = apps.get_model("registry", "School")
        if self.member.is_superuser:
            for school_id in school_model.objects.values_list("id", flat=True):
                result[school_id].add(Role.ADMIN)
        district_roles: dict[int, set[str]] = defaultdict(set)
        for m in Membership.objects.filter(user=self.member).only(
            "role", "school_id", "district_id"
        ):
            if m.school_id:
                result[m.school_id].add(m.role)
            elif m.district_id:
                district_roles[m.district_id].add(m.role)
        if district_roles:
            schools = school_model.objects.filter(district_id__in=district_roles)
            for school_id, district_id in schools.values_list("id", "district_id"):
                result[school_id] |= district_roles[district_id]
        return dict(result)

    def roles_in(self, school_id: int | None) -> set[str]:
        return self.roles_by_school.get(school_id or 0, set())

    def has_role(self, school_id: int | None, *roles: str) -> bool:
        return bool(self.roles_in(school_id) & set(roles))

    def school_ids(self, write: bool = False, roles: Iterable[str] | None = None) -> set[int]:
        """Schools where the user has one of `roles` (default: the readers or the writers)."""
        wanted = set(roles) if roles is not None else (SCHOOL_WRITERS if write else SCHOOL_READERS)
        return {sid for sid, have in self.roles_by_school.items() if have & wanted}

    @property
    def member_school_ids(self) -> set[int]:
        """Every school the user has any role in (for listing schools)."""
        return set(self.roles_by_school)

    @cached_property
    def class_ids(self) -> set[int]:
        if self.member is None:
            return set()
        return set(self.member.taught_classes.values_list("id", flat=True))

    @cached_property
    def family_ids(self) -> set[int]:
        if self.member is None:
            return set()
        return set(self.member.guardian_profiles.values_list("family_id", flat=True))

    @cached_property
    def child_ids(self) -> set[int]:
        if not self.family_ids:
            return set()
        pupil_model = apps.get_model("registry", "Pupil")
        return set(
            pupil_model.objects.filter(family_id__in=self.family_ids).values_list("id", flat=True)
        )

    def can_see_categories(self, school_id: int | None) -> bool:
        return self.has_role(school_id, *CATEGORY_READERS)

    def can_write(self, school_id: int | None) -> bool:
        return self.has_role(school_id, *SCHOOL_WRITERS)

    def can_read_audit(self, school_id: int | None) -> bool:
        return self.has_role(school_id, *AUDIT_READERS)

    @property
    def can_read_audit_anywhere(self) -> bool:
        return bool(self.school_ids(roles=AUDIT_READERS))

    @property
    def is_staff_anywhere(self) -> bool:
        """Has any school-reading role (the registry's pages are for them)."""
        return bool(self.school_ids())


@dataclass(frozen=True)
class Policy:
    """Which rows of a model a scope reaches, declared once on the model as `access`.

    Holders of a `read` role in the row's school (the `school` path) read it, of a `write`
    role write it; the parents of the `pupil` path's child read it (and write it with
    `parents_write`); the teacher of the `klass` path's class and the guardians of the
    `family` path's family read it. A rule that does not fit subclasses and overrides `q`.
    """

    school: str = "school"
    read: AbstractSet[str] = frozenset(SCHOOL_READERS)
    write: AbstractSet[str] = frozenset(SCHOOL_WRITERS)
    pupil: str | None = None
    klass: str | None = None
    family: str | None = None
    parents_write: bool = False

    def __post_init__(self) -> None:
        # Frozen copies: a policy is shared by every query, and a role set passed in stays
        # the caller's to change.
        object.__setattr__(self, "read", frozenset(self.read))
        object.__setattr__(self, "write", frozenset(self.write))

    def q(self, scope: Scope, write: bool = False, staff: bool = False, parent: bool = False) -> Q:
        as_parent = bool(self.pupil) and (self.parents_write or not write)
        if parent:
            return Q(**{f"{self.pupil}__in": scope.child_ids}) if as_parent else Q(pk__in=[])
        roles = self.write if write else self.read
        q = Q(**{f"{self.school}__in": scope.school_ids(roles=roles)})
        if staff:
            return q
        if as_parent:
            q |= Q(**{f"{self.pupil}__in": scope.child_ids})
        if self.klass and not write:
            q |= Q(**{f"{self.klass}__in": scope.class_ids})
        if self.family and not write:
            q |= Q(**{f"{self.family}__in": scope.family_ids})
        return q


def get_scope(user: AnyUser | None) -> Scope:
    scope = getattr(user, "_qamqor_scope", None)
    if scope is None:
        scope = Scope(user)
        if user is not None:
            try:
                user._qamqor_scope = scope  # type: ignore[union-attr]  # a per-request cache on the user object
            except AttributeError:  # AnonymousUser may refuse attributes on some versions
                pass
    return scope


def policy_of(model: type[Model]) -> Policy:
    # `access` is a class attribute each protected model declares; Model's type has none.
    return cast(Policy, model.access)  # type: ignore[attr-defined]


def visible(
    user: AnyUser, model: type[M], write: bool = False, staff: bool = False, parent: bool = False
) -> QuerySet[M]:
    """Every row of `model` the user may read (or write); with `staff`, only the rows they
    reach by a role in the row's school; with `parent`, only their own children's rows."""
    scope = get_scope(user)
    if not scope.authenticated:
        return model._default_manager.none()
    return model._default_manager.filter(policy_of(model).q(scope, write, staff, parent))


def get_for_user(
    user: AnyUser,
    model: type[M],
    pk: Any,
    write: bool = False,
    staff: bool = False,
    parent: bool = False,
    related: Iterable[str] = (),
) -> M:
    """One row of `visible(...)` with its `related` rows joined; 404 without access."""
    qs = visible(user, model, write, staff, parent)
    if related:  # select_related() without names would join every foreign key
        qs = qs.select_related(*related)
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404 from exc


def school_ids_for(user: AnyUser, model: type[Model], write: bool = False) -> set[int]:
    """The schools where the user reads (or writes) `model` by their role there."""
    policy = policy_of(model)
    return get_scope(user).school_ids(roles=policy.write if write else policy.read)


def school_ids_or_404(user: AnyUser, model: type[Model]) -> set[int]:
    """`school_ids_for` for a list page: 404 for a user who reads `model` at no school."""
    school_ids = school_ids_for(user, model)
    if not school_ids:
        raise Http404
    return school_ids


def get_pupil_for_user(user: AnyUser, pk: Any, write: bool = False) -> Any:
    return get_for_user(user, apps.get_model("registry", "Pupil"), pk, write=write)


def get_family_for_user(user: AnyUser, pk: Any, write: bool = False) -> Any:
    return get_for_user(user, apps.get_model("registry", "Family"), pk, write=write)


def get_school_for_user(
    user: AnyUser, pk: Any, write: bool = False, roles: Iterable[str] | None = None
) -> Any:
    """A school the user reads (or writes, or holds one of `roles` in); 404 otherwise."""
    scope = get_scope(user)
    allowed = scope.school_ids(write=write, roles=roles)
    try:
        school_id = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if school_id not in allowed:
        raise Http404
    return apps.get_model("registry", "School").objects.get(pk=school_id)


def require_school_role(user: AnyUser, school_id: int, *roles: str) -> None:
    if not get_scope(user).has_role(school_id, *roles):
        raise Http404


def readable_schools(user: AnyUser, roles: Iterable[str] | None = None) -> QuerySet:
    school_model = apps.get_model("registry", "School")
    scope = get_scope(user)
    ids = scope.member_school_ids if roles is None else scope.school_ids(roles=roles)
    return school_model.objects.filter(id__in=ids)


def schools_or_404(user: AnyUser, roles: Iterable[str]) -> list[Any]:
    """The schools where the user holds one of `roles`, by name; 404 when there is none."""
    schools = list(readable_schools(user, roles=roles).order_by("name_kk"))
    if not schools:
        raise Http404
    return schools


__all__ = [
    "Policy",
    "Scope",
    "User",
    "get_scope",
    "visible",
    "get_for_user",
    "school_ids_for",
    "school_ids_or_404",
    "get_pupil_for_user",
    "get_family_for_user",
    "get_school_for_user",
    "require_school_role",
    "readable_schools",
    "schools_or_404",
]
