"""The five support categories, their evidence, board decisions and the subsistence minimum."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import CATEGORY_READERS, actor
from qamqor.core.files import StoredFile
from qamqor.core.status import StatusMachine

# seed 001: a category confirmation is reviewed within 15 working days of receipt.
CONFIRMATION_WORKING_DAYS = 15


class Category(models.TextChoices):
    """Seed 000/001: the five categories of the universal education fund and free meals."""

    ASP = "asp", _("АӘК — targeted social assistance")
    BELOW_SUBSISTENCE = "below_subsistence", _("income below the subsistence minimum")
    ORPHAN = "orphans", _("orphan or child without parental care")
    EMERGENCY = "emergency", _("family after an emergency")
    OTHER = "other", _("other category set by the board of trustees")


# Seed 001: categories 4 and 5 are decided by the board of trustees after a home inspection.
BOARD_CATEGORIES = {Category.EMERGENCY, Category.OTHER}


class EvidenceKind(models.TextChoices):
    ASP_CERTIFICATE = "asp_certificate", _("АӘК certificate from the local executive body")
    INCOME = "income", _("income document (salary, business, alimony, other)")
    GUARDIANSHIP = "guardianship", _("guardianship or patronage decision")
    INSPECTION = "inspection", _("home inspection report")
    BOARD_DECISION = "board_decision", _("board of trustees decision")
    OTHER = "other", _("other document")


# The evidence each category is proved by (seed 001).
EXPECTED_EVIDENCE: dict[str, list[EvidenceKind]] = {
    Category.ASP: [EvidenceKind.ASP_CERTIFICATE],
    Category.BELOW_SUBSISTENCE: [EvidenceKind.INCOME],
    Category.ORPHAN: [EvidenceKind.GUARDIANSHIP],
    Category.EMERGENCY: [EvidenceKind.INSPECTION, EvidenceKind.BOARD_DECISION],
    Category.OTHER: [EvidenceKind.INSPECTION, EvidenceKind.BOARD_DECISION],
}


class SubsistenceMinimum(models.Model):
    """The subsistence minimum per year (republican budget law), optionally per region."""

    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("region (empty: the whole republic)"),
    )
    amount = models.PositiveIntegerField(_("amount per month, ₸"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="subsistence_year_region"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(region__isnull=True), name="subsistence_year_national"
            ),
        ]
        verbose_name = _("subsistence minimum")
        verbose_name_plural = _("subsistence minimums")

    def __str__(self) -> str:
        return f"{self.year}: {self.amount} ₸"


class BoardDecision(models.Model):
    """A decision of the board of trustees (categories 4 and 5); its pages come later."""

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="board_decisions"
    )
    number = models.CharField(_("number"), max_length=40)
    date = models.DateField(_("date"))
    text = models.TextField(_("text"))
    scan = models.FileField(_("scanned decision"), upload_to="board/%Y/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "number", "date"], name="board_decision_unique"
            )
        ]
        verbose_name = _("board of trustees decision")
        verbose_name_plural = _("board of trustees decisions")

    def __str__(self) -> str:
        return str(
            _("Decision № %(number)s of %(date)s") % {"number": self.number, "date": self.date}
        )

    # A board decision names families: category readers of its school only.
    access = Policy(read=CATEGORY_READERS)


class CategoryAssignment(StatusMachine):
    """A pupil's claim to a category: applied → confirmed or refused, valid over a period."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    TRANSITIONS = {
        Status.APPLIED: {Status.CONFIRMED, Status.REFUSED},
        Status.CONFIRMED: set(),
        Status.REFUSED: set(),
    }
    REFUSED = _("This application is already %(status)s; it cannot be %(target)s.")

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="category_assignments"
    )
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLIED
    )
    received_at = models.DateTimeField(_("application received"))
    counted_from = models.DateField(_("counted from"))
    due_date = models.DateField(_("decision due"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    granted_by = models.CharField(
        _("granted by"),
        max_length=300,
        blank=True,
        help_text=_("The document or body that grants the category, e.g. an АӘК certificate."),
    )
    board_decision = models.ForeignKey(
        BoardDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("board of trustees decision"),
    )
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = actor(blank=True)
    created_by = actor(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["school", "status", "category"]),
            models.Index(fields=["pupil", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="category_valid_period",
            )
        ]
        verbose_name = _("category assignment")
        verbose_name_plural = _("category assignments")

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.get_status_display()}"

    access = Policy(read=CATEGORY_READERS, pupil="pupil")

    # Pure rules: they take `today`, never save.
    def is_valid_on(self, day: dt.date) -> bool:
        return (
            self.status == self.Status.CONFIRMED
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == self.Status.APPLIED and today > self.due_date

    @property
    def needs_board_decision(self) -> bool:
        return self.category in BOARD_CATEGORIES

    def missing_evidence(self, kinds_present: set[str]) -> list[str]:
        return [k for k in EXPECTED_EVIDENCE[Category(self.category)] if k not in kinds_present]


class Evidence(StoredFile):
    assignment = models.ForeignKey(
        CategoryAssignment, on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("document type"), max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")

    # The document is as protected as the application it proves.
    access = Policy(school="assignment__school", read=CATEGORY_READERS, pupil="assignment__pupil")
