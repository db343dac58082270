"""Every write of the НОБД exchange: applying a file, and the life of an import job.

`apply_import` is the whole import in one transaction: it checks the file again against the
registry as it is now and writes set-wise (bulk_create / bulk_update, a fixed number of
statements per table), so a school's 4,600 pupils import in seconds. Any error and nothing
is written.

An upload becomes an `ImportJob` that is checked step by step (read the file, check the
rows in chunks, compare with the registry) and applied when the user says so. Who does the
steps: the `process_import` task on the worker, and — because the demo runs without a
worker and a queued job must not wait forever — every progress poll of the page, which does
up to about a second of work itself. A lease on the job row keeps the two from working on the
same job at once, so the design stays correct with a worker, without one, or with both.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from qamqor.audit.services import record_many
from qamqor.core.clock import now, today
from qamqor.registry.models import (
    Family,
    FamilyMember,
    Guardian,
    Income,
    Pupil,
    School,
    SchoolClass,
)

from .models import ImportJob
from .plan import Plan, build_plan
from .reader import ReadError, read_sheet
from .validation import error, validate_row

log = logging.getLogger(__name__)

CHUNK_ROWS = 500
LEASE = dt.timedelta(seconds=60)
BATCH = 500
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


def _write(plan: Plan) -> None:
    w = plan.writes
    stamp = now()
    SchoolClass.objects.bulk_create(w.new_classes, batch_size=BATCH)
    if w.changed_classes:
        SchoolClass.objects.bulk_update(
            list(w.changed_classes.values()), sorted(w.class_fields), batch_size=BATCH
        )
    Family.objects.bulk_create(w.new_families, batch_size=BATCH)
    if w.changed_families:
        for family in w.changed_families.values():
            family.updated_at = stamp
        Family.objects.bulk_update(
            list(w.changed_families.values()), [*sorted(w.family_fields), "updated_at"],
            batch_size=BATCH,
        )  # fmt: skip
    Pupil.objects.bulk_create(w.new_pupils, batch_size=BATCH)
    if w.changed_pupils:
        for pupil in w.changed_pupils:
            pupil.updated_at = stamp
        Pupil.objects.bulk_update(
            w.changed_pupils, [*sorted(w.pupil_fields), "updated_at"], batch_size=BATCH
        )
    Guardian.objects.bulk_create(w.new_guardians, batch_size=BATCH)
    if w.changed_guardians:
        Guardian.objects.bulk_update(
            list(w.changed_guardians.values()), sorted(w.guardian_fields), batch_size=BATCH
        )
    if w.drop_income_ids:
        Income.objects.filter(pk__in=w.drop_income_ids).delete()
    Income.objects.bulk_create(w.new_incomes, batch_size=BATCH)
    FamilyMember.objects.bulk_create(w.new_members, batch_size=BATCH)
    if w.drop_member_ids:
        FamilyMember.objects.filter(pk__in=w.drop_member_ids).delete()


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
def apply_import(user: Any, school: School, rows: Sequence[Sequence[Any]]) -> dict[str, int]:
    """Import `rows` ([(row number, {column key: text})]) into `school`: all or nothing.

    Raises ImportInvalid with the row-by-row errors; returns the counts otherwise. Imports
    into one school are serialised by a row lock on the school (PostgreSQL; SQLite has one
    writer anyway), so two uploads cannot both create the same family.
    """
    School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()
    plan = build_plan(school, rows, today())
    if plan.errors:
        raise ImportInvalid(plan.errors)
    _write(plan)
    counts = dict(plan.counts)
    record_many(user, "import", "registry.pupil", school.pk, counts.get("rows", 0),
                label=_audit_label(counts))  # fmt: skip
    return counts


def import_file(user: Any, school: School, data: bytes) -> dict[str, int]:
    """Read and apply a whole file in one call (the benchmark and scripts use it)."""
    try:
        sheet = read_sheet(data)
    except ReadError as exc:
        raise ImportInvalid([_file_error(e) for e in exc.errors]) from exc
    return apply_import(user, school, sheet.rows)


def _file_error(e: Any) -> dict:
    return error(e.row, e.column or e.params.get("key", ""), e.code, **e.params)


# --- the job -------------------------------------------------------------------------


def _move(job: ImportJob, state: str) -> None:
    if not job.can_move_to(state):
        raise TransitionError(f"{job.state} -> {state}")
    job.state = state


def _forget(job: ImportJob) -> None:
    """Drop the stored upload and the parsed cells: nothing personal stays behind."""
    if job.file:
        name, storage = job.file.name, job.file.storage
        # After commit: a rolled-back transaction must not lose the file it still refers to.
        transaction.on_commit(lambda: _delete_file(storage, name))
    job.file = ""
    job.rows = None
    job.preview = []


def _delete_file(storage: Any, name: str) -> None:
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
def start_import(user: Any, school: School, name: str, data: bytes) -> ImportJob:
    """Store the upload under MEDIA_ROOT/imports/ and open a job for it.

    The user's earlier unfinished uploads for this school are cancelled: one file at a time,
    and no forgotten upload keeps personal data on disk.
    """
    earlier = ImportJob.objects.select_for_update().filter(
        school=school, user=user, state__in=[State.PARSING, State.VALIDATED]
    )
    for old in earlier:
        _move(old, State.CANCELLED)
        _forget(old)
        old.finished_at = now()
        old.save()
    job = ImportJob(school=school, user=user, original_name=name[:200])
    suffix = ".xlsx" if data.startswith(b"PK") else ".csv"
    job.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(data), save=False)
    job.save()
    return job


def enqueue(job: ImportJob) -> None:
    """Hand the job to the worker; if the queue is down, the polling page still does it."""
    from .tasks import process_import

    try:
        process_import.enqueue(job.pk)
    except Exception:  # the queue only speeds things up: never a reason to lose an upload
        log.exception("could not enqueue import job %s", job.pk)


@transaction.atomic
def request_apply(user: Any, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _move(job, State.APPLYING)
    job.user = user  # the audit event names who applied, not who uploaded
    job.save(update_fields=["state", "user", "updated_at"])
    return job


@transaction.atomic
def cancel_import(user: Any, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _move(job, State.CANCELLED)
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


def advance(job_id: int, budget: float | None = None) -> ImportJob:
    """Do the job's next steps for about `budget` seconds (None: until it waits or ends)."""
    if _claim(job_id):
        started = time.monotonic()
        try:
            job = ImportJob.objects.select_related("school", "user").get(pk=job_id)
            while job.is_working and _step(job):
                if budget is not None and time.monotonic() - started >= budget:
                    break
                ImportJob.objects.filter(pk=job_id).update(lease_until=timezone.now() + LEASE)
        finally:
            ImportJob.objects.filter(pk=job_id).update(lease_until=None)
    return ImportJob.objects.defer("rows").select_related("school", "user").get(pk=job_id)


