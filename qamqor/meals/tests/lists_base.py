"""Shared setup of the list tests: the personas, a programme, categories, a state registry file.

School A (the personas' school) has the pupil (grade 3, universal), the sibling and the
stranger (grade 7). The clock stands on Wednesday 25 November 2026 in Almaty: December's
list is formed, November's is the month before.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import time_machine
from django.test import override_settings

from qamqor.core import ids
from qamqor.core.workdays import TZ, reset_calendar
from qamqor.eligibility.models import CategoryAssignment
from qamqor.meals.models import MealType, Operator
from qamqor.meals.services import lists, programme
from qamqor.meals.services.programme import MealSpec
from qamqor.sandbox import sdu
from qamqor.testing import PersonaTestCase

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
DECEMBER = dt.date(2026, 12, 1)
NOVEMBER = dt.date(2026, 11, 1)
REGISTRY_COLUMNS = (
    "iin",
    "surname",
    "birth_date",
    "civil_status",
    "asp_from",
    "asp_to",
    "guardianship_number",
    "guardianship_from",
)


def make_operator(**kw: Any) -> Operator:
    return Operator.objects.create(
        name_kk=kw.get("name_kk", "«Социум пит» ЖШС"),
        name_ru=kw.get("name_ru", "ТОО «Социум пит»"),
        bin=kw.get("bin", ids.make_bin(2015, 6, 4242)),
    )


def confirm(pupil: Any, category: str, valid_from: dt.date, valid_to: dt.date | None, **kw: Any):
    """A confirmed category, written directly: the eligibility app's own tests cover deciding."""
    return CategoryAssignment.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        category=category,
        status=kw.pop("status", CategoryAssignment.Status.CONFIRMED),
        received_at=dt.datetime(2026, 8, 20, 10, tzinfo=TZ),
        counted_from=dt.date(2026, 8, 20),
        due_date=dt.date(2026, 9, 10),
        valid_from=valid_from,
        valid_to=valid_to,
        **kw,
    )


class ListTestCase(PersonaTestCase):
    """Personas, an operator, a stopped clock and a state-registry file that knows them all."""

    @classmethod
    def setUpClass(cls) -> None:
        cls._dir = Path(tempfile.mkdtemp(prefix="qamqor-sdu-"))
        cls.registry_path = cls._dir / "state_registry.csv"
        cls._registry_settings = override_settings(
            QAMQOR_SANDBOX_STATE_REGISTRY=str(cls.registry_path),
            QAMQOR_PUBLIC_URL="https://qamqor.example.kz",
        )
        cls._registry_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._registry_settings.disable()
        shutil.rmtree(cls._dir, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.operator = make_operator()
        # The sibling (grade 7) eats by АӘК; the stranger (grade 7) has no category.
        cls.asp = confirm(cls.sibling, "asp", dt.date(2026, 9, 1), dt.date(2027, 5, 31))

    def setUp(self) -> None:
        super().setUp()
        reset_calendar()
        self.addCleanup(reset_calendar)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        self.write_registry()

    # --- helpers -------------------------------------------------------------------------

    def write_registry(self, override: dict[str, dict[str, str] | None] | None = None) -> None:
        """Every pupil of the personas' schools known, alive, АӘК and guardianship as given."""
        from qamqor.registry.models import Pupil

        override = override or {}
        rows = []
        for p in Pupil.objects.all():
            row = dict.fromkeys(REGISTRY_COLUMNS, "") | {
                "iin": p.iin,
                "surname": p.surname,
                "birth_date": p.birth_date.isoformat(),
                "civil_status": "alive",
            }
            if p.pk == self.sibling.pk:
                row |= {"asp_from": "2026-09-01", "asp_to": "2027-05-31"}
            if p.iin in override:
                if override[p.iin] is None:
                    continue
                row |= override[p.iin]
            rows.append(row)
        with open(self.registry_path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=REGISTRY_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        # The sandbox reads a file once per change of its stamp; two writes in one test
        # may share a stamp, so forget what was read.
        sdu.forget_registry()

    def make_programme(self, month: dt.date = DECEMBER, school: Any = None, **kw: Any):
        meals = kw.pop("meals", [MealSpec(MealType.LUNCH, 850, 100)])
        return programme.save_programme(
            self.pedagog,
            school or self.school,
            month,
            operator=kw.pop("operator", self.operator),
            meals=meals,
            contract_number=kw.pop("contract_number", "14/2026"),
            **kw,
        )

    def formed(self, month: dt.date = DECEMBER):
        if programme.programme_for(self.school.pk, month) is None:
            self.make_programme(month)
        return lists.form_list(self.pedagog, self.school, month)

    def submitted(self, month: dt.date = DECEMBER):
        return lists.submit_list(self.pedagog, self.formed(month))

    def approved(self, month: dt.date = DECEMBER):
        """Approved and verified to the end (the task runs on commit: ImmediateBackend)."""
        lst = self.submitted(month)
        with self.captureOnCommitCallbacks(execute=True):
            lists.approve_list(self.director, lst)
        lst.refresh_from_db()
        return lst
