"""Shared API pieces (the error shape, the request parser, paging) and the public helpers:
IIN check and due dates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, ClassVar

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from pydantic import AfterValidator, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from . import ids
from .clock import storable
from .errors import ServiceError
from .validators import has_control_characters, message_for
from .workdays import due_date

# A time the API receives and may store: an offset past ±14:00 (or a time out of range) is a
# 422, not a database error; an aware one arrives as UTC.
Moment = Annotated[dt.datetime, AfterValidator(storable)]


class ErrorOut(Schema):
    code: str
    message: str


# Refusals of request bodies that the API's validation handler answers with their own code.
TEXT_ERRORS = frozenset({"control_characters"})


class TextIn(Schema):
    """A request body whose text fields refuse control characters (core.validators).

    `MULTILINE` names the fields that may hold tabs and line breaks. The check runs in
    pydantic, so the API answers 422 before any service sees the value, as the forms do
    through the models' validators.
    """

    MULTILINE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        texts = value if isinstance(value, list) else [value]
        multiline = info.field_name in cls.MULTILINE
        for text in texts:
            if isinstance(text, str) and has_control_characters(text, multiline):
                raise PydanticCustomError("control_characters", message_for("control_characters"))
        return value


class BadInput(ValueError):
    """Input refused before validation (a 422 with `code`); `loc` says where."""

    loc: tuple[str, ...] = ()
    code = "invalid"

    def message(self) -> str:
        raise NotImplementedError


class NotAnObject(BadInput):
    """A JSON body that is not an object (an array, a number, a string, null)."""

    loc = ("body",)

    def message(self) -> str:
        return _("The request body must be a JSON object.")


class NulCharacter(BadInput):
    """A NUL character in text: no database column takes it (PostgreSQL refuses it). It is
    a control character, refused with the same code and words as the others (TextIn)."""

    code = "control_characters"

    def __init__(self, *loc: str):
        super().__init__(*loc)
        self.loc = loc

    def message(self) -> str:
        return message_for("control_characters")


def _find_nul(value: Any, loc: tuple[str, ...]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return loc if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()  # fmt: skip
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return loc
        found = _find_nul(item, (*loc, str(key)))
        if found is not None:
            return found
    return None


class ObjectParser(Parser):
    """Every JSON body of this API is an object: anything else is refused (422), where
    django-ninja would read an array or a number as an empty object. No text, in a body,
    the query or a form, may hold a NUL character (422, where PostgreSQL would fail: 500)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObject(type(data).__name__)
        # JSON writes a NUL only as the escape \u0000: the bytes tell at once (the meal-scan
        # hot path pays one search), and only then is the parsed body walked to say where.
        if b"\\u0000" in request.body:
            loc = _find_nul(data, ("body",))
            if loc is not None:
                raise NulCharacter(*loc)
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> dict:
        for key, values in data.lists():
            if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
                raise NulCharacter("query" if data is request.GET else "form", key)
        return super().parse_querydict(data, list_fields, request)


