"""The working calendar: clock arithmetic, entered years, actions, the CLI."""

from __future__ import annotations

import time as timer
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from zhili.core.models import AuditEntry
from zhili.workcal import clock
from zhili.workcal.actions import CalendarEntryError, calendar_year_delete, calendar_year_enter
from zhili.workcal.clock import (
    TZ,
    CalendarDataMissing,
    DayKind,
    InvalidOfficeHours,
    Unit,
    WorkingCalendar,
    build_calendar,
    library_data,
)
from zhili.workcal.csvfile import decode, read_calendar_csv
from zhili.workcal.models import CalendarYear, HolidayDay

H = timedelta(hours=1)


def bj(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    """The library's calendar (2004-2026) with the default office hours; no database."""
    return build_calendar(library=library_data())


# A fictional 2027 schedule for tests (not the State Council's).
HOLIDAYS_2027 = [
    (date(2027, 1, 1), "元旦"),
    (date(2027, 1, 2), "元旦"),
    (date(2027, 1, 3), "元旦"),
] + [(date(2027, 2, d), "春节") for d in range(5, 14)]
WORKDAYS_2027 = [(date(2027, 1, 30), "春节"), (date(2027, 2, 20), "春节")]


# --- the library's data, checked rather than trusted ----------------------------
def test_spring_festival_2026_against_library(cal):
    for d in range(15, 24):
        day = date(2026, 2, d)
        assert chinese_calendar.is_holiday(day)
        assert cal.day_kind(day) is DayKind.HOLIDAY
        assert cal.names[day] == "春节"
    for day in (date(2026, 2, 14), date(2026, 2, 28)):
        assert day.weekday() == 5  # Saturdays
        assert chinese_calendar.is_workday(day)
        assert cal.day_kind(day) is DayKind.ADJUSTED_WORKDAY
        assert cal.is_working_day(day)
    assert cal.is_working_day(date(2026, 2, 13)) and cal.is_working_day(date(2026, 2, 24))
    assert cal.day_kind(date(2026, 3, 1)) is DayKind.WEEKEND


def test_calendar_agrees_with_library_every_day(cal):
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert cal.count_working_days(date(2004, 1, 1), date(2027, 1, 1)) == len(
        chinese_calendar.get_workdays(date(2004, 1, 1), date(2026, 12, 31))
    )


# --- working hours -----------------------------------------------------------------
def test_working_hours_across_spring_festival_2026(cal):
    start = bj(2026, 2, 13, 16)  # Friday before the holiday
    assert cal.add_working_hours(start, 1) == bj(2026, 2, 13, 17)
    # Saturday 14 February is a 调休 working day.
    assert cal.add_working_hours(start, 8) == bj(2026, 2, 14, 17)
    # 1.5 h Friday + 7 h Saturday, then nothing until Tuesday 24 February.
    assert cal.add_working_hours(start, 14) == bj(2026, 2, 24, 16)


def test_ends_at_close_not_next_opening(cal):
    assert cal.add_working_hours(bj(2026, 2, 13, 16), 1.5) == bj(2026, 2, 13, 17, 30)
    assert cal.add_working_hours(bj(2026, 3, 2, 8, 30), 7) == bj(2026, 3, 2, 17, 30)


def test_lunch_break(cal):
    monday = (2026, 3, 2)
    assert cal.add_working_hours(bj(*monday, 11), 2) == bj(*monday, 15)
    assert cal.add_working_hours(bj(*monday, 12, 30), 1) == bj(*monday, 15)
    assert cal.add_working_hours(bj(*monday, 11, 30), 0.5) == bj(*monday, 12)
    assert cal.working_time_between(bj(*monday, 11), bj(*monday, 15)) == 2 * H


def test_start_on_weekend_and_at_night(cal):
    assert cal.add_working_hours(bj(2026, 3, 8, 10), 1) == bj(2026, 3, 9, 9, 30)  # Sunday
    assert cal.add_working_hours(bj(2026, 3, 9, 22), 1) == bj(2026, 3, 10, 9, 30)
    assert cal.add_working_hours(bj(2026, 3, 9, 6), 1) == bj(2026, 3, 9, 9, 30)


def test_fractional_hours(cal):
    assert cal.add_working_hours(bj(2026, 3, 2, 11, 50), 0.25) == bj(2026, 3, 2, 14, 5)
    assert cal.add_working_hours(bj(2026, 3, 2, 9), 0.1) == bj(2026, 3, 2, 9, 6)
    assert cal.add_working_hours(bj(2026, 3, 2, 9), timedelta(minutes=90)) == bj(2026, 3, 2, 10, 30)


def test_zero_hours_returns_start(cal):
    saturday = bj(2026, 3, 7, 10)
    assert cal.add_working_hours(saturday, 0) == saturday
    assert cal.add_working_days(saturday, 0) == saturday


def test_national_day_2025_and_2026(cal):
    # 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked.
    assert cal.is_working_day(date(2025, 9, 28)) and cal.is_working_day(date(2025, 10, 11))
    assert cal.add_working_hours(bj(2025, 9, 30, 17), 1) == bj(2025, 10, 9, 9)
    assert cal.add_working_hours(bj(2025, 9, 27, 10), 1) == bj(2025, 9, 28, 9, 30)
    # 2026: 1-7 October off; Sunday 20 September and Saturday 10 October worked.
    assert cal.add_working_hours(bj(2026, 9, 30, 17), 1) == bj(2026, 10, 8, 9)
    assert cal.add_working_hours(bj(2026, 10, 9, 17), 1) == bj(2026, 10, 10, 9)
    assert cal.working_time_between(bj(2026, 9, 30, 12), bj(2026, 10, 8, 12)) == 7 * H


def test_aware_datetimes_in_any_zone_results_in_beijing(cal):
    start_utc = datetime(2026, 2, 13, 8, 0, tzinfo=UTC)  # 16:00 in Beijing
    result = cal.add_working_hours(start_utc, 1)
    assert result == bj(2026, 2, 13, 17) and result.tzinfo is TZ


def test_naive_datetimes_refused(cal):
    naive = datetime(2026, 2, 13, 16)
    for call in (
        lambda: cal.add_working_hours(naive, 1),
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.working_time_between(naive, bj(2026, 2, 14)),
        lambda: clock.add_natural_hours(naive, 1),
        lambda: clock.add_natural_days(naive, 1),
    ):
        with pytest.raises(ValueError, match="naive"):
            call()


def test_bad_amounts(cal):
    with pytest.raises(ValueError):
        cal.add_working_hours(bj(2026, 3, 2, 9), -1)
    with pytest.raises(ValueError):
        cal.add_working_hours(bj(2026, 3, 2, 9), float("nan"))
    with pytest.raises(TypeError):
        cal.add_working_hours(bj(2026, 3, 2, 9), "8")
    with pytest.raises(TypeError):
        cal.add_working_days(bj(2026, 3, 2, 9), 1.5)
    with pytest.raises(ValueError):
        cal.add_working_days(bj(2026, 3, 2, 9), -1)


# --- working days ------------------------------------------------------------------
def test_working_days_same_clock_time(cal):
    start = bj(2026, 2, 13, 10)
    assert cal.add_working_days(start, 1) == bj(2026, 2, 14, 10)  # 调休 Saturday
    assert cal.add_working_days(start, 2) == bj(2026, 2, 24, 10)
    assert cal.add_working_days(bj(2026, 2, 27, 17, 30), 1) == bj(2026, 2, 28, 17, 30)


def test_working_days_outside_office_hours_end_at_close(cal):
    assert cal.add_working_days(bj(2026, 2, 13, 20), 1) == bj(2026, 2, 14, 17, 30)
    assert cal.add_working_days(bj(2026, 3, 7, 10), 1) == bj(2026, 3, 9, 17, 30)  # Saturday
    assert cal.add_working_days(bj(2026, 3, 7, 10), 3) == bj(2026, 3, 11, 17, 30)
    assert cal.add_working_days(bj(2026, 3, 9, 7), 1) == bj(2026, 3, 9, 17, 30)  # before opening
    assert cal.add_working_days(bj(2026, 3, 9, 12, 30), 1) == bj(2026, 3, 10, 12)  # lunch


def test_working_days_deadline_civil_code_rule(cal):
    # The day of receipt does not count; the period ends at close of office.
    assert cal.working_days_deadline(bj(2026, 2, 13, 9), 1) == bj(2026, 2, 14, 17, 30)
    assert cal.working_days_deadline(bj(2026, 2, 13, 9), 2) == bj(2026, 2, 24, 17, 30)
    with pytest.raises(ValueError):
        cal.working_days_deadline(bj(2026, 2, 13, 9), 0)


def test_next_working_day_and_counts(cal):
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
    # 20 weekdays, 6 of them off for the Spring Festival, 2 调休 Saturdays.
    assert cal.count_working_days(date(2026, 2, 1), date(2026, 3, 1)) == 16
    assert cal.count_working_days(date(2026, 3, 1), date(2026, 2, 1)) == -16


# --- natural clock ----------------------------------------------------------------
def test_natural_clock_ignores_holidays():
    start = bj(2026, 2, 13, 16)
    assert clock.add_natural_hours(start, 24) == bj(2026, 2, 14, 16)
    assert clock.add_natural_hours(start, 0.5) == bj(2026, 2, 13, 16, 30)
    assert clock.add_natural_days(start, 10) == bj(2026, 2, 23, 16)
    # The natural clock needs no calendar data at all.
    assert clock.add(bj(2030, 1, 1, 9), 2, Unit.NATURAL_HOURS) == bj(2030, 1, 1, 11)
    assert clock.add(bj(2030, 1, 1, 9), 2, "natural_days") == bj(2030, 1, 3, 9)


def test_add_dispatches_units(cal):
    start = bj(2026, 2, 13, 16)
    assert cal.add(start, 8, Unit.WORKING_HOURS) == bj(2026, 2, 14, 17)
    assert cal.add(start, 2, "working_days") == bj(2026, 2, 24, 16)
    with pytest.raises(ValueError):
        cal.add(start, 1.5, Unit.WORKING_DAYS)
    with pytest.raises(ValueError):
        cal.add(start, 1, "fortnights")


# --- working time between -----------------------------------------------------------
def test_working_time_between_sign_and_zero(cal):
    a, b = bj(2026, 2, 13, 16), bj(2026, 2, 24, 16)
    assert cal.working_time_between(a, b) == 14 * H
    assert cal.working_time_between(b, a) == -14 * H
    assert cal.working_time_between(a, a) == timedelta(0)
    # Across a whole holiday: no office time at all.
    assert cal.working_time_between(bj(2026, 2, 14, 18), bj(2026, 2, 24, 8)) == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30)),
    minutes=st.integers(min_value=0, max_value=600 * 60),
)
def test_add_then_between_gives_back_the_hours(cal, start, minutes):
    start = start.replace(tzinfo=TZ)
    amount = timedelta(minutes=minutes)
    end = cal.add_working_hours(start, amount)
    assert end >= start
    assert cal.working_time_between(start, end) == amount
    if minutes:
        # A deadline always falls within (or at the end of) office time on a working day.
        assert cal.is_working_day(end.date())
        assert any(s < end.time() <= e for s, e in cal.office_hours)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30)),
    quarters=st.integers(min_value=0, max_value=2000),
)
def test_fractional_float_hours_round_trip(cal, start, quarters):
    start = start.replace(tzinfo=TZ)
    hours = quarters / 4
    assert cal.working_time_between(start, cal.add_working_hours(start, hours)) == timedelta(
        hours=hours
    )


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30)),
    days=st.integers(min_value=0, max_value=120),
)
def test_working_days_are_whole_office_days(cal, start, days):
    start = start.replace(tzinfo=TZ)
    assert (
        cal.working_time_between(start, cal.add_working_days(start, days)) == days * cal.office_day
    )


