"""Free and subsidised meals (seed 004, seed 000): programme, monthly list, vouchers, scans.

The pipeline: the pedagogue forms the month's list → the principal approves → state
verification (SDU stand-in) → vouchers → the parent's dynamic QR → the canteen scans
(online or queued offline) → the daily report → the monthly табель → payment to the operator
for meals actually served.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import CATEGORY_READERS, SCHOOL_READERS, Role, actor
from qamqor.core.status import StatusMachine
from qamqor.core.validators import validate_bin, validate_iban
from qamqor.eligibility.models import Category
from qamqor.registry.models import Bilingual

# The canteen reads the scans of its schools beside the school's readers.
SCAN_READERS = SCHOOL_READERS | {Role.CANTEEN}


class MealType(models.TextChoices):
    BREAKFAST = "breakfast", _("breakfast")
    LUNCH = "lunch", _("lunch")
    SNACK = "snack", _("afternoon snack")


# Why a pupil is on the month's list: the universal rule or one of the five categories
# (their codes and labels are the eligibility app's, not a copy).
Basis = models.TextChoices(  # type: ignore[call-overload]  # (name, (value, label)) pairs work; the stubs want (name, value)
    "Basis",
    [
        ("UNIVERSAL", ("universal", _("grades 1–4: universal free lunch"))),
        *[(c.name, (c.value, c.label)) for c in Category],
    ],
)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


class Operator(Bilingual):
    """The canteen operator organisation (e.g. «Социум пит» ЖШС), paid per meal served."""

    bin = models.CharField(_("BIN"), max_length=12, unique=True, validators=[validate_bin])
    iban = models.CharField(_("IBAN"), max_length=20, blank=True, validators=[validate_iban])
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("canteen operator")
        verbose_name_plural = _("canteen operators")


class Programme(models.Model):
    """One school's meal programme for one month: who is entitled, what is served, at what price."""

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="programmes")
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    # seed 000/004: grades 1–4 eat free; grades 5–11 by category. Each school may adjust.
    universal_from_grade = models.PositiveSmallIntegerField(_("universal from grade"), default=1)
    universal_to_grade = models.PositiveSmallIntegerField(_("universal to grade"), default=4)
    category_from_grade = models.PositiveSmallIntegerField(_("categories from grade"), default=5)
    category_to_grade = models.PositiveSmallIntegerField(_("categories to grade"), default=11)
    categories = models.JSONField(
        _("entitling categories"),
        default=list,
        help_text=_("Category codes that entitle a pupil; empty means all five."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["school", "month"], name="meal_programme_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="meal_programme_first_day"),
        ]
        verbose_name = _("meal programme")
        verbose_name_plural = _("meal programmes")

    def __str__(self) -> str:
        return f"{self.school_id} {self.month:%Y-%m}"

    access = Policy()

    # Pure rules (they take what they need, never save).
    def entitling_categories(self) -> set[str]:
        all_five = {b.value for b in Basis if b != Basis.UNIVERSAL}
        return set(self.categories or []) & all_five or all_five

    def basis_for(self, grade: int | None, categories: set[str]) -> str | None:
        """Why a pupil of `grade` with these valid confirmed categories eats, or None."""
        if grade is None:
            return None
        if self.universal_from_grade <= grade <= self.universal_to_grade:
            return Basis.UNIVERSAL
        if self.category_from_grade <= grade <= self.category_to_grade:
            order = [b.value for b in Basis if b != Basis.UNIVERSAL]
            for code in order:
                if code in categories and code in self.entitling_categories():
                    return code
        return None


class ProgrammeMeal(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="meals")
    meal_type = models.CharField(_("meal"), max_length=10, choices=MealType.choices)
    price = models.PositiveIntegerField(_("price per meal, ₸"))
    state_share = models.PositiveSmallIntegerField(
        _("state share, %"), default=100, help_text=_("100 is free; less is subsidised.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "meal_type"], name="programme_meal_type"),
            models.CheckConstraint(condition=Q(state_share__lte=100), name="state_share_0_100"),
        ]
        verbose_name = _("meal")
        verbose_name_plural = _("meals")

    def __str__(self) -> str:
        return f"{self.get_meal_type_display()}: {self.price} ₸"

    @property
    def state_price(self) -> int:
        """What the state pays per meal, whole tenge (rounded down: never overpay)."""
        return self.price * self.state_share // 100


class MealDay(models.Model):
    """A day meals are served: working days less holidays and school breaks, editable."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "date"], name="meal_day_unique")
        ]
        verbose_name = _("meal day")
        verbose_name_plural = _("meal days")

    def __str__(self) -> str:
        return self.date.isoformat()


class SchoolBreak(models.Model):
    """School holidays (каникулы): no meals. A row without a school applies to every school."""

    school = models.ForeignKey(
        "registry.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="break_period")
        ]
        verbose_name = _("school break")
        verbose_name_plural = _("school breaks")

    def __str__(self) -> str:
        return f"{self.name} {self.start}–{self.end}"


class MonthlyList(StatusMachine):
    """The month's list of entitled pupils: formed → approved → verified (seed 004, steps 1–2)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("sent to the principal")
        RETURNED = "returned", _("returned by the principal")
        APPROVED = "approved", _("approved")
        VERIFYING = "verifying", _("under state verification")
        VERIFIED = "verified", _("verified")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.RETURNED},
        Status.RETURNED: {Status.SUBMITTED, Status.DRAFT},
        Status.APPROVED: {Status.VERIFYING},
        Status.VERIFYING: {Status.VERIFIED},
        Status.VERIFIED: set(),
    }
    REFUSED = _("The list is %(status)s; it cannot become %(target)s.")
    HISTORY = ("meals.ListTransition", "monthly_list")

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="lists")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(_("principal's comment"), blank=True)
    verification_total = models.PositiveIntegerField(default=0)
    verification_done = models.PositiveIntegerField(default=0)
    formed_at = models.DateTimeField(_("formed at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="meal_list_month")]
        verbose_name = _("monthly meal list")
        verbose_name_plural = _("monthly meal lists")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.get_status_display()}"

    access = Policy()

    @property
    def editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.RETURNED}

    @property
    def progress_percent(self) -> int:
        if not self.verification_total:
            return 0
        return min(100, self.verification_done * 100 // self.verification_total)


class ListEntry(models.Model):
    class Verification(models.TextChoices):
        PENDING = "pending", _("not verified yet")
        VERIFIED = "verified", _("verified")
        FAILED = "failed", _("failed verification")

    monthly_list = models.ForeignKey(MonthlyList, on_delete=models.CASCADE, related_name="entries")
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.CASCADE, related_name="+")
    school_id = models.BigIntegerField(db_index=True)
    grade = models.PositiveSmallIntegerField(_("grade"))
    class_label = models.CharField(_("class"), max_length=8)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    verification = models.CharField(
        _("verification"),
        max_length=10,
        choices=Verification.choices,
        default=Verification.PENDING,
    )
    failure_code = models.CharField(max_length=40, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)

    class Meta:
        ordering = ["grade", "class_label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["monthly_list", "pupil"], name="list_entry_unique")
        ]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.get_basis_display()}"