def _step(job: ImportJob) -> bool:
    """One step; returns whether there is more to do right away."""
    if job.state == State.APPLYING:
        _apply_job(job)
        return False
    if job.rows is None:
        return _read_job(job)
    if job.done_rows < job.total_rows:
        # Row checks alone, in chunks, so the bar moves and the first errors show early;
        # the complete check against the registry follows in one go at the end.
        chunk = job.rows[job.done_rows : job.done_rows + CHUNK_ROWS]
        day = today()
        for number, cells in chunk:
            job.errors += validate_row(number, cells, day)[1]
        job.done_rows += len(chunk)
        return (
            ImportJob.objects.filter(pk=job.pk, state=State.PARSING).update(
                done_rows=job.done_rows, errors=job.errors, updated_at=timezone.now()
            )
            == 1
        )
    _check_job(job)
    return False


def _fail(job: ImportJob, errors: list[dict]) -> None:
    expected = job.state
    with transaction.atomic():
        _move(job, State.FAILED)
        job.errors = errors
        job.finished_at = now()
        _forget(job)
        _finish(job, expected)


def _read_job(job: ImportJob) -> bool:
    try:
        with job.file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        _fail(job, [error(0, "", "file_missing")])
        return False

    def progress(done: int, expected: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            done_rows=done, total_rows=expected, summary={"phase": "reading"}
        )

    try:
        sheet = read_sheet(data, job.original_name, progress=progress)
    except ReadError as exc:
        _fail(job, [_file_error(e) for e in exc.errors])
        return False
    job.rows = [[number, cells] for number, cells in sheet.rows]
    job.columns = sheet.columns
    job.total_rows = len(sheet.rows)
    job.done_rows = 0
    job.errors = []
    job.summary = {"phase": "checking", "ignored_columns": sheet.ignored}
    return _finish(job, State.PARSING)


def _check_job(job: ImportJob) -> None:
    plan = preview_import(job.school, job.rows or [])
    if plan.errors:
        _fail(job, plan.errors)
        return
    _move(job, State.VALIDATED)
    job.errors = []
    job.summary = {**job.summary, **plan.counts, "phase": ""}
    job.preview = plan.changes
    # The parsed cells stay as they are until apply: no need to write megabytes again.
    _finish(job, State.PARSING, ["state", "errors", "summary", "preview", "updated_at"])


def _apply_job(job: ImportJob) -> None:
    try:
        with transaction.atomic():
            # The registry's writes and the job's "applied" commit together: a crash in
            # between cannot leave a job that says "applying" over an applied file.
            counts = apply_import(job.user, job.school, job.rows or [])
            _move(job, State.APPLIED)
            job.summary = {**job.summary, **counts, "applied": True}
            job.done_rows = job.total_rows
            job.finished_at = now()
            _forget(job)
            _finish(job, State.APPLYING)
    except ImportInvalid as exc:
        job.state = State.APPLYING
        _fail(job, exc.errors)
    except IntegrityError:
        # Someone registered the same pupil between the check and this moment.
        job.state = State.APPLYING
        _fail(job, [error(0, "", "registry_changed")])
