"""`qamqor serve`: granian (WSGI, one worker per core) over whatever database is configured.

A worker that dies (the kernel killed it for its memory, say) is started again, and one that
grows past WORKER_MAX_RSS_MB (2 GiB by default; 0 turns it off) is replaced gracefully once
granian's resource monitor sees it there: a request that went wrong must not leave the site
with fewer workers, or none (an upload once grew both workers to 11–13 GB and ended it).
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Qamqor with granian (WSGI)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "0")))
        parser.add_argument(
            "--max-rss-mb", type=int, default=int(os.environ.get("WORKER_MAX_RSS_MB", "2048"))
        )

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        workers = options["workers"] or os.cpu_count() or 1
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(workers),
            "--blocking-threads",
            "4",
            "--static-path-route",
            settings.STATIC_URL.rstrip("/"),
            "--static-path-mount",
            str(settings.STATIC_ROOT),
            "--respawn-failed-workers",
            # No access log: query strings (a search by IIN) are personal data.
            "--no-access-log",
        ]
        if options["max_rss_mb"] > 0:
            argv += ["--workers-max-rss", str(options["max_rss_mb"])]
        argv.append("qamqor.wsgi:application")
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ ({workers} workers)"
        )
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 -- replaces this process with granian
