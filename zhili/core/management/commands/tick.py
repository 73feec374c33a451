"""zhili tick: run the clock handlers once (cron every minute), or in a loop."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandParser

from zhili.core.ticks import handlers, run_tick


class Command(BaseCommand):
    help = "Run clock handlers (overdue flags, escalations, calendar checks) once or every N seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS", help="Repeat every SECONDS.")
        parser.add_argument("--only", action="append", help="Run only this handler (repeatable).")
        parser.add_argument("--list", action="store_true", help="List the handlers and exit.")

    def handle(self, *args, loop: int, only: list[str] | None, list: bool, **opts) -> None:
        if list:
            for name in sorted(handlers()):
                self.stdout.write(name)
            return
        while True:
            run = run_tick(only=only)
            if run is None:
                self.stdout.write("another tick is running; skipped")
            else:
                self.stdout.write(json.dumps(run.results, ensure_ascii=False, default=str))
            if not loop:
                return
            time.sleep(loop)
