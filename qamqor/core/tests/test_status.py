"""The status helper: the model's table decides, and a refusal is the app's own error."""

from __future__ import annotations

import pytest
from django.utils import translation

from qamqor.core.status import move, require
from qamqor.meals.models import Voucher
from qamqor.registry.exchange.models import ImportJob


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def test_a_refusal_is_the_apps_error_in_the_models_words():
    with translation.override("en"), pytest.raises(Refused) as caught:
        require(Voucher(status=Voucher.Status.EXPIRED), Voucher.Status.ACTIVE, Refused)
    assert caught.value.code == "transition_not_allowed"
    assert caught.value.message == "The voucher is expired; it cannot become active."


def test_move_changes_the_field_the_model_names_and_returns_the_old_status():
    job = ImportJob(state=ImportJob.State.PARSING)
    assert move(job, ImportJob.State.VALIDATED, error=Refused, save=False) == "parsing"
    assert job.state == ImportJob.State.VALIDATED
    with pytest.raises(Refused):
        move(job, ImportJob.State.PARSING, error=Refused, save=False)
    assert job.state == ImportJob.State.VALIDATED