class ListTransition(models.Model):
    """Every change of a list's status: who, when, from what to what, and why."""

    monthly_list = models.ForeignKey(
        MonthlyList, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=10, choices=MonthlyList.Status.choices)
    to_status = models.CharField(max_length=10, choices=MonthlyList.Status.choices)
    by = actor()
    at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class PupilRef(models.Model):
    """An opaque reference to a pupil for tokens and terminals: never the IIN."""

    pupil = models.OneToOneField("registry.Pupil", on_delete=models.CASCADE, related_name="+")
    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.ref)


class Voucher(StatusMachine):
    """One digital voucher per pupil, month and meal type (seed 004, step 3)."""

    class Status(models.TextChoices):
        FORMED = "formed", _("formed")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        EXPIRED = "expired", _("expired")

    TRANSITIONS = {
        Status.FORMED: {Status.ACTIVE, Status.EXPIRED},
        Status.ACTIVE: {Status.SUSPENDED, Status.EXPIRED},
        Status.SUSPENDED: {Status.ACTIVE, Status.EXPIRED},
        Status.EXPIRED: set(),
    }
    REFUSED = _("The voucher is %(status)s; it cannot become %(target)s.")

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.CASCADE, related_name="vouchers")
    month = models.DateField(_("month"))
    meal_type = models.CharField(_("meal"), max_length=10, choices=MealType.choices)
    entry = models.ForeignKey(
        ListEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="vouchers"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FORMED
    )
    formed_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "pupil_id"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "month", "meal_type"], name="voucher_unique")
        ]
        indexes = [models.Index(fields=["school", "month", "status"])]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_meal_type_display()} · {self.get_status_display()}"

    access = Policy(pupil="pupil")

    def covers(self, day: dt.date) -> bool:
        return first_of_month(day) == self.month