def test_efficient_for_long_limits(cal):
    t0 = timer.perf_counter()
    for _ in range(1000):
        cal.add_working_hours(bj(2026, 1, 5, 9), 200)
        cal.working_time_between(bj(2004, 1, 5, 9), bj(2026, 12, 1, 9))
    assert timer.perf_counter() - t0 < 1.0
    # Twenty years of working hours in one call.
    end = cal.add_working_hours(bj(2004, 1, 2, 9), 7 * 5000)
    assert cal.working_time_between(bj(2004, 1, 2, 9), end) == 35000 * H


# --- missing data ---------------------------------------------------------------------
def test_deadline_into_2027_without_data_raises(cal):
    with pytest.raises(CalendarDataMissing) as info:
        cal.add_working_hours(bj(2026, 12, 30, 10), 30)
    assert info.value.year == 2027
    assert isinstance(info.value, ValueError)
    assert "2027" in str(info.value)
    with pytest.raises(CalendarDataMissing, match="2027"):
        cal.is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarDataMissing, match="2003"):
        cal.add_working_hours(bj(2003, 12, 31, 9), 1)
    with pytest.raises(CalendarDataMissing):
        cal.working_time_between(bj(2026, 12, 1, 9), bj(2027, 1, 5, 9))
    # Within 2026 the same start works.
    assert cal.add_working_hours(bj(2026, 12, 30, 10), 5) == bj(2026, 12, 30, 17)
    assert cal.day_kind(date(2027, 1, 4)) is DayKind.UNKNOWN


