"""Translated sentences that state a rule's figure take it from the rule's constant.

A figure typed into a msgid ("due 15 days after") drifts from the constant the code counts
with; `%(days)s` filled from the constant cannot. Form labels and help texts are built at
import time, before any request picks a language, hence the lazy variant.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise, lazy


def _interpolate(message: str | Promise, values: dict[str, Any]) -> str:
    return str(message) % values


_interpolate_lazy = lazy(_interpolate, str)


def interpolate_lazy(message: str | Promise, **values: Any) -> str:
    """`message % values`, translated when rendered, not when defined:
    `help_text=interpolate_lazy(_("Due %(days)s days after this."), days=REPORT_DAYS)`
    with `_` = `gettext_lazy`."""
    return _interpolate_lazy(message, values)
