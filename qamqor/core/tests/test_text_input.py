"""The one check of typed text for control characters: validators and the API's TextIn."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from pydantic import ValidationError as SchemaError

from qamqor.core.api import TextIn
from qamqor.core.validators import (
    has_control_characters,
    validate_multiline,
    validate_single_line,
)


@pytest.mark.parametrize(
    "text", ["Пет\x18ров", "a\x00", "a\tb", "a\nb", "a\rb", "a\x7f", "a\x85", "a\ud800", "a\uffff"]
)
def test_single_line_text_refuses_every_control(text):
    assert has_control_characters(text)
    with pytest.raises(ValidationError) as exc:
        validate_single_line(text)
    assert exc.value.code == "control_characters"


def test_multi_line_text_allows_tabs_and_line_breaks_only():
    validate_multiline("бірінші жол\r\nекінші\tжол")
    with pytest.raises(ValidationError):
        validate_multiline("a\x18")


@pytest.mark.parametrize("text", ["", "Әбілқасым Ұлжан", "O'Neil-Smith", "№ 12 (ескі)", "—…«»"])
def test_ordinary_text_passes(text):
    validate_single_line(text)


class Note(TextIn):
    MULTILINE = frozenset({"comment"})
    title: str
    comment: str = ""
    tags: list[str] = []
    count: int = 0


def test_text_in_checks_every_text_field():
    assert Note(title="ok", comment="a\nb", tags=["x"], count=3).comment == "a\nb"
    for data in ({"title": "a\nb"}, {"title": "ok", "comment": "\x18"},
                 {"title": "ok", "tags": ["x", "y\x01"]}):  # fmt: skip
        with pytest.raises(SchemaError) as exc:
            Note(**data)
        assert exc.value.errors()[0]["type"] == "control_characters"


def test_every_form_refuses_control_characters():
    # Not only the registry's model fields: any text field of any form (here, a note the
    # pedagogue types when she asks for documents), in the user's language.
    from django.utils import translation

    from qamqor.applications.forms import RequestDocumentsForm

    field = RequestDocumentsForm.base_fields["note"]
    with translation.override("ru"):
        with pytest.raises(ValidationError) as exc:
            field.clean("Принесите\x18 справку")
        assert "управляющий символ" in str(exc.value.messages[0])
    assert [e.code for e in exc.value.error_list] == ["control_characters"]
    assert field.clean("бірінші жол\nекінші") == "бірінші жол\nекінші"
