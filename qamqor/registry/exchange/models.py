"""The import job: one uploaded file on its way from upload through preview to apply."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import SCHOOL_WRITERS, actor
from qamqor.core.status import StatusMachine


class ImportJob(StatusMachine):
    class State(models.TextChoices):
        PARSING = "parsing", _("checking the file")
        VALIDATED = "validated", _("ready to apply")
        FAILED = "failed", _("has errors")
        APPLYING = "applying", _("applying")
        APPLIED = "applied", _("applied")
        CANCELLED = "cancelled", _("cancelled")

    STATUS_FIELD = "state"
    TRANSITIONS = {
        State.PARSING: {State.VALIDATED, State.FAILED, State.CANCELLED},
        State.VALIDATED: {State.APPLYING, State.CANCELLED},
        State.APPLYING: {State.APPLIED, State.FAILED},
        State.FAILED: set(),
        State.APPLIED: set(),
        State.CANCELLED: set(),
    }
    # States in which some process still has work to do.
    WORKING = {State.PARSING, State.APPLYING}
    # An import shows the file's rows before they are applied: the school's writers only.
    access = Policy(read=SCHOOL_WRITERS)

    school = models.ForeignKey(
        "registry.School", on_delete=models.CASCADE, related_name="import_jobs"
    )
    user = actor()
    file = models.FileField(_("file"), upload_to="imports/", max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PARSING
    )
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    # Canonical column key -> header text as written in the file.
    columns = models.JSONField(default=dict, blank=True)
    # [{"row", "column", "code", "detail", "params"}]; worded when shown, in the reader's language.
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=list, blank=True)
    # The worker holds the job until then, and renews the lease as it goes on.
    lease_until = models.DateTimeField(null=True, blank=True)
    # How often the worker started reading the file: a second start means the first one
    # never ended (the worker died on the file), and the file is not read again.
    reads = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def is_working(self) -> bool:
        return self.state in self.WORKING

    @property
    def queued(self) -> bool:
        """Uploaded, and the worker has not started on it yet."""
        return self.state == self.State.PARSING and not self.reads

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, self.done_rows * 100 // self.total_rows)
