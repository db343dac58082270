"""Forms of the eligibility pages. They validate and explain; the services decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qamqor.core.clock import now, today
from qamqor.core.i18n import interpolate_lazy
from qamqor.core.uploads import validate_upload
from qamqor.registry.models import School

from .models import (
    BOARD_CATEGORIES,
    CONFIRMATION_WORKING_DAYS,
    EXPECTED_EVIDENCE,
    BoardDecision,
    Category,
    EvidenceKind,
)

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
FILE = forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"})


def school_year_end(day: dt.date) -> dt.date:
    """The end of the school year `day` falls in (a category usually holds for one)."""
    year = day.year + 1 if day.month >= 9 else day.year
    return dt.date(year, 5, 31)


BOARD_FIELDS = ("board_decision", "board_number", "board_date", "board_text", "board_scan")


class BoardDecisionFields(forms.Form):
    """A board-of-trustees decision: an existing one of the school, or a new one typed in."""

    board_decision = forms.ModelChoiceField(
        label=_("Decision already recorded"),
        queryset=BoardDecision.objects.none(),
        required=False,
    )
    board_number = forms.CharField(label=_("Decision number"), max_length=40, required=False)
    board_date = forms.DateField(label=_("Decision date"), widget=DATE, required=False)
    board_text = forms.CharField(
        label=_("What the board decided"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    board_scan = forms.FileField(
        label=_("Scanned decision (PDF, JPEG, PNG)"), required=False, widget=FILE
    )

    def setup_board(self, school: School) -> None:
        cast(
            forms.ModelChoiceField, self.fields["board_decision"]
        ).queryset = BoardDecision.objects.filter(school=school)

    def clean_board_scan(self) -> Any:
        scan = self.cleaned_data.get("board_scan")
        if scan:
            validate_upload(scan)
        return scan

    def board_wanted(self) -> bool:
        return True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what clean() returned, typed
        if not self.board_wanted():
            for name in BOARD_FIELDS:
                data[name] = None
            return data
        typed = any(data.get(n) for n in ("board_number", "board_date", "board_text"))
        if typed and not data.get("board_decision"):
            for name, message in (
                ("board_number", _("Enter the decision's number.")),
                ("board_date", _("Enter the decision's date.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    @property
    def new_board_decision(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("board_decision") or not data.get("board_number"):
            return None
        return {
            "number": data["board_number"],
            "date": data["board_date"],
            "text": data.get("board_text") or "",
            "scan": data.get("board_scan") or None,
        }


class AssignForm(BoardDecisionFields):
    field_order = ["category", "received_at", "granted_by"]

    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices])
    received_at = forms.DateTimeField(
        label=_("Application received"),
        widget=DATETIME,
        help_text=interpolate_lazy(
            _("The decision is due %(days)s working days after this."),
            days=CONFIRMATION_WORKING_DAYS,
        ),
    )
    granted_by = forms.CharField(
        label=_("Granted by"),
        max_length=300,
        required=False,
        help_text=_("The document or body that grants the category, e.g. an АӘК certificate."),
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault(
            "received_at", timezone.localtime(now()).replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.setup_board(school)

    @property
    def chosen_category(self) -> str:
        value = self.data.get("category") if self.is_bound else self.initial.get("category")
        return value if value in Category.values else ""

    def board_wanted(self) -> bool:
        return self.cleaned_data.get("category") in BOARD_CATEGORIES

    def clean_received_at(self) -> dt.datetime:
        value = self.cleaned_data["received_at"]
        if value > now():
            raise forms.ValidationError(_("The application cannot be received in the future."))
        return value


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document type"),
        choices=[("", "—"), *EvidenceKind.choices],
        required=False,
    )
    file = forms.FileField(label=_("File (PDF, JPEG, PNG)"), required=False, widget=FILE)

    def __init__(self, *args: Any, require_file: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].required = require_file

    def clean_file(self) -> Any:
        f = self.cleaned_data.get("file")
        if f:
            validate_upload(f)
        return f

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what clean() returned, typed
        if data.get("file") and not data.get("kind"):
            self.add_error("kind", _("Choose the type of the document."))
        return data


EvidenceFormSet = forms.formset_factory(EvidenceForm, extra=3, max_num=10)


def evidence_initial(category: str) -> list[dict[str, str]]:
    """Pre-select the document types the category is proved by (seed 001)."""
    if category not in Category.values:
        return []
    return [{"kind": kind} for kind in EXPECTED_EVIDENCE[Category(category)]]


class ConfirmForm(BoardDecisionFields):
    field_order = ["valid_from", "valid_to", "granted_by"]

    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE)
    granted_by = forms.CharField(label=_("Granted by"), max_length=300, required=False)

    def __init__(self, *args: Any, assignment: Any, **kwargs: Any):
        day = today()
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("valid_from", day)
        initial.setdefault("valid_to", school_year_end(day))
        initial.setdefault("granted_by", assignment.granted_by)
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.setup_board(assignment.school)
        if not self.board_wanted():
            for name in BOARD_FIELDS:
                del self.fields[name]

    def board_wanted(self) -> bool:
        return self.assignment.needs_board_decision and not self.assignment.board_decision_id

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The period ends before it begins."))
        return data


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The family is told this reason."),
    )


class DashboardFilterForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=School.objects.none(),
        required=False,
        empty_label=_("All my schools"),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, school_ids: set[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["school"]).queryset = School.objects.filter(
            id__in=school_ids
        )
