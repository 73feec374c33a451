"""Server time of the case work pages over a million cases, on SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/case_pages.py [--cases 1000000] [--repeats 10]
    .venv/bin/python bench/case_pages.py --database-url postgres://postgres@127.0.0.1:5432/zhili_bench_pages

Without ``--database-url`` it runs both: a SQLite file under var/bench/ and a
dedicated PostgreSQL database ``zhili_bench_pages`` on ``--pg-server``
(default postgres://postgres@127.0.0.1:5432).  Each database is migrated,
given the demo district and N synthetic cases over one year
(zhili.cases.synthetic), and reused by later runs while it holds exactly N
synthetic cases.

Then each page is requested through Django's test Client (the whole
request: middleware, session, view, template) as the demo shift lead
(zhiban1, who sees every case) and a demo handler (chuzhi.cgj1, whose unit
has its own share): one warm-up, then the median of ``--repeats`` requests,
and the number of database queries of one request.

Target (issue 6): inbox and map pages under 200 ms server time with
1,000,000 cases, with a bounded number of queries.
Each database runs in its own process: Django reads DATABASE_URL once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import pg_prepare  # noqa: E402

PG_DB = "zhili_bench_pages"
TARGET_MS = 200.0
PERSONAS = (("shift lead", "zhiban1"), ("handler", "chuzhi.cgj1"))


def pages(extent: tuple[float, float, float, float], street: str) -> list[tuple[str, str]]:
    """(label, path) of the pages timed; the map boxes come from the district's extent."""
    a, b, c, d = extent
    whole = f"{a:.6f},{b:.6f},{c:.6f},{d:.6f}"
    cx, cy = (a + c) / 2, (b + d) / 2
    # About a 1280×800 px window at zoom 16 around the centre.
    near = f"{cx - 0.011:.6f},{cy - 0.0065:.6f},{cx + 0.011:.6f},{cy + 0.0065:.6f}"
    return [
        ("inbox", "/cases/"),
        ("inbox, overdue, by report time", "/cases/?overdue=on&sort=-reported"),
        ("all cases", "/cases/all/"),
        ("all cases, closed in a street", f"/cases/all/?state=closed&area={street}"),
        ("all cases, page 20", "/cases/all/?page=20"),
        ("map data, whole district (zoom 12)", f"/cases/map/data.json?bbox={whole}&zoom=12"),
        ("map data, overdue (zoom 12)", f"/cases/map/data.json?bbox={whole}&zoom=12&overdue=on"),
        ("map data, street level (zoom 16)", f"/cases/map/data.json?bbox={near}&zoom=16"),
    ]


def _load(vendor: str, url: str, n: int, seed: int, log) -> float | None:
    """Make the database hold the demo district and exactly n synthetic cases."""
    from django.core.management import call_command
    from django.db import connection

    from zhili.cases import synthetic
    from zhili.demo.load import demo_loaded, load_demo

    call_command("migrate", interactive=False, verbosity=0)
    have = synthetic.synthetic_case_count() if demo_loaded() else -1
    if have == n:
        log(f"reusing {n:,} synthetic cases")
        return None
    if have != -1 or demo_loaded():
        log(f"found {have:,} synthetic cases, want {n:,}: starting afresh")
        connection.close()
        if vendor == "postgresql":
            pg_prepare(url, fresh=True)
        else:
            Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
    log("loading the demo district…")
    load_demo(2017)
    log(f"generating {n:,} synthetic cases…")
    t0 = time.monotonic()
    start, end = synthetic.default_period()
    synthetic.generate_cases(n, seed, start=start, end=end, log=log)
    seconds = time.monotonic() - t0
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE cases_case" if vendor == "postgresql" else "ANALYZE")
    log(f"loaded in {seconds:.0f} s")
    return seconds


