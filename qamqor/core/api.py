"""Shared API pieces (the error shape, the request parser, paging) and the public helpers:
IIN check and due dates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser

from . import ids
from .calendar import due_date
from .validators import message_for


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


class NotAnObject(ValueError):
    """A JSON body that is not an object (an array, a number, a string, null)."""


class ObjectParser(Parser):
    """Every JSON body of this API is an object: anything else is refused (422), where
    django-ninja would read an array or a number as an empty object."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObject(type(data).__name__)
        return data


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


@router.get("/calendar/due-date", response={200: DueOut, 422: ErrorOut}, auth=None)
def calendar_due_date(request: HttpRequest, received: dt.datetime, working_days: int):
    """When a term of N working days ends for an application received at `received`."""
    if working_days < 0 or working_days > 366:
        raise ApiError("working_days_range", _("working_days must be between 0 and 366."))
    if timezone.is_naive(received):
        received = timezone.make_aware(received)
    counted_from, due = due_date(received, working_days)
    return {"counted_from": counted_from, "due": due}
