"""Telling the family by SMS that the school asked for documents or decided.

Through the SMS interface of `meals.notify` (the sandbox keeps an outbox). Sent after the
transaction commits, so a rolled-back decision is never announced. The text names the
application number and a link, never the child, the category or the reason: an SMS is read
on a shared phone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from qamqor.meals.notify import get_gateway, public_url

from ..models import Application

log = logging.getLogger(__name__)


def _phone(application: Application) -> str:
    if application.applicant and application.applicant.phone:
        return application.applicant.phone
    family = application.pupil.family
    if family is None:
        return ""
    phones = [g.phone for g in family.guardians.order_by("id") if g.phone]
    return phones[0] if phones else family.phone


def _send(application: Application, purpose: str, text: str) -> None:
    phone = _phone(application)
    if not phone:
        return

    def send() -> None:
        try:
            get_gateway().send(phone, text, purpose=purpose)
        except Exception:  # the decision stands even if the SMS provider refuses
            log.exception("application SMS not sent (application #%s)", application.pk)

    transaction.on_commit(send)


def _link(application: Application) -> str:
    return public_url(reverse("applications:detail", args=[application.pk]))


def documents_requested(application: Application) -> None:
    # The school's language: the SMS goes out before anyone has chosen one on a page.
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Qamqor: the school asks for documents for application №%(id)s. Upload them: %(link)s"
        ) % {"id": application.pk, "link": _link(application)}
    _send(application, "application_documents", text)


def decided(application: Application) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Qamqor: application №%(id)s is %(status)s. Details: %(link)s") % {
            "id": application.pk,
            "status": application.get_status_display(),
            "link": _link(application),
        }
    _send(application, "application_decided", text)
