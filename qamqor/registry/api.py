"""JSON API of the registry: pupils and families. Same services as the HTML pages."""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from qamqor.accounts import access
from qamqor.accounts.types import ApiRequest, User
from qamqor.audit.services import audit_read, record
from qamqor.core import ids
from qamqor.core.api import MAX_OFFSET, ErrorOut, Paging, TextIn
from qamqor.core.errors import ServiceError
from qamqor.core.validators import message_for

from . import services
from .models import Family, Pupil, SchoolClass
from .selectors import family_figures, pupil_queryset

router = Router(tags=["registry"])


class PupilOut(Schema):
    id: int
    school_id: int
    iin: str
    surname: str
    name: str
    patronymic: str
    birth_date: dt.date
    sex: str
    status: str
    school_class_id: int | None
    school_class: str | None = None
    grade: int | None = None
    family_id: int | None

    @staticmethod
    def resolve_school_class(obj: Pupil) -> str | None:
        return str(obj.school_class) if obj.school_class_id else None

    @staticmethod
    def resolve_grade(obj: Pupil) -> int | None:
        return obj.school_class.grade if obj.school_class else None


class PupilIn(TextIn):
    school_id: int | None = None
    iin: str
    surname: str = Field(..., min_length=1, max_length=100)
    name: str = Field(..., min_length=1, max_length=100)
    patronymic: str = Field("", max_length=100)
    birth_date: dt.date | None = None
    sex: str | None = Field(None, pattern="^[MF]$")
    school_class_id: int | None = None
    family_id: int | None = None
    status: str = Pupil.Status.ACTIVE


class PupilPatch(TextIn):
    # A field left out is unchanged; `null` is refused (422) where the column takes no null,
    # rather than reaching the database (a 500, whose error text quotes the child's row).
    iin: str = Field(None)  # type: ignore[assignment]  # absent, not null
    surname: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]  # absent, not null
    name: str = Field(None, min_length=1, max_length=100)  # type: ignore[assignment]  # absent, not null
    patronymic: str = Field(None, max_length=100)  # type: ignore[assignment]  # absent, not null
    birth_date: dt.date = Field(None)  # type: ignore[assignment]  # absent, not null
    sex: str = Field(None, pattern="^[MF]$")  # type: ignore[assignment]  # absent, not null
    school_class_id: int | None = None
    family_id: int | None = None
    status: str = Field(None)  # type: ignore[assignment]  # absent, not null


class PupilFilters(Schema):
    q: str | None = None
    school: int | None = None
    school_class: int | None = None
    grade: int | None = Field(None, ge=0, le=11)
    category: str | None = None
    status: str | None = None
    sort: str | None = None


def _check_iin(iin: str) -> None:
    result = ids.validate_iin(iin or "")
    if not result.valid:
        raise ServiceError("iin_invalid", message_for(result.error or "iin_checksum"), field="iin")


