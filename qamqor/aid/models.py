"""Cash aid of the universal education fund («Жалпыға бірдей білім»): amounts, payment
registers, purchase reports with receipts and photos, and the reminders sent about them.

The application itself (approved → paid → report_due → reported → accepted, or overdue)
lives in `qamqor.applications`; this app moves it only through that app's services.
See docs/aid.md for the rules and where each comes from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import Role, actor
from qamqor.applications.models import PURCHASE_REPORT_DAYS
from qamqor.core import ids
from qamqor.core.files import StoredFile
from qamqor.core.status import StatusMachine

# Our rule (the seeds are silent): a report the school sends back gets at least this many
# calendar days more, so a late check by the school never makes the family overdue at once.
ASK_AGAIN_DAYS = 5
# Reminders: before the deadline (this many days ahead), on the day, then weekly while overdue.
REMIND_BEFORE_DAYS = 3
REMIND_OVERDUE_EVERY_DAYS = 7

# Who reads payment registers and purchase reports (they hold IINs, IBANs and receipts).
AID_READERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.ADMIN}
# Who forms registers, marks them paid and decides on reports.
AID_WRITERS = {Role.PEDAGOGUE, Role.ADMIN}


class AidAmount(models.Model):
    """The cash aid per child for one year: the year's subsistence minimum (seed 000)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.PositiveIntegerField(_("amount per child, ₸"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("aid amount")
        verbose_name_plural = _("aid amounts")

    def __str__(self) -> str:
        return f"{self.year}: {self.amount} ₸"


class LineProblem(models.TextChoices):
    """Why a line of a payment register cannot go to the bank."""

    NO_RECIPIENT = "no_recipient", _("the application names no guardian to be paid")
    IBAN_MISSING = "iban_missing", _("the guardian's IBAN is not recorded")
    IBAN_INVALID = "iban_invalid", _("the guardian's IBAN is not a valid Kazakh IBAN")
    IIN_INVALID = "iin_invalid", _("the guardian's IIN is not valid")
    PAID_THIS_YEAR = "paid_this_year", _("the child has already been paid this year's aid")
    DUPLICATE = "duplicate", _("the child already has a line in this register")


def recipient_problem(guardian, iban: str) -> str:  # noqa: ANN001
    """The first reason a guardian cannot be paid, or "" (pure: reads, never saves)."""
    if guardian is None:
        return LineProblem.NO_RECIPIENT
    iban = ids.normalize_iban(iban or "")
    if not iban:
        return LineProblem.IBAN_MISSING
    if ids.validate_iban_kz(iban):
        return LineProblem.IBAN_INVALID
    if not ids.validate_iin(guardian.iin or "").valid:
        return LineProblem.IIN_INVALID
    return ""


class PaymentRegister(StatusMachine):
    """The school's list of approved cash-aid applications to be paid by the bank."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        PAID = "paid", _("paid")

    TRANSITIONS = {Status.DRAFT: {Status.PAID}, Status.PAID: set()}
    REFUSED = _("The register is already paid; it can no longer be changed.")

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="payment_registers"
    )
    year = models.PositiveSmallIntegerField(_("aid year"))
    amount_per_child = models.PositiveIntegerField(_("amount per child, ₸"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("formed at"))
    created_by = actor()
    # Lines last changed (formed or checked again) and last exported: the bank must be sent
    # what is marked paid, so a register changed after its export cannot be marked paid.
    changed_at = models.DateTimeField(_("lines changed at"))
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("marked paid at"), null=True, blank=True)
    paid_by = actor(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One register in preparation per school: new approvals join it.
            models.UniqueConstraint(
                fields=["school"], condition=Q(status="draft"), name="aid_register_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(paid_on__isnull=False),
                name="aid_register_paid_has_date",
            ),
        ]
        verbose_name = _("payment register")
        verbose_name_plural = _("payment registers")

    def __str__(self) -> str:
        return str(_("Payment register № %(number)s") % {"number": self.pk})

    access = Policy(read=AID_READERS, write=AID_WRITERS)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def export_is_current(self) -> bool:
        return self.exported_at is not None and self.exported_at >= self.changed_at


class PaymentLine(models.Model):
    """One child's payment: the approved application, the guardian paid, their account.

    Name, IIN and IBAN are copied when the register is checked, so the file sent to the bank
    and the record of what was paid agree even if the registry changes afterwards.
    """

    register = models.ForeignKey(PaymentRegister, on_delete=models.CASCADE, related_name="lines")
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="payment_line"
    )
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.PROTECT, related_name="+")
    guardian = models.ForeignKey(
        "registry.Guardian", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient_name = models.CharField(_("recipient"), max_length=300, blank=True)
    recipient_iin = models.CharField(_("recipient's IIN"), max_length=12, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    amount = models.PositiveIntegerField(_("amount, ₸"))
    problem = models.CharField(
        _("problem"), max_length=16, choices=LineProblem.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["register", "pupil__surname", "pupil__name", "id"]
        indexes = [models.Index(fields=["pupil", "register"])]
        verbose_name = _("payment register line")
        verbose_name_plural = _("payment register lines")

    def __str__(self) -> str:
        return f"{self.register} · {self.recipient_name or '—'}"

    access = Policy(read=AID_READERS, write=AID_WRITERS)

    @property
    def is_ready(self) -> bool:
        return not self.problem


def report_due_date(paid_on: dt.date) -> dt.date:
    """seed 000: the report is due within 15 calendar days; day 1 is the day after payment."""
    return paid_on + dt.timedelta(days=PURCHASE_REPORT_DAYS)


def late_q(day: dt.date) -> Q:
    """Reports still due past their date on `day`, which the nightly command has not yet
    flagged overdue (`PurchaseReport.is_late` says the same of one report)."""
    return Q(application__status="report_due", due_date__lt=day)


def overdue_q(day: dt.date) -> Q:
    """Reports overdue on `day`: flagged by the nightly command, or late and not yet flagged."""
    return Q(application__status="overdue") | late_q(day)


def receipts_total(files: Iterable[ReportFile]) -> int:
    """The receipts' amounts added up (photos carry none): what the report shows against the aid."""
    return sum(f.amount or 0 for f in files if f.kind == ReportFile.Kind.RECEIPT)


