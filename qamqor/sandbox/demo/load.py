"""Load the generated demo school into the database, set-wise and in one transaction.

`load_demo()` maps `generate()` onto the models with one bulk insert per table (in batches),
so the 4,900 pupils, 2,600 families and their guardians, incomes and members load in a few
seconds on SQLite and PostgreSQL. It is idempotent: when the seed school's BIN is already in
the database it does nothing and says so; `reset=True` (`qamqor demo --reset`) first wipes
what an earlier load made (`wipe_demo`).

Where the generator and the models differ it maps: the generator's category "orphan" is the
model's "orphans", its evidence kinds "income_documents" / "guardianship_decision" are the
model's "income" / "guardianship".
"""

from __future__ import annotations

import time
from collections import defaultdict
from functools import lru_cache
from io import TextIOBase
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from qamqor.accounts.models import Membership, User
from qamqor.core import signing, uploads
from qamqor.core.workdays import due_date
from qamqor.eligibility.models import (
    CONFIRMATION_WORKING_DAYS,
    BoardDecision,
    CategoryAssignment,
    Evidence,
)
from qamqor.registry import models as reg

from . import evidence as docs
from .generate import DEMO_PASSWORD, generate
from .records import MEMBER_RELATIONS, DemoData

SEED = 2026
BATCH = 500
CATEGORY_OF = {"orphan": "orphans"}  # generator value -> eligibility.Category value
EVIDENCE_KIND_OF = {"income_documents": "income", "guardianship_decision": "guardianship"}


@lru_cache(maxsize=1)
def demo_data() -> DemoData:
    """The generated demo (deterministic; about 0.4 s, so made once per process)."""
    return generate(SEED)


def seed_school_bin() -> str:
    return demo_data().schools[0].bin


def seed_school() -> reg.School | None:
    return reg.School.objects.filter(bin=seed_school_bin()).first()


def is_loaded() -> bool:
    return reg.School.objects.filter(bin=seed_school_bin()).exists()


