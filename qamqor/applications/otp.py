"""The one-time password that signs a parent's electronic application (seed 001).

On the portal an application is "confirmed by a one-time password when the applicant's
account has a mobile number registered"; here the number is the guardian's phone in the
registry. The code is 6 digits, sent through the SMS interface, kept in the session only as
an HMAC (never in clear, never logged), valid for 5 minutes and 5 attempts, and used once.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.core.clock import now
from qamqor.core.errors import ServiceError
from qamqor.core.sms import get_gateway
from qamqor.registry.models import Guardian

SESSION_KEY = "applications_otp"
LIFETIME_SECONDS = 300
MAX_ATTEMPTS = 5
# A new code at most every 30 s: the SMS costs money and a phone must not be flooded.
RESEND_SECONDS = 30


class OtpError(ServiceError):
    pass


def _digest(code: str, user_id: Any, guardian_id: int) -> str:
    return salted_hmac("qamqor.applications.otp", f"{user_id}:{guardian_id}:{code}").hexdigest()


def send_code(session: Any, user: User, guardian: Guardian) -> None:
    if not guardian.phone:
        raise OtpError(
            "no_phone",
            _("No mobile number is recorded for you: ask the school to add it, or apply on paper."),
        )
    moment = now().timestamp()
    held = session.get(SESSION_KEY)
    if held and moment - held.get("sent", 0) < RESEND_SECONDS:
        raise OtpError("too_soon", _("A code was sent a moment ago; wait half a minute."))
    code = f"{secrets.randbelow(10**6):06d}"
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Qamqor: your one-time password to sign the application is %(code)s. "
                 "Do not tell it to anyone.") % {"code": code}  # fmt: skip
    get_gateway().send(guardian.phone, text, purpose="application_otp")
    session[SESSION_KEY] = {
        "digest": _digest(code, user.pk, guardian.pk),
        "guardian": guardian.pk,
        "sent": moment,
        "expires": moment + LIFETIME_SECONDS,
        "attempts": 0,
    }


def check_code(session: Any, user: User, guardian: Guardian, code: str) -> None:
    """Accept the code or raise `OtpError`. The caller `consume`s it once the application is in:
    a refused submission (a missing document, say) must not cost the parent a new SMS."""
    held = session.get(SESSION_KEY)
    code = OtpError.required(
        code, "code_required", _("Enter the one-time password from the SMS."), "code"
    )
    if not held or held.get("guardian") != guardian.pk:
        raise OtpError("code_not_sent", _("Ask for a one-time password first."), "code")
    if now().timestamp() > held["expires"] or held["attempts"] >= MAX_ATTEMPTS:
        session.pop(SESSION_KEY, None)
        raise OtpError(
            "code_expired", _("The one-time password has expired; ask for a new one."), "code"
        )
    if not constant_time_compare(held["digest"], _digest(code, user.pk, guardian.pk)):
        held["attempts"] += 1
        session[SESSION_KEY] = held
        raise OtpError("code_wrong", _("The one-time password is wrong."), "code")


def consume(session: Any) -> None:
    session.pop(SESSION_KEY, None)


def pending(session: Any) -> bool:
    held = session.get(SESSION_KEY)
    return bool(held) and now().timestamp() <= held.get("expires", 0)
