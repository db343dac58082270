from __future__ import annotations

from ninja import Router, Schema

from qamqor.accounts import access
from qamqor.accounts.models import CATEGORY_READERS
from qamqor.accounts.types import ApiRequest
from qamqor.core.api import ErrorOut
from qamqor.core.clock import today

from .monitoring import monitoring

router = Router(tags=["reports"])


class MonitoringOut(Schema):
    families: int
    children: int
    asp: int
    below_subsistence: int
    other: int
    orphans: int
    emergency: int


@router.get("/reports/monitoring", response={200: MonitoringOut, 404: ErrorOut})
def monitoring_report(request: ApiRequest, school: int):
    """Seed 000's table for one school: children whose category is confirmed and valid today."""
    school_obj = access.get_school_for_user(request.auth, school, roles=CATEGORY_READERS)
    return monitoring(school_obj, today())
