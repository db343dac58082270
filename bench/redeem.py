"""Redemption benchmark: online scans per second and offline batches, through a live server.

    .venv/bin/python bench/redeem.py             # SQLite in a temporary directory
    .venv/bin/python bench/redeem.py --pg        # PostgreSQL (database qamqor_bench_redeem),
                                                 # with pgbench and COPY beside it
    options: --clients 1,8,32  --seconds 5  --batch 10000 --batch-size 5000  --workers 2
             --server-binding (PostgreSQL: psycopg's server-side binding, for comparison)

What it does, per database:
1. a child process migrates a fresh database and builds one school: an operator running
   this month's programme (today a meal day), a canteen terminal token, one active voucher
   per pupil, and a fresh QR token (CWT) per voucher — one pupil per scan, so every online
   scan is a real meal, never a refusal;
2. starts granian (WSGI, `--workers`, as `qamqor serve` does) on a free loopback port;
3. online: for each client count, that many threads, each with its own keep-alive
   `http.client` connection, POST one scan after another for `--seconds` (or until the
   tokens run out) — scans/s and p50/p99 latency;
4. PostgreSQL: pgbench with a one-row INSERT script (a uuid and a number into a table
   with a unique index) at the same client counts, against the same server: the ratio is
   what the full path (HTTP, JSON, auth, CWT verification, lookup, INSERT) keeps of the
   database's own one-row insert rate (target ≥ 0.5);
5. batch: `--batch` scans sent as batches of `--batch-size` over one connection, then the
   same batches again (all replays); on PostgreSQL also `COPY` of the same rows into a
   table of the redemption's shape, and the ratio.

Client threads share the machine (and the GIL) with the server: on a 2-core machine the
figures are a floor, not what separate load-generator machines would show.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/qamqor"
BENCH_DB = "qamqor_bench_redeem"
URL = "/api/v1/canteen/redemptions"
BATCH_URL = URL + "/batch"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


# --- the child: a fresh database and its tokens -----------------------------------------------


def run_setup(out_path: str, pupils: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from qamqor.accounts.models import Membership, Role, User
    from qamqor.accounts.tokens import issue_token as issue_api_token
    from qamqor.core import ids
    from qamqor.core.clock import now, today
    from qamqor.meals.models import MealDay, Operator, Programme, PupilRef, Voucher
    from qamqor.meals.tokens import issue_token
    from qamqor.registry.models import Pupil
    from qamqor.testing import make_class, make_district, make_region, make_school, unique_iin

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    school = make_school(make_district(make_region()))
    klass = make_class(school, 3, "А")
    operator = Operator.objects.create(
        name_kk="Социум пит", name_ru="Социум пит", bin=ids.make_bin(2010, 1, 7)
    )
    month = today().replace(day=1)
    programme = Programme.objects.create(school=school, month=month, operator=operator)
    MealDay.objects.create(programme=programme, date=today())  # whatever weekday it is
    user = User.objects.create_user(username="terminal", password=None)  # noqa: S106
    Membership.objects.create(
        user=user, role=Role.CANTEEN, school=school, organisation_bin=operator.bin
    )
    key = issue_api_token(user, label="bench")
    rows = []
    for n in range(pupils):
        birth = dt.date(2010 + n % 8, 1 + n // 8 % 12, 1 + n // 96 % 28)
        sex = "MF"[n % 2]
        rows.append(
            Pupil(
                school=school,
                school_class=klass,
                birth_date=birth,
                sex=sex,
                iin=unique_iin(birth, sex),
                surname=f"Оқушы{n}",
                name="Ержан",
            )  # fmt: skip
        )
    created = Pupil.objects.bulk_create(rows, batch_size=2000)
    refs = PupilRef.objects.bulk_create((PupilRef(pupil=p) for p in created), batch_size=2000)
    vouchers = Voucher.objects.bulk_create(
        (
            Voucher(
                school=school,
                pupil=p,
                month=month,
                meal_type="lunch",
                status="active",
                activated_at=now(),
            )  # fmt: skip
            for p in created
        ),
        batch_size=2000,
    )
    t = time.perf_counter()
    moment = now()
    tokens = [
        issue_token(
            school_id=school.pk, pupil_ref=r.ref, voucher_id=v.pk, meal_type="lunch", now=moment
        ).text  # fmt: skip
        for r, v in zip(refs, vouchers, strict=True)
    ]
    issue_s = time.perf_counter() - t
    connection.close()
    Path(out_path).write_text(json.dumps({"key": key, "tokens": tokens}))
    print(
        json.dumps(
            {
                "setup_s": time.perf_counter() - started,
                "issue_per_token_ms": issue_s / pupils * 1000,
            }
        )
    )


# --- the parent: server, load, report ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--blocking-threads", "4",
            "--no-access-log", "--log-level", "warning", "qamqor.wsgi:application"]  # fmt: skip
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("granian exited") from None
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("granian did not start")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the group this script started, by its id
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def server_cpu(proc: subprocess.Popen) -> float:
    """CPU seconds used so far by the server and its worker processes (Linux /proc): the
    figure that does not depend on what else the machine is running."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == proc.pid or ppid == proc.pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def scan_body(token: str) -> str:
    from datetime import UTC, datetime

    return json.dumps({"token": token, "client_id": str(uuid.uuid4()), "terminal": "bench",
                       "scanned_at": datetime.now(UTC).isoformat()})  # fmt: skip