def test_gap_year_is_not_skipped():
    entered = clock.EnteredYear(
        year=2028, complete=True, holidays={date(2028, 1, 1): "元旦"}, workdays={}
    )
    cal = build_calendar(library=library_data(), entered=[entered])
    with pytest.raises(CalendarDataMissing) as info:
        cal.add_working_days(bj(2026, 12, 31, 9), 5)
    assert info.value.year == 2027


# --- office hours -------------------------------------------------------------------------
def test_office_hours_validation():
    assert clock.validate_office_hours([(time(9), time(12)), (time(12), time(17))])
    bad = [
        [],
        "08:30-12:00",
        [(time(12), time(8, 30))],
        [(time(8, 30), time(12)), (time(11), time(17))],
        [(time(14), time(17)), (time(8, 30), time(12))],
        [("08:30", "12:00")],
        [(time(8, 30),)],
    ]
    for periods in bad:
        with pytest.raises(InvalidOfficeHours):
            clock.validate_office_hours(periods)
    with pytest.raises(InvalidOfficeHours, match="overlap"):
        clock.validate_office_hours([(time(8, 30), time(12)), (time(11), time(17))])


def test_custom_office_hours():
    cal = build_calendar(library=library_data(), office_hours=[(time(9), time(17))])
    assert cal.office_day == 8 * H
    assert cal.add_working_hours(bj(2026, 3, 2, 9), 8) == bj(2026, 3, 2, 17)
    assert cal.add_working_hours(bj(2026, 3, 2, 12), 1) == bj(2026, 3, 2, 13)


