"""Shared pieces of the canteen's entry tests: photos, the Face-ID skip, vouchers."""

from __future__ import annotations

import os
import unittest
from pathlib import Path

from qamqor.canteen.faceid import engine
from qamqor.core.clock import now, today
from qamqor.meals.models import MealType, Voucher, first_of_month

FACES = Path(__file__).resolve().parent / "fixtures" / "faces"


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def needs_faceid(test):  # noqa: ANN001
    """Skip with a reason when the optional Face-ID packages are missing, unless
    QAMQOR_REQUIRE_FACEID=1 (then the missing packages fail the test instead)."""
    if engine.available() or os.environ.get("QAMQOR_REQUIRE_FACEID") == "1":
        return test
    return unittest.skip(
        "Face ID is not installed (pip install -e '.[faceid]'); "
        "QAMQOR_REQUIRE_FACEID=1 makes this a failure"
    )(test)


def active_voucher(pupil, month=None, status=Voucher.Status.ACTIVE) -> Voucher:  # noqa: ANN001
    return Voucher.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        month=month or first_of_month(today()),
        meal_type=MealType.LUNCH,
        status=status,
        activated_at=now(),
    )
