"""Case intake through the REST API, against a bare Django JSON view, on PostgreSQL.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/case_intake.py [--duration 20] [--clients 4] [--workers 2] [--profile 300]

It (re)creates the database ``zhili_bench_intake``, migrates it, loads the
demo district and issues an API token for a demo inspector; then starts
gunicorn (sync workers, persistent database connections) on a free port and
drives, for ``--duration`` seconds each:

* ``POST /api/v1/cases/``: a new report at a random point inside the demo's
  unit grids, with token authentication (locate, case number, case row,
  timeline entry, audit entry, the response with the case and its places);
* ``POST /bench/bare/``: the same body to a view that only parses it and
  answers ``{"ok": true}`` through the same middleware (bench/bare_wsgi.py).

Each client thread sends prebuilt HTTP/1.1 requests over a plain socket,
the next when the last one is answered, so the server sees a steady
``--clients`` requests in flight (gunicorn's sync workers close the
connection after each response; the client reconnects).  The load generator runs on the same
machine and competes for the same cores as gunicorn and PostgreSQL; the CPU
time each of them used is printed.  ``--profile N`` then runs N reports
in-process under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import pg_prepare  # noqa: E402

DB_NAME = "zhili_bench_intake"
PG = "postgresql://postgres@127.0.0.1:5432"
TARGET_RATE = 300.0
TARGET_P99_MS = 100.0
SEED = 2017
BARE_PATH = "/bench/bare/"
API_PATH = "/api/v1/cases/"


# --- setup ------------------------------------------------------------------------


def bench_env(conn_max_age: int, database: str = DB_NAME) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="zhili.settings",
        DATABASE_URL=f"{PG}/{database}",
        # Persistent connections: a new PostgreSQL backend per request would
        # measure connection setup, not the API.
        ZHILI_DB_CONN_MAX_AGE=str(conn_max_age),
        ZHILI_DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    return env


def use_bench_env(database: str = DB_NAME) -> dict[str, str]:
    """The server's environment (persistent connections, no debug); this
    process takes the database settings from it too."""
    env = bench_env(conn_max_age=600, database=database)
    keys = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ZHILI_DB_CONN_MAX_AGE", "ZHILI_DEBUG")
    os.environ.update({k: env[k] for k in keys})
    return env


def create_database(database: str = DB_NAME) -> None:
    pg_prepare(f"{PG}/{database}", fresh=True)


def build_schema() -> None:
    """Migrate; or, while the models are ahead of the migrations (work in
    progress), create the tables from the models as the tests do."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    try:
        call_command("makemigrations", check=True, dry_run=True, verbosity=0)
    except SystemExit:
        print("  models are ahead of the migrations: tables created from the models")
        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        call_command("migrate", run_syncdb=True, verbosity=0)
        return
    call_command("migrate", verbosity=0)


