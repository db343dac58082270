"""Pure rules of applications, on unsaved instances (DESIGN rule 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from qamqor.applications.catalogue import Text, checklist, passport
from qamqor.applications.models import (
    Application,
    Channel,
    DocumentKind,
    Service,
    required_documents,
)

S = Application.Status
K = DocumentKind


def app(status: str = S.SUBMITTED, service: str = Service.FINANCIAL_AID, **kw) -> Application:
    return Application(
        status=status,
        service=service,
        channel=kw.pop("channel", Channel.SCHOOL),
        due_date=kw.pop("due_date", dt.date(2026, 4, 21)),
        counted_from=dt.date(2026, 3, 30),
        **kw,
    )


# Every edge of the table, for cash aid.
CASH_EDGES = {
    (S.SUBMITTED, S.UNDER_REVIEW),
    (S.UNDER_REVIEW, S.DOCUMENTS_REQUESTED),
    (S.UNDER_REVIEW, S.APPROVED),
    (S.UNDER_REVIEW, S.REFUSED),
    (S.DOCUMENTS_REQUESTED, S.UNDER_REVIEW),
    (S.DOCUMENTS_REQUESTED, S.REFUSED),
    (S.APPROVED, S.PAID),
    (S.PAID, S.REPORT_DUE),
    (S.REPORT_DUE, S.REPORTED),
    (S.REPORT_DUE, S.OVERDUE),
    (S.REPORTED, S.ACCEPTED),
    (S.REPORTED, S.REPORT_DUE),
    (S.REPORTED, S.OVERDUE),
    (S.OVERDUE, S.REPORTED),
    (S.REFUSED, S.APPEALED),
    (S.APPEALED, S.UNDER_REVIEW),
    (S.APPEALED, S.REFUSED),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_the_transition_table_for_cash_aid(source, target):
    assert app(source).can_become(target) == ((source, target) in CASH_EDGES)


@pytest.mark.parametrize("service", [Service.CAMP_VOUCHER, Service.FREE_MEALS])
def test_payment_and_report_are_for_cash_aid_only(service):
    assert app(S.UNDER_REVIEW, service).can_become(S.APPROVED)
    assert not app(S.APPROVED, service).can_become(S.PAID)
    assert app(S.APPROVED, service).allowed_transitions() == set()
    assert app(S.REFUSED, service).can_become(S.APPEALED)


def test_overdue_counts_the_school_deadline_not_the_parents_report():
    day = dt.date(2026, 4, 21)
    assert not app(S.UNDER_REVIEW, due_date=day).is_overdue(day)
    assert app(S.UNDER_REVIEW, due_date=day).is_overdue(day + dt.timedelta(days=1))
    assert app(S.DOCUMENTS_REQUESTED, due_date=day).is_overdue(day + dt.timedelta(days=1))
    # Decided: no deadline runs any more.
    assert not app(S.APPROVED, due_date=day).is_overdue(day + dt.timedelta(days=30))
    # Appealed: the appeal's own deadline runs.
    appealed = app(S.APPEALED, due_date=day, appeal_due_date=day + dt.timedelta(days=20))
    assert not appealed.is_overdue(day + dt.timedelta(days=10))
    assert appealed.is_overdue(day + dt.timedelta(days=21))
    assert appealed.is_due_on(day + dt.timedelta(days=20))


def test_paper_needs_form_and_identity_the_portal_does_not():
    paper = required_documents(
        Service.FINANCIAL_AID, Channel.SCHOOL, needs_birth_certificate=False,
        needs_marriage_certificate=False,
    )  # fmt: skip
    assert paper == [K.APPLICATION_FORM, K.IDENTITY, K.CATEGORY_DOCUMENT]
    con = required_documents(
        Service.FREE_MEALS, Channel.CON, needs_birth_certificate=False,
        needs_marriage_certificate=False,
    )  # fmt: skip
    assert con == paper
    portal = required_documents(
        Service.FINANCIAL_AID, Channel.PORTAL, needs_birth_certificate=False,
        needs_marriage_certificate=False,
    )  # fmt: skip
    assert portal == [K.CATEGORY_DOCUMENT]


def test_certificates_only_when_the_civil_registry_has_no_record():
    kinds = required_documents(
        Service.CAMP_VOUCHER, Channel.PORTAL, needs_birth_certificate=True,
        needs_marriage_certificate=True,
    )  # fmt: skip
    assert kinds == [
        K.BIRTH_CERTIFICATE,
        K.MARRIAGE_CERTIFICATE,
        K.MEDICAL_071,
        K.CATEGORY_DOCUMENT,
    ]
    a = app(channel=Channel.PORTAL, service=Service.CAMP_VOUCHER, needs_birth_certificate=True)
    assert a.required_documents() == [K.BIRTH_CERTIFICATE, K.MEDICAL_071, K.CATEGORY_DOCUMENT]


def test_missing_documents_adds_what_the_school_asked_for():
    a = app(requested_documents=[K.OTHER])
    assert a.missing_documents({K.APPLICATION_FORM, K.IDENTITY}) == [K.CATEGORY_DOCUMENT, K.OTHER]
    assert a.missing_documents({K.APPLICATION_FORM, K.IDENTITY, K.CATEGORY_DOCUMENT, K.OTHER}) == []


def test_the_category_decides_the_wording_of_its_document():
    items = checklist(
        Service.FINANCIAL_AID, Channel.SCHOOL, category="orphans",
        needs_birth_certificate=False, needs_marriage_certificate=False,
    )  # fmt: skip
    assert "guardianship" in items[-1].text.en
    assert "қорғаншылық" in items[-1].text.kk


def test_a_passport_lists_every_document_with_its_condition():
    p = passport(Service.CAMP_VOUCHER)
    paper, portal = p.documents
    assert [i.kind for i in paper.items][:2] == [K.APPLICATION_FORM, K.IDENTITY]
    assert K.IDENTITY not in [i.kind for i in portal.items]
    birth = next(i for i in portal.items if i.kind == K.BIRTH_CERTIFICATE)
    assert "born abroad" in birth.condition.en
    assert p.working_days == 5


def test_text_follows_the_active_language():
    from django.utils import translation

    t = Text("қаз", "рус", "eng")
    for lang, expected in (("kk", "қаз"), ("ru", "рус"), ("en", "eng")):
        with translation.override(lang):
            assert str(t) == expected
