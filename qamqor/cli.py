"""The `qamqor` command line: every manage.py command, plus `demo`, `serve` and `worker`.

`qamqor demo` turns on the demo settings (DEBUG, plain HTTP on loopback) before Django is
configured, then runs the `demo` management command; everything else goes to Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.settings")
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("QAMQOR_DEMO", "1")
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
