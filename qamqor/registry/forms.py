"""Forms of the registry. They validate and explain; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.core import ids
from qamqor.core.validators import message_for

from .models import Family, FamilyMember, Guardian, Income, Pupil, SchoolClass
from .services import FAMILY_FIELDS, GUARDIAN_FIELDS, INCOME_FIELDS, MEMBER_FIELDS, PUPIL_FIELDS


class IinInput(forms.TextInput):
    """An IIN field that the page checks against /api/v1/iin/ while it is typed."""

    def __init__(self, attrs: dict | None = None):
        base = {
            "data-iin-check": "1",
            "inputmode": "numeric",
            "maxlength": "12",
            "autocomplete": "off",
            "data-male": _("male"),
            "data-female": _("female"),
        }
        super().__init__({**base, **(attrs or {})})


class ServiceChecksUnique(forms.ModelForm):
    def validate_unique(self) -> None:
        # Uniqueness is the service's job (it answers with a code); skip the model's query.
        pass


class PupilForm(ServiceChecksUnique):
    class Meta:
        model = Pupil
        fields = list(PUPIL_FIELDS)
        widgets = {"iin": IinInput(), "birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, school: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.school = school
        cast(
            forms.ModelChoiceField, self.fields["school_class"]
        ).queryset = SchoolClass.objects.filter(school=school)
        cast(forms.ModelChoiceField, self.fields["family"]).queryset = Family.objects.filter(
            school=school
        )
        self.fields["birth_date"].required = False
        self.fields["sex"].required = False
        self.fields["birth_date"].help_text = _("Taken from the IIN when left empty.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what clean() returned, typed
        iin = data.get("iin")
        if not iin:
            return data
        result = ids.validate_iin(iin)
        if not result.valid:
            return data  # the field validator has already explained it
        if not data.get("birth_date"):
            data["birth_date"] = result.birth_date
        elif data["birth_date"] != result.birth_date:
            self.add_error("birth_date", message_for("iin_birth_date_mismatch"))
        if not data.get("sex"):
            data["sex"] = result.sex
        elif data["sex"] != result.sex:
            self.add_error("sex", message_for("iin_sex_mismatch"))
        return data


class FamilyForm(forms.ModelForm):
    class Meta:
        model = Family
        fields = list(FAMILY_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class GuardianForm(ServiceChecksUnique):
    class Meta:
        model = Guardian
        fields = list(GUARDIAN_FIELDS)
        widgets = {"iin": IinInput(), "iban": forms.TextInput(attrs={"placeholder": "KZ…"})}

    def clean_iban(self) -> str:
        value = ids.normalize_iban(self.cleaned_data.get("iban") or "")
        if value:
            error = ids.validate_iban_kz(value)
            if error:
                raise forms.ValidationError(message_for(error), code="iban_invalid")
        return value


class IncomeForm(forms.ModelForm):
    class Meta:
        model = Income
        fields = list(INCOME_FIELDS)


class FamilyMemberForm(forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = list(MEMBER_FIELDS)
        widgets = {"iin": IinInput(), "birth_date": forms.DateInput(attrs={"type": "date"})}


class PupilFilterForm(forms.Form):
    """The pupil list's search, filters and sorting (all optional, all in the query string)."""

    SORTS = {
        "name": ("surname", "name", "id"),
        "-name": ("-surname", "-name", "-id"),
        "class": ("school_class__grade", "school_class__letter", "surname", "id"),
        "-class": ("-school_class__grade", "-school_class__letter", "surname", "id"),
        "birth": ("birth_date", "id"),
        "-birth": ("-birth_date", "id"),
        "iin": ("iin",),
        "-iin": ("-iin",),
    }

    q = forms.CharField(required=False, label=_("Name or IIN"))
    school_class = forms.IntegerField(required=False, label=_("Class"))
    grade = forms.IntegerField(required=False, min_value=0, max_value=11, label=_("Grade"))
    category = forms.CharField(required=False, label=_("Category"))
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("studying"))]
        + [("all", _("all"))]
        + [(v, label) for v, label in Pupil.Status.choices if v != Pupil.Status.ACTIVE],
        label=_("Status"),
    )
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    page = forms.IntegerField(required=False, min_value=1)
