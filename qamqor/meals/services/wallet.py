"""The parent's wallet (seed 004, steps 4 and 6): vouchers, the dynamic QR, the share link to
the child's phone, meals taken, and the parent's rating of a served meal.

Access: a parent reaches only the vouchers of their own children. Vouchers come through
`accounts.access.visible(..., parent=True)`: school staff may read vouchers, but only a
parent may show a child's QR. Everything reached from a voucher
(its scans, its ratings) is read through that voucher.

A QR is stateless: issuing one writes nothing (the pupil's opaque reference is made once,
on the first QR). Its token is refused by the canteen after 5 minutes, so the pages fetch a
new one before that.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing as django_signing
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qamqor.accounts.access import get_for_user, get_scope, visible
from qamqor.accounts.types import User
from qamqor.core import signing
from qamqor.core.clock import now, today
from qamqor.core.errors import ServiceError
from qamqor.meals import tokens
from qamqor.meals.models import MealRating, PupilRef, Redemption, Voucher, first_of_month

# How long the link that passes the QR to the child's phone works (a school day and more).
SHARE_LIFETIME = dt.timedelta(hours=12)
_SHARE_SALT = "qamqor.meals.wallet.share"
COMMENT_MAX = 1000


class WalletError(ServiceError):
    conflicts = frozenset({"already_rated"})


# --- reading --------------------------------------------------------------------------------


def parent_vouchers(user: User) -> QuerySet[Voucher]:
    """The vouchers of the user's own children (empty for anyone who is not a parent)."""
    return visible(user, Voucher, parent=True).select_related("pupil", "pupil__school_class")


def get_parent_voucher(user: User, pk: int | str) -> Voucher:
    """One voucher of the user's own child; 404 for anyone else, staff included."""
    return get_for_user(user, Voucher, pk, parent=True, related=["pupil", "pupil__school_class"])


def require_parent(user: User) -> set[int]:
    """The user's children's ids; 404 when there are none (the wallet is the parent's)."""
    child_ids = get_scope(user).child_ids
    if not child_ids:
        raise Http404
    return child_ids


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = first_of_month(month)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def served_meals(vouchers: Iterable[Voucher], month: dt.date) -> QuerySet[Redemption]:
    """Meals actually served in `month` on these vouchers (scans with status served)."""
    start, end = month_bounds(month)
    return (
        Redemption.objects.filter(
            voucher__in=vouchers, status=Redemption.Status.SERVED, day__range=(start, end)
        )
        .select_related("voucher")
        .order_by("-day", "meal_type")
    )


def ratings_by_meal(
    vouchers: Iterable[Voucher], month: dt.date
) -> dict[tuple[int, dt.date], MealRating]:
    start, end = month_bounds(month)
    rows = MealRating.objects.filter(voucher__in=vouchers, day__range=(start, end))
    return {(r.voucher_id, r.day): r for r in rows}


# --- the QR ---------------------------------------------------------------------------------


def usable_refusal(voucher: Voucher, day: dt.date) -> str | None:
    """Why this voucher cannot feed the child on `day`, or None (a pure rule)."""
    if voucher.status != Voucher.Status.ACTIVE:
        return _("This voucher is not active (%(status)s).") % {
            "status": voucher.get_status_display()
        }
    if not voucher.covers(day):
        return _("This voucher is for %(month)s.") % {"month": date_format(voucher.month, "F Y")}
    return None


def check_usable(voucher: Voucher, day: dt.date | None = None) -> None:
    reason = usable_refusal(voucher, day or today())
    if reason:
        raise WalletError("voucher_inactive", reason)


def pupil_ref(pupil_id: int) -> uuid.UUID:
    """The pupil's opaque reference for tokens, made on the first QR (never the IIN)."""
    ref = PupilRef.objects.filter(pupil_id=pupil_id).values_list("ref", flat=True).first()
    if ref is None:
        ref = PupilRef.objects.get_or_create(pupil_id=pupil_id)[0].ref
    return ref


def token_lifetime() -> dt.timedelta:
    """5 minutes (seed 004's dynamic QR); shorter only where settings ask (browser tests)."""
    seconds = int(getattr(settings, "MEAL_QR_LIFETIME_SECONDS", 0) or 0)
    limit = signing.MAX_TOKEN_LIFETIME
    return min(dt.timedelta(seconds=seconds), limit) if seconds > 0 else limit


