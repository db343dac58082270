"""Writing the audit trail. Call from services (writes) and from views (reads)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any, TypeVar

from django.apps import apps
from django.db.models import Model
from django.http import HttpRequest
from django.utils.text import capfirst

from qamqor.accounts.access import get_for_user, get_scope
from qamqor.accounts.types import AnyUser, signed_in
from qamqor.core import files
from qamqor.core.clock import now
from qamqor.core.files import StoredFile

from .middleware import current_channel, current_ip
from .models import AuditEvent

M = TypeVar("M", bound=Model)
F = TypeVar("F", bound=StoredFile)


def _school_id(obj: Model) -> int | None:
    school_id = getattr(obj, "school_id", None)
    if school_id is None and hasattr(obj, "family"):
        school_id = getattr(obj.family, "school_id", None)
    return school_id


def actor_role(user: AnyUser | None, school_id: int | None) -> str:
    """The user's roles where the event happened (anywhere, for an event of no school)."""
    scope = get_scope(user)  # computed once per request; the access checks made it already
    if school_id is not None:
        roles = scope.roles_in(school_id)
    else:
        roles = set().union(*scope.roles_by_school.values())
    names = sorted(roles)
    if getattr(user, "is_superuser", False):
        names.insert(0, "superuser")
    return ",".join(names)[:100]


