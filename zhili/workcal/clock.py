"""Working time: the clock every case deadline in Zhili runs on.

A ``WorkingCalendar`` is plain data: the statutory rest days (休息日), the
adjusted working days (调休上班日, weekend days worked to bridge a holiday),
the years that data covers, and the office periods of a working day.  Its
methods are pure: no database, no HTTP.  ``default_calendar()`` builds the
platform's calendar from the ``chinesecalendar`` library (2004-2026) plus the
years administrators entered, and caches it until that data changes.

Rules kept everywhere below:

* Only aware datetimes are accepted (a naive one raises ``ValueError``); all
  results are in Asia/Shanghai, the time zone the schedule is published in.
* A computation that needs a day of a year the calendar has no data for
  raises ``CalendarDataMissing`` naming that year.  The schedule of a year is
  a State Council decision, not a pattern: guessing weekends-only would put
  deadlines on the Spring Festival.
* Nothing iterates per minute.  Working days are kept as a sorted list of
  ordinals, so "the n-th working day after" and "working days between" are
  binary searches, whatever the distance.
"""

from __future__ import annotations

import enum
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from zhili.core import freshness

TZ = ZoneInfo("Asia/Shanghai")

OfficePeriod = tuple[time, time]

DEFAULT_OFFICE_HOURS: tuple[OfficePeriod, ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 0), time(17, 30)),
)

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