def _say(stdout: TextIOBase | IO[str] | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def load_demo(stdout: TextIOBase | IO[str] | None = None, *, reset: bool = False) -> dict[str, Any]:
    """Load the demo unless it is there; returns what was done, with counts and seconds."""
    started = time.perf_counter()
    data = demo_data()
    if reset:
        wipe_demo(stdout)
    elif is_loaded():
        _say(stdout, _("The demo school is already loaded; nothing to do."))
        return {"loaded": False}
    loader = _Loader(data)
    try:
        with transaction.atomic():
            counts = loader.run()
    except BaseException:
        # The rows are rolled back; the evidence files written on the way must go too.
        _delete_files(loader.files)
        raise
    seconds = time.perf_counter() - started
    _say(
        stdout,
        _(
            "Demo loaded in %(seconds).1f s: %(schools)d schools, %(pupils)d pupils, "
            "%(families)d families, %(guardians)d guardians, %(assignments)d categories."
        )
        % {"seconds": seconds, **counts},
    )
    return {"loaded": True, "seconds": seconds, **counts}


class _Loader:
    def __init__(self, data: DemoData) -> None:
        self.d = data
        self.counts: dict[str, int] = {}
        self.schools: dict[str, reg.School] = {}
        self.users: dict[str, User] = {}
        self.classes: dict[str, int] = {}
        self.families: dict[str, int] = {}
        self.pupils: dict[str, int] = {}
        self.guardian_users: dict[str, User] = {}
        self.files: list[str] = []

    def run(self) -> dict[str, int]:
        self.places()
        self.personas()
        self.registry()
        self.categories()
        self.memberships()
        self.meals()
        self.services()
        return self.counts

    def services(self) -> None:
        """Issue 5: applications, cash aid and consultations of the seed school."""
        from .services import load_services

        school = self.schools[self.d.schools[0].key]
        self.counts.update(load_services(school, self.users["pedagog"], self.users["director"]))

    def meals(self) -> None:
        """Issue 3: the seed school's free meals, through the meals services."""
        from .meals import load_meals

        school_key = self.d.schools[0].key
        org = next(o for o in self.d.organisations if school_key in o.school_keys)
        self.counts.update(
            load_meals(
                self.schools[school_key], org, self.users["pedagog"], self.users["director"],
                self.users["canteen"],
            )
        )  # fmt: skip

    def bulk(self, model: type[models.Model], objs: list[Any], key: str) -> list[Any]:
        # Both backends return the new primary keys from a bulk insert (SQLite >= 3.35).
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        self.counts[key] = len(objs)
        return objs

    def places(self) -> None:
        d = self.d
        region = reg.Region.objects.create(name_kk=d.region.name_kk, name_ru=d.region.name_ru)
        self.district = reg.District.objects.create(
            region=region, name_kk=d.district.name_kk, name_ru=d.district.name_ru
        )
        schools = [
            reg.School(name_kk=s.name_kk, name_ru=s.name_ru, bin=s.bin, district=self.district,
                       address=s.address_kk)
            for s in d.schools
        ]  # fmt: skip
        self.bulk(reg.School, schools, "schools")
        for school in schools:  # bulk_create sends no post_save: the keys of school setup
            signing.ensure_key(school.pk, signing.MEAL_QR)
        self.schools = {s.key: obj for s, obj in zip(d.schools, schools, strict=True)}

    def personas(self) -> None:
        # Argon2 is slow on purpose: hash the shared demo password once for every persona.
        password = make_password(DEMO_PASSWORD)
        names = [p.username for p in self.d.personas]
        existing = {u.username: u for u in User.objects.filter(username__in=names)}
        new = []
        for p in self.d.personas:
            if p.username in existing:  # e.g. an admin made by createsuperuser: left as it is
                continue
            new.append(User(
                username=p.username, password=password, first_name=p.name, last_name=p.surname,
                email=f"{p.username}@demo.qamqor.example",  # reset links go to the console
                full_name=p.full_name, is_staff=p.is_superuser, is_superuser=p.is_superuser,
            ))  # fmt: skip
        self.bulk(User, new, "users")
        self.users = existing | {u.username: u for u in new}

    def registry(self) -> None:
        d = self.d
        teachers = {p.class_key: self.users[p.username] for p in d.personas if p.class_key}
        classes = [
            reg.SchoolClass(school=self.schools[c.school_key], grade=c.grade, letter=c.letter,
                            shift=c.shift, language=c.language, class_teacher=teachers.get(c.key))
            for c in d.classes
        ]  # fmt: skip
        self.bulk(reg.SchoolClass, classes, "classes")
        self.classes = {c.key: o.pk for c, o in zip(d.classes, classes, strict=True)}

        # The НОБД exchange matches families by their key; fill it when the model has it.
        has_key = any(f.name == "nobd_key" for f in reg.Family._meta.get_fields())
        families = []
        for f in d.families:
            family = reg.Family(
                school=self.schools[f.school_key],
                address=f.address_ru if f.language == "ru" else f.address_kk,
                phone=f.phone,
            )
            if has_key:
                family.nobd_key = f.key
            families.append(family)
        self.bulk(reg.Family, families, "families")
        self.families = {f.key: o.pk for f, o in zip(d.families, families, strict=True)}
        self.family_language = {f.key: f.language for f in d.families}

        pupils = [
            reg.Pupil(school=self.schools[p.school_key], school_class_id=self.classes[p.class_key],
                      family_id=self.families[p.family_key], iin=p.iin, surname=p.surname,
                      name=p.name, patronymic=p.patronymic, birth_date=p.birth_date, sex=p.sex)
            for p in d.pupils
        ]  # fmt: skip
        self.bulk(reg.Pupil, pupils, "pupils")
        self.pupils = {p.key: o.pk for p, o in zip(d.pupils, pupils, strict=True)}

        self.guardian_users = {p.guardian_key: self.users[p.username]
                               for p in d.personas if p.guardian_key}  # fmt: skip
        guardians = [
            reg.Guardian(family_id=self.families[g.family_key], relation=g.relation, iin=g.iin,
                         surname=g.surname, name=g.name, patronymic=g.patronymic, phone=g.phone,
                         iban=g.iban, user=self.guardian_users.get(g.key))
            for g in d.guardians
        ]  # fmt: skip
        self.bulk(reg.Guardian, guardians, "guardians")

        members = []
        for m in d.members:
            kk, ru = MEMBER_RELATIONS[m.relation]
            members.append(reg.FamilyMember(
                family_id=self.families[m.family_key], full_name=m.full_name,
                relation=ru if self.family_language[m.family_key] == "ru" else kk,
                birth_date=m.birth_date, iin=m.iin,
            ))  # fmt: skip
        self.bulk(reg.FamilyMember, members, "members")

        incomes = [
            reg.Income(family_id=self.families[f.key], source=i.source,
                       monthly_amount=i.monthly_amount, earner=i.earner)
            for f in d.families
            for i in f.incomes
        ]  # fmt: skip
        self.bulk(reg.Income, incomes, "incomes")

    def _staff(self, school_key: str, role: str) -> User | None:
        for p in self.d.personas:
            if p.school_key == school_key and p.role == role:
                return self.users[p.username]
        return None

    def categories(self) -> None:
        d = self.d
        decisions = self.board_decisions()
        rows = []
        for c in d.categories:
            counted_from, due = due_date(c.received_at, CONFIRMATION_WORKING_DAYS)
            pedagogue = self._staff(c.school_key, "pedagogue")
            board = c.category in ("other", "emergency")
            decided_by = (self._staff(c.school_key, "board") if board else None) or pedagogue
            rows.append(CategoryAssignment(
                school=self.schools[c.school_key], pupil_id=self.pupils[c.pupil_key],
                category=CATEGORY_OF.get(c.category, c.category), status=c.status,
                received_at=c.received_at, counted_from=counted_from, due_date=due,
                valid_from=c.valid_from, valid_to=c.valid_to, granted_by=_granted_by(c),
                board_decision=decisions.get((c.school_key, c.evidence_number, c.evidence_date))
                if board else None,
                refusal_reason=c.refusal_reason_kk, decided_at=c.decided_at,
                decided_by=decided_by if c.decided_at else None, created_by=pedagogue,
            ))  # fmt: skip
        self.bulk(CategoryAssignment, rows, "assignments")
        self.evidence(list(zip(d.categories, rows, strict=True)))

    def board_decisions(self) -> dict[tuple, BoardDecision]:
        """One decision per board meeting and school, for the confirmed categories 4 and 5."""
        groups: dict[tuple, list] = defaultdict(list)
        for c in self.d.categories:
            if c.category in ("other", "emergency") and c.status == "confirmed":
                groups[(c.school_key, c.evidence_number, c.evidence_date)].append(c)
        pupils = {p.key: p for p in self.d.pupils}
        objs = {}
        for (school_key, number, day), cats in sorted(groups.items()):
            by_basis: dict[str, int] = defaultdict(int)
            for c in cats:
                by_basis[c.basis_kk] += 1
            names = ", ".join(pupils[c.pupil_key].full_name for c in cats)
            bases = "; ".join(f"{basis} — {n}" for basis, n in sorted(by_basis.items()))
            families = len({c.family_key for c in cats})
            text = (
                f"Қамқоршылық кеңес отбасылардың тұрмыс жағдайын тексеру актілерін қарап, "
                f"ҚАУЛЫ ЕТЕДІ: {families} отбасының {len(cats)} баласы «өзге санат» бойынша "
                f"тегін ыстық тамақ пен материалдық көмекке құқылы деп танылсын ({bases}). "
                f"Оқушылар: {names}."
            )
            objs[(school_key, number, day)] = BoardDecision(
                school=self.schools[school_key], number=number, date=day, text=text
            )
        self.bulk(BoardDecision, list(objs.values()), "board_decisions")
        return objs

    def evidence(self, pairs: list[tuple[Any, CategoryAssignment]]) -> None:
        """Real PDFs for the assignments of the first family of each category (a handful)."""
        first: dict[tuple[str, str, str], str] = {}
        for c, _row in pairs:
            first.setdefault((c.school_key, c.category, c.status), c.family_key)
        pupils = {p.key: p for p in self.d.pupils}
        carers: dict[str, Any] = {}
        for g in self.d.guardians:
            carers.setdefault(g.family_key, g)
        chosen = [
            (c, a) for c, a in pairs
            if c.school_key == "s1" and first[(c.school_key, c.category, c.status)] == c.family_key
        ]  # fmt: skip
        # One document names every child of the family it concerns (a certificate, a
        # decision); the siblings' assignments each keep their own copy of it, so that
        # removing one never removes another's file.
        children: dict[str, list[str]] = defaultdict(list)
        for c, _row in chosen:
            children[c.family_key].append(pupils[c.pupil_key].full_name)
        rows = []
        rendered: dict[tuple[str, str], bytes] = {}
        for c, assignment in chosen:
            names = ", ".join(children[c.family_key])
            for kind, html in docs.documents(c, names, carers[c.family_key].full_name):
                pdf = rendered.get((c.family_key, kind)) or docs.render_pdf(html)
                rendered[(c.family_key, kind)] = pdf
                row = Evidence(
                    assignment=assignment, kind=EVIDENCE_KIND_OF.get(kind, kind),
                    original_name=f"{kind}-{c.key}.pdf", content_type=uploads.PDF, size=len(pdf),
                    uploaded_by=assignment.created_by,
                )  # fmt: skip
                row.file.save(uploads.storage_name(uploads.PDF), ContentFile(pdf), save=False)
                self.files.append(row.file.name)  # type: ignore[arg-type]  # saved just above
                rows.append(row)
        self.bulk(Evidence, rows, "evidence")

    def memberships(self) -> None:
        orgs = {o.key: o for o in self.d.organisations}
        # The meals app matches a canteen operator's scans by the organisation's BIN.
        has_bin = any(f.name == "organisation_bin" for f in Membership._meta.get_fields())
        rows = []
        for p in self.d.personas:
            org = orgs.get(p.organisation_key or "")
            membership = Membership(
                user=self.users[p.username], role=p.role,
                school=self.schools[p.school_key] if p.school_key else None,
                district=self.district if p.district_key and not p.school_key else None,
                organisation=org.name_kk if org else "",
            )  # fmt: skip
            if has_bin and org:
                membership.organisation_bin = org.bin
            rows.append(membership)
        existing = set(
            Membership.objects.filter(user__in=[m.user for m in rows]).values_list(
                "user_id", "role", "school_id", "district_id"
            )
        )
        rows = [m for m in rows if (m.user.pk, m.role, m.school_id, m.district_id) not in existing]
        self.bulk(Membership, rows, "memberships")


def _granted_by(c: Any) -> str:
    """Who grants the category, in Kazakh: the document, its issuer, the board's reason."""
    parts = [c.evidence_kk or c.evidence_issuer_kk]
    if c.evidence_kk and c.evidence_issuer_kk and c.evidence_issuer_kk not in c.evidence_kk:
        parts.append(c.evidence_issuer_kk)
    if c.basis_kk:
        parts.append(c.basis_kk)
    return "; ".join(p for p in parts if p)[:300]


# --- wiping -------------------------------------------------------------------------------


def wipe_demo(stdout: TextIOBase | IO[str] | None = None) -> int:
    """Delete what the demo load made: its schools and everything in them, and the personas.

    Rows of other apps that protect a demo row (a scan, an import job, ...) go first, so the
    wipe keeps working as apps are added. Evidence files of the demo schools are removed too.
    Returns the number of rows deleted.
    """
    d = demo_data()
    deleted = 0
    with transaction.atomic():
        schools = list(reg.School.objects.filter(bin__in=[s.bin for s in d.schools]))
        files = list(
            Evidence.objects.filter(assignment__school__in=schools).values_list("file", flat=True)
        )
        for model in (CategoryAssignment, BoardDecision, reg.Pupil, reg.Family):
            deleted += _purge(model._default_manager.filter(school__in=schools))
        deleted += _purge(reg.School.objects.filter(pk__in=[s.pk for s in schools]))
        deleted += _purge(User.objects.filter(username__in=[p.username for p in d.personas]))
        districts = reg.District.objects.filter(
            pk__in={s.district_id for s in schools}, schools__isnull=True
        )
        regions = set(districts.values_list("region_id", flat=True))
        deleted += _purge(districts)
        deleted += _purge(reg.Region.objects.filter(pk__in=regions, districts__isnull=True))
        transaction.on_commit(lambda: _delete_files(files))
    if deleted:
        _say(stdout, _("The earlier demo data were deleted (%(rows)d rows).") % {"rows": deleted})
    return deleted


def _purge(qs: models.QuerySet, depth: int = 0) -> int:
    """Delete `qs`; rows that protect it are deleted first (Django stops at PROTECT)."""
    removed = 0
    for _attempt in range(10):
        try:
            return removed + qs.delete()[0]
        except (ProtectedError, RestrictedError) as exc:
            if depth >= 5:
                raise
            blockers: dict[type[models.Model], set[Any]] = defaultdict(set)
            found = (
                exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            )
            for obj in found:
                blockers[type(obj)].add(obj.pk)
            for model, pks in blockers.items():
                removed += _purge(model._base_manager.filter(pk__in=pks), depth + 1)
    return removed + qs.delete()[0]


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a file already gone is what we wanted
            pass
