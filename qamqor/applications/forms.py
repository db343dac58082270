"""Forms of the applications pages. They validate and explain; the services decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.core.clock import now, today
from qamqor.core.i18n import interpolate_lazy
from qamqor.core.uploads import validate_upload
from qamqor.core.workdays import WORK_END
from qamqor.eligibility.models import Category
from qamqor.registry.models import Guardian, Pupil

from .models import Application, Camp, Channel, Consultation, DocumentKind, Service, Signature

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
FILE = forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})
MONTH = forms.DateInput(format="%Y-%m", attrs={"type": "month"})


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class DocumentFields(forms.Form):
    """One optional file input per document kind (`doc_<kind>`); the page shows the checklist's."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for kind in DocumentKind:
            self.fields[f"doc_{kind.value}"] = forms.FileField(
                label=kind.label, required=False, widget=FILE
            )

    def document_field(self, kind: str) -> forms.BoundField:
        return self[f"doc_{kind}"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what clean() returned, typed
        for kind in DocumentKind:
            f = data.get(f"doc_{kind.value}")
            if f:
                try:
                    validate_upload(f)
                except forms.ValidationError as exc:
                    self.add_error(f"doc_{kind.value}", exc)
        return data

    def documents(self) -> list[tuple[str, Any]]:
        return [
            (kind.value, self.cleaned_data[f"doc_{kind.value}"])
            for kind in DocumentKind
            if self.cleaned_data.get(f"doc_{kind.value}")
        ]


class ParentApplyForm(DocumentFields):
    field_order = ["pupil", "service", "category", "code", "allow_incomplete"]

    # The queryset (the parent's children) is set in __init__.
    pupil: forms.ModelChoiceField[Pupil] = forms.ModelChoiceField(
        label=_("Child"), queryset=None, empty_label=None
    )
    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=_blank(Category.choices),
        required=False,
        help_text=_("The support category your document proves."),
    )
    code = forms.CharField(
        label=_("One-time password from the SMS"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    allow_incomplete = forms.BooleanField(
        label=_("Send without the missing documents: I will upload them when the school asks"),
        required=False,
    )

    def __init__(self, *args: Any, children: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["pupil"]).queryset = children

    def chosen(self, name: str) -> str:
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        return str(value or "")


class RegisterForm(DocumentFields):
    """A paper application brought to the school, or one that came through the portal."""

    field_order = [
        "service",
        "channel",
        "signed_with",
        "received_at",
        "applicant",
        "category",
        "notes",
        "allow_incomplete",
    ]

    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    signed_with = forms.ChoiceField(
        label=_("Signed with (portal)"),
        choices=Signature.choices,
        required=False,
        help_text=_("A portal application is signed with ЭЦҚ or a one-time password."),
    )
    received_at = forms.DateTimeField(
        label=_("Received"),
        widget=DATETIME,
        help_text=interpolate_lazy(
            _("After %(time)s, on a weekend or a holiday it counts from the next working day."),
            time=f"{WORK_END:%H:%M}",
        ),
    )
    applicant = forms.ModelChoiceField(
        label=_("Applicant"), queryset=Guardian.objects.none(), required=False
    )
    category = forms.ChoiceField(
        label=_("Category claimed"), choices=_blank(Category.choices), required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    allow_incomplete = forms.BooleanField(
        label=_("Accept without the missing documents and ask the family for them"),
        required=False,
    )

    def __init__(self, *args: Any, pupil: Any, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault(
            "received_at", timezone.localtime(now()).replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        guardians = Guardian.objects.filter(family_id=pupil.family_id) if pupil.family_id else None
        cast(forms.ModelChoiceField, self.fields["applicant"]).queryset = (
            guardians or Guardian.objects.none()
        )

    def chosen(self, name: str) -> str:
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        return str(value or "")


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG, PNG)"), widget=FILE)

    def clean_file(self) -> Any:
        f = self.cleaned_data.get("file")
        if f:
            validate_upload(f)
        return f


class RequestDocumentsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Documents to bring"),
        choices=DocumentKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What exactly is needed"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The family is told it; name the rule and what was missing or wrong."),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("What you disagree with"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", _("Upheld: review the application again")),
            ("0", _("Dismissed: the refusal stands")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))


class DashboardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    service = forms.ChoiceField(label=_("Service"), choices=_blank(Service.choices), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("all")),
            ("open", _("waiting for the school")),
            *Application.Status.choices,
        ],
        required=False,
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(Channel.choices), required=False)


class CampForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=Camp.Kind.choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class SessionForm(forms.Form):
    name = forms.CharField(label=_("Session"), max_length=100)
    starts_on = forms.DateField(label=_("Starts"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), widget=DATE)
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000)


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why the place is given up"), max_length=500)


class ConsultationForm(forms.Form):
    who = forms.CharField(
        label=_("Family"),
        max_length=20,
        help_text=_("IIN of the pupil or a guardian, or the family's number."),
    )
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME)
    topic = forms.ChoiceField(label=_("Topic"), choices=Consultation.Topic.choices)
    service = forms.ChoiceField(label=_("Service"), choices=_blank(Service.choices), required=False)
    channel = forms.ChoiceField(
        label=_("Channel explained"), choices=_blank(Channel.choices), required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Consultation.Outcome.choices)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    follow_up_on = forms.DateField(label=_("Follow up on"), widget=DATE, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault(
            "held_at", timezone.localtime(now()).replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)


def month_start(value: str | None) -> dt.date:
    """'2026-11' → 2026-11-01; anything else → this month."""
    try:
        year, month = (int(p) for p in (value or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return today().replace(day=1)


class ConsultationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    month = forms.CharField(label=_("Month"), required=False, widget=MONTH)
    topic = forms.ChoiceField(
        label=_("Topic"), choices=_blank(Consultation.Topic.choices), required=False
    )
    service = forms.ChoiceField(label=_("Service"), choices=_blank(Service.choices), required=False)
    follow_up = forms.BooleanField(label=_("follow-up due"), required=False)