class PurchaseReport(models.Model):
    """The parent's report of the school supplies bought with the aid (seed 000).

    Its state is the application's status (report_due, reported, accepted, overdue); this
    row holds the deadline, the receipts and photos, and the school's comments.
    """

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="purchase_report"
    )
    line = models.OneToOneField(PaymentLine, on_delete=models.PROTECT, related_name="report")
    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="purchase_reports"
    )
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.PROTECT, related_name="+")
    aid_amount = models.PositiveIntegerField(_("aid paid, ₸"))
    paid_on = models.DateField(_("paid on"))
    due_date = models.DateField(_("report due"))
    note = models.TextField(_("parent's note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = actor(blank=True)
    return_comment = models.TextField(_("what the school asks for"), blank=True)
    times_returned = models.PositiveSmallIntegerField(_("times sent back"), default=0)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["school", "due_date"])]
        verbose_name = _("purchase report")
        verbose_name_plural = _("purchase reports")

    def __str__(self) -> str:
        return str(_("Purchase report № %(number)s") % {"number": self.pk})

    access = Policy(read=AID_READERS, write=AID_WRITERS, pupil="pupil")

    # Pure rules: they take `today` (and the application's status), never save.
    @property
    def status(self) -> str:
        return self.application.status

    @property
    def open_for_upload(self) -> bool:
        """The family may add receipts: the report is due (again) or overdue."""
        return self.status in {"report_due", "overdue"}

    def days_left(self, today: dt.date) -> int:
        return (self.due_date - today).days

    def is_late(self, today: dt.date) -> bool:
        """Past the deadline with nothing submitted: the 16th day after payment onwards."""
        return self.open_for_upload and today > self.due_date

    def reminder_stage(self, today: dt.date) -> str | None:
        """Which reminder today calls for, if the report is still awaited."""
        if not self.open_for_upload:
            return None
        left = self.days_left(today)
        if left < 0:
            return AidReminder.Stage.OVERDUE
        if left == 0:
            return AidReminder.Stage.TODAY
        if left <= REMIND_BEFORE_DAYS:
            return AidReminder.Stage.SOON
        return None

    def wants_reminder(self, today: dt.date, sent: list[tuple[str, dt.date, dt.date]]) -> bool:
        """`sent` is (stage, due date then, sent on) of the reminders already sent.

        At most one a day; "soon" and "today" once per deadline (a report sent back has a
        new one); "overdue" again after a week.
        """
        stage = self.reminder_stage(today)
        if stage is None or any(on == today for _s, _d, on in sent):
            return False
        same = [on for s, due, on in sent if s == stage and due == self.due_date]
        if stage == AidReminder.Stage.OVERDUE:
            return not same or (today - max(same)).days >= REMIND_OVERDUE_EVERY_DAYS
        return not same

    def receipts_total(self) -> int:
        return receipts_total(self.files.all())


class ReportFile(StoredFile):
    """A receipt (with its amount) or a photo of the purchases; streamed by checked views."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        PHOTO = "photo", _("photo of the purchases")

    report = models.ForeignKey(PurchaseReport, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("amount, ₸"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="aid/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["report", "kind", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="photo") | Q(amount__gt=0), name="aid_receipt_has_amount"
            )
        ]
        verbose_name = _("report file")
        verbose_name_plural = _("report files")

    access = Policy(
        school="report__school", read=AID_READERS, write=AID_WRITERS, pupil="report__pupil"
    )


class AidReminder(models.Model):
    """A reminder about a purchase report: what was sent, when, and whether it went out.

    Unique per report and day: a second run of `aid_reminders` the same day sends nothing.
    The text itself is not kept here (it is in the SMS provider's outbox).
    """

    class Stage(models.TextChoices):
        SOON = "soon", _("due soon")
        TODAY = "today", _("due today")
        OVERDUE = "overdue", _("overdue")

    class Outcome(models.TextChoices):
        SENT = "sent", _("sent")
        NO_PHONE = "no_phone", _("no phone number")
        FAILED = "failed", _("refused by the provider")

    report = models.ForeignKey(PurchaseReport, on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField(_("day"))
    stage = models.CharField(_("reminder"), max_length=8, choices=Stage.choices)
    due_date = models.DateField(_("report due then"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "sent_on"], name="aid_reminder_once_a_day")
        ]
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")

    def __str__(self) -> str:
        return f"{self.report} · {self.sent_on} · {self.get_stage_display()}"