# The error answers of the API, as OpenAPI declares them (`DocumentedAPI`).
ERRORS = {
    400: "The request body cannot be read: not JSON, or a multipart body without its boundary.",
    401: "Not signed in, or the token is unknown, revoked or expired.",
    403: "A signed-in browser session sent no valid CSRF token (X-CSRFToken).",
    404: "Not found, or the caller has no access to it: the two are one answer.",
    409: "The record's state does not allow it (already done, closed, a transition not allowed).",
    422: "The request is not valid: `code` says why, `field` or `detail` where.",
}
_UNSAFE = {"post", "put", "patch", "delete"}


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI declares, from this one place, the error answers each
    operation gives (all `{"code", "message"}`, ErrorOut):

    - 401 where the operation needs authentication;
    - 403 for an unsafe method that a browser session may call (`csrf_auth`: CSRF);
    - 404 where the path names an object, or the auth answers 404 (`not_found_auth`: a
      token that is not a canteen terminal's);
    - 422 wherever there are parameters or a body to validate, 400 where there is a body;
    - 409 and any other 404 where the router declares them in `response=` (a conflict of
      state, an object named in the body): the service knows, the signature does not.
    """

    def __init__(
        self, *args: Any, csrf_auth: tuple[type, ...] = (), not_found_auth: tuple[type, ...] = (),
        **kwargs: Any,
    ):  # fmt: skip
        super().__init__(*args, **kwargs)
        # django-ninja names a security scheme after its class.
        self.csrf_schemes = {auth.__name__ for auth in csrf_auth}
        self.not_found_schemes = {auth.__name__ for auth in not_found_auth}

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ErrorOut.model_json_schema())
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                for status in self.errors_of(method, operation):
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": ERRORS[status],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorOut"}
                                }
                            },
                        },
                    )
                # Declared by a router with ninja's generic wording: say what it means here.
                for status, answer in operation["responses"].items():
                    if status in ERRORS and answer.get("description") in _GENERIC:
                        answer["description"] = ERRORS[status]
        return schema

    def errors_of(self, method: str, operation: dict) -> set[int]:
        schemes = {name for requirement in operation.get("security", []) for name in requirement}
        params = operation.get("parameters", [])
        body = "requestBody" in operation
        errors: set[int] = set()
        if schemes:
            errors.add(401)
        if method in _UNSAFE and schemes & self.csrf_schemes:
            errors.add(403)
        names_an_object = schemes and any(p.get("in") == "path" for p in params)
        if names_an_object or schemes & self.not_found_schemes:
            errors.add(404)
        if body or any(_can_be_invalid(p) for p in params):
            errors.add(422)
        if body:
            errors.add(400)
        return errors


def _can_be_invalid(parameter: dict) -> bool:
    """A parameter the request can get wrong: required in the query, or more than any text
    (a path's `{pupil_id}` is any text in the URL, validated as an integer: 422)."""
    schema = parameter.get("schema", {})
    if parameter.get("in") != "path" and parameter.get("required"):
        return True
    return schema.get("type") != "string" or any(
        key in schema for key in ("format", "pattern", "enum", "minLength", "maxLength")
    )


_GENERIC = {"Bad Request", "Unauthorized", "Forbidden", "Not Found", "Conflict", "Unprocessable Entity"}  # fmt: skip


# What a database's 64-bit integers take: an offset past it is refused, not a 500.
MAX_OFFSET = 2**63 - 1
MAX_LIMIT = 1000


class Paging(LimitOffsetPagination):
    """`limit` (1–1000, default 100) and `offset` (0 up to 2⁶³−1): out of range is a 422."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


router = Router(tags=["helpers"])


class IinOut(Schema):
    valid: bool
    birth_date: dt.date | None
    sex: str | None
    error: str | None
    message: str | None = None


@router.get("/iin/{iin}", response=IinOut, auth=None)
def check_iin(request: HttpRequest, iin: str):
    """Check an IIN as it is typed: validity, the birth date and sex it encodes."""
    result = ids.validate_iin(iin)
    return {
        "valid": result.valid,
        "birth_date": result.birth_date,
        "sex": result.sex,
        "error": result.error,
        "message": message_for(result.error) if result.error else None,
    }


class DueOut(Schema):
    counted_from: dt.date
    due: dt.date


@router.get("/calendar/due-date", response=DueOut, auth=None)
def calendar_due_date(request: HttpRequest, received: Moment, working_days: int):
    """When a term of N working days ends for an application received at `received`."""
    if working_days < 0 or working_days > 366:
        raise ServiceError("working_days_range", _("working_days must be between 0 and 366."))
    if timezone.is_naive(received):
        received = timezone.make_aware(received)
    counted_from, due = due_date(received, working_days)
    return {"counted_from": counted_from, "due": due}


# A stored file (core.files.StoredFile) as an API shows it; an app's schema subclasses it to
# keep its own name in the OpenAPI document.
class StoredFileOut(Schema):
    id: int
    kind: str
    kind_label: str
    original_name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    download_url: str


def stored_file_out(row: Any, view: str) -> dict[str, Any]:
    """`StoredFileOut` of `row`; `view` is the URL name of the view that streams it."""
    return {
        "id": row.pk,
        "kind": row.kind,
        "kind_label": str(row.get_kind_display()),
        "original_name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "uploaded_at": row.uploaded_at,
        "download_url": reverse(view, args=[row.pk]),
    }
