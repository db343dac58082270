"""Reminders about purchase reports, sent by SMS through the meals app's `SmsGateway`.

The interface fits as it is (one message to one phone, a purpose tag), so the aid app reuses
it and its settings switch (`QAMQOR_SMS_GATEWAY`; the sandbox outbox by default) instead of a
second one. `send_reminders` is what `qamqor aid_reminders` runs: the overdue reports are
flagged first, then each report that today calls for a reminder gets one (in the daytime). An `AidReminder` row
(unique per report and day) is written before the message goes, so a second run the same day,
or two runs at once, send nothing twice. Nothing here logs a phone number, a name or a text.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qamqor.core.clock import now, today
from qamqor.meals.notify import SmsGateway, get_gateway, public_url

from ..models import AidReminder, PurchaseReport
from .common import AppStatus
from .purchase_reports import mark_overdue

log = logging.getLogger(__name__)
# Parents are texted in the daytime only (Almaty time); a run at night flags overdue reports
# and leaves the messages to the next daytime run.
SEND_FROM_HOUR, SEND_UNTIL_HOUR = 9, 21
Stage = AidReminder.Stage
Outcome = AidReminder.Outcome


@dataclass
class ReminderRun:
    overdue: int = 0
    sent: int = 0
    no_phone: int = 0
    failed: int = 0
    skipped: int = 0
    night: bool = False


def recipient_phone(report: PurchaseReport) -> str:
    """The paid guardian's phone, else the family's."""
    guardian = report.line.guardian
    if guardian is not None and guardian.phone:
        return guardian.phone
    family = report.pupil.family
    return family.phone if family is not None else ""


def reminder_text(report: PurchaseReport, stage: str) -> str:
    # The school's language: the SMS goes out before anyone has chosen one on a page.
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "child": report.pupil.short_name,
            "date": date_format(report.due_date, "SHORT_DATE_FORMAT"),
            "link": public_url(reverse("aid:my_report", args=[report.pk])),
        }
        if stage == Stage.OVERDUE:
            text = _(
                "Qamqor: the report on the school aid for %(child)s was due on %(date)s. "
                "Upload the receipts and photos of the purchases: %(link)s"
            )
        elif stage == Stage.TODAY:
            text = _(
                "Qamqor: today is the last day of the report on the school aid for %(child)s. "
                "Upload the receipts and photos of the purchases: %(link)s"
            )
        else:
            text = _(
                "Qamqor: the report on the school aid for %(child)s is due on %(date)s. "
                "Upload the receipts and photos of the purchases: %(link)s"
            )
        return text % params


def _sent(report: PurchaseReport) -> list[tuple[str, dt.date, dt.date]]:
    # A message the provider refused still takes its day, but its stage is tried again.
    return [
        ("" if r.outcome == Outcome.FAILED else r.stage, r.due_date, r.sent_on)
        for r in report.reminders.all()
    ]


def send_reminders(day: dt.date | None = None, gateway: SmsGateway | None = None) -> ReminderRun:
    day = day or today()
    run = ReminderRun(overdue=mark_overdue(day))
    if not SEND_FROM_HOUR <= timezone.localtime(now()).hour < SEND_UNTIL_HOUR:
        run.night = True
        return run
    waiting = (
        PurchaseReport.objects.filter(
            application__status__in=[AppStatus.REPORT_DUE, AppStatus.OVERDUE]
        )
        .select_related("application", "pupil__family", "line__guardian")
        .prefetch_related("reminders")
        .order_by("due_date", "id")
    )
    for report in waiting:
        stage = report.reminder_stage(day)
        if stage is None or not report.wants_reminder(day, _sent(report)):
            continue  # (wants_reminder is False without a stage)
        phone = recipient_phone(report)
        try:
            with transaction.atomic():
                reminder = AidReminder.objects.create(
                    report=report,
                    sent_on=day,
                    stage=stage,
                    due_date=report.due_date,
                    outcome=Outcome.SENT if phone else Outcome.NO_PHONE,
                    created_at=now(),
                )
        except IntegrityError:
            run.skipped += 1  # another run got here first today
            continue
        if not phone:
            run.no_phone += 1
            continue
        gateway = gateway or get_gateway()
        try:
            reminder.message_id = gateway.send(
                phone, reminder_text(report, stage), purpose="aid_report"
            )[:100]
        except Exception:  # noqa: BLE001 - the provider's refusal must not stop the others
            reminder.outcome = Outcome.FAILED
            run.failed += 1
            log.warning("aid reminder #%s: the SMS provider refused it", reminder.pk)
        else:
            run.sent += 1
        reminder.save(update_fields=["outcome", "message_id"])
    return run


__all__ = ["ReminderRun", "recipient_phone", "reminder_text", "send_reminders"]
