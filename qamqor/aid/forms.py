"""Forms of the aid pages. They validate and explain; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.applications.models import PURCHASE_REPORT_DAYS
from qamqor.core.clock import today
from qamqor.core.i18n import interpolate_lazy

from .models import ASK_AGAIN_DAYS, ReportFile

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PaidForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Date the bank paid"),
        widget=DATE,
        help_text=interpolate_lazy(
            _("The purchase reports are due %(days)s days after this date."),
            days=PURCHASE_REPORT_DAYS,
        ),
    )

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = today()


class ReportFileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it"), choices=ReportFile.Kind.choices, widget=forms.RadioSelect
    )
    amount = forms.IntegerField(
        label=_("Amount on the receipt, ₸"),
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("For a receipt only."),
    )
    file = forms.FileField(
        label=_("Photo or scan (JPEG, PNG; a receipt may also be a PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def clean(self):  # noqa: ANN201
        super().clean()
        data = self.cleaned_data  # what clean() returned, typed
        if data.get("kind") == ReportFile.Kind.RECEIPT and not data.get("amount"):
            if "amount" not in self.errors:
                self.add_error("amount", _("Enter the amount of the receipt, in whole tenge."))
        return data


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=_("A note for the school (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AskAgainForm(forms.Form):
    comment = forms.CharField(
        label=_("What is missing or wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=interpolate_lazy(
            _("The family reads this and gets at least %(days)s more days."),
            days=ASK_AGAIN_DAYS,
        ),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
