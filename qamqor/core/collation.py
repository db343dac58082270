"""Alphabetical order the way a Kazakh school expects it.

Databases sort Cyrillic by code point, which puts the Kazakh letters (Ә, Ғ, Қ, Ң, Ө, Ұ, Ү,
Һ, І) after Я or before А. PostgreSQL has ICU's Kazakh collation (`kk-x-icu`); SQLite gets
a `kk` collation registered on every connection that sorts by the Kazakh alphabet, with
Russian letters in their places and Latin letters after.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F
from django.db.models.functions import Collate
from django.dispatch import receiver

KAZAKH_ALPHABET = "АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЪЫІЬЭЮЯ"
_RANK = {ch: i for i, ch in enumerate(KAZAKH_ALPHABET)}


@functools.lru_cache(maxsize=1 << 16)
def sort_key(text: str) -> tuple[int, ...]:
    # Cached: SQLite calls the collation O(n log n) times while sorting, on few distinct names.
    return tuple(_RANK.get(ch, 100 + ord(ch)) for ch in (text or "").upper())


def _compare(a: str, b: str) -> int:
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


@receiver(connection_created)
def _register_sqlite_collation(sender, connection, **kwargs) -> None:  # noqa: ANN001
    if connection.vendor == "sqlite":
        connection.connection.create_collation("kk", _compare)


def collation_name() -> str | None:
    return {"postgresql": "kk-x-icu", "sqlite": "kk"}.get(connection.vendor)


def kazakh(field: str, descending: bool = False):  # noqa: ANN201
    """An order_by term sorting `field` alphabetically in Kazakh."""
    name = collation_name()
    expression = Collate(F(field), name) if name else F(field)
    return expression.desc() if descending else expression.asc()