def online(port: int, key: str, tokens: list[str], clients: int, seconds: float) -> dict:
    """`clients` threads, one keep-alive connection each, until time or tokens run out."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    lock = threading.Lock()
    pool = iter(tokens)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: dict[int, int] = {}
    stop_at = time.perf_counter() + seconds

    def work(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        # A load generator must not wait on Nagle's algorithm for its own small writes.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        mine = latencies[n]
        seen: dict[int, int] = {}
        while time.perf_counter() < stop_at:
            with lock:
                token = next(pool, None)
            if token is None:
                break
            body = scan_body(token)
            t = time.perf_counter()
            conn.request("POST", URL, body, headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t)
            seen[response.status] = seen.get(response.status, 0) + 1
        conn.close()
        with lock:
            for k, v in seen.items():
                statuses[k] = statuses.get(k, 0) + v

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    every = [x for per in latencies for x in per]
    return {"clients": clients, "scans": len(every), "seconds": elapsed,
            "per_s": len(every) / elapsed, "p50_ms": percentile(every, 50) * 1000,
            "p99_ms": percentile(every, 99) * 1000, "statuses": statuses}  # fmt: skip


def batch(port: int, key: str, tokens: list[str], size: int) -> dict:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bodies = []
    for start in range(0, len(tokens), size):
        scans = [json.loads(scan_body(t)) for t in tokens[start : start + size]]
        bodies.append(json.dumps({"scans": scans}))
    out: dict = {"scans": len(tokens), "batch_size": size}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for label in ("first", "replay"):
        counts: dict[str, int] = {}
        t = time.perf_counter()
        for body in bodies:
            conn.request("POST", BATCH_URL, body, headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise SystemExit(f"batch answered {response.status}: {data[:300]!r}")
            for r in json.loads(data)["results"]:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
        elapsed = time.perf_counter() - t
        out[label] = {"seconds": elapsed, "per_s": len(tokens) / elapsed, "statuses": counts}
    conn.close()
    out["rows"] = [json.loads(b)["scans"] for b in bodies]
    return out


def copy_baseline(pg_url: str, scans: list[list[dict]]) -> dict:
    """COPY the same number of rows, of the redemption's shape, into an unlogged-free
    ordinary table with the same unique indexes: the database's own bulk rate."""
    import datetime as dt

    import psycopg

    rows = [s for chunk in scans for s in chunk]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute(
            "CREATE TABLE bench_copy (id bigserial PRIMARY KEY, client_id uuid UNIQUE NOT NULL, "
            "school_id bigint, voucher_id bigint, pupil_id bigint, meal_type varchar(10), "
            "day date, status varchar(8), code varchar(32), terminal varchar(100), "
            "operator_user_id bigint, scanned_at timestamptz, received_at timestamptz, "
            "token_id varchar(64))"
        )
        conn.execute(
            "CREATE UNIQUE INDEX ON bench_copy (voucher_id, day, meal_type) WHERE status = 'served'"
        )
        now = dt.datetime.now(dt.UTC)
        t = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(
                "COPY bench_copy (client_id, school_id, voucher_id, pupil_id, meal_type, day, "
                "status, code, terminal, operator_user_id, scanned_at, received_at, token_id) "
                "FROM STDIN"
            ) as copy:
                for n, s in enumerate(rows):
                    copy.write_row((uuid.UUID(s["client_id"]), 1, n, n, "lunch", now.date(),
                                    "served", "", "bench", 1, now, now, s["client_id"][:32]))  # fmt: skip
        elapsed = time.perf_counter() - t
        conn.execute("DROP TABLE bench_copy")
    return {"rows": len(rows), "seconds": elapsed, "per_s": len(rows) / elapsed}


