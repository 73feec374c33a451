from __future__ import annotations

import calendar as stdcal
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from . import clock
from .access import can_manage_calendar, require_manage_calendar, require_view_calendar
from .actions import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarEntryError,
    calendar_year_delete,
    calendar_year_enter,
)
from .csvfile import decode, read_calendar_csv
from .forms import ComputeForm, LoadYearForm
from .models import CalendarYear

KIND_LABELS = {
    clock.DayKind.WORKDAY: gettext_lazy("Working day"),
    clock.DayKind.WEEKEND: gettext_lazy("Weekend"),
    clock.DayKind.HOLIDAY: gettext_lazy("Holiday (休息日)"),
    clock.DayKind.ADJUSTED_WORKDAY: gettext_lazy("Adjusted working day (调休上班日)"),
    clock.DayKind.UNKNOWN: gettext_lazy("No data"),
}
WEEKDAY_HEADS = [
    pgettext_lazy("weekday initial", "Mo"),
    pgettext_lazy("weekday initial", "Tu"),
    pgettext_lazy("weekday initial", "We"),
    pgettext_lazy("weekday initial", "Th"),
    pgettext_lazy("weekday initial", "Fr"),
    pgettext_lazy("weekday initial", "Sa"),
    pgettext_lazy("weekday initial", "Su"),
]


def _year_param(raw: str | None, default: int) -> int:
    try:
        year = int(raw) if raw else default
    except ValueError:
        return default
    return year if MIN_YEAR <= year <= MAX_YEAR else default


def _months(cal: clock.WorkingCalendar, year: int, today: date) -> list[dict[str, Any]]:
    months = []
    for month in range(1, 13):
        weeks = []
        for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append(
                [
                    {
                        "date": d,
                        "kind": cal.day_kind(d).value,
                        "label": KIND_LABELS[cal.day_kind(d)],
                        "name": cal.names.get(d, ""),
                        "today": d == today,
                    }
                    if d.month == month
                    else None
                    for d in week
                ]
            )
        months.append({"number": month, "name": MONTHS[month], "weeks": weeks})
    return months


def _periods(cal: clock.WorkingCalendar, year: int) -> list[dict[str, Any]]:
    """The year's special days, runs of the same holiday merged (春节 15-23 Feb)."""
    runs: list[dict[str, Any]] = []
    for d in sorted(x for x in cal.holidays | cal.workdays if x.year == year):
        kind = "workday" if d in cal.workdays else "holiday"
        name = cal.names.get(d, "")
        last = runs[-1] if runs else None
        if (
            last
            and last["kind"] == kind == "holiday"
            and last["name"] == name
            and last["end"] + timedelta(days=1) == d
        ):
            last["end"] = d
            last["days"] += 1
        else:
            runs.append({"kind": kind, "name": name, "start": d, "end": d, "days": 1})
    return runs


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require_view_calendar(request.user)
    now = timezone.localtime(timezone.now(), clock.TZ)
    year = _year_param(request.GET.get("year"), now.year)
    cal = clock.default_calendar()
    form = ComputeForm(
        request.GET if "start" in request.GET else None,
        initial={
            "start": now.replace(second=0, microsecond=0),
            "amount": 8,
            "unit": clock.Unit.WORKING_HOURS,
        },
    )
    result = compute_error = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = cal.add(data["start"], data["amount"], data["unit"])
        except clock.CalendarDataMissing as exc:
            compute_error = _(
                "No working-calendar data for %(year)s: an administrator must enter that year's "
                "holidays and adjusted working days first."
            ) % {"year": exc.year}
    library = clock.library_data()
    context = {
        "year": year,
        "prev_year": year - 1,
        "next_year": year + 1,
        "covered": cal.covers(year),
        "source": cal.year_sources.get(year, ""),
        "months": _months(cal, year, now.date()),
        "weekday_heads": WEEKDAY_HEADS,
        "runs": _periods(cal, year),
        "working_days": (
            cal.count_working_days(date(year, 1, 1), date(year + 1, 1, 1))
            if cal.covers(year)
            else None
        ),
        "office_hours": cal.office_hours,
        "office_day_hours": cal.office_day.total_seconds() / 3600,
        "library": library,
        "library_first": min(library.years),
        "library_last": max(library.years),
        "entered": list(CalendarYear.objects.select_related("created_by")),
        "kind_labels": KIND_LABELS,
        "form": form,
        "result": result,
        "compute_error": compute_error,
        "can_manage": can_manage_calendar(request.user),
    }
    return render(request, "workcal/index.html", context)


@login_required
def load(request: HttpRequest) -> HttpResponse:
    """Enter a year from an uploaded CSV file (managers only)."""
    require_manage_calendar(request.user)
    form = LoadYearForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            text = decode(data["file"].read())
        except ValueError as exc:
            errors = [str(exc)]
        else:
            parsed = read_calendar_csv(text, year=data["year"])
            errors = parsed.errors
            if not errors:
                try:
                    calendar_year_enter(
                        actor=request.user,
                        year=data["year"],
                        holidays=parsed.holidays,
                        workdays=parsed.workdays,
                        note=data["note"],
                        source=data["source"],
                        complete=data["complete"],
                        override=data["override"],
                    )
                except CalendarEntryError as exc:
                    errors = exc.errors
                else:
                    messages.success(
                        request,
                        _(
                            "%(year)s saved: %(holidays)s holidays, %(workdays)s adjusted working days."
                        )
                        % {
                            "year": data["year"],
                            "holidays": len(parsed.holidays),
                            "workdays": len(parsed.workdays),
                        },
                    )
                    return redirect(f"{reverse('workcal:index')}?year={data['year']}")
    context = {
        "form": form,
        "errors": errors,
        "entered": list(CalendarYear.objects.select_related("created_by")),
    }
    return render(request, "workcal/load.html", context, status=400 if errors else 200)


@login_required
@require_POST
def delete_year(request: HttpRequest, year: int) -> HttpResponse:
    require_manage_calendar(request.user)
    try:
        calendar_year_delete(actor=request.user, year=year)
    except CalendarEntryError as exc:
        messages.error(request, "; ".join(exc.errors))
    else:
        messages.success(request, _("The entered data of %(year)s was deleted.") % {"year": year})
    return redirect("workcal:load")
