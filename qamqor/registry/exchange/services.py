"""Every write of the НОБД exchange: applying a file, and the life of an import job.

`apply_import` is the whole import in one transaction: it checks the file again against the
registry as it is now and writes set-wise (bulk_create / bulk_update, a fixed number of
statements per table), so a school's 4,600 pupils import in seconds. Any error and nothing
is written.

An upload becomes an `ImportJob` that the `process_import` task checks on the worker (read the
file, check the rows, compare with the registry) and applies when the user says so. Web
requests never read an uploaded file: a file that makes a process run out of memory takes
down a worker, not the site. Between the steps only the stored upload is kept, never its
parsed cells: applying reads the file again. A lease on the job row, renewed as the work
goes on, keeps two processes off one job; a job whose lease ran out while it was working
lost its worker and is failed by `fail_stalled` (what the polling page calls), and a file
whose reading started once is never read again, so a file that killed a worker cannot do
it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from qamqor.accounts.types import User
from qamqor.audit.services import record_many
from qamqor.core.clock import now, today
from qamqor.core.status import move
from qamqor.registry.models import School

from .models import ImportJob
from .plan import Plan, build_plan
from .reader import ReadError, Sheet, read_sheet
from .validation import error, validate_row

log = logging.getLogger(__name__)

CHUNK_ROWS = 500
# Renewed every few hundred rows; a lease this old means its worker is gone.
LEASE = dt.timedelta(minutes=3)
State = ImportJob.State


class ImportInvalid(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


class TransitionError(Exception):
    pass


# --- the import itself ---------------------------------------------------------------


def preview_import(school: School, rows: Sequence[Sequence[Any]]) -> Plan:
    """The dry run: what applying `rows` would do now (writes nothing)."""
    return build_plan(school, rows, today())


def _audit_label(counts: dict) -> str:
    return (
        "pupils +{pupils_new} ~{pupils_updated} ={pupils_unchanged}; families +{families_new} "
        "~{families_updated}; guardians +{guardians_new} ~{guardians_updated}; classes "
        "+{classes_new}; incomes ~{incomes_changed}".format_map(_Zero(counts))
    )


class _Zero(dict):
    def __missing__(self, key: str) -> int:
        return 0


@transaction.atomic
def apply_import(
    user: User | None, school: School, rows: Sequence[Sequence[Any]]
) -> dict[str, int]:
    """Import `rows` ([(row number, {column key: text})]) into `school`: all or nothing.

    Raises ImportInvalid with the row-by-row errors; returns the counts otherwise. Imports
    into one school are serialised by a row lock on the school (PostgreSQL; SQLite has one
    writer anyway), so two uploads cannot both create the same family.
    """
    School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()
    plan = build_plan(school, rows, today())
    if plan.errors:
        raise ImportInvalid(plan.errors)
    plan.writes.apply(now())
    counts = dict(plan.counts)
    record_many(user, "import", "registry.pupil", school.pk, counts.get("rows", 0),
                label=_audit_label(counts))  # fmt: skip
    return counts


def _file_error(e: Any) -> dict:
    return error(e.row, e.column or e.params.get("key", ""), e.code, **e.params)


# --- the job -------------------------------------------------------------------------
# Most moves of a job leave the saving to `_finish`, which saves only if no one moved the job
# meanwhile (`save=False`).


def _forget(job: ImportJob) -> None:
    """Drop the stored upload and the preview: nothing personal stays behind."""
    if job.file:
        name, storage = job.file.name or "", job.file.storage  # a file has a name
        # After commit: a rolled-back transaction must not lose the file it still refers to.
        transaction.on_commit(lambda: _delete_file(storage, name))
    job.file = ""
    job.preview = []


def _delete_file(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        log.warning("could not delete the import file %s", name)


def _finish(job: ImportJob, expected: str, fields: list[str] | None = None) -> bool:
    """Save a job's new state unless someone moved it meanwhile (e.g. cancelled it)."""
    with transaction.atomic():
        current = (
            ImportJob.objects.select_for_update()
            .filter(pk=job.pk)
            .values_list("state", flat=True)
            .first()
        )
        if current != expected:
            return False
        job.save(update_fields=fields)
        return True


@transaction.atomic
def start_import(user: User, school: School, name: str, data: bytes) -> ImportJob:
    """Store the upload under MEDIA_ROOT/imports/ and open a job for it.

    The user's earlier unfinished uploads for this school are cancelled: one file at a time,
    and no forgotten upload keeps personal data on disk.
    """
    earlier = ImportJob.objects.select_for_update().filter(
        school=school, user=user, state__in=[State.PARSING, State.VALIDATED]
    )
    for old in earlier:
        move(old, State.CANCELLED, error=TransitionError, save=False)
        _forget(old)
        old.finished_at = now()
        old.save()
    job = ImportJob(school=school, user=user, original_name=name[:200])
    suffix = ".xlsx" if data.startswith(b"PK") else ".csv"
    job.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(data), save=False)
    job.save()
    return job