class CalendarDataMissing(ValidationError, ValueError):
    """The holiday schedule of ``year`` is neither in the library nor entered.

    Also a ``ValidationError``: every page, API and import that reports bad
    input then shows this message (what to do, in both languages) instead of
    failing, when a deadline falls in a year nobody has entered yet.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"No working-calendar data for {year} (缺少{year}年节假日安排): an administrator "
            f"must enter the statutory holidays and adjusted working days of {year} "
            f"(zhili calendar load FILE.csv --year {year} --commit) before working time "
            f"can be counted in it.",
            code="calendar_missing",
        )

    def __str__(self) -> str:
        return str(self.message)


class InvalidOfficeHours(ValueError):
    """Office periods that are not ordered, non-overlapping (start, end) pairs."""


class DayKind(enum.StrEnum):
    WORKDAY = "workday"  # an ordinary Monday-Friday
    WEEKEND = "weekend"  # an ordinary Saturday or Sunday
    HOLIDAY = "holiday"  # a statutory rest day (休息日)
    ADJUSTED_WORKDAY = "adjusted_workday"  # a weekend day worked (调休上班日)
    UNKNOWN = "unknown"  # a day of a year without data


class Unit(enum.StrEnum):
    """The units case time limits are given in."""

    WORKING_HOURS = "working_hours"  # 工作时
    WORKING_DAYS = "working_days"  # 工作日
    NATURAL_HOURS = "natural_hours"  # 小时 (紧急工作时 run on the natural clock)
    NATURAL_DAYS = "natural_days"  # 自然日


def validate_office_hours(periods: Any) -> tuple[OfficePeriod, ...]:
    """The office periods as a tuple, or ``InvalidOfficeHours`` saying what is wrong.

    Periods are naive ``datetime.time`` pairs, each starting before it ends,
    in order, not overlapping (one may start when the previous ends).
    """
    if isinstance(periods, str | bytes):
        raise InvalidOfficeHours("office hours must be a list of (start, end) time pairs")
    try:
        items = list(periods)
    except TypeError:
        raise InvalidOfficeHours("office hours must be a list of (start, end) time pairs") from None
    if not items:
        raise InvalidOfficeHours("office hours must have at least one (start, end) period")
    out: list[OfficePeriod] = []
    for number, period in enumerate(items, 1):
        try:
            start, end = period
        except (TypeError, ValueError):
            raise InvalidOfficeHours(
                f"office period {number} ({period!r}) is not a (start, end) pair"
            ) from None
        if not isinstance(start, time) or not isinstance(end, time):
            raise InvalidOfficeHours(
                f"office period {number}: start and end must be datetime.time, got {start!r}, {end!r}"
            )
        if start.tzinfo is not None or end.tzinfo is not None:
            raise InvalidOfficeHours(f"office period {number}: times must be naive (Beijing time)")
        if start >= end:
            raise InvalidOfficeHours(
                f"office period {number} ({start:%H:%M}-{end:%H:%M}) does not end after it starts"
            )
        if out and start < out[-1][1]:
            prev = out[-1]
            raise InvalidOfficeHours(
                f"office period {number} ({start:%H:%M}-{end:%H:%M}) starts before period "
                f"{number - 1} ({prev[0]:%H:%M}-{prev[1]:%H:%M}) ends: periods must be in "
                f"order and must not overlap"
            )
        out.append((start, end))
    return tuple(out)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _local(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()}: working time needs an aware datetime "
            f"(Asia/Shanghai)"
        )
    return moment.astimezone(TZ)


def _at(day: date, us: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(microseconds=us)


def _hours_us(value: float | int | Decimal | timedelta, *, allow_negative: bool = False) -> int:
    if isinstance(value, timedelta):
        us = value // timedelta(microseconds=1)
    else:
        if isinstance(value, bool | str | bytes):
            raise TypeError(f"hours must be a number or a timedelta, got {value!r}")
        hours = float(value)
        if not math.isfinite(hours):
            raise ValueError(f"hours must be finite, got {value!r}")
        us = round(hours * _US_PER_HOUR)
    if us < 0 and not allow_negative:
        raise ValueError(f"working time cannot be added backwards, got {value!r} hours")
    return us


def _count(value: int, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"days must be a whole number, got {value!r}")
    if value < 0 and not allow_negative:
        raise ValueError(f"working days cannot be added backwards, got {value}")
    return value


def _as_date(day: date) -> date:
    if isinstance(day, datetime):
        return _local(day).date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """Rest days, adjusted working days and office periods; see the module docstring.

    ``holidays`` and ``workdays`` may hold dates of years not in ``years``
    (partly entered years): those are shown but never counted.
    """

    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]
    office_hours: tuple[OfficePeriod, ...] = DEFAULT_OFFICE_HOURS
    names: Mapping[date, str] = field(default_factory=dict)
    year_sources: Mapping[int, str] = field(default_factory=dict)
    _periods: tuple[tuple[int, int], ...] = field(init=False, repr=False)
    _day_us: int = field(init=False, repr=False)
    _working: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "holidays", frozenset(self.holidays))
        set_(self, "workdays", frozenset(self.workdays))
        set_(self, "years", frozenset(int(y) for y in self.years))
        both = self.holidays & self.workdays
        if both:
            raise ValueError(
                "dates both a holiday and an adjusted working day: "
                + ", ".join(d.isoformat() for d in sorted(both))
            )
        periods = validate_office_hours(self.office_hours)
        set_(self, "office_hours", periods)
        set_(self, "_periods", tuple((_time_us(s), _time_us(e)) for s, e in periods))
        set_(self, "_day_us", sum(e - s for s, e in self._periods))
        rest = {d.toordinal() for d in self.holidays}
        extra = {d.toordinal() for d in self.workdays}
        working: list[int] = []
        for year in sorted(self.years):
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            for o in range(first, last + 1):
                # date.fromordinal(1) is a Monday, so (o - 1) % 7 is the weekday.
                if o in extra or ((o - 1) % 7 < 5 and o not in rest):
                    working.append(o)
        set_(self, "_working", working)

    def __repr__(self) -> str:
        years = sorted(self.years)
        span = f"{years[0]}..{years[-1]} ({len(years)} years)" if years else "none"
        hours = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self.office_hours)
        return f"WorkingCalendar(years={span}, office_hours={hours})"

    # --- days ---------------------------------------------------------------
    @property
    def office_day(self) -> timedelta:
        """Office time in one working day (7 h with the default hours)."""
        return timedelta(microseconds=self._day_us)

    def covers(self, year: int) -> bool:
        return year in self.years

    def _require(self, first_year: int, last_year: int | None = None) -> None:
        for year in range(first_year, (first_year if last_year is None else last_year) + 1):
            if year not in self.years:
                raise CalendarDataMissing(year)

    def day_kind(self, day: date) -> DayKind:
        """What kind of day ``day`` is; ``UNKNOWN`` (never an exception) without data."""
        day = _as_date(day)
        if day.year not in self.years:
            return DayKind.UNKNOWN
        if day in self.workdays:
            return DayKind.ADJUSTED_WORKDAY
        if day in self.holidays:
            return DayKind.HOLIDAY
        return DayKind.WORKDAY if day.weekday() < 5 else DayKind.WEEKEND

    def is_working_day(self, day: date) -> bool:
        """Whether offices work on ``day`` (an aware datetime counts by its Beijing date)."""
        day = _as_date(day)
        self._require(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n`` >= 1; ``day`` itself not counted)."""
        day = _as_date(day)
        n = _count(n)
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        self._require(day.year)
        i = bisect_right(self._working, day.toordinal()) + n - 1
        if i >= len(self._working):
            year = day.year
            while year in self.years:
                year += 1
            raise CalendarDataMissing(year)
        found = date.fromordinal(self._working[i])
        # The list simply lacks the days of a year without data: a gap in
        # ``years`` between the two dates means the count skipped that year.
        self._require(day.year, found.year)
        return found

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.nth_working_day_after(day, 1)

    def count_working_days(self, start: date, end: date) -> int:
        """Working days in the half-open range [start, end); negative if end < start."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.count_working_days(end, start)
        if end == start:
            return 0
        self._require(start.year, (end - timedelta(days=1)).year)
        return bisect_left(self._working, end.toordinal()) - bisect_left(
            self._working, start.toordinal()
        )

    # --- working time ---------------------------------------------------------
    def _office_us_within(self, day: date, t0: int, t1: int) -> int:
        if not self.is_working_day(day):
            return 0
        return sum(max(0, min(pe, t1) - max(ps, t0)) for ps, pe in self._periods)

    def _clock_after_office_us(self, amount: int) -> int:
        """Time of day when ``amount`` (0 < amount <= office_day) of office time has passed."""
        for ps, pe in self._periods:
            if amount <= pe - ps:
                return ps + amount
            amount -= pe - ps
        raise AssertionError("amount exceeds a working day")  # pragma: no cover

    def add_working_hours(self, start: datetime, hours: float | Decimal | timedelta) -> datetime:
        """The moment when ``hours`` of office time on working days have passed after ``start``.

        A start outside office time (night, lunch break, rest day) counts from
        the next office period.  A limit that runs out exactly at the end of a
        period ends there (17:30), not at the next opening.  Zero hours
        returns ``start`` itself.  ``hours`` may be fractional or a timedelta;
        it is counted to the microsecond.
        """
        local = _local(start)
        remaining = _hours_us(hours)
        if remaining == 0:
            return local
        day, now = local.date(), _time_us(local.time())
        if self.is_working_day(day):
            for ps, pe in self._periods:
                begin = max(ps, now)
                if begin >= pe:
                    continue
                if remaining <= pe - begin:
                    return _at(day, begin + remaining)
                remaining -= pe - begin
        # Whole working days first (a binary search), then the rest of the last day.
        whole = (remaining - 1) // self._day_us
        last_part = remaining - whole * self._day_us
        return _at(
            self.nth_working_day_after(day, whole + 1), self._clock_after_office_us(last_part)
        )

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment ``days`` working days after ``start``.

        The rule, chosen so that exactly ``days`` × office_day of office time
        lies between ``start`` and the result:

        * ``start`` within office hours of a working day (ends included): the
          same clock time on the ``days``-th working day after that day
          (Friday 10:00 + 1 → the next working day, 10:00);
        * ``start`` in a break between periods (lunch): as from the end of
          the period before it (12:30 + 1 → 12:00 of the next working day);
        * ``start`` before opening, after closing or on a rest day: the close
          of the ``days``-th working day counting the day the next office
          period falls on as the first (Saturday + 1 → Monday 17:30;
          Monday 20:00 + 1 → Tuesday 17:30; Monday 07:00 + 1 → Monday 17:30).

        Zero days returns ``start`` itself.  For the legal counting rule
        (start day not counted, ends at close) use ``working_days_deadline``.
        """
        local = _local(start)
        n = _count(days)
        if n == 0:
            return local
        day, now = local.date(), _time_us(local.time())
        opening, closing = self._periods[0][0], self._periods[-1][1]
        if self.is_working_day(day) and opening <= now <= closing:
            clock = now
            if not any(ps <= now <= pe for ps, pe in self._periods):
                # In a break: the latest office instant is the end of the period before.
                clock = max(pe for _ps, pe in self._periods if pe <= now)
            return _at(self.nth_working_day_after(day, n), clock)
        first = day if (now < opening and self.is_working_day(day)) else self.next_working_day(day)
        last = first if n == 1 else self.nth_working_day_after(first, n - 1)
        return _at(last, closing)

    def working_days_deadline(self, start: datetime, days: int) -> datetime:
        """Close of office on the ``days``-th working day after the day of ``start``.

        The counting rule of the Civil Code (民法典) art. 201 and 203 applied to
        working days: the day of the event is not counted, and a period ends at
        the close of business of its last day.  This is how statutory limits
        such as "20 working days from receipt" (政府信息公开条例 art. 33) run.
        """
        local = _local(start)
        n = _count(days)
        if n < 1:
            raise ValueError(f"a deadline needs at least 1 working day, got {n}")
        return _at(self.nth_working_day_after(local.date(), n), self._periods[-1][1])

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office time on working days from ``a`` to ``b``.

        Antisymmetric: if ``b`` is before ``a`` the result is negative
        (``-working_time_between(b, a)``), so ``working_time_between(now,
        deadline)`` is the working time left, negative once overdue.  Equal
        moments, or two moments with no office time between them, give zero.
        """
        la, lb = _local(a), _local(b)
        if lb < la:
            return -self.working_time_between(lb, la)
        da, db = la.date(), lb.date()
        ta, tb = _time_us(la.time()), _time_us(lb.time())
        if da == db:
            return timedelta(microseconds=self._office_us_within(da, ta, tb))
        us = self._office_us_within(da, ta, _US_PER_DAY) + self._office_us_within(db, 0, tb)
        us += self.count_working_days(da + timedelta(days=1), db) * self._day_us
        return timedelta(microseconds=us)

    def add(self, start: datetime, amount: float | int | Decimal, unit: Unit | str) -> datetime:
        """``start`` plus ``amount`` of ``unit``: one entry point for configured time limits."""
        unit = Unit(unit)
        if unit is Unit.WORKING_HOURS:
            return self.add_working_hours(start, amount)
        if unit is Unit.WORKING_DAYS:
            return self.add_working_days(start, _whole(amount))
        if unit is Unit.NATURAL_HOURS:
            return add_natural_hours(start, amount)
        return add_natural_days(start, _whole(amount))


def _whole(amount: float | int | Decimal) -> int:
    if isinstance(amount, bool):
        raise TypeError(f"days must be a whole number, got {amount!r}")
    if isinstance(amount, int):
        return amount
    if isinstance(amount, float | Decimal) and math.isfinite(amount) and amount == int(amount):
        return int(amount)
    raise ValueError(f"days must be a whole number, got {amount!r}")


# --- the natural clock --------------------------------------------------------
def add_natural_hours(start: datetime, hours: float | int | Decimal | timedelta) -> datetime:
    """``start`` plus ``hours`` of continuous time (紧急工作时, 小时); may be negative."""
    return _local(start) + timedelta(microseconds=_hours_us(hours, allow_negative=True))


def add_natural_days(start: datetime, days: int) -> datetime:
    """The same Beijing clock time ``days`` calendar days later (自然日); may be negative.

    China has kept no daylight-saving time since 1991, so this is also
    ``days`` × 24 hours.
    """
    return _local(start) + timedelta(days=_count(days, allow_negative=True))


# --- building calendars ----------------------------------------------------------
@dataclass(frozen=True)
class EnteredYear:
    """One administrator-entered year, as plain data (see ``models.CalendarYear``)."""

    year: int
    complete: bool
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    source: str = ""


@dataclass(frozen=True)
class LibraryData:
    version: str
    years: frozenset[int]
    holidays: Mapping[date, str]  # date -> Chinese name
    workdays: Mapping[date, str]


@lru_cache(maxsize=1)
def library_data() -> LibraryData:
    """The schedule shipped in ``chinesecalendar``, with names in Chinese."""
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    chinese = {h.value: h.chinese for h in Holiday}
    holidays = {d: chinese.get(n, n) for d, n in chinese_calendar.holidays.items()}
    workdays = {d: chinese.get(n, n) for d, n in chinese_calendar.workdays.items()}
    first, last = min(holidays).year, max(holidays).year
    return LibraryData(
        version=getattr(chinese_calendar, "__version__", "?"),
        years=frozenset(range(first, last + 1)),
        holidays=holidays,
        workdays=workdays,
    )


def build_calendar(
    *,
    library: LibraryData | None,
    entered: Iterable[EnteredYear] = (),
    office_hours: Any = DEFAULT_OFFICE_HOURS,
) -> WorkingCalendar:
    """Combine the library's schedule with entered years.

    A complete entered year replaces whatever the library says about that
    year and makes it usable; an incomplete one overrides single dates only
    and does not make a year without library data usable.
    """
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    years: set[int] = set()
    sources: dict[int, str] = {}
    if library is not None:
        holidays.update(library.holidays)
        workdays.update(library.workdays)
        years |= library.years
        sources.update({y: f"chinesecalendar {library.version}" for y in library.years})
    for entry in sorted(entered, key=lambda e: e.year):
        label = "entered" + (f": {entry.source}" if entry.source else "")
        if entry.complete:
            for table in (holidays, workdays):
                for d in [d for d in table if d.year == entry.year]:
                    del table[d]
            years.add(entry.year)
            sources[entry.year] = label
        elif entry.year in years:
            sources[entry.year] = f"{sources[entry.year]}; changes {label}"
        else:
            sources[entry.year] = f"incomplete, {label}"
        for d, name in entry.holidays.items():
            workdays.pop(d, None)
            holidays[d] = name
        for d, name in entry.workdays.items():
            holidays.pop(d, None)
            workdays[d] = name
    return WorkingCalendar(
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        years=frozenset(years),
        office_hours=office_hours,
        names={**holidays, **workdays},
        year_sources=sources,
    )


# --- the platform's calendar ---------------------------------------------------
_cache_lock = threading.Lock()
_cache: tuple[tuple[Any, ...], WorkingCalendar] | None = None


def _fingerprint_sql(connection) -> str:
    from .models import CalendarYear, HolidayDay

    qn = connection.ops.quote_name
    parts = []
    for model in (CalendarYear, HolidayDay):
        table = qn(model._meta.db_table)
        column = qn(model._meta.get_field("updated_at").column)
        parts.append(f"(SELECT COUNT(*) FROM {table}), (SELECT MAX({column}) FROM {table})")
    return ", ".join(parts)


freshness.register("workcal.entered", _fingerprint_sql, 4)


def _fingerprint() -> tuple[Any, ...]:
    """Counts and latest change times of the entered data, in one query.

    Every write of the models bumps an ``updated_at`` (auto_now) or changes a
    count, so equal fingerprints mean equal data, in every process: the web
    workers and the task worker each keep their own cache.
    """
    return freshness.fingerprint("workcal.entered")


def configured_office_hours() -> tuple[OfficePeriod, ...]:
    """``settings.ZHILI_OFFICE_HOURS``, validated (``ImproperlyConfigured`` if wrong)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return validate_office_hours(getattr(settings, "ZHILI_OFFICE_HOURS", DEFAULT_OFFICE_HOURS))
    except InvalidOfficeHours as exc:
        raise ImproperlyConfigured(f"ZHILI_OFFICE_HOURS: {exc}") from None


