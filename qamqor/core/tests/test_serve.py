"""`qamqor serve` starts granian so that a worker that dies is started again."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import call_command


class Exec(Exception):
    pass


def serve_argv(monkeypatch, **options) -> list[str]:
    seen: list[list[str]] = []

    def execv(path, argv):  # noqa: ANN001
        seen.append(argv)
        raise Exec

    monkeypatch.setattr("os.execv", execv)
    monkeypatch.setattr("qamqor.core.management.commands.serve.call_command", lambda *a, **k: None)
    with pytest.raises(Exec):
        call_command("serve", stdout=io.StringIO(), **options)
    return seen[0]


def test_dead_workers_are_respawned_and_fat_ones_replaced(monkeypatch):
    argv = serve_argv(monkeypatch, workers=2)
    assert "--respawn-failed-workers" in argv
    assert argv[argv.index("--workers-max-rss") + 1] == "2048"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[-1] == "qamqor.wsgi:application"


def test_the_memory_ceiling_can_be_turned_off(monkeypatch):
    assert "--workers-max-rss" not in serve_argv(monkeypatch, max_rss_mb=0)


def test_the_installed_granian_knows_the_options():
    help_text = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "granian", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--respawn-failed-workers" in help_text
    assert "--workers-max-rss" in help_text
