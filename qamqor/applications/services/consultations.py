"""The consultation log: recording a consultation and closing its follow-up."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qamqor.accounts.types import User, signed_in
from qamqor.audit.services import record
from qamqor.core.clock import now
from qamqor.registry.models import Family

from ..models import Channel, Consultation, Service
from .applications import ApplicationError


@transaction.atomic
def log_consultation(
    user: User | None,
    family: Family,
    *,
    topic: str,
    outcome: str,
    held_at: dt.datetime | None = None,
    service: str = "",
    channel: str = "",
    notes: str = "",
    follow_up_on: dt.date | None = None,
) -> Consultation:
    if topic not in Consultation.Topic.values:
        raise ApplicationError("topic_invalid", _("Choose the topic."), "topic")
    if outcome not in Consultation.Outcome.values:
        raise ApplicationError("outcome_invalid", _("Choose the outcome."), "outcome")
    if service and service not in Service.values:
        raise ApplicationError("service_invalid", _("Choose a service."), "service")
    if channel and channel not in Channel.values:
        raise ApplicationError("channel_invalid", _("Choose a channel."), "channel")
    held_at = held_at or now()
    if timezone.is_naive(held_at):
        held_at = timezone.make_aware(held_at)
    if held_at > now():
        raise ApplicationError(
            "held_in_future", _("A consultation cannot be held in the future."), "held_at"
        )
    if follow_up_on is not None and follow_up_on < timezone.localdate(held_at):
        raise ApplicationError(
            "follow_up_before",
            _("The follow-up cannot be before the consultation."),
            "follow_up_on",
        )
    if outcome == Consultation.Outcome.FOLLOW_UP and follow_up_on is None:
        raise ApplicationError(
            "follow_up_date_required", _("Enter when to follow up."), "follow_up_on"
        )
    consultation = Consultation.objects.create(
        school_id=family.school_id,
        family=family,
        held_at=held_at,
        topic=topic,
        service=service,
        channel=channel,
        outcome=outcome,
        notes=(notes or "").strip(),
        follow_up_on=follow_up_on,
        by=signed_in(user),
    )
    fields = ["family", "held_at", "topic", "outcome", "service", "channel", "follow_up_on"]
    record(user, "create", consultation, fields=fields + (["notes"] if notes else []))
    return consultation


@transaction.atomic
def close_follow_up(user: User, consultation: Consultation) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.follow_up_on is None:
        raise ApplicationError("no_follow_up", _("This consultation has no follow-up."))
    if not consultation.follow_up_done:
        consultation.follow_up_done = True
        consultation.save(update_fields=["follow_up_done"])
        record(user, "update", consultation, fields=["follow_up_done"])
    return consultation
