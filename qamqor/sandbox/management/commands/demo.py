"""`qamqor demo`: migrate, load the demo school (once), print the logins, serve.

`qamqor.cli` turns on DEBUG and the plain-HTTP demo settings before Django starts, so the
static files are served and cookies work on http://127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qamqor.accounts.models import Role
from qamqor.registry.models import School
from qamqor.sandbox.demo.generate import DEMO_PASSWORD
from qamqor.sandbox.demo.load import demo_data, load_demo


def role_words(role: str) -> str:
    """The role in Kazakh, Russian and English (each once, until a translation is missing)."""
    words = []
    for lang in ("kk", "ru", "en"):
        with translation.override(lang):
            words.append(str(Role(role).label))
    return " / ".join(dict.fromkeys(words))


class Command(BaseCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # translated when --help prints it
        "Set up and serve the demo school: migrate, load the demo data, print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--load-only",
            action="store_true",
            help=gettext_lazy("Load the demo data but do not serve."),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_lazy("Delete the demo data and load them anew."),
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        load_demo(self.stdout, reset=options["reset"])
        self.print_logins()
        host = options["host"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 -- only displayed
        self.stdout.write(_("Open %(url)s") % {"url": f"http://{shown}:{options['port']}/"})
        if not options["load_only"]:
            # The background tasks and the periodic jobs (daily meal report, reminders) run
            # beside the server; Ctrl-C stops both (same process group).
            subprocess.Popen([sys.executable, "-m", "qamqor.cli", "worker"])  # noqa: S603
            call_command("serve", host=host, port=options["port"])

    def print_logins(self) -> None:
        data = demo_data()
        schools = dict(School.objects.filter(bin__in=[s.bin for s in data.schools]).values_list(
            "bin", "name_kk"
        ))  # fmt: skip
        school_name = {s.key: schools.get(s.bin, s.name_kk) for s in data.schools}
        orgs = {o.key: o.name_kk for o in data.organisations}
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (the password of every one is %(password)s):")
            % {"password": DEMO_PASSWORD}
        )
        width = max(len(p.username) for p in data.personas)
        for p in data.personas:
            place = school_name[p.school_key] if p.school_key else data.district.name_kk
            where = ", ".join(x for x in (orgs.get(p.organisation_key or ""), place) if x)
            self.stdout.write(
                f"  {p.username:<{width}}  {DEMO_PASSWORD}  {role_words(p.role)} — {where}"
            )
        self.stdout.write("")