def pgbench(pg_url: str, clients: int, seconds: float) -> dict:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_one_row")
        conn.execute(
            "CREATE TABLE bench_one_row (id bigserial PRIMARY KEY, client_id uuid UNIQUE NOT NULL, n bigint)"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
        fh.write("\\set n random(1, 1000000000)\n")
        fh.write("INSERT INTO bench_one_row (client_id, n) VALUES (gen_random_uuid(), :n);\n")
        script = fh.name
    try:
        proc = subprocess.run(  # noqa: S603
            ["pgbench", "-n", "-f", script, "-c", str(clients), "-j", str(min(clients, 4)),  # noqa: S607
             "-T", str(max(1, round(seconds))), pg_url],  # fmt: skip
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        os.unlink(script)
    match = re.search(r"tps = ([\d.]+) \(without initial", proc.stdout)
    if not match:
        return {"clients": clients, "error": (proc.stdout + proc.stderr)[-300:]}
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_one_row")
    return {"clients": clients, "per_s": float(match.group(1))}


def run_database(label: str, env: dict[str, str], args: argparse.Namespace, pg_url: str | None) -> dict:  # fmt: skip
    levels = [int(c) for c in args.clients.split(",")]
    # Enough tokens for the fastest plausible rate at each level, plus the batch.
    online_tokens = args.max_rate * args.seconds * len(levels)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        tokens_path = fh.name
    cmd = [sys.executable, __file__, "--setup", tokens_path, "--pupils", str(online_tokens + args.batch)]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"set-up failed ({proc.returncode})")
    out: dict = {"label": label, **json.loads(proc.stdout.strip().splitlines()[-1])}
    data = json.loads(Path(tokens_path).read_text())
    os.unlink(tokens_path)
    key, tokens = data["key"], data["tokens"]
    batch_tokens, tokens = tokens[: args.batch], tokens[args.batch :]
    port = free_port()
    server = start_server(env, port, args.workers)
    try:
        # Warm-up: each worker caches the terminal and the school's key (refusals: no meal).
        for _ in range(4 * args.workers):
            online(port, key, ["WARMUP"], 1, 5)
        out["online"] = []
        for n, clients in enumerate(levels):
            share = tokens[
                n * args.max_rate * args.seconds : (n + 1) * args.max_rate * args.seconds
            ]
            cpu = server_cpu(server)
            result = online(port, key, share, clients, args.seconds)
            result["server_cpu_ms"] = (server_cpu(server) - cpu) * 1000 / max(1, result["scans"])
            if pg_url:
                result["pgbench"] = pgbench(pg_url, clients, args.seconds).get("per_s")
                if result["pgbench"]:
                    result["ratio"] = result["per_s"] / result["pgbench"]
            out["online"].append(result)
        cpu = server_cpu(server)
        out["batch"] = batch(port, key, batch_tokens, args.batch_size)
        out["batch"]["server_cpu_ms"] = (server_cpu(server) - cpu) * 1000 / (2 * args.batch)
    finally:
        stop_server(server)
    rows = out["batch"].pop("rows")
    if pg_url:
        out["copy"] = copy_baseline(pg_url, rows)
        out["copy"]["ratio"] = out["batch"]["first"]["per_s"] / out["copy"]["per_s"]
    return out


def base_env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QAMQOR_VAR_DIR=var_dir, DEBUG="0", HTTPS="0", QAMQOR_DEMO="0",
               DJANGO_SETTINGS_MODULE="qamqor.settings", PYTHONPATH=str(ROOT))  # fmt: skip
    env.pop("QAMQOR_TESTING", None)
    return env


