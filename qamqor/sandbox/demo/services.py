"""The demo school's public services and cash aid (issue 5), made through the real services.

Cash-aid applications of АӘК families approved and paid today (purchase reports due in 15
days), one still under review, a free-meals application waiting for a document the school asked
for, a camp-voucher application with a summer camp, and the pedagogue's consultations.
Deterministic: the same rows on every load.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from qamqor.accounts.types import User
from qamqor.aid.services.common import carry_aid_amount
from qamqor.aid.services.registers import form_register, mark_register_paid, record_export
from qamqor.applications.models import Application
from qamqor.applications.services.applications import (
    add_document,
    approve_application,
    request_documents,
    start_review,
    submit_application,
)
from qamqor.applications.services.camps import add_camp_session, create_camp
from qamqor.applications.services.consultations import log_consultation
from qamqor.core.clock import today
from qamqor.core.workdays import get_calendar
from qamqor.eligibility.models import CategoryAssignment
from qamqor.registry.models import Pupil, School

ALMATY = ZoneInfo("Asia/Almaty")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _pdf() -> io.BytesIO:
    f = io.BytesIO(PDF)
    f.name = "scan.pdf"
    f.size = len(PDF)  # type: ignore[attr-defined]  # as an upload has it (uploads.file_size)
    return f


def _working_day_at(days_back: int, hour: int) -> dt.datetime:
    cal = get_calendar()
    day = cal.add_working_days(today(), -days_back)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=ALMATY)


def _complete(user: User, application: Application) -> None:
    present = {d.kind for d in application.documents.all()}
    for kind in application.missing_documents(present):
        add_document(user, application, kind, _pdf())


def _category_pupils(school: School, category: str, grades: range, limit: int) -> list[Pupil]:
    ids = CategoryAssignment.objects.filter(
        school=school, category=category, status="confirmed",
        pupil__school_class__grade__in=list(grades),
    ).values_list("pupil_id", flat=True)  # fmt: skip
    return list(Pupil.objects.filter(id__in=ids).order_by("id")[:limit])


def load_services(school: School, pedagog: User, director: User) -> dict[str, int]:
    counts = {"applications": 0, "consultations": 0}
    # Cash aid for АӘК children: three approved and paid (their purchase reports now due),
    # one still under review.
    aid_children = _category_pupils(school, "asp", range(1, 12), 4)
    approved = []
    for n, pupil in enumerate(aid_children):
        application = submit_application(
            pedagog, pupil, "financial_aid", "school", received_at=_working_day_at(20 - n, 10),
            category="asp", applicant=pupil.family.guardians.first() if pupil.family else None,
            allow_incomplete=True,
        )  # fmt: skip
        _complete(pedagog, application)
        start_review(pedagog, application)
        if n < 3:
            approve_application(director, application)
            approved.append(application)
        counts["applications"] += 1
    if approved:
        # The demo loads in any year: a year whose amount no budget law has given yet is
        # paid at the latest amount, labelled as the demo's own.
        carry_aid_amount(today().year, "Демо: %(year)s жылғы сома / демо: сумма %(year)s года")
        register = form_register(pedagog, school)
        record_export(pedagog, register, "csv")
        mark_register_paid(pedagog, register, today())

    # Free meals for an orphan of grade 6: the school asked for the guardianship decision.
    orphans = _category_pupils(school, "orphans", range(5, 12), 1)
    for pupil in orphans:
        application = submit_application(
            pedagog, pupil, "free_meals", "con", received_at=_working_day_at(3, 11),
            category="orphans", allow_incomplete=True,
        )  # fmt: skip
        start_review(pedagog, application)
        missing = application.missing_documents({d.kind for d in application.documents.all()})
        if missing:
            request_documents(
                pedagog, application, missing[:1], "Қорғаншылық туралы шешімнің көшірмесі"
            )
        counts["applications"] += 1

    # A summer camp and an application for a place in it.
    camp = create_camp(pedagog, school, "«Балдәурен» сауықтыру лагері", "out_of_town",
                       "Түркістан облысы, Сайрам ауданы")  # fmt: skip
    summer = today().year + (1 if today().month > 6 else 0)
    add_camp_session(pedagog, camp, "1-ауысым", dt.date(summer, 6, 5), dt.date(summer, 6, 25), 40)
    for pupil in _category_pupils(school, "other", range(3, 9), 1):
        application = submit_application(
            pedagog, pupil, "camp_voucher", "school", received_at=_working_day_at(2, 15),
            category="other", allow_incomplete=True,
        )  # fmt: skip
        _complete(pedagog, application)
        counts["applications"] += 1

    # The pedagogue's consultations of the last weeks.
    topics = [
        ("cash_aid", "informed", "financial_aid", "school", None),
        ("portal", "portal_helped", "free_meals", "school", None),
        ("documents", "referred_con", "camp_voucher", "con", None),
        ("category", "follow_up", "", "school", 3),
        ("rights", "referred_other", "", "school", None),
    ]
    families = [p.family for p in _category_pupils(school, "below_subsistence", range(0, 12), 5)]
    families += [p.family for p in aid_children]
    for (topic, outcome, service, channel, follow), family in zip(topics, families, strict=False):
        if family is None:
            continue
        log_consultation(
            pedagog, family, topic=topic, outcome=outcome, service=service,
            channel=channel,
            held_at=_working_day_at(len(topics) - counts["consultations"], 12),
            notes="", follow_up_on=today() + dt.timedelta(days=follow) if follow else None,
        )  # fmt: skip
        counts["consultations"] += 1
    return counts