def entered_years() -> list[EnteredYear]:
    from .models import CalendarYear, HolidayDay

    entries = []
    for cy in CalendarYear.objects.prefetch_related("days").order_by("year"):
        days = list(cy.days.all())
        entries.append(
            EnteredYear(
                year=cy.year,
                complete=cy.complete,
                source=cy.source,
                holidays={d.date: d.name for d in days if d.kind == HolidayDay.Kind.HOLIDAY},
                workdays={d.date: d.name for d in days if d.kind == HolidayDay.Kind.WORKDAY},
            )
        )
    return entries


def default_calendar() -> WorkingCalendar:
    """The platform's calendar: library plus entered years, office hours from settings.

    Costs one small query to check the cache.  Code that computes many
    deadlines should call it once and use the returned calendar's methods.
    """
    global _cache
    hours = configured_office_hours()
    key = (_fingerprint(), hours)
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    with _cache_lock:
        calendar = build_calendar(
            library=library_data(), entered=entered_years(), office_hours=hours
        )
        _cache = (key, calendar)
    return calendar


def invalidate_default_calendar() -> None:
    """Forget the cached calendar (the fingerprint would notice anyway)."""
    global _cache
    _cache = None


# --- shortcuts on the platform's calendar ---------------------------------------
def _cal(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return default_calendar() if calendar is None else calendar


def add_working_hours(
    start: datetime, hours: float | Decimal | timedelta, *, calendar: WorkingCalendar | None = None
) -> datetime:
    return _cal(calendar).add_working_hours(start, hours)


def add_working_days(
    start: datetime, days: int, *, calendar: WorkingCalendar | None = None
) -> datetime:
    return _cal(calendar).add_working_days(start, days)


def working_days_deadline(
    start: datetime, days: int, *, calendar: WorkingCalendar | None = None
) -> datetime:
    return _cal(calendar).working_days_deadline(start, days)


def working_time_between(
    a: datetime, b: datetime, *, calendar: WorkingCalendar | None = None
) -> timedelta:
    return _cal(calendar).working_time_between(a, b)


def is_working_day(day: date, *, calendar: WorkingCalendar | None = None) -> bool:
    return _cal(calendar).is_working_day(day)


def next_working_day(day: date, *, calendar: WorkingCalendar | None = None) -> date:
    return _cal(calendar).next_working_day(day)


def add(
    start: datetime,
    amount: float | int | Decimal,
    unit: Unit | str,
    *,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    unit = Unit(unit)
    if calendar is None and unit in (Unit.NATURAL_HOURS, Unit.NATURAL_DAYS):
        # The natural clock needs no calendar, so no query for it.
        return (
            add_natural_hours(start, amount)
            if unit is Unit.NATURAL_HOURS
            else add_natural_days(start, _whole(amount))
        )
    return _cal(calendar).add(start, amount, unit)
