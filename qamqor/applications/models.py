"""Public-service applications (seed 001): what a family asks for, with which documents, by when.

A school provides three state services (seed 001): financial and material assistance from the
universal education fund («Жалпыға бірдей білім», cash aid), vouchers to out-of-town and school
camps, and free and subsidised meals. A family applies on paper at the school or at ЦОН, or
through the eGov portal; the school decides within a legal deadline counted in working days.

Application.Status values and the transition table (the services check it; the `aid` app
drives the cash-aid tail through `services.transition_application`):

    submitted            → under_review
    under_review         → documents_requested | approved | refused
    documents_requested  → under_review (the parent uploads) | refused
    approved             → paid                         (financial_aid only)
    paid                 → report_due                   (financial_aid only)
    report_due           → reported | overdue
    reported             → accepted | report_due (asked again) | overdue
    overdue              → reported (a late report is still taken)
    accepted             → (final)
    refused              → appealed                     (reason required on refusal)
    appealed             → under_review (appeal upheld) | refused (appeal dismissed)

`paid`, `report_due`, `reported`, `overdue` and `accepted` exist only for financial_aid
(seed 000: the parent reports purchases with receipts and photos within 15 days of payment).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import CATEGORY_READERS, actor
from qamqor.core.files import StoredFile
from qamqor.core.status import StatusMachine
from qamqor.eligibility.models import Category


class Service(models.TextChoices):
    """Seed 001: the three state services a general school provides."""

    FINANCIAL_AID = (
        "financial_aid",
        _("financial and material assistance (universal education fund)"),
    )
    CAMP_VOUCHER = "camp_voucher", _("voucher to an out-of-town or school camp")
    FREE_MEALS = "free_meals", _("free and subsidised meals")


class Channel(models.TextChoices):
    """Seed 001: on paper at the service provider or the State Corporation, or the portal."""

    SCHOOL = "school", _("on paper at the school")
    CON = "con", _("on paper at ЦОН (State Corporation)")
    PORTAL = "portal", _("eGov portal")


PAPER_CHANNELS = {Channel.SCHOOL, Channel.CON}


class Signature(models.TextChoices):
    """Seed 001: a portal application is signed with ЭЦҚ or confirmed by a one-time password."""

    NONE = "", _("signed on paper")
    EDS = "eds", _("ЭЦҚ (digital signature)")
    OTP = "otp", _("one-time password")


class DocumentKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("application form")
    IDENTITY = "identity", _("identity document")
    BIRTH_CERTIFICATE = "birth_certificate", _("child's birth certificate")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("marriage or divorce certificate")
    MEDICAL_071 = "medical_071", _("medical certificate form 071/у")
    CATEGORY_DOCUMENT = "category_document", _("document confirming the category")
    OTHER = "other", _("other document")


# Working days the school has to decide, counted from the receipt day (core.workdays).
# Our documented values (docs/applications.md): the seeds give no term for these services; cash
# aid takes seed 001's category-confirmation term (15), since it needs the category checked;
# camps and meals 5 (our choice, to be checked against the current service standards). The
# school may not stop the clock: a documents request pauses nothing.
DECISION_WORKING_DAYS: dict[str, int] = {
    Service.FINANCIAL_AID: 15,
    Service.CAMP_VOUCHER: 5,
    Service.FREE_MEALS: 5,
}
# Law «On public services», art. 25: a complaint to the provider is decided in 5 working days.
APPEAL_WORKING_DAYS = 5
# seed 000: "ата-аналар ... 15 күн ішінде сатып алғаны туралы есеп беруі керек" — 15 days,
# not "15 жұмыс күн" (the same text says working days for category confirmation): calendar
# days, counted from the day after the payment (docs/aid.md, "The 15 days"). Here, not in
# `aid`, because the cash-aid passport states it and `aid` depends on this app, not back.
PURCHASE_REPORT_DAYS = 15


def required_documents(
    service: str,
    channel: str,
    *,
    needs_birth_certificate: bool,
    needs_marriage_certificate: bool,
) -> list[str]:
    """The checklist of seed 001 for one service and channel (document kind codes, in order).

    Conditional: the birth certificate only when the civil registry (АХАЖ) has no record of
    the child or the child was born abroad; the marriage/divorce certificate only when the
    registry has no record of it. The portal needs no application form or identity copy:
    the electronic application is signed (ЭЦҚ/one-time password) and identity comes from
    the digital document service.
    """
    kinds: list[str] = []
    if channel in PAPER_CHANNELS:
        kinds += [DocumentKind.APPLICATION_FORM, DocumentKind.IDENTITY]
    if needs_birth_certificate:
        kinds.append(DocumentKind.BIRTH_CERTIFICATE)
    if needs_marriage_certificate:
        kinds.append(DocumentKind.MARRIAGE_CERTIFICATE)
    if service == Service.CAMP_VOUCHER:
        kinds.append(DocumentKind.MEDICAL_071)
    kinds.append(DocumentKind.CATEGORY_DOCUMENT)
    return [str(k) for k in kinds]


class Application(StatusMachine):
    """One family's application for one service for one child. See the module docstring."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        DOCUMENTS_REQUESTED = "documents_requested", _("documents requested")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        APPEALED = "appealed", _("appealed")
        PAID = "paid", _("paid")
        REPORT_DUE = "report_due", _("purchase report due")
        REPORTED = "reported", _("purchase report submitted")
        ACCEPTED = "accepted", _("purchase report accepted")
        OVERDUE = "overdue", _("purchase report overdue")

    S = Status
    # The module docstring has the table in words.
    TRANSITIONS = {
        S.SUBMITTED: {S.UNDER_REVIEW},
        S.UNDER_REVIEW: {S.DOCUMENTS_REQUESTED, S.APPROVED, S.REFUSED},
        S.DOCUMENTS_REQUESTED: {S.UNDER_REVIEW, S.REFUSED},
        S.APPROVED: {S.PAID},
        S.PAID: {S.REPORT_DUE},
        S.REPORT_DUE: {S.REPORTED, S.OVERDUE},
        S.REPORTED: {S.ACCEPTED, S.REPORT_DUE, S.OVERDUE},
        S.OVERDUE: {S.REPORTED},
        S.ACCEPTED: set(),
        S.REFUSED: {S.APPEALED},
        S.APPEALED: {S.UNDER_REVIEW, S.REFUSED},
    }
    # Seed 000: the payment and the purchase report belong to cash aid only.
    CASH_AID_STATUSES = {S.PAID, S.REPORT_DUE, S.REPORTED, S.ACCEPTED, S.OVERDUE}
    # Still waiting for the school's decision (the legal deadline runs).
    OPEN_STATUSES = {S.SUBMITTED, S.UNDER_REVIEW, S.DOCUMENTS_REQUESTED, S.APPEALED}
    # Documents may still be added (an appeal often brings the missing paper).
    UPLOAD_STATUSES = {S.SUBMITTED, S.UNDER_REVIEW, S.DOCUMENTS_REQUESTED, S.APPEALED}
    del S
    REFUSED = _("The application is %(status)s; it cannot become %(target)s.")
    HISTORY = ("applications.StatusChange", "application")

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="applications"
    )
    pupil = models.ForeignKey(
        "registry.Pupil",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("pupil"),
    )
    applicant = models.ForeignKey(
        "registry.Guardian",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    signed_with = models.CharField(
        _("signed with"), max_length=5, choices=Signature.choices, blank=True, default=""
    )
    category = models.CharField(
        _("category claimed"), max_length=20, choices=Category.choices, blank=True
    )
    # The civil registry's answer when the application was made: the checklist keeps to it
    # even if the registry changes later.
    needs_birth_certificate = models.BooleanField(_("birth certificate required"), default=False)
    needs_marriage_certificate = models.BooleanField(
        _("marriage or divorce certificate required"), default=False
    )
    received_at = models.DateTimeField(_("received"))
    counted_from = models.DateField(_("counted from"))
    due_date = models.DateField(_("decision due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    requested_documents = models.JSONField(
        _("documents requested"), default=list, blank=True, help_text=_("Document kind codes.")
    )
    request_note = models.TextField(_("what the school asked for"), blank=True)
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = actor(blank=True)
    appeal_text = models.TextField(_("appeal"), blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_due_date = models.DateField(_("appeal decision due"), null=True, blank=True)
    appeal_decision = models.TextField(_("appeal decision"), blank=True)
    appeal_decided_at = models.DateTimeField(_("appeal decided at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = actor(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status", "due_date"]),
            models.Index(fields=["school", "service", "status"]),
            models.Index(fields=["pupil", "service"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="application_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("counted_from")),
                name="application_due_after_counted",
            ),
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return str(
            _("Application №%(id)s · %(service)s")
            % {"id": self.pk, "service": self.get_service_display()}
        )

    access = Policy(pupil="pupil")

    # Pure rules: they take what they need (today), never save.
    @property
    def is_cash_aid(self) -> bool:
        return self.service == Service.FINANCIAL_AID

    def allowed_transitions(self) -> set[str]:
        allowed = super().allowed_transitions()
        if not self.is_cash_aid:
            allowed -= self.CASH_AID_STATUSES
        return allowed

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def current_due_date(self) -> dt.date | None:
        """The deadline now running: the appeal's while appealed, else the decision's."""
        if self.status == self.Status.APPEALED:
            return self.appeal_due_date
        return self.due_date if self.is_open else None

    def is_overdue(self, today: dt.date) -> bool:
        """The school has not decided by the legal deadline (not the parent's report)."""
        due = self.current_due_date()
        return due is not None and today > due

    def is_due_on(self, today: dt.date) -> bool:
        return self.current_due_date() == today

    def required_documents(self) -> list[str]:
        return required_documents(
            self.service,
            self.channel,
            needs_birth_certificate=self.needs_birth_certificate,
            needs_marriage_certificate=self.needs_marriage_certificate,
        )

    def missing_documents(self, kinds_present: set[str]) -> list[str]:
        """Checklist kinds not yet uploaded, then any the school asked for and still lacks."""
        missing = [k for k in self.required_documents() if k not in kinds_present]
        missing += [
            k
            for k in (self.requested_documents or [])
            if k not in kinds_present and k not in missing
        ]
        return missing

    def parent_may_upload(self) -> bool:
        return self.status in self.UPLOAD_STATUSES


class ApplicationDocument(StoredFile):
    """A document attached to an application; streamed only through access-checked views."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document type"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "kind", "uploaded_at"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    access = Policy(school="application__school", pupil="application__pupil")


class StatusChange(models.Model):
    """Every transition of an application: from, to, who, when, why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(
        _("from"), max_length=20, choices=Application.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Application.Status.choices)
    by = actor()
    at = models.DateTimeField(_("at"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    access = Policy(school="application__school", pupil="application__pupil")


class Camp(models.Model):
    """A camp the school sends children to (seed 001: out-of-town and school camps)."""

    class Kind(models.TextChoices):
        OUT_OF_TOWN = "out_of_town", _("out-of-town camp")
        SCHOOL = "school", _("school camp")

    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="camps")
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="camp_unique_name")]
        verbose_name = _("camp")
        verbose_name_plural = _("camps")

    def __str__(self) -> str:
        return self.name

    access = Policy()


class CampSession(models.Model):
    """One session (смена) of a camp: its dates and how many vouchers the school has."""

    camp = models.ForeignKey(Camp, on_delete=models.CASCADE, related_name="sessions")
    name = models.CharField(_("session"), max_length=100)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    places = models.PositiveIntegerField(_("places"))
    allocated_at = models.DateTimeField(_("last allocated"), null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "camp", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="camp_session_dates"
            )
        ]
        verbose_name = _("camp session")
        verbose_name_plural = _("camp sessions")

    def __str__(self) -> str:
        return f"{self.camp} · {self.name}"

    access = Policy(school="camp__school")


class CampPlace(models.Model):
    """An approved applicant's voucher in a session, or their place on its waiting list.

    Order (seed 001 and the school's rule, docs/applications.md): children with a category
    confirmed in the registry on the session's first day first, then the others; within each
    group by the time the application was received.
    """

    class Status(models.TextChoices):
        PLACED = "placed", _("voucher issued")
        WAITING = "waiting", _("waiting list")
        RELEASED = "released", _("place given up")

    session = models.ForeignKey(CampSession, on_delete=models.CASCADE, related_name="allocations")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="camp_places"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    position = models.PositiveIntegerField(_("position"))
    priority = models.BooleanField(_("category first"), default=False)
    priority_category = models.CharField(
        _("confirmed category"), max_length=20, choices=Category.choices, blank=True
    )
    voucher_number = models.CharField(_("voucher number"), max_length=30, blank=True)
    placed_at = models.DateTimeField(_("voucher issued at"), null=True, blank=True)
    released_reason = models.TextField(_("why the place was given up"), blank=True)

    class Meta:
        ordering = ["session", "status", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="camp_place_unique"),
            models.UniqueConstraint(
                fields=["session", "voucher_number"],
                condition=~Q(voucher_number=""),
                name="camp_voucher_number_unique",
            ),
        ]
        verbose_name = _("camp place")
        verbose_name_plural = _("camp places")

    def __str__(self) -> str:
        return f"{self.session} · {self.get_status_display()} {self.position}"

    access = Policy(school="session__camp__school", pupil="application__pupil")


class Consultation(models.Model):
    """The social pedagogue's log of consultations on public services (seed 001)."""

    class Topic(models.TextChoices):
        SERVICE = "service", _("how to get a service")
        DOCUMENTS = "documents", _("documents and certificates")
        PORTAL = "portal", _("applying through the eGov portal")
        CATEGORY = "category", _("support category")
        CASH_AID = "cash_aid", _("cash aid and the purchase report")
        APPEAL = "appeal", _("complaint or appeal")
        RIGHTS = "rights", _("rights of the child, legal question")
        OTHER = "other", _("other")

    class Outcome(models.TextChoices):
        INFORMED = "informed", _("informed, nothing more needed")
        REGISTERED = "registered", _("application registered at the school")
        PORTAL_HELPED = "portal_helped", _("helped to apply on the portal")
        REFERRED_CON = "referred_con", _("referred to ЦОН")
        REFERRED_OTHER = "referred_other", _("referred to another body")
        FOLLOW_UP = "follow_up", _("to be continued")

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="consultations"
    )
    family = models.ForeignKey(
        "registry.Family",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("family"),
    )
    held_at = models.DateTimeField(_("held at"))
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    service = models.CharField(_("service"), max_length=20, choices=Service.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_done = models.BooleanField(_("followed up"), default=False)
    by = actor()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_at", "-id"]
        indexes = [
            models.Index(fields=["school", "held_at"]),
            models.Index(fields=["school", "follow_up_on"]),
        ]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return f"{self.get_topic_display()} · {self.held_at:%Y-%m-%d}"

    # Notes about a family's situation: the school's category readers only.
    access = Policy(read=CATEGORY_READERS)

    def follow_up_due(self, today: dt.date) -> bool:
        return (
            self.follow_up_on is not None and not self.follow_up_done and self.follow_up_on <= today
        )
