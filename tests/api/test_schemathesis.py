"""Schemathesis over the whole API, from the app's own OpenAPI, through Django's WSGI app (no
server), as each role: no server error, and every answer documented and as documented.

Each role's run is one test: every operation, positive and negative data, a bounded number of
examples (`QAMQOR_FUZZ_EXAMPLES`, default 6), derandomised so that a run is repeatable. Path
parameters are drawn from the ids of the fixture's own objects as well as generated, so that
operations are exercised past their 404. Each example runs in a savepoint rolled back after
it: one example's writes do not change the next one's ground.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qamqor.accounts.tokens import issue_token
from qamqor.aid import services as aid
from qamqor.aid.models import PurchaseReport
from qamqor.aid.tests.base import pdf
from qamqor.applications.models import Channel, Service
from qamqor.applications.services import (
    add_document,
    approve_application,
    start_review,
    submit_application,
)
from qamqor.core.clock import today
from qamqor.eligibility.models import Category
from qamqor.eligibility.services import apply_category
from qamqor.meals.tests.redeem_base import NOV, NOW, RedeemCase

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("QAMQOR_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

_schema = None


def api_schema():  # noqa: ANN201
    global _schema
    if _schema is None:
        _schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    return _schema


class ApiFuzz(RedeemCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.tokens = {
            "pedagog": cls.pedagog_key,
            "canteen": cls.key,
            "director": issue_token(cls.director),
            "parent": issue_token(cls.parent),
        }
        with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
            cls.assignment = apply_category(cls.pedagog, cls.sibling, Category.ASP, granted_by="Әкімдік")  # fmt: skip
            # A cash-aid application approved and paid: its purchase report is due.
            cls.application = submit_application(
                cls.pedagog, cls.pupil, Service.FINANCIAL_AID, Channel.SCHOOL,
                category="asp", applicant=cls.guardian, allow_incomplete=True,
            )  # fmt: skip
            for kind in cls.application.missing_documents(set()):
                add_document(cls.pedagog, cls.application, kind, pdf("doc.pdf"))
            start_review(cls.pedagog, cls.application)
            approve_application(cls.pedagog, cls.application)
            cls.register = aid.form_register(cls.pedagog, cls.school)
            aid.record_export(cls.pedagog, cls.register, "csv")
            aid.mark_register_paid(cls.pedagog, cls.register, today())
        cls.report = PurchaseReport.objects.get(application=cls.application)

    def setUp(self) -> None:
        super().setUp()
        # As Django's test client does: the test's transaction must outlive each request.
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)

    def ids(self) -> dict[str, list]:
        """Path parameters by name: the fixture's own objects, and one that exists nowhere."""
        return {
            "pupil_id": [self.pupil.pk, self.other_pupil.pk],
            "family_id": [self.family.pk],
            "school_id": [self.school.pk, self.other_school.pk],
            "voucher_id": [self.voucher.pk, self.other_voucher.pk],
            "month": [NOV.strftime("%Y-%m"), NOV.isoformat()],
            "iin": [self.pupil.iin],
            "application_id": [self.application.pk],
            "assignment_id": [self.assignment.pk],
            "register_id": [self.register.pk],
            "report_id": [self.report.pk],
        }

    def strategies(self, operation):  # noqa: ANN001, ANN201
        names = {p.name for p in operation.path_parameters}
        known = {k: v for k, v in self.ids().items() if k in names}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            yield mode, operation.as_strategy(generation_mode=mode)
        if known:
            fixed = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in known.items()})
            yield (
                "known ids",
                fixed.flatmap(lambda p: operation.as_strategy(path_parameters=p)),
            )

    def fuzz(self, role: str) -> None:
        token = self.tokens.get(role)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        failures: list[str] = []
        for result in api_schema().get_all_operations():
            operation = result.ok()
            for mode, strategy in self.strategies(operation):

                @SETTINGS
                @given(case=strategy)
                def run(case) -> None:  # noqa: ANN001
                    with transaction.atomic():
                        try:
                            case.call_and_validate(headers=headers, checks=CHECKS)
                        finally:
                            transaction.set_rollback(True)

                try:
                    run()
                except Unsatisfiable:
                    # No invalid data exists for it (a path of free text and nothing else).
                    self.assertEqual(mode, GenerationMode.NEGATIVE, operation.label)
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                    # Every operation's failures, then one report.
                    failures.append(f"--- {role}, {mode}: {operation.label}\n{exc}")
        if failures:
            self.fail(f"{len(failures)} failing:\n\n" + "\n\n".join(failures))

    def test_pedagog(self):
        self.fuzz("pedagog")

    def test_director(self):
        self.fuzz("director")

    def test_canteen_operator(self):
        self.fuzz("canteen")

    def test_parent(self):
        self.fuzz("parent")

    def test_anonymous(self):
        self.fuzz("anonymous")
