"""Every change to the entered working-calendar data.

Each function runs in one transaction, checks the acting user's permission,
and writes its audit entry in the same transaction.  ``actor=None`` means the
command line (an operator with shell access to the server).  Cached
calendars notice the change by themselves (see ``clock.default_calendar``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core.models import record

from . import clock
from .access import require_manage_calendar
from .models import CalendarYear, HolidayDay

MIN_YEAR = 1949
MAX_YEAR = 2200
NAME_MAX = HolidayDay._meta.get_field("name").max_length or 60


class CalendarEntryError(ValueError):
    """The entered data of a year is not acceptable; ``errors`` says why, one line each."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def _weekday_name(day: date) -> str:
    return [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ][day.weekday()]


def check_year_entry(
    *,
    year: int,
    holidays: Iterable[tuple[date, str]],
    workdays: Iterable[tuple[date, str]],
    complete: bool = True,
    override: bool = False,
) -> list[str]:
    """Everything wrong with an entry of ``year``, as messages (empty if acceptable)."""
    errors: list[str] = []
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        return [
            _("The year must be a number from %(min)s to %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR}
        ]
    library = clock.library_data()
    if year in library.years and not override:
        errors.append(
            _(
                "%(year)s is covered by the chinesecalendar library (%(version)s). "
                "Enter it only to correct the library, with override."
            )
            % {"year": year, "version": library.version}
        )
    seen: dict[date, str] = {}
    holiday_count = 0
    for kind, rows in ((HolidayDay.Kind.HOLIDAY, holidays), (HolidayDay.Kind.WORKDAY, workdays)):
        for day, name in rows:
            if not isinstance(day, date) or isinstance(day, datetime):
                errors.append(_("%(value)s is not a date.") % {"value": day})
                continue
            if day.year != year:
                errors.append(_("%(date)s is not in %(year)s.") % {"date": day, "year": year})
            if day in seen:
                if seen[day] == kind:
                    errors.append(_("%(date)s is listed twice.") % {"date": day})
                else:
                    errors.append(
                        _("%(date)s is both a holiday and an adjusted working day.") % {"date": day}
                    )
                continue
            seen[day] = kind
            if kind == HolidayDay.Kind.HOLIDAY:
                holiday_count += 1
            if kind == HolidayDay.Kind.WORKDAY and day.weekday() < 5:
                errors.append(
                    _(
                        "%(date)s is a %(weekday)s: an adjusted working day must be a Saturday or Sunday."
                    )
                    % {"date": day, "weekday": _weekday_name(day)}
                )
            if len(name or "") > NAME_MAX:
                errors.append(
                    _("%(date)s: the name is longer than %(max)s characters.")
                    % {"date": day, "max": NAME_MAX}
                )
    if complete and holiday_count == 0:
        errors.append(_("A complete year needs at least one holiday."))
    return errors


def year_state(cy: CalendarYear) -> dict[str, Any]:
    days = list(cy.days.order_by("date"))
    return {
        "year": cy.year,
        "complete": cy.complete,
        "source": cy.source,
        "note": cy.note,
        "holidays": [
            [d.date.isoformat(), d.name] for d in days if d.kind == HolidayDay.Kind.HOLIDAY
        ],
        "workdays": [
            [d.date.isoformat(), d.name] for d in days if d.kind == HolidayDay.Kind.WORKDAY
        ],
    }


@transaction.atomic
def calendar_year_enter(
    *,
    actor: Any,
    year: int,
    holidays: Iterable[tuple[date, str]],
    workdays: Iterable[tuple[date, str]],
    note: str = "",
    source: str = "",
    complete: bool = True,
    override: bool = False,
) -> CalendarYear:
    """Replace the entered data of ``year`` with these days, all or nothing.

    ``complete`` (the default) declares this the year's full schedule, so
    deadlines may run through it.  Years the library covers are refused
    unless ``override``: then a complete entry replaces the library's
    schedule of that year and an incomplete one corrects single dates.
    Raises ``CalendarEntryError`` listing every problem.
    """
    if actor is not None:
        require_manage_calendar(actor)
    holidays, workdays = list(holidays), list(workdays)
    errors = check_year_entry(
        year=year, holidays=holidays, workdays=workdays, complete=complete, override=override
    )
    if errors:
        raise CalendarEntryError(errors)
    cy = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = year_state(cy) if cy is not None else None
    if cy is None:
        cy = CalendarYear(year=year, created_by=actor if getattr(actor, "pk", None) else None)
    cy.complete = complete
    cy.note = note
    cy.source = source
    cy.save()
    cy.days.all().delete()
    HolidayDay.objects.bulk_create(
        [
            HolidayDay(calendar_year=cy, date=d, kind=HolidayDay.Kind.HOLIDAY, name=n or "")
            for d, n in holidays
        ]
        + [
            HolidayDay(calendar_year=cy, date=d, kind=HolidayDay.Kind.WORKDAY, name=n or "")
            for d, n in workdays
        ]
    )
    after = year_state(cy)
    record(
        actor=actor,
        action="workcal.calendar_year_enter",
        obj=cy,
        summary=f"{year}: {len(holidays)} holidays, {len(workdays)} adjusted working days"
        + ("" if complete else " (incomplete)"),
        before=before,
        after=after,
    )
    transaction.on_commit(clock.invalidate_default_calendar)
    return cy


@transaction.atomic
def calendar_year_delete(*, actor: Any, year: int) -> None:
    """Delete the entered data of ``year`` (the library's data, if any, applies again)."""
    if actor is not None:
        require_manage_calendar(actor)
    cy = CalendarYear.objects.select_for_update().filter(year=year).first()
    if cy is None:
        raise CalendarEntryError([_("No data has been entered for %(year)s.") % {"year": year}])
    before = year_state(cy)
    record(
        actor=actor,
        action="workcal.calendar_year_delete",
        obj=cy,
        summary=f"{year}: entered data deleted",
        before=before,
        after=None,
    )
    cy.delete()
    transaction.on_commit(clock.invalidate_default_calendar)
