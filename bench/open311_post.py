"""Open311 intake throughput: POST /open311/v2/requests.json over HTTP, on PostgreSQL.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/open311_post.py [--duration 20] [--clients 4] [--workers 2] [--profile 300]

It (re)creates the database ``zhili_bench_open311``, migrates it, loads the
demo district with its public services and jurisdiction, and issues an API
key; then starts gunicorn (2 sync workers, persistent database connections)
and drives, for ``--duration`` seconds each, in alternating slices:

* ``POST /open311/v2/requests.json``: a form-encoded GeoReport v2 request
  (api_key, service_code, lat/long inside a demo grid, description, a list
  attribute) as a third-party app sends it.  Each one checks the key and its
  rate window, validates the service and attributes, locates the point,
  creates the case (number, clock, timeline, audit) and the service-request
  record, logs the request, and answers with the new service_request_id;
* ``POST /bench/bare/``: the same body to a view that only parses the form
  (bench/bare_wsgi.py), through the same middleware.

``--profile N`` then profiles N requests in-process (sorted by cumulative
time; ``BENCH_SORT=tottime BENCH_TOP=45`` change the order and length).

The HTTP harness (clients on plain sockets, CPU accounting of gunicorn,
PostgreSQL and the load generator, the summary) is bench/case_intake.py's.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.case_intake import (  # noqa: E402
    BARE_PATH,
    SEED,
    alternate,
    build_schema,
    create_database,
    free_port,
    prebuilt,
    start_gunicorn,
    stop,
    summarise,
    use_bench_env,
)

DB_NAME = "zhili_bench_open311"
PATH = "/open311/v2/requests.json"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def prepare(points: int, *, reuse: bool) -> tuple[str, list[tuple[float, float]], str]:
    """Migrate, load the demo and its services, issue a key; points inside the grids."""
    import django

    django.setup()
    import numpy as np
    from django.db import connection, connections

    from zhili.demo.load import load_demo
    from zhili.open311.actions import api_key_issue
    from zhili.places.services import current_extent, locate_many

    if not reuse:
        build_schema()
        load_demo(SEED)  # loads the public services and the jurisdiction too
    _key, secret = api_key_issue(actor=None, name="bench", rate_per_minute=10_000_000)
    x0, y0, x1, y1 = current_extent()
    rng = np.random.default_rng(SEED)
    out: list[tuple[float, float]] = []
    while len(out) < points:
        lon, lat = rng.uniform(x0, x1, points), rng.uniform(y0, y1, points)
        inside = locate_many(lon, lat)["grid"] != ""
        out += list(zip(lon[inside].tolist(), lat[inside].tolist(), strict=True))
    server = connection.pg_version
    connections.close_all()
    return secret, out[:points], f"PostgreSQL {server // 10000}.{server % 10000}"


def bodies(key: str, points: list[tuple[float, float]]) -> list[bytes]:
    return [
        urllib.parse.urlencode(
            {
                "api_key": key,
                "service_code": "bl-garbage",
                "lat": f"{lat:.7f}",
                "long": f"{lon:.7f}",
                "description": f"路边暴露垃圾 #{i}",
                "address_string": "演示区测试路",
                "attribute[amount]": "small",
            }
        ).encode()
        for i, (lon, lat) in enumerate(points)
    ]


def profile(key: str, points: list[tuple[float, float]], n: int) -> None:
    """N requests in-process under cProfile (CPU clock): queries, then the top functions."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    forms = bodies(key, points)

    def post(i: int) -> None:
        resp = client.post(PATH, forms[i % len(forms)], content_type=FORM)
        assert resp.status_code == 201, resp.content

    post(0)
    with CaptureQueriesContext(connection) as queries:
        post(1)
    print(f"\nQueries per request: {len(queries)}")
    for q in queries.captured_queries:
        print(f"  {q['sql'][:110]}")
    prof = cProfile.Profile(time.process_time)
    c0 = time.process_time()
    prof.enable()
    for i in range(2, n + 2):
        post(i)
    prof.disable()
    print(
        f"\nIn-process: {(time.process_time() - c0) / n * 1000:.2f} ms CPU per request (profiled)"
    )
    pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(int(os.environ.get("BENCH_TOP", "30")))


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per endpoint")
    ap.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    ap.add_argument("--clients", type=int, default=4, help="concurrent client connections")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument(
        "--threads", type=int, default=1, help="threads per worker (> 1: gthread workers)"
    )
    ap.add_argument("--rounds", type=int, default=4, help="alternating slices per endpoint")
    ap.add_argument("--points", type=int, default=20000, help="distinct report locations")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="then profile N requests")
    ap.add_argument("--reuse-db", action="store_true", help="keep the previous run's database")
    args = ap.parse_args()

    env = use_bench_env(DB_NAME)
    print(f"Preparing database {DB_NAME} (migrate, demo district, services, key) ...", flush=True)
    t0 = time.perf_counter()
    if not args.reuse_db:
        create_database(DB_NAME)
    key, points, pg = prepare(args.points, reuse=args.reuse_db)
    print(f"  ready in {time.perf_counter() - t0:.0f} s; {len(points)} request locations")

    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_gunicorn(port, args.workers, env, args.threads)
    try:
        forms = bodies(key, points)
        targets = (
            ("open311", prebuilt(port, PATH, forms, {"Content-Type": FORM}), 201),
            ("bare", prebuilt(port, BARE_PATH, forms, {"Content-Type": FORM}), 200),
        )
        runs = alternate(
            port,
            targets,
            args.duration,
            args.warmup,
            args.rounds,
            args.clients,
            server.pid,
            DB_NAME,
        )
    finally:
        stop(server)

    from zhili.open311.models import ServiceRequest

    header = (
        f"\nOpen311 intake: POST {PATH} vs a bare Django view, {pg}, gunicorn {args.workers} "
        + (f"gthread workers × {args.threads} threads" if args.threads > 1 else "sync workers")
        + f", {args.clients} client connections, {args.duration:.0f} s each in {args.rounds} "
        "alternating slices"
    )
    met = summarise(runs, header, load_before, "requests")
    print(f"service requests stored: {ServiceRequest.objects.count()} (warm-up included)")
    if args.profile:
        profile(key, points, args.profile)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