def _resolve_links(school_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Turn *_id fields into objects of the same school; a foreign id is a 422, not a leak."""
    out = dict(data)
    links: tuple[tuple[str, type[SchoolClass | Family], str], ...] = (
        ("school_class", SchoolClass, "class_unknown"),
        ("family", Family, "family_unknown"),
    )
    for name, model, code in links:
        key = f"{name}_id"
        if key not in out:
            continue
        pk = out.pop(key)
        out[name] = None if pk is None else model.objects.filter(pk=pk, school_id=school_id).first()
        if pk is not None and out[name] is None:
            raise ServiceError(code, field=key)
    if out.get("status") and out["status"] not in Pupil.Status.values:
        raise ServiceError("status_unknown", field="status")
    return out


@router.get("/pupils", response=list[PupilOut])
@audit_read(Pupil)
@paginate(Paging)
def list_pupils(request: ApiRequest, filters: Query[PupilFilters]):
    """Pupils the caller may read, with search (`q`: name or IIN prefix), filters and sort."""
    params = filters.dict(exclude_none=True)
    qs = pupil_queryset(request.auth, params)
    if "school" in params:
        qs = qs.filter(school_id=params["school"])
    return qs


@router.post("/pupils", response={201: PupilOut, 404: ErrorOut})
def create_pupil(request: ApiRequest, payload: PupilIn):
    _check_iin(payload.iin)
    scope = access.get_scope(request.auth)
    school_id = payload.school_id or next(iter(sorted(scope.school_ids(write=True))), None)
    school = access.get_school_for_user(request.auth, school_id, write=True)
    data = _resolve_links(school.pk, payload.dict(exclude={"school_id"}, exclude_none=True))
    pupil = services.create_pupil(request.auth, school, data)
    return Status(201, pupil)


@router.get("/pupils/{pupil_id}", response=PupilOut)
def get_pupil(request: ApiRequest, pupil_id: int):
    pupil = access.get_pupil_for_user(request.auth, pupil_id)
    record(request.auth, "view", pupil)
    return pupil


@router.patch("/pupils/{pupil_id}", response=PupilOut)
def patch_pupil(request: ApiRequest, pupil_id: int, payload: PupilPatch):
    pupil = access.get_pupil_for_user(request.auth, pupil_id, write=True)
    data = payload.dict(exclude_unset=True)
    if "iin" in data:
        _check_iin(data["iin"] or "")
    data = _resolve_links(pupil.school_id, data)
    services.update_pupil(request.auth, pupil, data)
    pupil.refresh_from_db()
    return pupil


class GuardianOut(Schema):
    id: int
    iin: str
    surname: str
    name: str
    patronymic: str
    relation: str
    phone: str
    iban: str
    lives_with_family: bool


class IncomeOut(Schema):
    source: str
    monthly_amount: int
    earner: str


class FamilyOut(Schema):
    id: int
    school_id: int
    address: str
    phone: str
    members: int
    monthly_income: int
    per_capita_income: int
    pupil_ids: list[int]
    guardians: list[GuardianOut]
    incomes: list[IncomeOut]


class FamilyIn(TextIn):
    MULTILINE = frozenset({"notes"})
    school_id: int | None = None
    address: str = Field("", max_length=300)
    phone: str = Field("", max_length=20)
    notes: str = ""


class FamilyPatch(TextIn):
    MULTILINE = frozenset({"notes"})
    # Left out: unchanged; `null` is a 422 (the columns take none).
    address: str = Field(None, max_length=300)  # type: ignore[assignment]  # absent, not null
    phone: str = Field(None, max_length=20)  # type: ignore[assignment]  # absent, not null
    notes: str = Field(None)  # type: ignore[assignment]  # absent, not null


def _family_out(user: User, family: Family) -> dict[str, Any]:
    figures = family_figures(family)
    return {
        "id": family.pk,
        "school_id": family.school_id,
        "address": family.address,
        "phone": family.phone,
        "members": figures["members"],
        "monthly_income": figures["income"],
        "per_capita_income": figures["per_capita"],
        "pupil_ids": list(
            access.visible(user, Pupil).filter(family=family).values_list("id", flat=True)
        ),
        "guardians": list(family.guardians.all()),
        "incomes": list(family.incomes.all()),
    }


class FamilyPage(Schema):
    items: list[FamilyOut]
    count: int


@router.get("/families", response=FamilyPage)
@audit_read(Family)
def list_families(
    request: ApiRequest,
    school: int | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    qs = access.visible(request.auth, Family).order_by("id")
    if school is not None:
        qs = qs.filter(school_id=school)
    page = qs.prefetch_related("guardians", "incomes")[offset : offset + limit]
    return {"items": [_family_out(request.auth, f) for f in page], "count": qs.count()}


@router.post("/families", response={201: FamilyOut, 404: ErrorOut})
def create_family(request: ApiRequest, payload: FamilyIn):
    scope = access.get_scope(request.auth)
    school_id = payload.school_id or next(iter(sorted(scope.school_ids(write=True))), None)
    school = access.get_school_for_user(request.auth, school_id, write=True)
    family = services.create_family(request.auth, school, payload.dict(exclude={"school_id"}))
    return Status(201, _family_out(request.auth, family))


@router.get("/families/{family_id}", response=FamilyOut)
def get_family(request: ApiRequest, family_id: int):
    family = access.get_family_for_user(request.auth, family_id)
    record(request.auth, "view", family)
    return _family_out(request.auth, family)


@router.patch("/families/{family_id}", response=FamilyOut)
def patch_family(request: ApiRequest, family_id: int, payload: FamilyPatch):
    family = access.get_family_for_user(request.auth, family_id, write=True)
    services.update_family(request.auth, family, payload.dict(exclude_unset=True))
    return _family_out(request.auth, family)