def test_bad_office_hours_setting(settings, db):
    from zhili.workcal.checks import office_hours_check

    settings.ZHILI_OFFICE_HOURS = [(time(14), time(17, 30)), (time(8, 30), time(12))]
    with pytest.raises(ImproperlyConfigured, match="ZHILI_OFFICE_HOURS"):
        clock.default_calendar()
    assert [e.id for e in office_hours_check()] == ["workcal.E001"]
    settings.ZHILI_OFFICE_HOURS = [(time(9), time(17))]
    assert clock.default_calendar().office_day == 8 * H
    assert office_hours_check() == []


# --- entered years (database) ---------------------------------------------------------------
def test_admin_entered_2027_then_works(admin_qian):
    with pytest.raises(CalendarDataMissing):
        clock.add_working_hours(bj(2026, 12, 30, 10), 30)
    calendar_year_enter(
        actor=admin_qian,
        year=2027,
        holidays=HOLIDAYS_2027,
        workdays=WORKDAYS_2027,
        source="测试用虚构安排",
    )
    # Wed 30 Dec 5.5 h, Thu 31 Dec 7 h, 1-3 Jan off, Mon 4 and Tue 5 Jan 14 h, Wed 6 Jan 3.5 h.
    assert clock.add_working_hours(bj(2026, 12, 30, 10), 30) == bj(2027, 1, 6, 12)
    assert clock.is_working_day(date(2027, 1, 30))  # entered 调休 Saturday
    assert not clock.is_working_day(date(2027, 2, 8))
    assert clock.next_working_day(date(2027, 2, 4)) == date(2027, 2, 15)
    cal = clock.default_calendar()
    assert cal.year_sources[2027] == "entered: 测试用虚构安排"
    assert cal.names[date(2027, 2, 8)] == "春节"


