"""Digital vouchers: one per verified pupil, month and meal type (seed 004 step 3).

Primary grades go to the Social Wallet without an SMS and their vouchers are active at once;
for the others the parent gets an SMS with a link to the wallet, and the vouchers become
active when the parent is notified ("formed and activated automatically"). Issuing is
idempotent: the unique (pupil, month, meal type) key makes a second run create nothing, and
a parent already notified is never messaged again. A month's vouchers expire once the month
is over; the pedagogue can suspend one (a pupil transferred, say) and reactivate it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.audit.services import record, record_many
from qamqor.core.clock import now, today
from qamqor.core.status import move
from qamqor.registry.models import Guardian, Pupil

from ..models import Basis, ListEntry, MonthlyList, Voucher, first_of_month
from ..notify import SmsGateway, get_gateway, public_url
from .programme import MealError

log = logging.getLogger(__name__)
VStatus = Voucher.Status
WALLET_PATH = "/meals/wallet/"
# Whom the SMS goes to first: the parents, then a guardian, then other relatives.
RELATION_ORDER: dict[str, int] = {
    Guardian.Relation.MOTHER: 0,
    Guardian.Relation.FATHER: 1,
    Guardian.Relation.GUARDIAN: 2,
    Guardian.Relation.TRUSTEE: 3,
    Guardian.Relation.GRANDPARENT: 4,
    Guardian.Relation.OTHER: 5,
}


@dataclass
class IssueResult:
    created: int
    activated: int
    expired: int


@dataclass
class NotifyResult:
    sent: int
    unreachable: int


def expire_past_vouchers(school_id: int, day: dt.date) -> int:
    """Vouchers of months before `day`'s end: a voucher covers its month only."""
    past = Voucher.objects.filter(school_id=school_id, month__lt=first_of_month(day)).exclude(
        status=VStatus.EXPIRED
    )
    return past.update(status=VStatus.EXPIRED)


@transaction.atomic
def issue_vouchers(user: User | None, lst: MonthlyList) -> IssueResult:
    """A voucher per verified pupil and meal of the programme; primary grades active at once."""
    if lst.status != MonthlyList.Status.VERIFIED:
        raise MealError("list_not_verified", _("Vouchers follow the state verification."))
    moment = now()
    expired = expire_past_vouchers(lst.school_id, today())
    meals = list(lst.programme.meals.values_list("meal_type", flat=True))
    entries = lst.entries.filter(verification=ListEntry.Verification.VERIFIED).values_list(
        "id", "pupil_id", "basis"
    )
    have = set(
        Voucher.objects.filter(school_id=lst.school_id, month=lst.month).values_list(
            "pupil_id", "meal_type"
        )
    )
    new = []
    for entry_id, pupil_id, basis in entries:
        # seed 004 step 3: primary grades go to the wallet without an SMS, active at once.
        universal = basis == Basis.UNIVERSAL
        for meal in meals:
            if (pupil_id, meal) in have:
                continue
            new.append(
                Voucher(
                    school_id=lst.school_id,
                    pupil_id=pupil_id,
                    month=lst.month,
                    meal_type=meal,
                    entry_id=entry_id,
                    status=VStatus.ACTIVE if universal else VStatus.FORMED,
                    activated_at=moment if universal else None,
                )
            )
    # ignore_conflicts: a run racing this one may have inserted some already; the unique
    # key decides, and nothing is ever issued twice.
    Voucher.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    activated = sum(v.status == VStatus.ACTIVE for v in new)
    if new:
        record_many(user, "create", "meals.voucher", lst.school_id, len(new))
    return IssueResult(created=len(new), activated=activated, expired=expired)


def _phone(pupil: Pupil) -> str:
    family = pupil.family
    if family is None:
        return ""
    guardians = [g for g in family.guardians.all() if g.phone]
    guardians.sort(key=lambda g: (not g.lives_with_family, RELATION_ORDER.get(g.relation, 9)))
    return guardians[0].phone if guardians else (family.phone or "")


def _message(pupil: Pupil, month: dt.date) -> str:
    # The school's language: the SMS goes out before anyone has chosen one on a page.
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Qamqor: the free meal voucher of %(child)s for %(month)s is ready. "
            "Open it in the parent's wallet: %(link)s"
        ) % {
            "child": pupil.short_name,
            "month": date_format(month, "YEAR_MONTH_FORMAT"),
            "link": public_url(WALLET_PATH),
        }


