"""Registry benchmark: the demo load, the pupil list and a 4,600-row НОБД import.

    .venv/bin/python bench/registry.py            # SQLite in a temporary directory
    .venv/bin/python bench/registry.py --pg       # and PostgreSQL (database qamqor_bench)
    DATABASE_URL=postgres://... bench/registry.py # the same as --pg, on that server

Each database runs in its own child process, because Django reads its settings once: the
child gets a fresh SQLite file under a temporary QAMQOR_VAR_DIR, or a PostgreSQL database
`qamqor_bench` that the parent creates and drops with psycopg. The child migrates, loads the
demo, then measures in-process with Django's test Client (server time without the network):
the pupil list as the social pedagogue (first page, a search, a filtered and sorted page,
page 40) with the SQL queries of each, and the НОБД exchange's import of a sample XLSX.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/qamqor"
BENCH_DB = "qamqor_bench"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with ~13 samples, p95 is a real sample)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- the child: one database ---------------------------------------------------------------


def run_child(label: str, requests: int, rows: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qamqor.accounts.models import User
    from qamqor.registry.models import Pupil
    from qamqor.sandbox.demo.load import load_demo, seed_school

    out: dict = {"label": label, "vendor": connection.vendor}
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    out["migrate_s"] = time.perf_counter() - t
    result = load_demo()
    out["load_s"] = result["seconds"]
    out["load_rows"] = sum(v for k, v in result.items() if k not in ("loaded", "seconds"))

    school = seed_school()
    pedagog = User.objects.get(username="pedagog")
    client = Client()
    client.force_login(pedagog)
    # A search a pedagogue would type: the first letters of the commonest surname.
    surnames = Pupil.objects.filter(school=school).values_list("surname", flat=True)
    common = Counter(surnames).most_common(1)[0][0][:4]
    pages = {
        "first page": "/registry/pupils/",
        f"search «{common}»": f"/registry/pupils/?q={common}",
        "grade 7, sort -birth": "/registry/pupils/?grade=7&sort=-birth",
        "page 40": "/registry/pupils/?page=40",
    }
    out["pages"] = {}
    per_kind = max(1, requests // len(pages))
    every: list[float] = []
    for name, url in pages.items():
        response = client.get(url)  # warm-up: templates, the scope, the connection
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        # Counted now: every request start clears the connection's query log.
        queries = len(captured)
        times = []
        for _ in range(per_kind):
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        every += times
        out["pages"][name] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                              "queries": queries, "n": len(times)}  # fmt: skip
    out["all_pages"] = {"p50_ms": percentile(every, 50), "p95_ms": percentile(every, 95),
                        "n": len(every)}  # fmt: skip
    out["import"] = bench_import(school, pedagog, rows)
    connection.close()
    return out


def bench_import(seed: Any, user: Any, rows: int) -> dict:
    """The НОБД exchange: a sample XLSX into a new school, then the same file again."""
    try:
        from qamqor.registry.exchange.reader import read_sheet
        from qamqor.registry.exchange.sample import write_sample_xlsx
        from qamqor.registry.exchange.services import apply_import, preview_import
    except ImportError as exc:  # the exchange is being written alongside this benchmark
        return {"skipped": f"НОБД exchange not importable: {exc}"}
    from qamqor.core import ids
    from qamqor.registry.models import Pupil, School

    buffer = io.BytesIO()
    t = time.perf_counter()
    write_sample_xlsx(buffer, rows, seed=7)
    out: dict = {"rows": rows, "write_sample_s": time.perf_counter() - t}
    data = buffer.getvalue()
    out["file_kb"] = len(data) / 1024
    # A school of its own, in the demo's district: the import runs against a full registry
    # (4,900 pupils whose IINs it must not collide with) but creates every row anew.
    school = School.objects.create(
        name_kk="Бенчмарк мектебі",
        name_ru="Школа бенчмарка",
        bin=ids.make_bin(2010, 1, 42424),
        district_id=seed.district_id,
    )
    t = time.perf_counter()
    sheet = read_sheet(data, "nobd.xlsx")
    out["read_s"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = preview_import(school, sheet.rows)
    out["preview_s"] = time.perf_counter() - t
    if plan.errors:
        out["errors"] = plan.errors[:5]
        out["error_count"] = len(plan.errors)
        return out
    t = time.perf_counter()
    counts = apply_import(user, school, sheet.rows)
    out["apply_s"] = time.perf_counter() - t
    out["created"] = {k: v for k, v in counts.items() if k.endswith("_new")}
    out["pupils_in_school"] = Pupil.objects.filter(school=school).count()
    t = time.perf_counter()
    sheet = read_sheet(data, "nobd.xlsx")
    again = apply_import(user, school, sheet.rows)
    out["reimport_s"] = time.perf_counter() - t
    out["reimport_unchanged"] = again.get("pupils_unchanged", 0)
    return out


# --- the parent: databases and the report ---------------------------------------------------


def child(env: dict[str, str], args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", "--requests", str(args.requests),
           "--rows", str(args.rows)]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark child failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def base_env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    # Production-like: DEBUG off; plain HTTP, since the test Client talks no TLS.
    env.update(QAMQOR_VAR_DIR=var_dir, DEBUG="0", HTTPS="0", QAMQOR_DEMO="0")
    env.pop("QAMQOR_TESTING", None)
    return env


def sqlite_run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="qamqor-bench-") as var_dir:
        env = base_env(var_dir)
        env.pop("DATABASE_URL", None)
        return child(env, args)


def pg_run(args: argparse.Namespace, server_url: str) -> dict:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(server_url)
    connect = {"host": cfg["HOST"] or "127.0.0.1", "port": cfg["PORT"] or 5432,
               "user": cfg["USER"] or None, "password": cfg["PASSWORD"] or None,
               "dbname": "postgres", "autocommit": True}  # fmt: skip
    with psycopg.connect(**connect) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    auth = cfg["USER"] or ""
    if cfg["PASSWORD"]:
        auth += f":{cfg['PASSWORD']}"
    url = f"postgres://{auth}@{connect['host']}:{connect['port']}/{BENCH_DB}"
    try:
        with tempfile.TemporaryDirectory(prefix="qamqor-bench-") as var_dir:
            env = base_env(var_dir)
            env["DATABASE_URL"] = url
            return child(env, args)
    finally:
        with psycopg.connect(**connect) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def report(r: dict) -> None:
    print(f"\n== {r['label']} ({r['vendor']})")
    print(f"migrate            {r['migrate_s']:7.2f} s")
    print(f"demo load          {r['load_s']:7.2f} s  ({r['load_rows']:,} rows, one transaction)")
    print("\npupil list as pedagog (server time, Django test Client, 50 a page):")
    print(f"  {'request':<28}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'n':>5}")
    for name, p in r["pages"].items():
        print(f"  {name:<28}{p['p50_ms']:9.1f}{p['p95_ms']:9.1f}{p['queries']:9d}{p['n']:5d}")
    a = r["all_pages"]
    print(f"  {'all requests':<28}{a['p50_ms']:9.1f}{a['p95_ms']:9.1f}{'':>9}{a['n']:5d}")
    imp = r["import"]
    print("\nНОБД import (qamqor.registry.exchange):")
    if "skipped" in imp:
        print(f"  skipped: {imp['skipped']}")
        return
    print(f"  sample XLSX        {imp['rows']:,} rows, {imp['file_kb']:.0f} KiB "
          f"(written in {imp['write_sample_s']:.2f} s)")  # fmt: skip
    print(f"  read (parse)       {imp['read_s']:7.2f} s")
    print(f"  preview (check)    {imp['preview_s']:7.2f} s")
    if "errors" in imp:
        print(f"  REFUSED with {imp['error_count']} errors, e.g. {imp['errors']}")
        return
    rate = imp["rows"] / imp["apply_s"]
    print(f"  apply (check+write){imp['apply_s']:7.2f} s  ({rate:,.0f} rows/s; {imp['created']})")
    total = imp["read_s"] + imp["apply_s"]
    print(
        f"  read + apply       {total:7.2f} s  ({imp['pupils_in_school']:,} pupils now in school)"
    )
    print(f"  same file again    {imp['reimport_s']:7.2f} s  (read + apply; "
          f"{imp['reimport_unchanged']:,} pupils unchanged)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--requests", type=int, default=52, help="pupil-list requests in all")
    parser.add_argument("--rows", type=int, default=4600, help="rows of the НОБД sample")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(os.environ.get("DATABASE_URL", "SQLite"), args.requests,
                                   args.rows), default=str))  # fmt: skip
        return
    url = os.environ.get("DATABASE_URL", "")
    results = [sqlite_run(args)]
    results[0]["label"] = "SQLite (temporary file, WAL)"
    if args.pg or url.startswith("postgres"):
        result = pg_run(args, url if url.startswith("postgres") else PG_DEFAULT)
        result["label"] = f"PostgreSQL (database {BENCH_DB})"
        results.append(result)
    print(f"Qamqor registry benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for r in results:
        report(r)


if __name__ == "__main__":
    main()