@transaction.atomic
def request_apply(user: User, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    job.user = user  # the audit event names who applied, not who uploaded
    move(job, State.APPLYING, error=TransitionError, fields=["user", "updated_at"])
    return job


@transaction.atomic
def cancel_import(user: User, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    move(job, State.CANCELLED, error=TransitionError, save=False)
    _forget(job)
    job.finished_at = now()
    job.save()
    return job


def _claim(job_id: int) -> bool:
    """Take the job's lease if nobody holds it; one conditional UPDATE, so race-free."""
    moment = timezone.now()
    free = ImportJob.objects.filter(pk=job_id, state__in=ImportJob.WORKING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=moment)
    )
    return free.update(lease_until=moment + LEASE) == 1


def _renew(job_id: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(lease_until=timezone.now() + LEASE)


def advance(job_id: int) -> ImportJob:
    """Do the job's work: check the file, or apply it (the worker's task)."""
    if _claim(job_id):
        try:
            job = ImportJob.objects.select_related("school", "user").get(pk=job_id)
            if job.state == State.PARSING:
                _check_file(job)
            elif job.state == State.APPLYING:
                _apply_job(job)
        finally:
            ImportJob.objects.filter(pk=job_id).update(lease_until=None)
    return ImportJob.objects.select_related("school", "user").get(pk=job_id)


def fail_stalled(job: ImportJob) -> ImportJob:
    """Fail a job whose worker stopped renewing its lease (it was killed mid-way).

    Cheap and read-free, for the polling page: the file is not read again, here or anywhere.
    """
    moment = timezone.now()
    if not (job.is_working and job.lease_until is not None and job.lease_until < moment):
        return job
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_working and locked.lease_until is not None and locked.lease_until < moment:
            _fail(locked, [error(0, "", "job_interrupted")])
    return ImportJob.objects.select_related("school", "user").get(pk=job.pk)


def _fail(job: ImportJob, errors: list[dict]) -> None:
    expected = job.state
    with transaction.atomic():
        move(job, State.FAILED, error=TransitionError, save=False)
        job.errors = errors
        job.finished_at = now()
        _forget(job)
        _finish(job, expected)


def _load(job: ImportJob, show_progress: bool = True) -> Sheet | None:
    """Read the job's stored upload; fail the job (and return None) if it cannot be read."""
    try:
        with job.file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        _fail(job, [error(0, "", "file_missing")])
        return None

    def progress(done: int, expected: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            done_rows=done, total_rows=expected, summary={"phase": "reading"},
            lease_until=timezone.now() + LEASE,
        )  # fmt: skip

    try:
        return read_sheet(data, job.original_name, progress=progress if show_progress else None)
    except ReadError as exc:
        _fail(job, [_file_error(e) for e in exc.errors])
        return None


def _check_file(job: ImportJob) -> None:
    if job.reads:
        # Its reading started once and never ended: whatever stopped the worker then (a file
        # that unpacks past memory) would stop it again.
        _fail(job, [error(0, "", "job_interrupted")])
        return
    ImportJob.objects.filter(pk=job.pk).update(reads=F("reads") + 1)
    job.reads += 1
    sheet = _load(job)
    if sheet is None:
        return
    job.columns = sheet.columns
    job.total_rows = len(sheet.rows)
    job.done_rows = 0
    job.errors = []
    job.summary = {"phase": "checking", "ignored_columns": sheet.ignored}
    if not _finish(job, State.PARSING):
        return
    # Row checks alone, in chunks, so the bar moves and the first errors show early; the
    # complete check against the registry follows in one go at the end.
    day = today()
    for start in range(0, len(sheet.rows), CHUNK_ROWS):
        chunk = sheet.rows[start : start + CHUNK_ROWS]
        for number, cells in chunk:
            job.errors += validate_row(number, cells, day)[1]
        job.done_rows += len(chunk)
        still_checking = ImportJob.objects.filter(pk=job.pk, state=State.PARSING).update(
            done_rows=job.done_rows, errors=job.errors, updated_at=timezone.now(),
            lease_until=timezone.now() + LEASE,
        )  # fmt: skip
        if not still_checking:
            return  # cancelled meanwhile
    _check_job(job, sheet)


def _check_job(job: ImportJob, sheet: Sheet) -> None:
    plan = preview_import(job.school, sheet.rows)
    if plan.errors:
        _fail(job, plan.errors)
        return
    move(job, State.VALIDATED, error=TransitionError, save=False)
    job.errors = []
    job.summary = {**job.summary, **plan.counts, "phase": ""}
    job.preview = plan.changes
    _finish(job, State.PARSING, ["state", "errors", "summary", "preview", "updated_at"])


class _Moved(Exception):
    """The job left "applying" meanwhile: undo the registry's writes."""


def _apply_job(job: ImportJob) -> None:
    sheet = _load(job, show_progress=False)  # the file as checked: the stored upload again
    if sheet is None:
        return
    _renew(job.pk)
    try:
        with transaction.atomic():
            # The registry's writes and the job's "applied" commit together: a crash in
            # between cannot leave a job that says "applying" over an applied file.
            counts = apply_import(job.user, job.school, sheet.rows)
            move(job, State.APPLIED, error=TransitionError, save=False)
            job.summary = {**job.summary, **counts, "applied": True}
            job.done_rows = job.total_rows
            job.finished_at = now()
            _forget(job)
            if not _finish(job, State.APPLYING):
                raise _Moved
    except _Moved:
        log.warning("import job %s left 'applying' while it was applied", job.pk)
    except ImportInvalid as exc:
        job.state = State.APPLYING
        _fail(job, exc.errors)
    except IntegrityError:
        # Someone registered the same pupil between the check and this moment.
        job.state = State.APPLYING
        _fail(job, [error(0, "", "registry_changed")])
