"""Shared API pieces (the error shape) and the public helpers: IIN check and due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from . import ids
from .calendar import due_date
from .validators import has_control_characters, message_for


class ApiError(Exception):
    """An error the API answers as `{"code": ..., "message": ...}` with an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 422, **extra: object):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra

    def payload(self) -> dict:
        return {"code": self.code, "message": str(self.message), **self.extra}


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


@router.get("/calendar/due-date", response={200: DueOut, 422: ErrorOut}, auth=None)
def calendar_due_date(request: HttpRequest, received: dt.datetime, working_days: int):
    """When a term of N working days ends for an application received at `received`."""
    if working_days < 0 or working_days > 366:
        raise ApiError("working_days_range", _("working_days must be between 0 and 366."))
    if timezone.is_naive(received):
        received = timezone.make_aware(received)
    counted_from, due = due_date(received, working_days)
    return {"counted_from": counted_from, "due": due}
