"""State verification of the approved list (seed 004 step 2: SDU matches and verifies it).

`EligibilityVerifier` is the interface of the state service; the implementation is chosen by
`settings.QAMQOR_ELIGIBILITY_VERIFIER` (the sandbox reads a state-registry file that ships
with the demo). Every pupil is matched (known IIN, alive, same birth date); a pupil fed by a
category is also checked for that category where the state keeps it (АӘК, guardianship).

How the work gets done, robustly with or without a worker: the list's pending entries are
verified in chunks of `CHUNK` by `advance_verification`. Approving the list enqueues the
`verify_list` task (after commit), which runs chunks until none is left; and every progress
poll of the page runs chunks for up to a second too, so the demo (no worker) still finishes,
and a queued task that never runs cannot stall a list. Each chunk is one transaction that
locks the list row first and takes only entries still pending, so a worker and a poll (or two
polls) never verify the same entry twice, and a crash loses at most one uncommitted chunk.
The last chunk marks the list verified and issues the vouchers in the same transaction; the
parents are notified right after it commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from qamqor.core.clock import now
from qamqor.core.status import move

from .models import ListEntry, MonthlyList
from .services.programme import MealError

log = logging.getLogger(__name__)

CHUNK = 100
POLL_BUDGET = 0.8  # seconds of verification a progress poll may do

# What a failure means, in the reader's language; the verifier's `reason` adds the facts.
FAILURE_MESSAGES = {
    "iin_unknown": gettext_lazy("the IIN is not in the state registry"),
    "deceased": gettext_lazy("the civil registry records the person as deceased"),
    "civil_status_unknown": gettext_lazy("the civil registry cannot confirm the person"),
    "data_mismatch": gettext_lazy("the birth date or surname differs from the state registry"),
    "asp_not_valid": gettext_lazy("no АӘК (targeted social assistance) in this month"),
    "guardianship_missing": gettext_lazy("no guardianship or patronage record in the registry"),
    "service_error": gettext_lazy("the state service could not check this pupil"),
}


@dataclass(frozen=True)
class Subject:
    """One pupil to verify: who they are, why they eat, and for which month."""

    iin: str
    surname: str
    birth_date: dt.date
    basis: str
    month_first: dt.date
    month_last: dt.date


@dataclass(frozen=True)
class Result:
    iin: str
    ok: bool
    code: str = ""  # a key of FAILURE_MESSAGES when not ok
    reason: str = ""  # the registry's facts (dates, statuses), language-neutral


class EligibilityVerifier(Protocol):
    """The state's matching and verification service (SDU), one batch at a time."""

    def verify(self, subjects: Sequence[Subject]) -> list[Result]:
        """One result per subject, by IIN; a subject left out counts as a service error."""
        ...


@cache
def _verifier_class(path: str) -> type:
    return import_string(path)


def get_verifier() -> EligibilityVerifier:
    return _verifier_class(settings.QAMQOR_ELIGIBILITY_VERIFIER)()


def failure_message(code: str) -> str:
    return str(FAILURE_MESSAGES.get(code, FAILURE_MESSAGES["service_error"]))


def _subjects(lst: MonthlyList, entries: Sequence[ListEntry]) -> list[Subject]:
    from .services.programme import month_end

    return [
        Subject(
            iin=e.pupil.iin,
            surname=e.pupil.surname,
            birth_date=e.pupil.birth_date,
            basis=e.basis,
            month_first=lst.month,
            month_last=month_end(lst.month),
        )
        for e in entries
    ]


def verify_next_chunk(list_id: int, verifier: EligibilityVerifier | None = None) -> bool:
    """Verify the next chunk of pending entries; returns whether more are left."""
    from .services.vouchers import issue_vouchers

    with transaction.atomic():
        lst = MonthlyList.objects.select_for_update().filter(pk=list_id).first()
        if lst is None or lst.status != MonthlyList.Status.VERIFYING:
            return False
        pending = list(
            lst.entries.filter(verification=ListEntry.Verification.PENDING)
            .select_related("pupil")
            .order_by("id")[:CHUNK]
        )
        if pending:
            verifier = verifier or get_verifier()
            answers = {r.iin: r for r in verifier.verify(_subjects(lst, pending))}
            for entry in pending:
                result = answers.get(entry.pupil.iin) or Result(
                    entry.pupil.iin, False, "service_error"
                )
                entry.verification = (
                    ListEntry.Verification.VERIFIED if result.ok else ListEntry.Verification.FAILED
                )
                entry.failure_code = "" if result.ok else result.code[:40]
                entry.failure_reason = "" if result.ok else result.reason[:300]
            ListEntry.objects.bulk_update(
                pending, ["verification", "failure_code", "failure_reason"]
            )
        left = lst.entries.filter(verification=ListEntry.Verification.PENDING).count()
        lst.verification_done = lst.verification_total - left
        fields = ["verification_done"]
        if not left:
            _finish(lst)
            fields += ["status", "verified_at"]
        lst.save(update_fields=fields)
        if not left:
            issue_vouchers(None, lst)
    return bool(left)


def _finish(lst: MonthlyList) -> None:
    failed = lst.entries.filter(verification=ListEntry.Verification.FAILED).count()
    # No `by`: the state service answered, not a person. The caller saves the row.
    comment = _("%(ok)s verified, %(failed)s failed") % {
        "ok": lst.verification_total - failed,
        "failed": failed,
    }
    move(lst, MonthlyList.Status.VERIFIED, error=MealError, comment=comment, save=False)
    lst.verified_at = now()


def advance_verification(list_id: int, budget: float | None = None) -> MonthlyList:
    """Run chunks for about `budget` seconds (None: to the end); then notify if finished."""
    from .services.vouchers import notify_parents

    started = time.monotonic()
    was_verifying = MonthlyList.objects.filter(
        pk=list_id, status=MonthlyList.Status.VERIFYING
    ).exists()
    while verify_next_chunk(list_id):
        if budget is not None and time.monotonic() - started >= budget:
            break
    lst = MonthlyList.objects.select_related("programme").get(pk=list_id)
    if was_verifying and lst.status == MonthlyList.Status.VERIFIED:
        # After the vouchers are committed: an SMS must never announce a rolled-back voucher.
        notify_parents(None, lst)
    return lst


@task()
def verify_list(list_id: int) -> str:
    return advance_verification(list_id).status


def enqueue_verification(list_id: int) -> None:
    """Hand the list to the worker; if the queue is down, the polling page still does it."""
    try:
        verify_list.enqueue(list_id)
    except Exception:  # the queue only speeds things up: never a reason to stall a list
        log.exception("could not enqueue the verification of list %s", list_id)
