"""The one refusal a service raises: the API's handler (qamqor/api.py) and the pages' helper
(core/views.py) both render it, so no view or endpoint translates errors itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .validators import message_for


class ServiceError(Exception):
    """A refusal to a user: a stable `code`, words in the active language (by default the
    catalogue's for the code), the form `field` concerned if any, and the HTTP `status` the
    API answers with. `extra` keys join the API's answer (e.g. `missing` documents).

    An app's subclass names in `conflicts` the codes that describe the record's state rather
    than the request: those answer 409, the rest 422; `messages` holds its own codes' words.
    """

    conflicts: ClassVar[frozenset[str]] = frozenset()
    messages: ClassVar[Mapping[str, Any]] = {}

    def __init__(
        self,
        code: str,
        message: Any = None,
        field: str | None = None,
        *,
        status: int | None = None,
        **extra: Any,
    ):
        self.code = code
        if message is None:
            message = str(self.messages[code]) if code in self.messages else message_for(code)
        self.message = message
        self.field = field
        self.status = status or (409 if code in self.conflicts else 422)
        self.extra = extra
        super().__init__(self.message)

    def payload(self) -> dict[str, Any]:
        where = {"field": self.field} if self.field else {}
        return {"code": self.code, "message": str(self.message), **where, **self.extra}

    @classmethod
    def required(
        cls, text: str | None, code: str, message: Any = None, field: str | None = None
    ) -> str:
        """`text` without its surrounding blanks; refused with `code` when nothing is left."""
        text = (text or "").strip()
        if not text:
            raise cls(code, message, field)
        return text