def _worker(url: str, n: int, repeats: int, seed: int, explain: bool) -> dict:
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"

    def log(msg: str) -> None:
        print(f"[{vendor}] {msg}", file=sys.stderr, flush=True)

    if vendor == "postgresql":
        pg_prepare(url, fresh=False)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from zhili.accounts.models import User
    from zhili.cases.lifecycle import OPEN_STATES
    from zhili.cases.models import Case
    from zhili.places.services import current_extent

    load_seconds = _load(vendor, url, n, seed, log)
    extent = current_extent()
    street = (
        Case.objects.values("street_code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("street_code", flat=True)
        .first()
    )
    open_cases = Case.objects.filter(state__in=list(OPEN_STATES)).count()
    out: dict = {
        "vendor": vendor,
        "cases": Case.objects.count(),
        "open": open_cases,
        "load_seconds": load_seconds,
        "rows": [],
    }
    with override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
        for role, username in PERSONAS:
            client = Client()
            client.force_login(User.objects.get(username=username))
            for label, path in pages(extent, street):
                r = client.get(path)  # warm-up: calendar, boundaries, templates
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}")
                times = []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                with CaptureQueriesContext(connection) as ctx:
                    client.get(path)
                out["rows"].append(
                    {
                        "role": role,
                        "page": label,
                        "ms": statistics.median(times),
                        "max_ms": max(times),
                        "queries": len(ctx.captured_queries),
                    }
                )
                if explain and vendor == "postgresql":
                    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
                    with connection.cursor() as cur:
                        cur.execute("EXPLAIN ANALYZE " + slowest["sql"])
                        out["rows"][-1]["explain"] = "\n".join(row[0] for row in cur.fetchall())
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--database-url", help="Run on this database only (sqlite:///… or postgres://…)."
    )
    p.add_argument("--pg-server", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "case_pages.sqlite3"))
    p.add_argument(
        "--explain",
        action="store_true",
        help="Print PostgreSQL's plan of each page's slowest query.",
    )
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.worker:
        print(
            json.dumps(
                _worker(args.database_url, args.cases, args.repeats, args.seed, args.explain),
                default=str,
            )
        )
        return

    urls = (
        [args.database_url]
        if args.database_url
        else [f"sqlite:///{args.sqlite_path}", f"{args.pg_server}/{PG_DB}"]
    )
    if any(u.startswith("sqlite") for u in urls):
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    results = []
    for url in urls:
        cmd = [sys.executable, __file__, "--worker", "--database-url", url, "--cases", str(args.cases),
               "--repeats", str(args.repeats), "--seed", str(args.seed)] + (["--explain"] if args.explain else [])  # fmt: skip
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if proc.returncode != 0:
            print(f"{url}: the run failed (exit {proc.returncode})", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print()
    print(
        f"Case work pages, server time through the test Client: median of {args.repeats} requests after one warm-up, {os.cpu_count()} CPUs"
    )
    for r in results:
        name = "PostgreSQL" if r["vendor"] == "postgresql" else "SQLite"
        print(
            f"{name}: {r['cases']:,} cases ({r['open']:,} open)"
            + (f", loaded in {r['load_seconds']:.0f} s" if r.get("load_seconds") else "")
        )
        for row in r["rows"]:
            flag = "" if row["ms"] < TARGET_MS else "  ← over target"
            print(
                f"  {row['role']:<10} {row['page']:<38} {row['ms']:7.1f} ms (max {row['max_ms']:6.1f})  {row['queries']:2d} queries{flag}"
            )
            if row.get("explain"):
                for line in row["explain"].splitlines():
                    print("      " + line)
        worst = max(row["ms"] for row in r["rows"])
        print(
            f"  slowest {worst:.1f} ms vs target {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS else 'NOT met'} (×{worst / TARGET_MS:.2f} of target)"
        )
    if len(results) == 2:
        by = [{(row["role"], row["page"]): row["ms"] for row in r["rows"]} for r in results]
        ratios = [by[0][k] / by[1][k] for k in by[0] if by[1].get(k)]
        print(f"SQLite / PostgreSQL time ratio: {min(ratios):.1f}-{max(ratios):.1f}")


if __name__ == "__main__":
    main()
