"""zhili calendar show|load|add-working-hours|add-working-days|between"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from zhili.workcal import clock
from zhili.workcal.actions import CalendarEntryError, calendar_year_enter
from zhili.workcal.csvfile import decode, read_calendar_csv
from zhili.workcal.models import CalendarYear

KIND_LABELS = {
    clock.DayKind.HOLIDAY: "休息日",
    clock.DayKind.ADJUSTED_WORKDAY: "调休上班日",
}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _moment(value: str) -> datetime:
    """An ISO date-time; without an offset it is read as Beijing time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"not a date-time (e.g. 2026-02-13T16:00+08:00): {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.TZ)
    return moment


def _year(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"not a year: {value!r}") from None


def _hours(value: str) -> Decimal:
    try:
        hours = Decimal(value)
    except InvalidOperation:
        raise CommandError(f"not a number of hours: {value!r}") from None
    if not hours.is_finite() or hours < 0:
        raise CommandError(f"hours must be a number >= 0, got {value!r}")
    return hours


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise CommandError(f"not a whole number of days: {value!r}") from None
    if days < 0:
        raise CommandError(f"days must be >= 0, got {value!r}")
    return days


def _fmt(moment: datetime) -> str:
    return f"{moment.isoformat(timespec='minutes' if not moment.second and not moment.microsecond else 'seconds')} ({WEEKDAYS[moment.weekday()]})"


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "The working calendar: show a year, load an entered year from CSV, compute deadlines."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        show = sub.add_parser(
            "show", help="List a year's holidays and adjusted working days, and their source."
        )
        show.add_argument("year", type=_year)

        load = sub.add_parser(
            "load",
            help="Enter a year from a CSV file with columns date,kind,name (all or nothing).",
        )
        load.add_argument("file")
        load.add_argument("--year", type=_year, required=True)
        load.add_argument(
            "--commit",
            action="store_true",
            help="Save; without it the file is checked and nothing changes.",
        )
        load.add_argument(
            "--incomplete", action="store_true", help="The file is not the year's full schedule."
        )
        load.add_argument(
            "--override",
            action="store_true",
            help="Replace or correct a year the chinesecalendar library covers.",
        )
        load.add_argument("--source", default="", help="The notice the dates come from.")
        load.add_argument("--note", default="")
        load.add_argument(
            "--actor", default=None, help="Username to record as the one who entered the year."
        )

        hours = sub.add_parser(
            "add-working-hours", help="START plus HOURS of office time on working days."
        )
        hours.add_argument("start", type=_moment)
        hours.add_argument("hours", type=_hours)

        days = sub.add_parser(
            "add-working-days",
            help="START plus DAYS working days (rule: see clock.add_working_days).",
        )
        days.add_argument("start", type=_moment)
        days.add_argument("days", type=_days)

        between = sub.add_parser("between", help="Office time on working days from A to B.")
        between.add_argument("a", type=_moment)
        between.add_argument("b", type=_moment)

    def handle(self, *args: Any, verb: str, **opts: Any) -> None:
        try:
            getattr(self, "do_" + verb.replace("-", "_"))(**opts)
        except clock.CalendarDataMissing as exc:
            raise CommandError(str(exc)) from None

    def do_show(self, *, year: int, **_: Any) -> None:
        cal = clock.default_calendar()
        entered = CalendarYear.objects.filter(year=year).first()
        if not cal.covers(year) and entered is None:
            raise clock.CalendarDataMissing(year)
        source = cal.year_sources.get(year, "")
        self.stdout.write(f"{year}  source: {source}")
        if not cal.covers(year):
            self.stdout.write(
                f"WARNING: {year} is incomplete; deadlines cannot run through it yet."
            )
        hours = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in cal.office_hours)
        self.stdout.write(f"office hours: {hours}")
        if entered is not None and entered.note:
            self.stdout.write(f"note: {entered.note}")
        days = sorted(d for d in (cal.holidays | cal.workdays) if d.year == year)
        for day in days:
            kind = "调休上班日" if day in cal.workdays else "休息日"
            self.stdout.write(
                f"{day:%Y-%m-%d} {WEEKDAYS[day.weekday()]}  {kind:<5}  {cal.names.get(day, '')}"
            )
        n_hol = sum(1 for d in days if d in cal.holidays)
        working = (
            cal.count_working_days(date(year, 1, 1), date(year + 1, 1, 1))
            if cal.covers(year)
            else None
        )
        self.stdout.write(
            f"{n_hol} holidays, {len(days) - n_hol} adjusted working days"
            + (f", {working} working days in the year" if working is not None else "")
        )

    def do_add_working_hours(self, *, start: datetime, hours: Decimal, **_: Any) -> None:
        self.stdout.write(_fmt(clock.add_working_hours(start, hours)))

    def do_add_working_days(self, *, start: datetime, days: int, **_: Any) -> None:
        self.stdout.write(_fmt(clock.add_working_days(start, days)))

    def do_between(self, *, a: datetime, b: datetime, **_: Any) -> None:
        span = clock.working_time_between(a, b)
        hours = Decimal(span.total_seconds()) / 3600
        self.stdout.write(f"{hours.quantize(Decimal('0.01'))} working hours ({span})")

    def do_load(
        self,
        *,
        file: str,
        year: int,
        commit: bool,
        incomplete: bool,
        override: bool,
        source: str,
        note: str,
        actor: str | None,
        **_: Any,
    ) -> None:
        try:
            text = decode(Path(file).read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CommandError(f"{file}: {exc}") from None
        parsed = read_calendar_csv(text, year=year)
        if not parsed.ok:
            for line in parsed.errors:
                self.stderr.write(line)
            raise CommandError(f"{file}: {len(parsed.errors)} error(s); nothing saved.")
        user = None
        if actor:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"no user named {actor!r}")
        try:
            with transaction.atomic():
                calendar_year_enter(
                    actor=user,
                    year=year,
                    holidays=parsed.holidays,
                    workdays=parsed.workdays,
                    note=note,
                    source=source,
                    complete=not incomplete,
                    override=override,
                )
                if not commit:
                    raise _DryRun
        except _DryRun:
            pass
        except PermissionDenied:
            raise CommandError(f"{actor} may not change the working calendar.") from None
        except CalendarEntryError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"{file}: {len(exc.errors)} error(s); nothing saved.") from None
        self.stdout.write(
            f"{year}: {len(parsed.holidays)} holidays, {len(parsed.workdays)} adjusted working days"
            + (" (incomplete)" if incomplete else "")
        )
        if commit:
            self.stdout.write("Saved.")
        else:
            self.stdout.write("Checked, nothing saved (dry run); add --commit to save.")
