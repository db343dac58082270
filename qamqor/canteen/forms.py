"""Forms of the canteen's entry, consent and sittings pages. They validate and explain; the
services decide and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qamqor.core import uploads
from qamqor.core.clock import today
from qamqor.registry.models import Guardian, Pupil

from .models import parse_break

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
PHOTO_MAX_BYTES = 5 * 1024 * 1024  # held in memory only (views.faces): keep it small


class PaperConsentForm(forms.Form):
    guardian = forms.ModelChoiceField(
        label=_("Signed by"), queryset=Guardian.objects.none(), empty_label=None
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any):
        kwargs.setdefault("initial", {"signed_on": today()})
        super().__init__(*args, **kwargs)
        guardian = cast(forms.ModelChoiceField, self.fields["guardian"])
        guardian.queryset = Guardian.objects.filter(family_id=pupil.family_id)  # type: ignore[misc]  # no family: none
        guardian.label_from_instance = lambda g: (  # type: ignore[method-assign,assignment]  # per form
            f"{g.full_name} ({g.get_relation_display()})"
        )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo of the child's face (JPEG or PNG)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "user"}
        ),
    )

    def clean_photo(self) -> Any:
        photo = self.cleaned_data["photo"]
        try:
            uploads.check_upload(
                photo, limit=PHOTO_MAX_BYTES, allowed=frozenset({uploads.JPEG, uploads.PNG})
            )
        except uploads.UploadError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return photo


class ConsentForm(forms.Form):
    """The parent's own consent: they tick that they read what it means."""

    agree = forms.BooleanField(
        label=_(
            "I agree that my child's face template is kept for Face-ID entry to the school "
            "canteen. I can withdraw this consent at any time; the template is then erased."
        )
    )


def _breaks(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    parsed = []
    for line in lines:
        interval = parse_break(line)
        if interval is None:
            raise forms.ValidationError(
                _("“%(line)s” is not a break: write one per line as 09:35-09:55."),
                params={"line": line[:40]},
                code="break_invalid",
            )
        parsed.append(interval)
    parsed.sort()
    for (_s1, e1), (s2, _e2) in zip(parsed, parsed[1:], strict=False):
        if s2 < e1:
            raise forms.ValidationError(_("Two breaks overlap."), code="break_overlap")
    return [f"{s:%H:%M}-{e:%H:%M}" for s, e in parsed]


class CanteenSettingsForm(forms.Form):
    seats = forms.IntegerField(label=_("Seats in the canteen"), min_value=1, max_value=10000)
    paying_percent = forms.IntegerField(
        # xgettext:no-python-format
        label=_("Paying pupils, % of those without a voucher"),
        min_value=0,
        max_value=100,
    )
    shift1 = forms.CharField(
        label=_("Long breaks of the first shift (one per line, 09:35-09:55)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    shift2 = forms.CharField(
        label=_("Long breaks of the second shift"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_shift1(self) -> list[str]:
        return _breaks(self.cleaned_data.get("shift1", ""))

    def clean_shift2(self) -> list[str]:
        return _breaks(self.cleaned_data.get("shift2", ""))
