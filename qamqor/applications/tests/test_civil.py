"""The civil registry interface and its sandbox: which certificates a family must bring."""

from __future__ import annotations

import csv

import pytest

from qamqor.applications.civil import CivilRegistryUnavailable, certificates_needed
from qamqor.sandbox.civil import DEFAULT_PATH, SandboxCivilRegistry
from qamqor.sandbox.demo import civil_registry

from .base import write_civil_registry


def shipped_rows() -> list[dict[str, str]]:
    with open(DEFAULT_PATH, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_shipped_file_has_children_without_a_record_and_born_abroad():
    rows = shipped_rows()
    assert len(rows) > 4000
    no_record = [r for r in rows if r["birth_record"] == "0"]
    abroad = [r for r in rows if r["born_abroad"] == "1"]
    assert len(no_record) == civil_registry.NO_RECORD
    assert len(abroad) == civil_registry.BORN_ABROAD
    assert all(r["birth_country"] != "KZ" for r in abroad)
    registry = SandboxCivilRegistry()
    assert registry.lookup(no_record[0]["iin"]).needs_birth_certificate
    assert registry.lookup(abroad[0]["iin"]).needs_birth_certificate
    ordinary = next(r for r in rows if r["birth_record"] == "1" and r["born_abroad"] == "0")
    assert not registry.lookup(ordinary["iin"]).needs_birth_certificate


def test_the_shipped_file_is_what_the_generator_makes():
    # Deterministic from the demo generator: regenerate and compare byte for byte.
    from qamqor.sandbox.demo.generate import generate

    assert civil_registry.render(generate(civil_registry.SEED)) == DEFAULT_PATH.read_text("utf-8")


def test_answers_from_a_file(tmp_path):
    path = tmp_path / "c.csv"
    write_civil_registry(
        path,
        [
            ("140315600001", "1", "0", "registered"),
            ("140315600002", "0", "0", "none"),
            ("140315600003", "1", "1", "registered"),
            ("140315600004", "1", "0", "missing"),
        ],
    )
    registry = SandboxCivilRegistry(path)
    assert certificates_needed("140315600001", registry) == (False, False, True)
    assert certificates_needed("140315600002", registry) == (True, False, True)
    assert certificates_needed("140315600003", registry) == (True, False, True)
    assert certificates_needed("140315600004", registry) == (False, True, True)
    # A child the registry does not know: both certificates.
    assert certificates_needed("140315600099", registry) == (True, True, True)


def test_an_unreachable_registry_asks_for_the_paper(tmp_path):
    registry = SandboxCivilRegistry(tmp_path / "absent.csv")
    with pytest.raises(CivilRegistryUnavailable):
        registry.lookup("140315600001")
    assert certificates_needed("140315600001", registry) == (True, True, False)
