from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from qamqor.registry.models import School

EXTENSIONS = (".xlsx", ".csv", ".txt")


class SchoolChoiceForm(forms.Form):
    """The school to work on; shown only to those who write more than one."""

    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("School"),
                                    empty_label=None)  # fmt: skip

    def __init__(self, *args: Any, schools: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["school"]).queryset = schools
        if len(schools) == 1:
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = schools[0].pk


class UploadForm(SchoolChoiceForm):
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s); the limit is %(limit)s."),
                code="file_too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        if not upload.name.lower().endswith((*EXTENSIONS, ".xls")):
            raise forms.ValidationError(_("Upload an XLSX or CSV file."), code="file_format")
        return upload