def prepare(points: int, *, reuse: bool = False) -> tuple[str, list[tuple[float, float]], str]:
    """Migrate, load the demo, issue a token; random points inside the grids."""
    import django

    django.setup()
    import numpy as np
    from django.db import connection, connections

    from zhili.accounts.models import User
    from zhili.cases.api.tokens import api_token_issue
    from zhili.demo.generator import generate
    from zhili.demo.load import load_demo
    from zhili.places.services import current_extent, locate_many

    if not reuse:
        build_schema()
        load_demo(SEED)
    names = [p.username for p in generate(SEED).personas if p.role == "inspector"]
    inspector = User.objects.filter(username__in=names).order_by("username").first()
    assert inspector is not None, "the demo has no inspector"
    key = api_token_issue(actor=None, user=inspector)
    x0, y0, x1, y1 = current_extent()
    rng = np.random.default_rng(SEED)
    out: list[tuple[float, float]] = []
    while len(out) < points:
        lon, lat = rng.uniform(x0, x1, points), rng.uniform(y0, y1, points)
        inside = locate_many(lon, lat)["grid"] != ""
        out += list(zip(lon[inside].tolist(), lat[inside].tolist(), strict=True))
    server = connection.pg_version
    connections.close_all()
    return key, out[:points], f"PostgreSQL {server // 10000}.{server % 10000}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, env: dict[str, str], threads: int = 1
) -> subprocess.Popen:
    """gunicorn with sync workers, or gthread workers when ``threads`` > 1 (a
    worker then serves one request while another waits on PostgreSQL)."""
    cmd = [
        sys.executable, "-m", "gunicorn", "bench.bare_wsgi:application",
        "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
        "--backlog", "2048", "--log-level", "warning", "--timeout", "60",
    ]  # fmt: skip
    if threads > 1:
        cmd += ["--worker-class", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start within 60 s")


def stop(proc: subprocess.Popen) -> None:
    # Only the process group this script started.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


# --- CPU accounting -----------------------------------------------------------------


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _postgres_pids(database: str = DB_NAME) -> list[int]:
    """Backends serving the bench database only: other databases on the same
    server (other people's work) must not count."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchall()
    return [r[0] for r in rows]


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, plus steal)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int, pg_pids: list[int]) -> dict[str, float]:
    """CPU seconds so far of gunicorn (master + workers), its PostgreSQL backends,
    this process, and the whole machine."""
    server = [server_pid, *_children(server_pid)]
    return {
        "gunicorn": sum(_cpu_of(p) for p in server),
        "postgres": sum(_cpu_of(p) for p in pg_pids),
        "load generator": sum(os.times()[:2]),
        "machine": _machine_busy(),
    }


# --- load ---------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    def merge(self, other: Result) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.errors += other.errors
        for k, v in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + v
        for k, v in other.cpu.items():
            self.cpu[k] = self.cpu.get(k, 0.0) + v

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Closed(Exception):
    pass


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, bool]:
    """Send one prebuilt request, read the whole response: (status, server closes)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        key, _c, value = line.partition(b":")
        key = key.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"connection":
            close = value.strip().lower() == b"close"
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed
        body += chunk
    return status, close


def prebuilt(port: int, path: str, bodies: list[bytes], headers: dict[str, str]) -> list[bytes]:
    """Whole HTTP/1.1 requests, encoded before the clock starts: the load
    generator shares the cores with the server, so it does as little as it can."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return [
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}Content-Length: {len(b)}\r\n\r\n".encode()
        + b
        for b in bodies
    ]


def drive(
    port: int,
    requests: list[bytes],
    seconds: float,
    clients: int,
    expect: int,
    name: str,
    server_pid: int,
    database: str = DB_NAME,
) -> Result:
    result = Result(name)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def connect() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def client(offset: int) -> None:
        sock: socket.socket | None = None
        lat: list[float] = []
        errors = 0
        statuses: dict[int, int] = {}
        i = offset
        start.wait()
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at[0]:
                break
            request = requests[i % len(requests)]
            i += clients
            try:
                if sock is None:
                    sock = connect()
                status, close = _exchange(sock, request)
                dt = time.perf_counter() - t0
                statuses[status] = statuses.get(status, 0) + 1
                if status == expect:
                    lat.append(dt)
                else:
                    errors += 1
                if close:  # sync workers close after each response; reconnect next time
                    sock.close()
                    sock = None
            except (OSError, _Closed, ValueError, IndexError):
                errors += 1
                if sock is not None:
                    sock.close()
                sock = None
        if sock is not None:
            sock.close()
        with lock:
            result.latencies += lat
            result.errors += errors
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    # The workers' connections persist (CONN_MAX_AGE), so the backends that
    # exist after the warm-up are the ones that serve the run.
    pg_pids = _postgres_pids(database)
    before = cpu_snapshot(server_pid, pg_pids)
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - t0
    after = cpu_snapshot(server_pid, pg_pids)
    result.cpu = {k: after[k] - before[k] for k in after}
    return result


def report_bodies(points: list[tuple[float, float]]) -> list[bytes]:
    return [
        json.dumps(
            {
                "description": f"路边暴露垃圾 #{i}",
                "lon": lon,
                "lat": lat,
                "address": "演示区测试路",
            },
            ensure_ascii=False,
        ).encode()
        for i, (lon, lat) in enumerate(points)
    ]


def alternate(
    port: int,
    targets: tuple[tuple[str, list[bytes], int], ...],
    duration: float,
    warmup: float,
    rounds: int,
    clients: int,
    server_pid: int,
    database: str = DB_NAME,
) -> list[Result]:
    """Warm each target up, then measure them in alternating short slices, so
    that other work on the machine, if any, weighs on all alike."""
    for name, requests, expect in targets:
        drive(port, requests, warmup, clients, expect, name, server_pid, database)
    runs = [Result(name) for name, _r, _e in targets]
    for _round in range(rounds):
        for total, (name, requests, expect) in zip(runs, targets, strict=True):
            part = drive(
                port, requests, duration / rounds, clients, expect, name, server_pid, database
            )
            total.merge(part)
    return runs


def summarise(runs: list[Result], header: str, load_before: float, unit: str) -> bool:
    """Print the table, the ratio to the bare view and the CPU per request;
    whether the first run met the target."""
    api, bare = runs
    cores = os.cpu_count() or 0
    print(f"{header}, {cores} cores ({platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}).")  # fmt: skip
    print("The load generator (this process) runs on the same cores as gunicorn and PostgreSQL.\n")
    print(
        f"{'':6}{'ok':>8}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}   CPU s: gunicorn / postgres / load generator"
    )
    for r in runs:
        cpu = " / ".join(f"{r.cpu[k]:.1f}" for k in ("gunicorn", "postgres", "load generator"))
        print(
            f"{r.name:6}{r.ok:>8}{r.errors:>8}{r.rate:>10.1f}{r.pct(0.50):>9.1f}{r.pct(0.99):>9.1f}   {cpu}"
        )
        if r.errors:
            print(f"        statuses: {r.statuses}")
    ratio = api.rate / bare.rate if bare.rate else float("nan")
    print(f"\nratio {api.name}/{bare.name}: throughput {ratio:.2f} (the bare view is {1 / ratio:.1f}x faster); "
          f"p50 {api.pct(0.5) / bare.pct(0.5):.1f}x")  # fmt: skip
    for r in runs:
        if not r.ok:
            continue
        ours = ("gunicorn", "postgres", "load generator")
        each = {k: r.cpu[k] / r.ok * 1000 for k in ours}
        total = sum(each.values())
        used = sum(r.cpu[k] for k in ours) / (r.seconds * cores) if cores else float("nan")
        others = max(0.0, r.cpu["machine"] - sum(r.cpu[k] for k in ours)) / (r.seconds * cores)
        print(
            f"CPU per request ({r.name}): {each['gunicorn']:.2f} ms gunicorn + {each['postgres']:.2f} ms PostgreSQL "
            f"+ {each['load generator']:.2f} ms load generator = {total:.2f} ms -> at most "
            f"{1000 * cores / total:.0f} req/s on {cores} idle cores; the bench used {100 * used:.0f} % "
            f"of the cores, other work {100 * others:.0f} %"
        )
    print(f"load average before the runs: {load_before:.2f}")
    met = api.rate >= TARGET_RATE and api.pct(0.99) < TARGET_P99_MS and api.errors == 0
    print(
        f"target ≥ {TARGET_RATE:.0f} {unit}/s with p99 < {TARGET_P99_MS:.0f} ms and no errors: "
        f"{'MET' if met else 'MISSED'} ({api.rate:.0f} {unit}/s, p99 {api.pct(0.99):.1f} ms)"
    )
    return met


# --- profile --------------------------------------------------------------------------


def profile(key: str, points: list[tuple[float, float]], n: int) -> None:
    """N reports in-process under cProfile: own time by area, and the top functions."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    bodies = report_bodies(points)

    def post(i: int) -> None:
        resp = client.post(API_PATH, bodies[i % len(bodies)], content_type="application/json")
        assert resp.status_code == 201, resp.content

    post(0)  # warm: lookup index, calendar, code paths
    with CaptureQueriesContext(connection) as queries:
        post(1)
    print(f"\nQueries per report: {len(queries)}")
    for q in queries.captured_queries:
        print(f"  {q['sql'][:110]}")
    # CPU clock: time spent waiting for PostgreSQL (or for a busy machine's
    # scheduler) is not this process's cost and is left out.
    prof = cProfile.Profile(time.process_time)
    t0, c0 = time.perf_counter(), time.process_time()
    prof.enable()
    for i in range(2, n + 2):
        post(i)
    prof.disable()
    per = (time.perf_counter() - t0) / n * 1000
    cpu = (time.process_time() - c0) / n * 1000
    stats = pstats.Stats(prof)
    areas: dict[str, float] = {}
    total = 0.0
    for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():
        total += tt
        areas[_area(filename)] = areas.get(_area(filename), 0.0) + tt
    print(
        f"\nIn-process profile of {n} reports (under the profiler: {per:.2f} ms wall, {cpu:.2f} ms CPU each), "
        "own CPU time by area:"
    )
    for area, tt in sorted(areas.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {100 * tt / total:5.1f} %  {area}")
    print("\nTop functions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(28)


def _area(filename: str) -> str:
    if "/zhili/" in filename:
        rel = filename.split("/zhili/", 1)[1]
        return "zhili/" + rel.rsplit("/", 1)[0] if "/" in rel else "zhili"
    for marker, name in (
        ("/psycopg", "psycopg (database driver)"),
        ("/django/db/", "django.db (ORM)"),
        ("/django/", "django (other)"),
        ("/rest_framework/", "rest_framework"),
        ("/numpy/", "numpy"),
        ("/shapely/", "shapely"),
        ("/json/", "json"),
    ):
        if marker in filename:
            return name
    if filename == "~":
        return "built-ins (C functions called from Python)"
    return "python/other" if filename.startswith(("/", "<")) else filename


# --- main -------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--duration", type=float, default=20.0, help="seconds of load per endpoint (default 20)"
    )
    ap.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)"
    )
    ap.add_argument(
        "--clients", type=int, default=4, help="concurrent client connections (default 4)"
    )
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    ap.add_argument(
        "--rounds", type=int, default=4, help="alternating slices per endpoint (default 4)"
    )
    ap.add_argument("--points", type=int, default=20000, help="distinct report locations")
    ap.add_argument(
        "--profile", type=int, default=0, metavar="N", help="then profile N in-process reports"
    )
    ap.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep the database of a previous run (skip migrate and demo)",
    )
    ap.add_argument(
        "--profile-only", action="store_true", help="only the in-process profile (no gunicorn)"
    )
    args = ap.parse_args()

    env = use_bench_env()
    print(f"Preparing database {DB_NAME} (migrate, demo district, token) ...", flush=True)
    t0 = time.perf_counter()
    if not args.reuse_db:
        create_database()
    key, points, pg = prepare(args.points, reuse=args.reuse_db)
    print(
        f"  ready in {time.perf_counter() - t0:.0f} s; {len(points)} report locations inside the demo grids"
    )
    if args.profile_only:
        profile(key, points, args.profile or 300)
        return 0

    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_gunicorn(port, args.workers, env)
    try:
        api_headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}
        bare_headers = {"Content-Type": "application/json"}
        bodies = report_bodies(points)
        targets = (
            ("api", prebuilt(port, API_PATH, bodies, api_headers), 201),
            ("bare", prebuilt(port, BARE_PATH, bodies, bare_headers), 200),
        )
        runs = alternate(
            port, targets, args.duration, args.warmup, args.rounds, args.clients, server.pid
        )
    finally:
        stop(server)

    from zhili.cases.models import Case

    header = (
        f"\nCase intake: POST {API_PATH} vs a bare Django JSON view, {pg}, gunicorn {args.workers} sync "
        f"workers, {args.clients} client connections, {args.duration:.0f} s each in {args.rounds} alternating "
        "slices"
    )
    met = summarise(runs, header, load_before, "cases")
    print(f"cases stored: {Case.objects.count()} (warm-up included)")
    if args.profile:
        profile(key, points, args.profile)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
