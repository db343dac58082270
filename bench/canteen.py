"""Canteen benchmark: an offline queue's sync, Face-ID matching and per-frame recognition.

    .venv/bin/python bench/canteen.py                 # PostgreSQL (DATABASE_URL, or the local
                                                      # server), database qamqor_bench_canteen
    .venv/bin/python bench/canteen.py --sqlite        # SQLite in a temporary directory (no COPY)
    options: --scans 10000  --templates 5000  --matches 2000  --frames 20

What it measures, in one child process on a fresh database (Django reads its settings once):
1. sync: `--scans` scans queued offline (one pupil each, a valid CWT each) sent through the
   redemption batch service (`meals.services.redeem.redeem_batch`, batches of 5,000 as the
   API takes them): scans per second. Then, on PostgreSQL, `COPY` of the same rows (read back
   from meals_redemption) into a scratch table of the same shape and indexes, in the same run:
   rows per second, and the ratio sync ÷ COPY (DESIGN.md: the goal is half);
2. 1:N match: `--templates` sealed face templates in the database, the school's gallery
   decrypted once (`canteen.faceid.gallery`), then `--matches` probes matched against it:
   ms to build, ms per match;
3. recognition: a 640-px camera frame made from a test photo: detection and encoding per frame
   (ms), as the door terminal's request does it; and an enrolment photo (upsampled once).
Parts 2–3 need the `faceid` extra; without it they say so and are skipped.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/qamqor"
BENCH_DB = "qamqor_bench_canteen"
PHOTO = ROOT / "qamqor" / "canteen" / "tests" / "fixtures" / "faces" / "obama.jpg"


# --- the child --------------------------------------------------------------------------------


def setup_school(n: int):  # noqa: ANN201
    import datetime as dt

    from qamqor.core import ids
    from qamqor.core.clock import now, today
    from qamqor.meals.models import MealDay, Operator, Programme, PupilRef, Voucher
    from qamqor.registry.models import Pupil
    from qamqor.testing import make_class, make_district, make_region, make_school, unique_iin

    school = make_school(make_district(make_region()))
    klass = make_class(school, 3, "А")
    operator = Operator.objects.create(
        name_kk="Социум пит", name_ru="Социум пит", bin=ids.make_bin(2010, 1, 7)
    )
    month = today().replace(day=1)
    programme = Programme.objects.create(school=school, month=month, operator=operator)
    MealDay.objects.create(programme=programme, date=today())
    pupils = []
    for i in range(n):
        birth = dt.date(2010 + i % 8, 1 + i // 8 % 12, 1 + i // 96 % 28)
        sex = "MF"[i % 2]
        pupils.append(Pupil(school=school, school_class=klass, birth_date=birth, sex=sex,
                            iin=unique_iin(birth, sex), surname=f"Оқушы{i}", name="Ержан"))  # fmt: skip
    pupils = Pupil.objects.bulk_create(pupils, batch_size=2000)
    refs = PupilRef.objects.bulk_create((PupilRef(pupil=p) for p in pupils), batch_size=2000)
    vouchers = Voucher.objects.bulk_create(
        (Voucher(school=school, pupil=p, month=month, meal_type="lunch", status="active",
                 activated_at=now()) for p in pupils),
        batch_size=2000,
    )  # fmt: skip
    return school, operator, pupils, refs, vouchers


def bench_sync(out: dict, school, operator, refs, vouchers) -> None:  # noqa: ANN001
    import uuid

    from django.db import connection

    from qamqor.core.clock import now
    from qamqor.meals.canteen_auth import Terminal
    from qamqor.meals.models import Redemption
    from qamqor.meals.services import redeem
    from qamqor.meals.tokens import issue_token

    moment = now()
    t = time.perf_counter()
    items = [
        redeem.BatchItem(
            issue_token(
                school_id=school.pk, pupil_ref=r.ref, voucher_id=v.pk, meal_type="lunch", now=moment
            ).text,
            str(uuid.uuid4()),
            "bench",
            moment.isoformat(),
        )  # fmt: skip
        for r, v in zip(refs, vouchers, strict=True)
    ]
    out["tokens_issue_s"] = time.perf_counter() - t
    terminal = Terminal(user_id=1, schools={school.pk: operator.bin})
    size = redeem.BATCH_MAX
    t = time.perf_counter()
    served = 0
    for start in range(0, len(items), size):
        answers = redeem.redeem_batch(terminal, items[start : start + size])
        served += sum(1 for a in answers if a["status"] == "served")
    elapsed = time.perf_counter() - t
    out["sync"] = {"scans": len(items), "served": served, "seconds": elapsed,
                   "per_s": len(items) / elapsed}  # fmt: skip
    t = time.perf_counter()
    for start in range(0, len(items), size):
        redeem.redeem_batch(terminal, items[start : start + size])
    replay = time.perf_counter() - t
    out["replay"] = {"seconds": replay, "per_s": len(items) / replay}
    assert Redemption.objects.filter(status="served").count() == served == len(items)

    if connection.vendor != "postgresql":
        out["copy"] = None
        return
    table = Redemption._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"DROP TABLE IF EXISTS bench_scratch; CREATE TABLE bench_scratch (LIKE {table} INCLUDING ALL)"
        )  # noqa: S608
        cur.execute(f"SELECT * FROM {table}")  # noqa: S608
        columns = [c.name for c in cur.description]
        rows = cur.fetchall()
        raw = cur.cursor  # psycopg 3
        t = time.perf_counter()
        with raw.copy(f"COPY bench_scratch ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        copy_s = time.perf_counter() - t
        cur.execute("SELECT count(*) FROM bench_scratch")
        copied = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_scratch")
    out["copy"] = {"rows": copied, "seconds": copy_s, "per_s": copied / copy_s}


def bench_faces(out: dict, school, pupils, templates: int, matches: int, frames: int) -> None:  # noqa: ANN001
    from qamqor.canteen.faceid import engine

    if not engine.available():
        out["faces"] = "the faceid extra is not installed: pip install -e '.[faceid]'"
        return
    import numpy as np

    from qamqor.accounts.models import User
    from qamqor.canteen.faceid import crypto, gallery
    from qamqor.canteen.models import FaceConsent, FaceTemplate
    from qamqor.core.clock import now
    from qamqor.registry.models import Family, Guardian
    from qamqor.testing import make_guardian

    rng = np.random.default_rng(4)
    family = Family.objects.create(school=school)
    guardian: Guardian = make_guardian(family)
    user = User.objects.create_user(username="bench-pedagog", password=None)  # noqa: S106
    moment = now()
    chosen = pupils[:templates]
    consents = FaceConsent.objects.bulk_create(
        (FaceConsent(school=school, pupil=p, guardian=guardian, source="paper",
                     given_at=moment, recorded_by=user) for p in chosen),
        batch_size=2000,
    )  # fmt: skip
    # Real encodings cluster: components of about ±0.1, norms near 1.
    encodings = rng.normal(0, 0.09, size=(len(chosen), 128))
    FaceTemplate.objects.bulk_create(
        (FaceTemplate(school=school, pupil=p, consent=c, sealed=crypto.seal(e, school.pk, p.pk),
                      created_at=moment) for p, c, e in zip(chosen, consents, encodings, strict=True)),
        batch_size=2000,
    )  # fmt: skip
    gallery.forget()
    t = time.perf_counter()
    g = gallery.gallery_for(school.pk)
    build_ms = (time.perf_counter() - t) * 1000
    probes = encodings[rng.integers(0, len(chosen), size=matches)] + rng.normal(
        0, 0.01, size=(matches, 128)
    )
    t = time.perf_counter()
    hits = sum(1 for p in probes if gallery.match(g, p).pupil_id is not None)
    match_ms = (time.perf_counter() - t) * 1000 / matches
    t = time.perf_counter()
    for _ in range(200):
        gallery.gallery_for(school.pk)  # the per-frame version check, cache hit
    check_ms = (time.perf_counter() - t) * 1000 / 200
    out["match"] = {"templates": len(g), "build_ms": build_ms, "per_match_ms": match_ms,
                    "hits": hits, "probes": matches, "version_check_ms": check_ms}  # fmt: skip

    from PIL import Image

    with Image.open(PHOTO) as img:
        img = img.convert("RGB")
        img.thumbnail((640, 640))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
    frame = buf.getvalue()
    engine.find_faces(engine.decode(frame))  # load the models first
    timings = []
    for _ in range(frames):
        t = time.perf_counter()
        found = engine.find_faces(engine.decode(frame), upsample=engine.FRAME_UPSAMPLE)
        timings.append((time.perf_counter() - t) * 1000)
    enrol = []
    data = PHOTO.read_bytes()
    for _ in range(max(3, frames // 5)):
        t = time.perf_counter()
        engine.enrolment_encoding(data)
        enrol.append((time.perf_counter() - t) * 1000)
    out["frame"] = {"size": f"{img.width}×{img.height}", "bytes": len(frame), "faces": len(found),
                    "median_ms": sorted(timings)[len(timings) // 2], "min_ms": min(timings),
                    "enrol_median_ms": sorted(enrol)[len(enrol) // 2]}  # fmt: skip


def run_child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    out: dict = {"vendor": connection.vendor}
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    school, operator, pupils, refs, vouchers = setup_school(max(args.scans, args.templates))
    out["setup_s"] = time.perf_counter() - t
    bench_sync(out, school, operator, refs[: args.scans], vouchers[: args.scans])
    bench_faces(out, school, pupils, args.templates, args.matches, args.frames)
    connection.close()
    print("RESULT " + json.dumps(out, default=str))


# --- the parent -------------------------------------------------------------------------------


def pg_admin(url: str, sql: str) -> bool:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    try:
        with psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                             password=cfg["PASSWORD"] or None, dbname="postgres",
                             autocommit=True, connect_timeout=3) as conn:  # fmt: skip
            conn.execute(sql)
    except psycopg.OperationalError:
        return False
    return True


def report(out: dict) -> None:
    print(f"\n== bench/canteen.py on {out['vendor']} (setup {out['setup_s']:.1f} s)")
    s, r, c = out["sync"], out["replay"], out.get("copy")
    print(f"offline queue sync, {s['scans']:,} scans via redeem_batch (batches of 5,000):")
    print(f"  {s['per_s']:>10,.0f} scans/s   ({s['seconds']:.2f} s; served {s['served']:,})")
    print(f"  {r['per_s']:>10,.0f} scans/s   the same queue sent again (all replays)")
    if c:
        print(
            f"  {c['per_s']:>10,.0f} rows/s    PostgreSQL COPY of the same rows ({c['seconds']:.3f} s)"
        )
        print(f"  ratio sync / COPY = {s['per_s'] / c['per_s']:.2f}")
    else:
        print("  (COPY needs PostgreSQL: run without --sqlite)")
    if isinstance(out.get("faces"), str):
        print(f"Face ID: {out['faces']}")
        return
    m, f = out["match"], out["frame"]
    print(f"1:N match among {m['templates']:,} templates:")
    print(f"  {m['per_match_ms']:.3f} ms per match ({m['hits']}/{m['probes']} probes matched)")
    print(f"  {m['build_ms']:.0f} ms to decrypt and stack the gallery once; "
          f"{m['version_check_ms']:.2f} ms per frame to check it is current")  # fmt: skip
    print(f"detection + encoding of one {f['size']} camera frame ({f['bytes'] // 1024} kB JPEG, "
          f"{f['faces']} face): {f['median_ms']:.0f} ms median, {f['min_ms']:.0f} ms best")  # fmt: skip
    print(f"enrolment photo (≤ 800 px, upsampled once): {f['enrol_median_ms']:.0f} ms median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--templates", type=int, default=5_000)
    parser.add_argument("--matches", type=int, default=2_000)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qamqor.settings", "QAMQOR_TESTING": "1"}
    tmp = tempfile.TemporaryDirectory(prefix="qamqor-bench-canteen-")
    env["QAMQOR_VAR_DIR"] = tmp.name
    base = os.environ.get("DATABASE_URL", PG_DEFAULT)
    url = None
    if not args.sqlite:
        if pg_admin(base, f"DROP DATABASE IF EXISTS {BENCH_DB}") and pg_admin(
            base, f"CREATE DATABASE {BENCH_DB}"
        ):
            url = base.rsplit("/", 1)[0] + "/" + BENCH_DB
            env["DATABASE_URL"] = url
        else:
            print(f"PostgreSQL not reachable at {base}: SQLite only, no COPY")
    if url is None:
        env.pop("DATABASE_URL", None)
    argv = [sys.executable, __file__, "--child", "--scans", str(args.scans), "--templates",
            str(args.templates), "--matches", str(args.matches), "--frames", str(args.frames)]  # fmt: skip
    try:
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        if url:
            pg_admin(base, f"DROP DATABASE IF EXISTS {BENCH_DB}")
        tmp.cleanup()
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode or line is None:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit("the benchmark failed")
    report(json.loads(line[len("RESULT ") :]))


if __name__ == "__main__":
    main()