def test_incomplete_year_still_missing(admin_qian):
    calendar_year_enter(
        actor=admin_qian, year=2027, holidays=HOLIDAYS_2027[:3], workdays=[], complete=False
    )
    with pytest.raises(CalendarDataMissing):
        clock.is_working_day(date(2027, 1, 4))
    assert clock.default_calendar().day_kind(date(2027, 1, 1)) is DayKind.UNKNOWN


def test_library_year_needs_override(admin_qian):
    with pytest.raises(CalendarEntryError, match="chinesecalendar"):
        calendar_year_enter(
            actor=admin_qian, year=2026, holidays=[(date(2026, 1, 1), "元旦")], workdays=[]
        )
    assert not CalendarYear.objects.exists()
    # A correction of one date (say a local rest day) on top of the library.
    calendar_year_enter(
        actor=admin_qian,
        year=2026,
        holidays=[(date(2026, 3, 2), "本地调整")],
        workdays=[],
        complete=False,
        override=True,
    )
    assert not clock.is_working_day(date(2026, 3, 2))
    assert not clock.is_working_day(date(2026, 2, 16))  # the library's Spring Festival still holds
    # A complete override replaces the library's year entirely.
    calendar_year_enter(
        actor=admin_qian,
        year=2026,
        holidays=[(date(2026, 1, 1), "元旦")],
        workdays=[],
        override=True,
    )
    assert clock.is_working_day(date(2026, 2, 16))
    assert not clock.is_working_day(date(2026, 2, 14))  # no longer a 调休 Saturday
    calendar_year_delete(actor=admin_qian, year=2026)
    assert not clock.is_working_day(date(2026, 2, 16))


def test_entry_validation_all_or_nothing(admin_qian):
    with pytest.raises(CalendarEntryError) as info:
        calendar_year_enter(
            actor=admin_qian,
            year=2027,
            holidays=[
                (date(2027, 2, 6), "春节"),
                (date(2028, 1, 1), "元旦"),
                (date(2027, 2, 6), "春节"),
            ],
            workdays=[
                (date(2027, 2, 6), "春节"),
                (date(2027, 2, 10), "春节"),
            ],  # 10 Feb is a Wednesday
        )
    errors = info.value.errors
    assert len(errors) == 4
    assert any("2028-01-01" in e for e in errors)
    assert any("2027-02-10" in e for e in errors)
    assert not CalendarYear.objects.exists() and not HolidayDay.objects.exists()
    assert not AuditEntry.objects.exists()


