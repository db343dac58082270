"""The day's scan problems at a school: conflicts (a pupil served by two terminals offline)
and refusals, for the social pedagogue and the canteen operator (issue 3)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render

from qamqor.accounts import access
from qamqor.accounts.models import Role
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record_read
from qamqor.core.clock import today
from qamqor.core.views import paginate
from qamqor.meals.models import Redemption
from qamqor.meals.services.redeem import message_for

# Who answers for what the canteen did: the school's pedagogue, its administrator, and the
# operator's staff (who never see a category: the rows carry none).
PROBLEM_READERS = {Role.PEDAGOGUE, Role.ADMIN, Role.CANTEEN}
PROBLEMS = (Redemption.Status.CONFLICT, Redemption.Status.REFUSED)


@login_required
def conflicts(request: AuthedRequest) -> HttpResponse:
    schools = access.schools_or_404(request.user, PROBLEM_READERS)
    school = next((s for s in schools if str(s.pk) == request.GET.get("school")), schools[0])
    try:
        day = dt.date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        day = today()
    status = request.GET.get("status")
    wanted = [status] if status in PROBLEMS else list(PROBLEMS)

    day_rows = access.visible(request.user, Redemption).filter(school_id=school.pk, day=day)
    counts = dict.fromkeys(Redemption.Status.values, 0)
    for value, n in day_rows.values_list("status").annotate(n=Count("id")).order_by():
        counts[value] = n
    qs = (
        day_rows.filter(status__in=wanted)
        .select_related("voucher__pupil__school_class")
        .order_by("-scanned_at", "-id")
    )
    page, query = paginate(request, qs)
    for row in page:
        # A pupil of another school scanned here (wrong_school) is not named on this page.
        pupil = row.voucher.pupil if row.voucher and row.voucher.school_id == school.pk else None
        row.pupil_label = pupil.short_name if pupil else "—"
        row.class_label = str(pupil.school_class) if pupil and pupil.school_class_id else ""
        row.reason = message_for(row.code) if row.code else ""
    record_read(request.user, Redemption, page, request=request, school_id=school.pk)
    return render(
        request,
        "meals/canteen/conflicts.html",
        {
            "schools": schools,
            "school": school,
            "day": day,
            "status": status if status in PROBLEMS else "",
            "statuses": [(s.value, s.label) for s in PROBLEMS],
            "counts": counts,
            "page": page,
            "query": query,
        },
    )
