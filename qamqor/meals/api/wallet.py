"""The wallet's JSON API and the public key set; the same services as the pages.

Mounted under /api/v1/ by qamqor/api.py (`from qamqor.meals.api.wallet import router`).
Wallet operations are the parent's: anyone else gets 404 `not_found`, as on the pages.
`GET /canteen/keys` is public: the offline scanner downloads it to verify QR codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from qamqor.accounts.types import ApiRequest
from qamqor.audit.services import audit_read
from qamqor.core import signing
from qamqor.core.api import ErrorOut, TextIn
from qamqor.core.clock import today
from qamqor.meals.models import Voucher
from qamqor.meals.services import wallet as services

router = Router(tags=["wallet"])


class VoucherOut(Schema):
    id: int
    status: str
    status_label: str
    month: dt.date
    meal_type: str
    meal_type_label: str
    pupil_id: int
    pupil_name: str  # the first name only
    class_label: str
    usable: bool  # active and for this month: a QR can be issued


class QrOut(Schema):
    token: str  # base45 text of the CWT: the QR's content
    issued_at: dt.datetime
    expires_at: dt.datetime


class RatingIn(TextIn):
    MULTILINE = frozenset({"comment"})
    day: dt.date
    score: int
    comment: str = ""


class RatingOut(Schema):
    id: int
    voucher_id: int
    day: dt.date
    score: int
    comment: str
    at: dt.datetime


class JwkOut(Schema):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str
    school: int


class JwksOut(Schema):
    keys: list[JwkOut]


def _voucher_out(v: Voucher, day: dt.date) -> dict[str, Any]:
    return {
        "id": v.pk,
        "status": v.status,
        "status_label": str(v.get_status_display()),
        "month": v.month,
        "meal_type": v.meal_type,
        "meal_type_label": str(v.get_meal_type_display()),
        "pupil_id": v.pupil_id,
        "pupil_name": v.pupil.name,
        "class_label": str(v.pupil.school_class or ""),
        "usable": services.usable_refusal(v, day) is None,
    }


@router.get("/wallet/vouchers", response={200: list[VoucherOut], 404: ErrorOut})
@audit_read(Voucher)
def list_vouchers(request: ApiRequest, month: dt.date | None = None, status: str = ""):
    """The vouchers of the caller's children, newest month first (`month`: any day of it)."""
    services.require_parent(request.auth)
    vouchers = services.parent_vouchers(request.auth).order_by("-month", "pupil_id", "meal_type")
    if month is not None:
        vouchers = vouchers.filter(month=month.replace(day=1))
    if status:
        vouchers = vouchers.filter(status=status)
    day = today()
    return [_voucher_out(v, day) for v in vouchers[:500]]


@router.post("/wallet/vouchers/{voucher_id}/qr", response=QrOut)
def voucher_qr(request: ApiRequest, voucher_id: int):
    """A fresh signed meal token (CWT, base45) for an active voucher; valid 5 minutes."""
    voucher = services.get_parent_voucher(request.auth, voucher_id)
    issued = services.issue_qr(voucher)
    return {"token": issued.text, "issued_at": issued.issued_at, "expires_at": issued.expires_at}


@router.post("/wallet/vouchers/{voucher_id}/ratings", response={201: RatingOut, 409: ErrorOut})
def rate_voucher_meal(request: ApiRequest, voucher_id: int, payload: RatingIn):
    """The parent's rating of a meal served on `day`: score 1–5 and a comment, once a day."""
    voucher = services.get_parent_voucher(request.auth, voucher_id)
    rating = services.rate_meal(request.auth, voucher, payload.day, payload.score, payload.comment)
    return Status(
        201,
        {
            "id": rating.pk,
            "voucher_id": rating.voucher_id,
            "day": rating.day,
            "score": rating.score,
            "comment": rating.comment,
            "at": rating.at,
        },
    )


@router.get("/canteen/keys", response=JwksOut, auth=None)
def canteen_keys(request: HttpRequest, response: HttpResponse, school: int | None = None):
    """The schools' public meal-QR keys as a JWK Set (RFC 7517; OKP Ed25519, RFC 8037),
    those in their grace period after a rotation included. Public: a terminal imports them
    (WebCrypto, any COSE library) to verify QR codes offline."""
    # Short: a terminal that meets an unknown kid while online fetches the set again, and
    # must then see a key made by a rotation a minute ago.
    response["Cache-Control"] = "public, max-age=60"
    # Only reads: a school's first key is made when the school is set up (registry.signals)
    # and the next ones by `qamqor rotate_keys`; an anonymous GET creates nothing.
    keys = signing.published_keys(signing.MEAL_QR, school_ids=None if school is None else [school])
    return {"keys": [signing.jwk(k) for k in keys]}