def test_entry_replaces_and_is_audited(admin_qian):
    calendar_year_enter(actor=admin_qian, year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    calendar_year_enter(
        actor=admin_qian, year=2027, holidays=HOLIDAYS_2027[:3], workdays=[], note="更正"
    )
    cy = CalendarYear.objects.get(year=2027)
    assert cy.days.count() == 3 and cy.note == "更正" and cy.created_by == admin_qian
    entries = list(AuditEntry.objects.filter(action="workcal.calendar_year_enter").order_by("id"))
    assert len(entries) == 2
    assert entries[0].before is None and len(entries[0].after["holidays"]) == 12
    assert len(entries[1].before["holidays"]) == 12 and entries[1].after["workdays"] == []
    assert entries[1].actor == admin_qian and entries[1].object_id == str(cy.pk)
    calendar_year_delete(actor=admin_qian, year=2027)
    assert not HolidayDay.objects.exists()
    assert AuditEntry.objects.filter(action="workcal.calendar_year_delete").count() == 1


def test_entry_denied_to_inspector(inspector_li):
    with pytest.raises(PermissionDenied):
        calendar_year_enter(actor=inspector_li, year=2027, holidays=HOLIDAYS_2027, workdays=[])
    assert not CalendarYear.objects.exists()


def test_default_calendar_cached_until_data_changes(admin_qian, django_assert_num_queries):
    first = clock.default_calendar()
    with django_assert_num_queries(1):
        assert clock.default_calendar() is first
    calendar_year_enter(actor=admin_qian, year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    second = clock.default_calendar()
    assert second is not first and second.covers(2027)
    # A change behind the actions' back (say the admin) is noticed too.
    HolidayDay.objects.filter(date=date(2027, 1, 30)).delete()
    third = clock.default_calendar()
    assert third is not second and not third.is_working_day(date(2027, 1, 30))


def test_permissions_and_access(inspector_li, admin_qian, resident_liu):
    from zhili.workcal.access import can_manage_calendar, can_view_calendar

    assert can_view_calendar(inspector_li) and not can_manage_calendar(inspector_li)
    assert can_view_calendar(admin_qian) and can_manage_calendar(admin_qian)
    assert not can_view_calendar(resident_liu) and not can_manage_calendar(resident_liu)


# --- CSV and the command line ----------------------------------------------------------------
CSV_2027 = (
    "date,kind,name\n"
    + "".join(f"{d},holiday,{n}\n" for d, n in HOLIDAYS_2027)
    + "".join(f"{d},workday,{n}\n" for d, n in WORKDAYS_2027)
)


def test_csv_reader_accepts_excel_habits():
    text = "Date,Kind,Name\n2027/2/6,休息日,春节\n\n2027-02-20,调休上班日,春节\n"
    parsed = read_calendar_csv(text, year=2027)
    assert parsed.ok
    assert parsed.holidays == [(date(2027, 2, 6), "春节")]
    assert parsed.workdays == [(date(2027, 2, 20), "春节")]
    assert decode(text.encode("gb18030")) == text
    assert decode(("\ufeff" + text).encode("utf-8")) == text


def test_csv_reader_reports_every_bad_row():
    text = (
        "date,kind,name\n"
        "2027-02-06,holiday,春节\n"
        "2027-02-30,holiday,春节\n"
        "2026-12-31,holiday,元旦\n"
        "2027-02-10,workday,春节\n"
        "2027-02-06,holiday,春节\n"
        "2027-02-07,调休,春节\n"
    )
    with translation.override("en"):
        parsed = read_calendar_csv(text, year=2027)
    assert [e.split(":")[0] for e in parsed.errors] == [f"Row {n}" for n in (3, 4, 5, 6, 7)]
    assert "is already on row 2" in parsed.errors[3]
    assert read_calendar_csv("day,type\n2027-01-01,holiday\n", year=2027).errors


def test_cli_show(db, capsys):
    call_command("calendar", "show", "2026")
    out = capsys.readouterr().out
    assert "chinesecalendar 1.11.0" in out
    assert "2026-02-14 Sat  调休上班日" in out
    assert "2026-02-16 Mon  休息日" in out and "春节" in out
    assert "08:30-12:00, 14:00-17:30" in out
    with pytest.raises(CommandError, match="2027"):
        call_command("calendar", "show", "2027")


def test_cli_compute(db, capsys):
    call_command("calendar", "add-working-hours", "2026-02-13T16:00+08:00", "8")
    assert capsys.readouterr().out.strip() == "2026-02-14T17:00+08:00 (Sat)"
    call_command("calendar", "add-working-hours", "2026-02-13 16:00", "14")  # Beijing time
    assert capsys.readouterr().out.startswith("2026-02-24T16:00+08:00")
    call_command("calendar", "add-working-days", "2026-02-13T10:00+08:00", "2")
    assert capsys.readouterr().out.startswith("2026-02-24T10:00+08:00")
    call_command("calendar", "between", "2026-02-13T16:00+08:00", "2026-02-24T16:00+08:00")
    assert capsys.readouterr().out.startswith("14.00 working hours")
    with pytest.raises(CommandError, match="2027"):
        call_command("calendar", "add-working-hours", "2026-12-30T10:00+08:00", "30")
    with pytest.raises(CommandError, match="not a date-time"):
        call_command("calendar", "add-working-hours", "tomorrow", "8")
    with pytest.raises(CommandError, match="hours"):
        call_command("calendar", "add-working-hours", "2026-02-13T16:00+08:00", "-1")


def test_cli_load_dry_run_then_commit(db, tmp_path, capsys, admin_qian):
    path = tmp_path / "2027.csv"
    path.write_text(CSV_2027, encoding="utf-8")
    call_command("calendar", "load", str(path), "--year", "2027")
    assert "nothing saved" in capsys.readouterr().out
    assert not CalendarYear.objects.exists() and not AuditEntry.objects.exists()
    call_command(
        "calendar",
        "load",
        str(path),
        "--year",
        "2027",
        "--commit",
        "--source",
        "国办发明电",
        "--actor",
        "qian.admin",
    )
    assert "Saved." in capsys.readouterr().out
    cy = CalendarYear.objects.get(year=2027)
    assert cy.complete and cy.source == "国办发明电" and cy.created_by == admin_qian
    assert cy.days.count() == len(HOLIDAYS_2027) + len(WORKDAYS_2027)
    assert clock.add_working_hours(bj(2026, 12, 30, 10), 30) == bj(2027, 1, 6, 12)
    call_command("calendar", "show", "2027")
    assert "2027-01-30 Sat  调休上班日" in capsys.readouterr().out


def test_cli_load_bad_rows_saves_nothing(db, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(CSV_2027 + "2027-13-01,holiday,x\n2027-03-03,workday,x\n", encoding="gb18030")
    with pytest.raises(CommandError, match="2 error"):
        call_command("calendar", "load", str(path), "--year", "2027", "--commit")
    err = capsys.readouterr().err
    assert "16" in err and "17" in err  # the two bad rows, numbered as lines of the file
    assert not CalendarYear.objects.exists()


def test_cli_load_refuses_library_year_and_missing_file(db, tmp_path, inspector_li):
    path = tmp_path / "2026.csv"
    path.write_text("date,kind,name\n2026-01-01,holiday,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("calendar", "load", str(path), "--year", "2026", "--commit")
    with pytest.raises(CommandError, match="may not"):
        call_command(
            "calendar", "load", str(path), "--year", "2026", "--override", "--actor", "li.jiandu"
        )
    with pytest.raises(CommandError, match="cannot read"):
        call_command("calendar", "load", str(tmp_path / "none.csv"), "--year", "2027")
    assert not CalendarYear.objects.exists()
