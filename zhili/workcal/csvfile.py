"""Reading a year's schedule from a CSV file (columns ``date,kind,name``).

The same reader serves ``zhili calendar load`` and the upload page.  Files
saved by Excel on Chinese Windows are GB18030 and write dates as 2027/2/6,
so both encodings and both date spellings are accepted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _

from .models import HolidayDay

KIND_WORDS: dict[str, str] = {
    "holiday": HolidayDay.Kind.HOLIDAY,
    "休息日": HolidayDay.Kind.HOLIDAY,
    "休": HolidayDay.Kind.HOLIDAY,
    "假": HolidayDay.Kind.HOLIDAY,
    "节假日": HolidayDay.Kind.HOLIDAY,
    "workday": HolidayDay.Kind.WORKDAY,
    "调休上班日": HolidayDay.Kind.WORKDAY,
    "上班": HolidayDay.Kind.WORKDAY,
    "班": HolidayDay.Kind.WORKDAY,
}
# "调休" alone is left out on purpose: people use it both for the weekend
# day worked and for the rest day it buys.


@dataclass
class CalendarCsv:
    holidays: list[tuple[date, str]] = field(default_factory=list)
    workdays: list[tuple[date, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("The file is neither UTF-8 nor GB18030 text."))


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_calendar_csv(text: str, *, year: int) -> CalendarCsv:
    """The holidays and adjusted working days of ``year`` in ``text``, with every row's errors.

    Rows are numbered as lines of the file (the header is row 1).  Blank
    rows are skipped.
    """
    out = CalendarCsv()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    columns = [c.strip().lower() for c in header] if header else []
    if "date" not in columns or "kind" not in columns:
        out.errors.append(_("Row 1: the header must name the columns date,kind,name."))
        return out
    i_date, i_kind = columns.index("date"), columns.index("kind")
    i_name = columns.index("name") if "name" in columns else None
    seen: dict[date, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue

        def cell(i: int | None, row: list[str] = row) -> str:
            return row[i].strip() if i is not None and i < len(row) else ""

        raw_date, raw_kind, name = cell(i_date), cell(i_kind), cell(i_name)
        problems: list[str] = []
        day = _parse_date(raw_date)
        if day is None:
            problems.append(_("%(value)r is not a date (YYYY-MM-DD)") % {"value": raw_date})
        kind = KIND_WORDS.get(raw_kind.lower())
        if kind is None:
            problems.append(
                _("%(value)r is not a kind (holiday/休息日 or workday/调休上班日)")
                % {"value": raw_kind}
            )
        if day is not None:
            if day.year != year:
                problems.append(_("%(date)s is not in %(year)s") % {"date": day, "year": year})
            elif day in seen:
                problems.append(
                    _("%(date)s is already on row %(row)s") % {"date": day, "row": seen[day]}
                )
            if kind == HolidayDay.Kind.WORKDAY and day.weekday() < 5:
                problems.append(
                    _(
                        "%(date)s is not a Saturday or Sunday, so it cannot be an adjusted working day"
                    )
                    % {"date": day}
                )
        if len(name) > 60:
            problems.append(_("the name is longer than 60 characters"))
        if problems:
            out.errors.append(
                _("Row %(row)s: %(problems)s.") % {"row": line, "problems": "; ".join(problems)}
            )
            continue
        assert day is not None
        seen.setdefault(day, line)
        (out.holidays if kind == HolidayDay.Kind.HOLIDAY else out.workdays).append((day, name))
    if not out.errors and not out.holidays and not out.workdays:
        out.errors.append(_("The file has no rows."))
    return out