def issue_qr(voucher: Voucher) -> tokens.IssuedToken:
    """A fresh signed token for an active voucher of this month; refuses `voucher_inactive`."""
    check_usable(voucher)
    return tokens.issue_token(
        school_id=voucher.school_id,
        pupil_ref=pupil_ref(voucher.pupil_id),
        voucher_id=voucher.pk,
        meal_type=voucher.meal_type,
        now=now(),
        lifetime=token_lifetime(),
    )


# --- the share link -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareLink:
    token: str
    expires_at: dt.datetime


def _share_signer() -> django_signing.TimestampSigner:
    return django_signing.TimestampSigner(salt=_SHARE_SALT)


def make_share_link(voucher: Voucher) -> ShareLink:
    """A link that shows the voucher's QR without signing in, for SHARE_LIFETIME."""
    check_usable(voucher)
    token = _share_signer().sign(str(voucher.pk))
    issued = django_signing.b62_decode(token.rsplit(":", 2)[1])
    expires = dt.datetime.fromtimestamp(issued, tz=dt.UTC) + SHARE_LIFETIME
    return ShareLink(token=token, expires_at=expires)


def voucher_for_share(token: str) -> tuple[Voucher, dt.datetime]:
    """The voucher a share link shows and when the link ends; 404 when it is forged, expired,
    or its voucher no longer feeds the child today."""
    try:
        value = _share_signer().unsign(token, max_age=SHARE_LIFETIME)
        issued = django_signing.b62_decode(token.rsplit(":", 2)[1])
        voucher = Voucher.objects.select_related("pupil", "pupil__school_class").get(pk=int(value))
    except (django_signing.BadSignature, ValueError, IndexError, Voucher.DoesNotExist) as exc:
        raise Http404 from exc
    if usable_refusal(voucher, today()):
        raise Http404
    return voucher, dt.datetime.fromtimestamp(issued, tz=dt.UTC) + SHARE_LIFETIME


# --- ratings --------------------------------------------------------------------------------


def rating_refusal(voucher: Voucher, day: dt.date | None, score: object) -> WalletError | None:
    """Why this rating cannot be recorded, or None (reads, never writes)."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        return WalletError("score_range", _("Choose a score from 1 to 5."))
    if day is None or day > today():
        return WalletError("not_served", _("Choose a day the meal was served."))
    served = Redemption.objects.filter(
        voucher=voucher, day=day, status=Redemption.Status.SERVED
    ).exists()
    if not served:
        return WalletError("not_served", _("The child was not served a meal on this day."))
    if MealRating.objects.filter(voucher=voucher, day=day).exists():
        return WalletError("already_rated", _("This meal is already rated."))
    return None


@transaction.atomic
def rate_meal(user: User, voucher: Voucher, day: dt.date, score: int, comment: str) -> MealRating:
    """The parent's rating of a meal served on `day` (seed 004, step 6: the stand-in for
    e-Otinish): 1–5 and a comment, once per voucher and day."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise WalletError(
            "comment_too_long",
            _("The comment may be at most %(n)s characters.") % {"n": COMMENT_MAX},
        )
    refusal = rating_refusal(voucher, day, score)
    if refusal:
        raise refusal
    try:
        with transaction.atomic():  # a savepoint: a racing second rating loses cleanly
            return MealRating.objects.create(
                voucher=voucher, day=day, score=score, comment=comment, by=user, at=now()
            )
    except IntegrityError as exc:
        raise WalletError("already_rated", _("This meal is already rated.")) from exc


@dataclass(frozen=True)
class RatingDay:
    day: dt.date
    average: float
    count: int


def school_ratings(user: User, school_ids: set[int], month: dt.date) -> QuerySet[MealRating]:
    """The ratings of `month` in these schools that the user may read."""
    start, end = month_bounds(month)
    return visible(user, MealRating).filter(
        voucher__school_id__in=school_ids, day__range=(start, end)
    )


def ratings_summary(rows: QuerySet[MealRating]) -> tuple[list[RatingDay], dict]:
    """Average score per day and the totals of these ratings."""
    days = [
        RatingDay(day=r["day"], average=float(r["average"]), count=r["count"])
        for r in rows.values("day")
        .annotate(average=Avg("score"), count=Count("id"))
        .order_by("-day")
    ]
    totals = rows.aggregate(average=Avg("score"), count=Count("id"))
    return days, totals
