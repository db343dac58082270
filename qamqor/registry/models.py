"""The registry: schools, classes, pupils, families, their members, incomes and guardians."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.core import ids
from qamqor.core.validators import (
    validate_bin,
    validate_iban,
    validate_iin,
    validate_multiline,
    validate_single_line,
)


class Bilingual(models.Model):
    """Names kept in Kazakh and Russian; `name` picks the one of the active language."""

    name_kk = models.CharField(_("name (kk)"), max_length=300)
    name_ru = models.CharField(_("name (ru)"), max_length=300)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ru if (get_language() or "kk").startswith(("ru", "en")) else self.name_kk


class Region(Bilingual):
    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class District(Bilingual):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts")

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class School(Bilingual):
    bin = models.CharField(_("BIN"), max_length=12, unique=True, validators=[validate_bin])
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    address = models.CharField(
        _("address"), max_length=300, blank=True, validators=[validate_single_line]
    )

    class Meta:
        ordering = ["name_kk"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    access = Policy(school="id")


class SchoolClass(models.Model):
    class Shift(models.IntegerChoices):
        FIRST = 1, _("first shift")
        SECOND = 2, _("second shift")

    class Language(models.TextChoices):
        KAZAKH = "kk", _("Kazakh")
        RUSSIAN = "ru", _("Russian")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"), choices=[(g, str(g)) for g in range(12)])
    letter = models.CharField(_("letter"), max_length=3, validators=[validate_single_line])
    shift = models.PositiveSmallIntegerField(_("shift"), choices=Shift.choices, default=1)
    language = models.CharField(
        _("language of instruction"), max_length=2, choices=Language.choices, default="kk"
    )
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="taught_classes",
        verbose_name=_("class teacher"),
    )

    class Meta:
        ordering = ["school", "grade", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["school", "grade", "letter"], name="class_unique"),
            models.CheckConstraint(condition=Q(grade__lte=11), name="class_grade_0_11"),
        ]
        verbose_name = _("class")
        verbose_name_plural = _("classes")

    def __str__(self) -> str:
        return f"{self.grade}{self.letter}"

    access = Policy(klass="id")


class Family(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="families")
    address = models.CharField(
        _("address"), max_length=300, blank=True, validators=[validate_single_line]
    )
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[validate_single_line]
    )
    notes = models.TextField(_("notes"), blank=True, validators=[validate_multiline])
    nobd_key = models.CharField(
        _("НОБД family key"), max_length=64, blank=True, db_index=True,
        validators=[validate_single_line],
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        indexes = [models.Index(fields=["school", "id"])]

    def __str__(self) -> str:
        return str(_("Family #%(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("registry:family", args=[self.pk])

    access = Policy(family="id")

    @staticmethod
    def per_capita(total_income: int, members: int) -> int:
        """Monthly income per member, whole tenge rounded down (seed 000: income / members)."""
        return total_income // members if members > 0 else 0


class Person(models.Model):
    iin = models.CharField(_("IIN"), max_length=12, validators=[validate_iin])
    surname = models.CharField(_("surname"), max_length=100, validators=[validate_single_line])
    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    patronymic = models.CharField(
        _("patronymic"), max_length=100, blank=True, validators=[validate_single_line]
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        """Name and surname initial: what a canteen or a TV screen may show."""
        return f"{self.name} {self.surname[:1]}."


class Pupil(Person):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("studying")
        TRANSFERRED = "transferred", _("transferred")
        GRADUATED = "graduated", _("graduated")
        LEFT = "left", _("left school")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("class"),
    )
    family = models.ForeignKey(
        Family,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("family"),
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["surname", "name"]
        constraints = [models.UniqueConstraint(fields=["iin"], name="pupil_iin_unique")]
        indexes = [
            models.Index(fields=["school", "surname", "name"]),
            models.Index(fields=["school", "school_class"]),
        ]
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")

    def get_absolute_url(self) -> str:
        return reverse("registry:pupil", args=[self.pk])

    access = Policy(klass="school_class", pupil="id")

    def iin_errors(self) -> list[str]:
        """Codes of the ways the IIN disagrees with itself or with the birth date and sex."""
        result = ids.validate_iin(self.iin or "")
        if not result.valid:
            return [result.error or "iin_invalid"]
        errors = []
        if self.birth_date and result.birth_date != self.birth_date:
            errors.append("iin_birth_date_mismatch")
        if self.sex and result.sex != self.sex:
            errors.append("iin_sex_mismatch")
        return errors


class Guardian(Person):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("guardian")
        TRUSTEE = "trustee", _("trustee (patronage)")
        GRANDPARENT = "grandparent", _("grandparent")
        OTHER = "other", _("other relative")

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="guardians")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[validate_single_line]
    )
    iban = models.CharField(_("IBAN"), max_length=20, blank=True, validators=[validate_iban])
    lives_with_family = models.BooleanField(_("lives with the family"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardian_profiles",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["family", "iin"], name="guardian_family_iin_unique")
        ]
        indexes = [models.Index(fields=["iin"])]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")


class FamilyMember(models.Model):
    """A member of the household who is neither a pupil of the school nor a guardian."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="others")
    full_name = models.CharField(_("full name"), max_length=300, validators=[validate_single_line])
    relation = models.CharField(_("relation"), max_length=100, validators=[validate_single_line])
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    iin = models.CharField(_("IIN"), max_length=12, blank=True, validators=[validate_iin])

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return self.full_name


class Income(models.Model):
    class Source(models.TextChoices):
        SALARY = "salary", _("salary")
        BUSINESS = "business", _("business income")
        PENSION = "pension", _("pension")
        ALLOWANCE = "allowance", _("state allowance")
        ALIMONY = "alimony", _("alimony")
        ASP = "asp", _("targeted social assistance (АӘК)")
        OTHER = "other", _("other income")

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="incomes")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    monthly_amount = models.PositiveIntegerField(_("monthly amount, ₸"))
    earner = models.CharField(
        _("who earns it"), max_length=200, blank=True, validators=[validate_single_line]
    )

    class Meta:
        verbose_name = _("income")
        verbose_name_plural = _("incomes")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.monthly_amount} ₸"


from .exchange.models import ImportJob  # noqa: E402,F401
