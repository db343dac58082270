"""Tags the registry's pages load to show categories without importing this app.

The import graph is a DAG (eligibility → registry); the pupil card and the family card
`{% load eligibility_tags %}` and call these. Both render nothing for a user who may not see
categories: the canteen and the class teacher must never learn a child's category.
"""

from __future__ import annotations

from typing import Any

from django import template

from qamqor.accounts.access import get_scope
from qamqor.core.clock import today

from ..models import CONFIRMATION_WORKING_DAYS
from ..selectors import can_see_pupil_categories, income_test, with_due

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("eligibility/tags/pupil_categories.html", takes_context=True)
def pupil_categories(context: template.Context, pupil: Any) -> dict[str, Any]:
    """`{% pupil_categories pupil %}`: the pupil's categories, and "Assign" for writers."""
    user = _user(context)
    if pupil is None or user is None or not can_see_pupil_categories(user, pupil):
        return {"visible": False}
    day = today()
    assignments = with_due(
        pupil.categories.select_related("board_decision").order_by("-received_at", "-id"), day
    )
    return {
        "visible": True,
        "pupil": pupil,
        "assignments": assignments,
        "valid_now": [a for a in assignments if a.is_valid_on(day)],
        "can_write": get_scope(user).can_write(pupil.school_id),
    }


@register.inclusion_tag("eligibility/tags/income_test.html", takes_context=True, name="income_test")
def income_test_tag(context: template.Context, family: Any) -> dict[str, Any]:
    """`{% income_test family %}`: per-capita income against this year's subsistence minimum."""
    user = _user(context)
    if family is None or user is None or not get_scope(user).can_see_categories(family.school_id):
        return {"visible": False}
    return {"visible": True, "family": family, "income": income_test(family, today().year)}


@register.simple_tag
def confirmation_working_days() -> int:
    """For prose that states the term: `{% confirmation_working_days as days %}`."""
    return CONFIRMATION_WORKING_DAYS
