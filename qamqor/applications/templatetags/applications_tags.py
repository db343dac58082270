"""Template helpers of the applications pages (badge colours, document labels)."""

from __future__ import annotations

from django import template

from ..models import Application, DocumentKind

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
