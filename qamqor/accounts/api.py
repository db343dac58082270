from __future__ import annotations

from ninja import Router, Schema

from .access import readable_schools
from .types import ApiRequest

router = Router(tags=["schools"])


class SchoolOut(Schema):
    id: int
    name: str
    name_kk: str
    name_ru: str
    bin: str


@router.get("/schools", response=list[SchoolOut])
def list_schools(request: ApiRequest):
    """The schools the caller can see."""
    return list(readable_schools(request.auth).order_by("id"))
