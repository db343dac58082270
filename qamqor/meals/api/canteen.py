"""The canteen's redemption API: a scan online, or an offline queue as a batch.

Terminals authenticate with a Bearer token (`meals.canteen_auth`); no session, no CSRF.
Answers are written as JSON directly: the schemas below document the API, and skipping
ninja's response validation keeps the per-scan work to what the scan needs (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from qamqor.core.api import Moment
from qamqor.core.errors import ServiceError
from qamqor.meals.canteen_auth import CanteenBearer
from qamqor.meals.services import redeem

router = Router(tags=["canteen"], auth=CanteenBearer())


class ScanIn(Schema):
    token: str = Field(max_length=4000, description="The base45 text of the pupil's QR code.")
    client_id: uuid.UUID = Field(description="The terminal's own id for this scan.")
    terminal: str = Field("", max_length=100, description="The terminal's name.")
    scanned_at: Moment = Field(
        description="When it was scanned; without an offset, Asia/Almaty time."
    )


class ServedOut(Schema):
    client_id: str
    status: str = Field(description="served")
    pupil: str = Field(description="First name and surname initial.")
    class_: str = Field(alias="class")
    meal_type: str
    day: dt.date


class RefusedOut(Schema):
    code: str = Field(description=", ".join(redeem.CODES))
    message: str
    pupil: str | None = Field(None, description="With already_served_today only.")
    class_: str | None = Field(None, alias="class")
    meal_type: str | None = None
    day: dt.date | None = None


class BatchScanIn(Schema):
    token: str = ""
    client_id: str = ""
    terminal: str = ""
    scanned_at: str = ""


class BatchIn(Schema):
    scans: list[BatchScanIn]


class BatchResultOut(Schema):
    client_id: str
    status: str = Field(description="served, refused or conflict")
    code: str | None = None
    message: str | None = None
    pupil: str | None = None
    class_: str | None = Field(None, alias="class")
    meal_type: str | None = None
    day: dt.date | None = None


class BatchOut(Schema):
    results: list[BatchResultOut]


def _json(status: int, body: dict) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


@router.post(
    "/canteen/redemptions",
    response={201: ServedOut, 422: RefusedOut},
    summary="Redeem one scan",
    by_alias=True,  # the documented answer says "class", as the JSON written below does
)
def redeem_scan(request: HttpRequest, payload: ScanIn):
    """Serve a meal for a scanned QR code, or say why not. Sending the same `client_id`
    again answers the first answer again and changes nothing."""
    body = redeem.redeem_one(
        request.auth,  # type: ignore[attr-defined]  # ninja sets it: the Terminal
        token=payload.token,
        client_id=payload.client_id,
        scanned_at=payload.scanned_at,
        terminal_name=payload.terminal,
    )
    if body["status"] == redeem.SERVED:
        return _json(201, body)
    # A single scan's refusal (and a batch conflict asked again singly) is a 422 (RefusedOut).
    del body["status"], body["client_id"]
    return _json(422, body)


@router.post(
    "/canteen/redemptions/batch",
    response=BatchOut,
    summary="Redeem an offline queue",
    by_alias=True,
)
def redeem_scans(request: HttpRequest, payload: BatchIn):
    """Up to 5,000 queued scans, answered one by one in order. A pupil served twice
    offline is counted once; the other scan is recorded and answered as `conflict`."""
    if len(payload.scans) > redeem.BATCH_MAX:
        raise ServiceError("batch_too_large", redeem.message_for("batch_too_large"))
    items = [
        redeem.BatchItem(s.token, s.client_id, s.terminal, s.scanned_at) for s in payload.scans
    ]
    results = redeem.redeem_batch(request.auth, items)  # type: ignore[attr-defined]  # the Terminal
    return _json(200, {"results": results})
