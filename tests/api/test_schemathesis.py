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
import uuid

import pytest
import schemathesis
import time_machine
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as examples
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
from qamqor.meals.models import PupilRef
from qamqor.meals.tests.redeem_base import NOV, NOW, RedeemCase

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("QAMQOR_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = examples(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# Operations each run must have seen answer 2xx: a run that meets only refusals (a broken
# token, a fixture that lost its objects) proves nothing.
MUST_ANSWER = {
    "anonymous": {"GET /api/v1/canteen/keys", "GET /api/v1/iin/{iin}"},
    "pedagog": {
        "GET /api/v1/pupils/{pupil_id}",
        "PATCH /api/v1/pupils/{pupil_id}",
        "PATCH /api/v1/families/{family_id}",
        "GET /api/v1/applications/{application_id}",
        "GET /api/v1/aid/reports/{report_id}",
        "GET /api/v1/category-assignments/{assignment_id}",
    },
    "director": {"GET /api/v1/pupils/{pupil_id}", "GET /api/v1/meals/lists/{school_id}/{month}"},
    "parent": {"GET /api/v1/wallet/vouchers", "POST /api/v1/wallet/vouchers/{voucher_id}/qr"},
    "canteen": {
        "POST /api/v1/canteen/redemptions",
        "POST /api/v1/canteen/redemptions/batch",
        "POST /api/v1/canteen/entries",
    },
    "browser": {"POST /api/v1/canteen/terminals"},
}

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

    def real_bodies(self) -> dict:
        """Bodies a terminal really sends (a fresh meal QR, a pupil's reference), by
        operation, made from a fresh client id: the served path and its answer's schema."""
        token = self.qr(self.voucher)
        ref = str(PupilRef.objects.get(pupil=self.pupil).ref)

        def scan(client_id: uuid.UUID) -> dict:
            return {"token": token, "client_id": str(client_id), "terminal": "door 1",
                    "scanned_at": NOW.isoformat()}  # fmt: skip

        return {
            "POST /api/v1/canteen/redemptions": scan,
            "POST /api/v1/canteen/redemptions/batch": lambda u: {"scans": [scan(u)]},
            "POST /api/v1/canteen/entries": lambda u: {"pupil_ref": ref, "at": NOW.isoformat()},
        }

    def strategies(self, operation, bodies: dict):  # noqa: ANN001, ANN201
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
        if operation.label in bodies:
            body = bodies[operation.label]
            yield "real body", st.uuids().flatmap(lambda u: operation.as_strategy(body=body(u)))

    def fuzz(self, role: str, session: bool = False) -> None:
        token = self.tokens.get(role)
        headers = {"Authorization": f"Bearer {token}"} if token and not session else {}
        cookies: dict[str, str] = {}
        if session:  # the scanner page's way: the browser session and its CSRF token
            self.client.force_login(getattr(self, role))
            csrf = get_random_string(32)
            cookies = {
                settings.SESSION_COOKIE_NAME: self.client.cookies[
                    settings.SESSION_COOKIE_NAME
                ].value,
                settings.CSRF_COOKIE_NAME: csrf,
            }
            headers = {"X-CSRFToken": csrf}
        failures: list[str] = []
        answered: set[str] = set()  # operations that answered 2xx at least once
        bodies = self.real_bodies()
        for result in api_schema().get_all_operations():
            operation = result.ok()
            for mode, strategy in self.strategies(operation, bodies):

                @SETTINGS
                @given(case=strategy)
                def run(case) -> None:  # noqa: ANN001
                    with transaction.atomic():
                        try:
                            response = case.call_and_validate(
                                headers=headers, cookies=cookies, checks=CHECKS
                            )
                            if response.status_code < 300:
                                answered.add(case.operation.label)
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
        # The run reached past the refusals: each role was served where it should be.
        must = MUST_ANSWER["browser" if session else role]
        self.assertEqual(must - answered, set(), f"{role}: never a 2xx")

    def test_pedagog(self):
        self.fuzz("pedagog")

    def test_director(self):
        self.fuzz("director")

    def test_canteen_operator(self):
        self.fuzz("canteen")

    def test_parent(self):
        self.fuzz("parent")

    def test_canteen_operator_signed_in_in_the_browser(self):
        self.fuzz("canteen", session=True)

    def test_anonymous(self):
        self.fuzz("anonymous")