def waiting_for_sms(school_id: int, month: dt.date) -> QuerySet[Voucher]:
    return Voucher.objects.filter(
        school_id=school_id, month=month, status=VStatus.FORMED, notified_at__isnull=True
    )


def notify_parents(
    user: User | None, lst: MonthlyList, gateway: SmsGateway | None = None
) -> NotifyResult:
    """One SMS per pupil whose vouchers wait for it; they become active once it is sent.

    Each pupil in a transaction of its own: one failed message does not hold back the
    others, and a retry messages only those still waiting. The message is sent before the
    vouchers are marked: should that commit fail, a retry sends it again (at least once,
    never an active voucher the parent was not told about).
    """
    pupil_ids = sorted(
        set(waiting_for_sms(lst.school_id, lst.month).values_list("pupil_id", flat=True))
    )
    pupils = Pupil.objects.filter(pk__in=pupil_ids).select_related("family")
    pupils = pupils.prefetch_related("family__guardians")
    sent = unreachable = 0
    for pupil in pupils:
        phone = _phone(pupil)
        if not phone:
            unreachable += 1
            continue
        gateway = gateway or get_gateway()
        with transaction.atomic():
            waiting = list(
                waiting_for_sms(lst.school_id, lst.month).select_for_update().filter(pupil=pupil)
            )
            if not waiting:
                continue  # another run got here first
            gateway.send(phone, _message(pupil, lst.month), purpose="meal_voucher")
            moment = now()
            for v in waiting:
                v.status, v.notified_at, v.activated_at = VStatus.ACTIVE, moment, moment
            Voucher.objects.bulk_update(waiting, ["status", "notified_at", "activated_at"])
        sent += 1
    if sent:
        record_many(user, "update", "meals.voucher", lst.school_id, sent, label=f"SMS: {sent}")
    return NotifyResult(sent=sent, unreachable=unreachable)


def issue_and_notify(user: User | None, lst: MonthlyList) -> tuple[IssueResult, NotifyResult]:
    """Issue what is missing and message who is still waiting: safe to run any number of times."""
    issued = issue_vouchers(user, lst)
    return issued, notify_parents(user, lst)


def _locked(voucher: Voucher) -> Voucher:
    return Voucher.objects.select_for_update().select_related("pupil").get(pk=voucher.pk)


@transaction.atomic
def suspend_voucher(user: User, voucher: Voucher) -> Voucher:
    voucher = _locked(voucher)
    move(voucher, VStatus.SUSPENDED, error=MealError)
    record(user, "update", voucher, fields=["status"])
    return voucher


@transaction.atomic
def reactivate_voucher(user: User, voucher: Voucher) -> Voucher:
    voucher = _locked(voucher)
    if voucher.month < first_of_month(today()):
        raise MealError("voucher_past", _("The voucher's month is over."))
    if voucher.pupil.status != Pupil.Status.ACTIVE or voucher.pupil.school_id != voucher.school_id:
        raise MealError("pupil_not_active", _("The pupil no longer studies at the school."))
    voucher.activated_at = voucher.activated_at or now()
    move(voucher, VStatus.ACTIVE, error=MealError, fields=["activated_at"])
    record(user, "update", voucher, fields=["status"])
    return voucher


@dataclass
class VoucherCounts:
    by_status: dict[str, int]
    by_class: list[tuple[str, dict[str, int]]]
    waiting_sms: int


def voucher_counts(school_id: int, month: dt.date) -> VoucherCounts:
    rows = Voucher.objects.filter(school_id=school_id, month=month).values_list(
        "status", "entry__class_label", "pupil__school_class__grade", "pupil__school_class__letter"
    )
    by_status: Counter[str] = Counter()
    by_class: dict[str, Counter[str]] = defaultdict(Counter)
    for status, label, grade, letter in rows:
        by_status[status] += 1
        by_class[label or (f"{grade}{letter}" if grade is not None else "—")][status] += 1

    def order(label: str) -> tuple[int, str]:
        digits = "".join(ch for ch in label if ch.isdigit())
        return (int(digits) if digits else 99, label)

    return VoucherCounts(
        by_status={s.value: by_status[s.value] for s in VStatus},
        by_class=[(k, dict(by_class[k])) for k in sorted(by_class, key=order)],
        waiting_sms=waiting_for_sms(school_id, month).values("pupil_id").distinct().count(),
    )