def pg_database(server_url: str) -> str:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(server_url)
    host, port = cfg["HOST"] or "127.0.0.1", cfg["PORT"] or 5432
    with psycopg.connect(host=host, port=port, user=cfg["USER"] or None,
                         password=cfg["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    auth = cfg["USER"] or ""
    if cfg["PASSWORD"]:
        auth += f":{cfg['PASSWORD']}"
    return f"postgres://{auth}@{host}:{port}/{BENCH_DB}"


def report(result: dict) -> None:
    print(f"\n== {result['label']} ==  set-up {result['setup_s']:.1f} s, "
          f"QR issue {result['issue_per_token_ms']:.2f} ms/token")  # fmt: skip
    print(f"{'clients':>8} {'scans/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>7} {'pgbench/s':>10} {'ratio':>6}  answers")  # fmt: skip
    for r in result["online"]:
        pg = f"{r['pgbench']:10.0f} {r['ratio']:6.2f}" if r.get("pgbench") else f"{'—':>10} {'—':>6}"  # fmt: skip
        print(f"{r['clients']:>8} {r['per_s']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['server_cpu_ms']:7.2f} {pg}  {r['statuses']}")  # fmt: skip
    print("cpu ms: the server's own CPU time per scan, all its workers together")
    b = result["batch"]
    print(f"batch: {b['scans']} scans in batches of {b['batch_size']}: "
          f"{b['first']['per_s']:.0f} scans/s ({b['first']['seconds']:.2f} s) {b['first']['statuses']}; "
          f"replayed: {b['replay']['per_s']:.0f} scans/s {b['replay']['statuses']}; "
          f"server CPU {b['server_cpu_ms'] * 1000:.0f} µs/scan")  # fmt: skip
    if "copy" in result:
        c = result["copy"]
        print(f"COPY of the same {c['rows']} rows: {c['per_s']:.0f} rows/s; batch/COPY = {c['ratio']:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--seconds", type=int, default=5, help="per client level (≤ 60)")
    parser.add_argument("--max-rate", type=int, default=2500, help="tokens made per level-second")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the raw figures too")
    parser.add_argument(
        "--server-binding",
        action="store_true",
        help="PostgreSQL: serve with OPTIONS server_side_binding and prepare_threshold=5",
    )
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--pupils", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        run_setup(args.setup, args.pupils)
        return
    # QR tokens live 5 minutes: the whole run must fit in them.
    args.seconds = max(1, min(args.seconds, 60))
    with tempfile.TemporaryDirectory(prefix="qamqor-redeem-") as var_dir:
        env = base_env(var_dir)
        if args.pg or os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pg_url = pg_database(os.environ.get("DATABASE_URL") or PG_DEFAULT)
            env["DATABASE_URL"] = pg_url
            if args.server_binding:
                env["DATABASE_URL"] += "?server_side_binding=true&prepare_threshold=5"
            label = "PostgreSQL" + (" (server-side binding)" if args.server_binding else "")
            result = run_database(label, env, args, pg_url)
        else:
            env.pop("DATABASE_URL", None)
            result = run_database("SQLite", env, args, None)
    report(result)
    if args.json:
        print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