def record(
    user: AnyUser | None,
    action: str,
    obj: Model | None = None,
    *,
    fields: Iterable[str] = (),
    object_type: str | None = None,
    object_id: Any = "",
    school_id: int | None = None,
    label: str = "",
    count: int | None = None,
    object_ids: Iterable[Any] = (),
    query: Mapping[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
        school_id = school_id if school_id is not None else _school_id(obj)
        label = label or str(obj)[:200]
    actor = signed_in(user)
    return AuditEvent.objects.create(
        at=now(),
        user=actor,
        actor_username=actor.get_username() if actor is not None else "",
        actor_role=actor_role(actor, school_id) if actor is not None else "",
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        object_label=label[:200],
        school_id=school_id,
        fields=sorted(set(fields)),
        ip=current_ip.get(),
        channel=current_channel.get(),
        count=count,
        object_ids=list(object_ids),
        query=dict(query or {}),
    )


def record_view(user: AnyUser | None, obj: M, **kwargs: Any) -> M:
    """One record shown (its page, an API's answer): the audit row, then the record, so that
    an API reads `return _out(record_view(request.auth, _get(request, pk)))` (a page:
    `RecordPage.page_view(record_view)`)."""
    record(user, "view", obj, **kwargs)
    return obj


def record_file(
    user: AnyUser | None, action: str, row: StoredFile, school_id: int, fields: Iterable[str] = ()
) -> AuditEvent:
    """A stored document (`core.files.StoredFile`) uploaded or read. It is labelled by its
    kind, never by the uploader's file name, which may name the child."""
    label = str(row.get_kind_display())
    return record(user, action, row, fields=fields, school_id=school_id, label=label)


def store_file(
    user: AnyUser | None,
    row: F,
    f: IO[bytes],
    content_type: str,
    school_id: int,
    fields: Iterable[str] = ("kind", "file"),
) -> F:
    """A new stored document saved (`core.files.store`, after `files.check` gave its type)
    and its upload recorded: `store_file(user, Evidence(assignment=a, kind=kind), f,
    content_type, a.school_id)`."""
    files.store(row, f, content_type, signed_in(user))
    record_file(user, "create", row, school_id, fields)
    return row


def read_file(user: AnyUser, model: type[F], pk: Any, owner: str) -> F:
    """A stored file the user reads by its own policy (404 otherwise), its read recorded in
    the school of its `owner`, the record it belongs to: `read_file(u, Evidence, pk,
    "assignment").response()`."""
    row = get_for_user(user, model, pk, related=[owner])
    record_file(user, "view", row, getattr(row, owner).school_id)
    return row


def record_many(
    user: AnyUser | None,
    action: str,
    object_type: str,
    school_id: int | None,
    count: int,
    label: str = "",
) -> AuditEvent:
    """One row for a bulk operation (an import or an export), naming how many records."""
    return record(
        user,
        action,
        object_type=object_type,
        school_id=school_id,
        object_id="",
        label=label or f"{count}",
    )


# Free-text search may be an IIN or a name: the trail names the parameter, not its value.
MASKED_PARAMS = frozenset({"q", "search", "iin", "name", "surname", "phone", "who", "object"})
# A page is at most a few hundred rows; beyond this the row keeps the count and the query.
MAX_IDS = 1000


def request_query(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The scope of a read: the path and its parameters, free text masked."""
    params: dict[str, Any] = {}
    for key in sorted(request.GET):
        values = request.GET.getlist(key)
        value: Any = values[0] if len(values) == 1 else values
        params[key] = "***" if key in MASKED_PARAMS and any(values) else value
    params.update(extra)
    return {"path": request.path, "params": params}


def _row_value(row: Any, key: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(key)
    if key == "id":
        return getattr(row, "pk", None)
    return getattr(row, key, None)


def _schools_of(object_type: str, ids: list[Any]) -> set[int]:
    """The schools of the records read, when the answer did not carry them."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return set()
    if not any(f.attname == "school_id" for f in model._meta.concrete_fields):
        return set()
    found = model._default_manager.filter(pk__in=ids).order_by().values_list("school_id", flat=True)
    return set(found.distinct()[:2])


def _list_label(object_type: str) -> str:
    """The records' plural name, in the reader's language ("pupils", "оқушылар")."""
    try:
        return capfirst(str(apps.get_model(object_type)._meta.verbose_name_plural))
    except (LookupError, ValueError):
        return object_type


def record_read(
    user: AnyUser | None,
    object_type: str | type[Model],
    rows: Iterable[Any] = (),
    *,
    request: HttpRequest | None = None,
    key: str = "id",
    school_id: int | None = None,
    fields: Iterable[str] = (),
    label: str = "",
    count: int | None = None,
) -> AuditEvent:
    """One row for one read of many records: a list page, a search, an API page.

    `rows` are model instances or dicts (their `key`, default the id, is recorded). The
    school is the rows' school when they are all of one; a read across schools has none
    (the superuser's trail shows it, a principal's shows reads of their school).
    """
    if not isinstance(object_type, str):
        object_type = object_type._meta.label_lower
    rows = list(rows)
    ids = [v for v in (_row_value(r, key) for r in rows) if v is not None]
    schools = {s for s in (_row_value(r, "school_id") for r in rows) if s is not None}
    if school_id is None and not schools and ids:
        schools = _schools_of(object_type, ids[:MAX_IDS])
    if school_id is None and len(schools) == 1:
        school_id = schools.pop()
    n = len(rows) if count is None else count
    return record(
        user,
        AuditEvent.Action.VIEW,
        object_type=object_type,
        school_id=school_id,
        fields=fields,
        label=label or _list_label(object_type),
        count=n,
        object_ids=ids[:MAX_IDS],
        query=request_query(request) if request is not None else None,
    )


def _answer_body(result: Any) -> tuple[int, Any]:
    """(status, body) of what a ninja view returned: a value, Status(code, value) or a tuple."""
    if hasattr(result, "status_code") and hasattr(result, "value"):  # ninja.Status
        return result.status_code, result.value
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
        return result
    return getattr(result, "status_code", 200), result


def audit_read(
    object_type: str | type[Model], *, key: str = "id", param: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate an API view that returns personal data: one audit row per successful call.

    Put it between `@router.get(...)` and `@paginate(...)` so that it sees the page that is
    answered. The rows are the answer's `items`, the list answered, or the one object
    answered; `key` names the id recorded for each (e.g. `family_id`), or `param` takes it
    from the path (e.g. `pupil_id` of a pupil's checklist).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            result = view(request, *args, **kwargs)
            status, body = _answer_body(result)
            if 200 <= status < 300:
                if isinstance(body, Mapping) and "items" in body:
                    rows = list(body["items"])
                elif isinstance(body, list | tuple):
                    rows = list(body)
                else:
                    rows = [body]
                if param is not None:
                    rows = [{"id": kwargs.get(param), "school_id": _row_value(body, "school_id")}]
                reader = getattr(request, "auth", None) or request.user
                # The school the query names, when it is one of the reader's: any other
                # (unknown, out of reach, past 64 bits) gave nothing of it to record.
                school = kwargs.get("school_id", kwargs.get("school"))
                if not (isinstance(school, int) and school in get_scope(reader).member_school_ids):
                    school = None
                record_read(
                    reader,
                    object_type,
                    rows,
                    request=request,
                    key="id" if param is not None else key,
                    school_id=school,
                )
            return result

        try:
            # ninja reads the view's annotations through the wrapper, with the wrapper's
            # globals: hand it the view's own signature, its string annotations resolved.
            wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]  # read by inspect
        except NameError:  # pragma: no cover - an annotation only for type checkers
            pass
        return wrapper

    return decorate
