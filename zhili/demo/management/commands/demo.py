"""zhili demo: migrate, load the synthetic demo district, serve it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.accounts.roles import Role
from zhili.demo.load import demo_loaded, demo_logins, load_demo, remove_demo


def _pad(text: str, width: int) -> str:
    """Left-justify counting CJK characters as two columns, as terminals do."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


DEMO_CASES = 3000


class Command(BaseCommand):
    help = "Create the synthetic demo district (deterministic from --seed) and serve Zhili on it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Remove the demo data and load it afresh.")
        parser.add_argument("--seed", type=int, default=2017)
        parser.add_argument("--no-serve", action="store_true", help="Load and print the logins, do not serve.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument(
            "--cases", type=int, default=None, metavar="N",
            help=f"Load N synthetic cases over the past year (default: {DEMO_CASES} when the district is first loaded; "
            "large N for the evaluation and page benchmarks).",
        )

    def handle(self, *args, reset: bool, seed: int, no_serve: bool, host: str, port: int, workers: int, cases: int | None, **opts) -> None:
        if cases is not None and cases < 0:
            raise CommandError(f"--cases must be 0 or more, not {cases}.")
        call_command("migrate", interactive=False, verbosity=0)
        if reset and demo_loaded():
            self.stdout.write("Removing the demo district…")
            remove_demo()
        if not demo_loaded():
            self.stdout.write(f"Loading the synthetic demo district (seed {seed})…")
            started = time.monotonic()
            d = load_demo(seed)
            summary = ", ".join(f"{k} {v}" for k, v in d.summary().items())
            self.stdout.write(f"Loaded {d.name} in {time.monotonic() - started:.1f} s: {summary}")
            # Ready-made service-circle analyses so the pages show results at once.
            from zhili.access.demo import load_demo_analyses

            load_demo_analyses()
            # An action plan being run, and a year of cases, for the
            # supervision, case and evaluation pages.
            from zhili.cases.demo import load_demo_live_cases
            from zhili.open311.demo import load_demo_reports
            from zhili.plans.demo import load_demo_plan

            load_demo_plan()
            load_demo_live_cases()
            load_demo_reports()
            if cases is None:
                cases = DEMO_CASES
            self.stdout.write(d.note)
        else:
            self.stdout.write("The demo district is already loaded (use --reset to load it afresh).")
        if cases:
            from zhili.cases.synthetic import load_synthetic_cases

            started = time.monotonic()
            load_synthetic_cases(cases, seed, log=self.stdout.write)
            self.stdout.write(f"Loaded {cases:,} synthetic cases in {time.monotonic() - started:.0f} s.")
        self._print_logins(seed, host, port)
        if no_serve:
            return
        self._serve(host, port, workers)

    def _print_logins(self, seed: int, host: str, port: int) -> None:
        labels = {r.value: str(r.label) for r in Role}
        self.stdout.write("")
        self.stdout.write(f"Demo logins (synthetic people) for http://{host}:{port}/ :")
        self.stdout.write("  " + _pad("role", 18) + _pad("username", 14) + _pad("password", 22) + "name")
        for login in demo_logins(seed):
            pw = "(changed by the user)" if login.password_changed else login.password
            self.stdout.write(
                "  " + _pad(labels.get(login.role, login.role), 18) + _pad(login.username, 14) + _pad(pw, 22)
                + f"{login.display_name} · {login.org}".rstrip(" ·")
            )
        self.stdout.write("")

    def _serve(self, host: str, port: int, workers: int) -> None:
        env = dict(os.environ)
        zhili = [sys.executable, "-m", "zhili"]
        procs = [
            subprocess.Popen(zhili + ["db_worker", "--no-startup-delay"], env=env),
            subprocess.Popen(zhili + ["tick", "--loop", "60"], env=env, stdout=subprocess.DEVNULL),
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "zhili.wsgi:application", "--bind", f"{host}:{port}",
                 "--workers", str(workers), "--access-logfile", "-", "--graceful-timeout", "5"],
                env=env,
            ),
        ]
        self.stdout.write(f"Serving on http://{host}:{port}/ (web, task worker, tick loop); Ctrl-C stops.")

        def stop(*_args: object) -> None:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            failed = [p.args for p in procs if p.poll() not in (None, 0)]
            if failed:
                self.stderr.write(f"a server process stopped: {failed}")
        except KeyboardInterrupt:
            pass
        stop()
