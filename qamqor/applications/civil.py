"""The civil registry (АХАЖ / ЗАГС information system), asked which certificates a family must bring.

Seed 001: a child's birth certificate is required only when the civil registry has no record of
the birth or the child was born outside Kazakhstan; a marriage or divorce certificate only when
the registry has no record of it. `CivilRegistry` is the interface of that state system;
`settings.QAMQOR_CIVIL_REGISTRY` picks the implementation (the sandbox one answers from a file
that ships with the project). Nothing here logs an IIN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from qamqor.core.adapters import adapter


class CivilRegistryUnavailable(Exception):
    """The registry did not answer; the caller asks for the paper certificates instead."""


@dataclass(frozen=True)
class CivilRecord:
    """What the registry knows of one child (by IIN)."""

    iin: str
    birth_record: bool  # the birth is registered in Kazakhstan's civil registry
    born_abroad: bool
    # The parents' marriage (or divorce) is registered: "registered"; it happened but the
    # registry has no record (registered abroad, or before digitisation): "missing"; there is
    # no marriage to prove (the birth record names one parent): "none".
    marriage: str = "registered"

    @property
    def needs_birth_certificate(self) -> bool:
        return not self.birth_record or self.born_abroad

    @property
    def needs_marriage_certificate(self) -> bool:
        return self.marriage == "missing"


def unknown(iin: str) -> CivilRecord:
    """No record at all: the family brings both certificates (seed 001)."""
    return CivilRecord(iin=iin, birth_record=False, born_abroad=False, marriage="missing")


class CivilRegistry(Protocol):
    def lookup(self, iin: str) -> CivilRecord:
        """The registry's record of the child; `unknown(iin)` when it has none.

        Raises `CivilRegistryUnavailable` when the registry cannot be reached.
        """
        ...


def get_civil_registry() -> CivilRegistry:
    return adapter("QAMQOR_CIVIL_REGISTRY")


def certificates_needed(iin: str, registry: CivilRegistry | None = None) -> tuple[bool, bool, bool]:
    """(birth certificate needed, marriage certificate needed, the registry answered)."""
    try:
        record = (registry or get_civil_registry()).lookup(iin)
    except CivilRegistryUnavailable:
        # Without an answer the school cannot know the record exists: ask for the paper.
        return True, True, False
    return record.needs_birth_certificate, record.needs_marriage_certificate, True
