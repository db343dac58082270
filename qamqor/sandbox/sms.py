"""The sandbox SMS gateway: messages go to the `SandboxSms` outbox table, not to phones.

The console line names the outbox row and the purpose only: never the phone number, the
name or the text (no personal data in logs).
"""

from __future__ import annotations

import logging

from qamqor.core.clock import now

from .models import SandboxSms as Outbox

log = logging.getLogger(__name__)


class SandboxSms:
    def send(self, phone: str, text: str, purpose: str = "") -> str:
        message = Outbox.objects.create(
            phone=phone[:20], text=text, purpose=purpose[:40], created_at=now()
        )
        log.info("sandbox SMS #%s queued (%s, %s characters)", message.pk, purpose, len(text))
        return f"sandbox-{message.pk}"