class Redemption(models.Model):
    """Every scan the canteen sent, with the answer it got; `served` ones are meals eaten.

    The scan row is its own audit. Idempotency: a client UUID per scan (unique). At most one
    meal per voucher (pupil, month, meal type) and day: a partial unique index, so two
    terminals racing, or an offline batch replayed, can never count a meal twice.
    """

    class Status(models.TextChoices):
        SERVED = "served", _("served")
        REFUSED = "refused", _("refused")
        CONFLICT = "conflict", _("served elsewhere already")

    client_id = models.UUIDField(unique=True)
    school_id = models.BigIntegerField(null=True, db_index=True)
    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="redemptions"
    )
    pupil_id = models.BigIntegerField(null=True)
    meal_type = models.CharField(max_length=10, choices=MealType.choices, blank=True)
    day = models.DateField(null=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    code = models.CharField(max_length=32, blank=True)
    terminal = models.CharField(max_length=100, blank=True)
    operator_user_id = models.BigIntegerField(null=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField()
    token_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "day", "meal_type"],
                condition=Q(status="served"),
                name="one_meal_per_voucher_day",
            )
        ]
        indexes = [
            models.Index(fields=["school_id", "day", "status"]),
            models.Index(fields=["voucher", "day"]),
        ]
        verbose_name = _("scan")
        verbose_name_plural = _("scans")

    def __str__(self) -> str:
        return f"{self.day} {self.status} {self.code}"

    access = Policy(school="school_id", read=SCAN_READERS, write=SCAN_READERS)


class DailyReport(models.Model):
    """Seed 004, step 7: every day, vouchers activated and meals served, per class and meal."""

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.CASCADE, null=True, related_name="+"
    )
    meal_type = models.CharField(max_length=10, choices=MealType.choices)
    vouchers_active = models.PositiveIntegerField(default=0)
    meals_served = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "school_class_id", "meal_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "day", "school_class", "meal_type"], name="daily_report_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.meal_type}: {self.meals_served}/{self.vouchers_active}"


class TabelSubmission(models.Model):
    """The monthly табель as submitted by the pedagogue (seed 004, step 8): then locked."""

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    deadline = models.DateField()
    submitted_at = models.DateTimeField()
    submitted_by = actor()
    meals = models.PositiveIntegerField(default=0)
    pupils = models.PositiveIntegerField(default=0)
    amount = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="tabel_month")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.month:%Y-%m}"

    @property
    def late(self) -> bool:
        from django.utils import timezone

        return timezone.localdate(self.submitted_at) > self.deadline


class TabelAmendment(models.Model):
    """A correction to a submitted табель: recorded, never an edit in place."""

    class Action(models.TextChoices):
        ADD = "add", _("meal added")
        REMOVE = "remove", _("meal removed")

    submission = models.ForeignKey(
        TabelSubmission, on_delete=models.CASCADE, related_name="amendments"
    )
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    meal_type = models.CharField(max_length=10, choices=MealType.choices)
    action = models.CharField(max_length=6, choices=Action.choices)
    reason = models.TextField()
    by = actor()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_action_display()}"


class MealRating(models.Model):
    """The parent's rating of a served meal (the stand-in for e-Otinish, seed 004, step 6)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="ratings")
    day = models.DateField()
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    by = actor()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "day"], name="one_rating_per_meal"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.score}"

    access = Policy(
        school="voucher__school",
        read=CATEGORY_READERS,
        write=CATEGORY_READERS,
        pupil="voucher__pupil",
        parents_write=True,
    )
