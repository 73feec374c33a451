"""Open311 intake throughput: POST /requests.json over HTTP to a running server.

Starts gunicorn (2 workers) on a fresh PostgreSQL database with the demo
district, its public services and an API key; drives POSTs from client
threads on keep-alive connections for a fixed time; then does the same
against a bare Django JSON view in the same server, and prints requests/s,
p50/p99 latency, errors and the ratio.  The load generator shares the
machine's two cores with the server and PostgreSQL, so the figures are a
floor, not a ceiling.

    .venv/bin/python bench/open311_post.py [--seconds 20] [--clients 8] [--database-url postgres://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "zhili_bench_open311"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(base_url: str) -> tuple[dict, str, list[tuple[float, float]]]:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    env = dict(
        os.environ,
        DATABASE_URL=f"{base_url}/{DB}",
        DJANGO_SETTINGS_MODULE="zhili.settings",
        ZHILI_ROOT_URLCONF="open311_urls",
        ZHILI_OPEN311_READS_PER_MINUTE="100000",
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zhili.demo.load import load_demo
    from zhili.open311.actions import api_key_issue, services_load

    d = load_demo(2017)
    services_load(actor=None)
    _key, secret = api_key_issue(actor=None, name="bench", rate_per_minute=10_000_000)
    rng = random.Random(7)
    points = []
    for g in rng.sample(d.grids, 400):
        p = g.polygon.representative_point()
        points.append((p.y, p.x))
    return env, secret, points


def run_load(
    port: int, path: str, body_for, seconds: float, clients: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(i: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        n = 0
        while time.monotonic() < deadline:
            body = body_for(i, n)
            n += 1
            t0 = time.perf_counter()
            try:
                if body is None:
                    conn.request("GET", path)
                else:
                    conn.request(
                        "POST",
                        path,
                        body=body,
                        headers={
                            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"
                        },
                    )
                resp = conn.getresponse()
                resp.read()
                ok = resp.status in (200, 201)
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
            if not ok:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def summary(name: str, lat: list[float], errors: int, seconds: float) -> float:
    rate = len(lat) / seconds
    q = statistics.quantiles(lat, n=100)
    print(
        f"{name}: {rate:,.0f} requests/s, p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
        f"{errors} errors of {len(lat):,}"
    )
    return rate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    args = ap.parse_args()
    env, key, points = prepare(args.database_url)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "zhili.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--pythonpath",
            str(ROOT / "bench"),
            "--log-level",
            "warning",
        ],
        env={**env, "ZHILI_DB_CONN_MAX_AGE": "600"},
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)

        def body(i: int, n: int) -> str:
            lat, lon = points[(i * 7919 + n) % len(points)]
            return urllib.parse.urlencode(
                {
                    "api_key": key,
                    "service_code": "bl-garbage",
                    "lat": f"{lat:.7f}",
                    "long": f"{lon:.7f}",
                    "description": f"bench {i}-{n}",
                    "attribute[amount]": "small",
                }
            )

        run_load(port, "/open311/v2/requests.json", body, 2, args.clients)  # warm-up
        print(
            f"Open311 POST /requests.json, gunicorn {args.workers} workers (gthread ×4), PostgreSQL, "
            f"{args.clients} client threads, {args.seconds:.0f} s each, {os.cpu_count()} CPUs shared with the load generator"
        )
        lat, err = run_load(port, "/open311/v2/requests.json", body, args.seconds, args.clients)
        intake = summary("  intake (case created)", lat, err, args.seconds)
        lat_b, err_b = run_load(
            port, "/bench/bare.json", lambda i, n: None, args.seconds, args.clients
        )
        bare = summary("  bare Django JSON view ", lat_b, err_b, args.seconds)
        print(f"  ratio intake / bare view: {intake / bare:.2f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
