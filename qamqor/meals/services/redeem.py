"""Redemption: the canteen scans a pupil's dynamic QR; one meal per voucher and day, ever.

The same pipeline serves one scan (`redeem_one`) and an offline batch (`redeem_batch`):

1. in memory: the scan time rules, the CWT verified (keys cached by `meals.tokens`), the
   token's school against the terminal's schools;
2. one query: the vouchers with their pupil, class, the programme's operator and meal days;
3. one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` (COPY + INSERT … SELECT for a
   large PostgreSQL batch): the unique indexes decide — a skipped row is either a client id
   sent before (its stored first answer is given again) or a meal already served (recorded
   as refused for a single scan, as a `conflict` in a batch);
4. an answer per scan.

Every scan is recorded, refusals too (the row is the audit: no audit event per scan), so
that a replayed client id gets the same answer and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.core.clock import now, storable
from qamqor.meals.canteen_auth import Terminal
from qamqor.meals.models import Redemption, Voucher
from qamqor.meals.services import redeem_sql as sql
from qamqor.meals.tokens import TokenClaims, TokenError, verify_token

# A terminal's clock may run a little ahead of the server's (and of the token issuer's).
CLOCK_SKEW = dt.timedelta(minutes=2)
# Issue 3: a scan more than 7 days old is refused (core.signing keeps retired keys longer).
MAX_AGE = dt.timedelta(days=7)
BATCH_MAX = 5000

SERVED = Redemption.Status.SERVED.value
REFUSED = Redemption.Status.REFUSED.value
CONFLICT = Redemption.Status.CONFLICT.value

MESSAGES = {
    "malformed": _("This is not a meal voucher QR code."),
    "bad_signature": _("The QR code's signature is not valid: it may be forged."),
    "unknown_key": _("The QR code is signed with a key this system does not know."),
    "expired": _("The QR code had expired when it was scanned: ask for a fresh one."),
    "wrong_school": _("This terminal does not serve this pupil's school."),
    "voucher_inactive": _("The voucher is not active for this day."),
    "already_served_today": _("This pupil has already had this meal today."),
    "not_a_meal_day": _("Meals are not served at this school on this day."),
    "scanned_at_future": _("The scan time is in the future: check the terminal's clock."),
    "scanned_at_before_issue": _(
        "The scan time is before the QR code was issued: check the terminal's clock."
    ),
    "scanned_at_too_old": _("The scan is more than 7 days old and can no longer be accepted."),
    "client_id_taken": _("This scan id was already used by another terminal."),
    "duplicate_client_id": _("This scan id is used by another scan in the same batch."),
    "invalid": _("The scan is not valid: it needs a token, a client_id and a scanned_at time."),
    "batch_too_large": _("A batch may hold at most 5,000 scans."),
}
CODES = tuple(MESSAGES)


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, MESSAGES["invalid"]))


# (token text, scan time) → `meals.tokens.TokenClaims`, or raises `TokenError(code)`.
# A parameter so that tests (and benchmarks) can put a stand-in in its place.
Verify = Callable[[str, dt.datetime], TokenClaims]


def default_verify(text: str, at: dt.datetime) -> TokenClaims:
    return verify_token(text, at)


@dataclass(slots=True)
class Scan:
    """One scan on its way through the pipeline, and finally its answer."""

    client_id: uuid.UUID
    token: str
    terminal: str
    scanned_at: dt.datetime
    status: str = ""  # served | refused | conflict once decided
    code: str = ""
    school_id: int | None = None
    voucher_id: int | None = None
    pupil_id: int | None = None
    meal_type: str = ""
    day: dt.date | None = None
    token_id: str = ""
    pupil_ref: str = ""
    pupil: str = ""
    klass: str = ""

    def refuse(self, code: str) -> None:
        self.status, self.code = REFUSED, code

    def row(self, operator_user_id: int, received_at: dt.datetime) -> tuple:
        return (
            self.client_id, self.school_id, self.voucher_id, self.pupil_id, self.meal_type,
            self.day, self.status, self.code, self.terminal[:100], operator_user_id,
            self.scanned_at, received_at, self.token_id,
        )  # fmt: skip

    def answer(self) -> dict:
        body: dict[str, Any] = {"client_id": str(self.client_id), "status": self.status}
        if self.code:
            body["code"] = self.code
            body["message"] = message_for(self.code)
        if self.status == SERVED or self.code == "already_served_today":
            # Name, surname initial and class: what a canteen may show, never a category.
            body.update(
                pupil=self.pupil,
                **{"class": self.klass},
                meal_type=self.meal_type,
                day=self.day.isoformat() if self.day else None,
            )
        return body


# --- 1. in memory ---------------------------------------------------------------------------


def check_times_and_tokens(
    scans: Sequence[Scan], terminal: Terminal, received_at: dt.datetime, verify: Verify
) -> None:
    # A refusal is filed under the canteen's school (its page lists it) when the token does
    # not name one the terminal serves and the terminal serves only one.
    own_school = next(iter(terminal.schools)) if len(terminal.schools) == 1 else None
    for scan in scans:
        if scan.status:
            continue
        at = scan.scanned_at
        scan.school_id = own_school
        scan.day = timezone.localdate(at)  # the school's day (Asia/Almaty)
        if at > received_at + CLOCK_SKEW:
            scan.refuse("scanned_at_future")
            continue
        if at < received_at - MAX_AGE:
            scan.refuse("scanned_at_too_old")
            continue
        try:
            # Expiry is judged at the scan time: a queued offline scan stays valid later.
            claims = verify(scan.token, at)
        except TokenError as exc:
            scan.refuse(exc.code if exc.code in MESSAGES else "malformed")
            continue
        scan.voucher_id = claims.voucher_id
        scan.meal_type = claims.meal_type
        scan.token_id = claims.token_id[:64]
        scan.pupil_ref = claims.pupil_ref.hex
        if not terminal.serves(claims.school_id):
            scan.refuse("wrong_school")
            continue
        scan.school_id = claims.school_id
        if at < claims.issued_at - CLOCK_SKEW:
            scan.refuse("scanned_at_before_issue")


# --- 2. one query ---------------------------------------------------------------------------


def check_vouchers(scans: Sequence[Scan], terminal: Terminal) -> None:
    pending = [s for s in scans if not s.status]
    facts = sql.voucher_facts((s.voucher_id for s in pending), (s.day for s in pending))  # type: ignore[misc]  # pending scans decoded: ids and days set
    for scan in pending:
        f = facts.get(scan.voucher_id)  # type: ignore[arg-type]  # set on a pending scan
        if f is not None:
            scan.pupil_id, scan.pupil, scan.klass = f.pupil_id, f.pupil, f.klass
        if (
            f is None
            # A signed token that disagrees with its voucher is refused like an unknown one;
            # so is one whose pupil reference cannot be checked (the pupil has none).
            or f.school_id != scan.school_id
            or f.meal_type != scan.meal_type
            or f.pupil_ref != scan.pupil_ref
            or not _usable(f)
            or f.month != scan.day.replace(day=1)  # type: ignore[union-attr]  # set on a pending scan
        ):
            scan.refuse("voucher_inactive")
        elif f.operator_bin is not None and f.operator_bin != terminal.bin_for(f.school_id):
            # The school's programme that month is run by another operator.
            scan.refuse("wrong_school")
        elif scan.day not in f.meal_days:
            scan.refuse("not_a_meal_day")
        else:
            scan.status = SERVED


def _usable(f: sql.VoucherFacts) -> bool:
    # A voucher expires when its month is over (vouchers.expire_past_vouchers); a scan made
    # within the month and synced later still counts, as its token's expiry does. One that
    # was never activated does not.
    return f.status == Voucher.Status.ACTIVE or (f.status == Voucher.Status.EXPIRED and f.activated)


# --- 3. the INSERT decides --------------------------------------------------------------------


def _insert_order(scan: Scan) -> tuple:
    # Candidates for one meal are adjacent, the earliest scan first (it wins); one order for
    # every concurrent batch, so two batches never wait on each other's rows crosswise.
    return (scan.voucher_id or 0, scan.day or dt.date.min, scan.meal_type, scan.scanned_at, scan.client_id.hex)  # fmt: skip


def record(
    scans: Sequence[Scan], terminal: Terminal, received_at: dt.datetime, lost_status: str
) -> None:
    """Write every decided scan; a meal another scan got first becomes `lost_status`
    (refused for a single scan, conflict in a batch); a client id seen before gets its
    stored answer."""
    ordered = sorted(scans, key=_insert_order)
    inserted = sql.insert_scans([s.row(terminal.user_id, received_at) for s in ordered])
    skipped = [s for s in ordered if s.client_id.hex not in inserted]
    if not skipped:
        return
    stored = sql.stored_scans([s.client_id for s in skipped])
    lost = [s for s in skipped if s.client_id.hex not in stored and s.status == SERVED]
    for scan in lost:
        scan.status, scan.code = lost_status, "already_served_today"
    inserted = sql.insert_scans([s.row(terminal.user_id, received_at) for s in lost])
    # A client id racing in from another request between the two INSERTs: its answer wins.
    late = [s for s in lost if s.client_id.hex not in inserted]
    if late:
        stored.update(sql.stored_scans([s.client_id for s in late]))
    replays = [s for s in skipped if s.client_id.hex in stored]
    _answer_replays(replays, stored, terminal)


def _answer_replays(scans: list[Scan], stored: dict[str, sql.Stored], terminal: Terminal) -> None:
    need = {st.voucher_id for s in scans if (st := stored[s.client_id.hex]).voucher_id}
    known = {s.voucher_id: s for s in scans if s.voucher_id in need and s.pupil}
    missing = need - set(known)
    facts = sql.voucher_facts(missing, ()) if missing else {}
    for scan in scans:
        st = stored[scan.client_id.hex]
        if st.operator_user_id != terminal.user_id and not terminal.serves(st.school_id):
            # Another operator's scan id: say so, without repeating its answer.
            scan.status, scan.code, scan.voucher_id = REFUSED, "client_id_taken", None
            continue
        scan.status, scan.code = st.status, st.code
        scan.voucher_id, scan.meal_type, scan.day = st.voucher_id, st.meal_type, st.day
        if st.voucher_id in known:
            scan.pupil, scan.klass = known[st.voucher_id].pupil, known[st.voucher_id].klass
        elif st.voucher_id in facts:
            scan.pupil, scan.klass = facts[st.voucher_id].pupil, facts[st.voucher_id].klass


# --- the two entry points -------------------------------------------------------------------


def redeem_one(
    terminal: Terminal,
    *,
    token: str,
    client_id: uuid.UUID,
    scanned_at: dt.datetime,
    terminal_name: str = "",
    verify: Verify | None = None,
) -> dict:
    """One online scan → its answer: `status` served, or refused with the refusal's `code`.

    No transaction is opened: a single INSERT in autocommit decides, and holding a
    transaction (on SQLite, the write lock) across the lookups would only slow the canteen.
    """
    received_at = now()
    scan = Scan(client_id, token, terminal_name, _aware(scanned_at))
    check_times_and_tokens([scan], terminal, received_at, verify or default_verify)
    check_vouchers([scan], terminal)
    record([scan], terminal, received_at, lost_status=REFUSED)
    return scan.answer()


@dataclass(slots=True)
class BatchItem:
    """A batch entry as received: loosely typed, so one bad entry does not sink the batch."""

    token: str = ""
    client_id: str = ""
    terminal: str = ""
    scanned_at: str = ""


def redeem_batch(
    terminal: Terminal, items: Sequence[BatchItem], *, verify: Verify | None = None
) -> list[dict]:
    """An offline queue → one answer per item, in order. Set-wise: one query for scans sent
    before, every new token verified in memory, one lookup query, one INSERT (chunked for
    SQLite's parameter limit; COPY on PostgreSQL), then the few follow-ups for skipped rows.
    Raises ValueError past BATCH_MAX."""
    if len(items) > BATCH_MAX:
        raise ValueError("batch_too_large")
    received_at = now()
    answers: list[dict | Scan] = []
    scans: list[Scan] = []
    first_of: dict[uuid.UUID, Scan] = {}
    for item in items:
        scan = _parse(item)
        if scan is None:
            answers.append({"client_id": item.client_id, "status": REFUSED, "code": "invalid", "message": message_for("invalid")})  # fmt: skip
            continue
        answers.append(scan)
        first = first_of.setdefault(scan.client_id, scan)
        if first is not scan and (first.token, first.scanned_at) != (scan.token, scan.scanned_at):
            # One id, two different scans: only the first (in the queue's order) can be stored
            # under it; the same scan sent twice is one scan with one answer.
            scan.refuse("duplicate_client_id")
            continue
        scans.append(scan)
    # A queue sent again (a timeout, a retry) is answered from the stored rows without
    # verifying its tokens again: one query, where verification costs ~0.1 ms a scan. The
    # INSERT below still decides for anything new, racing requests included.
    stored = sql.stored_scans([s.client_id for s in scans])
    if stored:
        _answer_replays([s for s in scans if s.client_id.hex in stored], stored, terminal)
        scans = [s for s in scans if s.client_id.hex not in stored]
    check_times_and_tokens(scans, terminal, received_at, verify or default_verify)
    check_vouchers(scans, terminal)
    with transaction.atomic():
        # One commit for the whole queue; a failure leaves nothing half-written to retry.
        record(scans, terminal, received_at, lost_status=CONFLICT)
    return [a.answer() if isinstance(a, Scan) else a for a in answers]


def _parse(item: BatchItem) -> Scan | None:
    try:
        client_id = uuid.UUID(str(item.client_id))
        scanned_at = storable(dt.datetime.fromisoformat(str(item.scanned_at)))
    except ValueError:  # storable: an offset no time zone has, which the database refuses
        return None
    if not item.token:
        return None
    return Scan(client_id, str(item.token), str(item.terminal or ""), _aware(scanned_at))


def _aware(moment: dt.datetime) -> dt.datetime:
    # A time without an offset is the school's local time (Asia/Almaty).
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
