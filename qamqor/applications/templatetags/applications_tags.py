"""Template helpers of the applications pages (badge colours, document labels, rule figures)."""

from __future__ import annotations

from django import template

from .. import otp
from ..models import APPEAL_WORKING_DAYS, PURCHASE_REPORT_DAYS, Application, DocumentKind

register = template.Library()

S = Application.Status
# The house badge classes: applied (waiting), confirmed (done well), refused, overdue.
_BADGE: dict[str, str] = {
    S.SUBMITTED: "applied",
    S.UNDER_REVIEW: "applied",
    S.DOCUMENTS_REQUESTED: "applied",
    S.APPEALED: "applied",
    S.REPORT_DUE: "applied",
    S.APPROVED: "confirmed",
    S.PAID: "confirmed",
    S.REPORTED: "confirmed",
    S.ACCEPTED: "confirmed",
    S.REFUSED: "refused",
    S.OVERDUE: "overdue",
}


@register.filter
def status_badge(status: str) -> str:
    return _BADGE.get(status, "")


@register.filter
def document_label(kind: str) -> str:
    try:
        return str(DocumentKind(kind).label)
    except ValueError:
        return kind


# Rule figures for prose: `{% purchase_report_days as days %}{% blocktranslate %}Within
# {{ days }} days…{% endblocktranslate %}`, so the sentence cannot drift from the rule.
@register.simple_tag
def purchase_report_days() -> int:
    return PURCHASE_REPORT_DAYS


@register.simple_tag
def appeal_working_days() -> int:
    return APPEAL_WORKING_DAYS


@register.simple_tag
def otp_minutes() -> int:
    return otp.LIFETIME_SECONDS // 60
