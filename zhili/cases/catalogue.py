"""Time limits of case standards: reading them and turning them into deadlines.

Local standards write limits as free text (处置时限): "2紧急工作时", "4小时",
"2天", "5个工作日", "半小时", "1紧急工作时制止".  ``split_time_limit`` reads
such a text into a value, a unit and an optional trailing remark;
``deadline_for`` applies a limit to a start moment on the working calendar.
Both are pure (the calendar is a parameter; ``None`` means the platform's).

The units, and how each one runs:

* 紧急工作时 (emergency working hour): the continuous clock.  Emergencies
  (a missing manhole cover) are handled at night and on holidays, so the
  clock never stops: 2 紧急工作时 from 16:00 on New Year's Eve is 18:00.
* 紧急工作日 (emergency working day): the Yuncheng standard uses it for
  violations being built (违法建设正在建设).  Read the same way, as whole
  days on the continuous clock (N × 24 hours).
* 工作时 (working hour): office time on working days
  (``WorkingCalendar.add_working_hours``).
* 工作日 (working day): ``WorkingCalendar.add_working_days``, i.e. exactly
  N office days of office time after the start.
* 小时 (hour) and 自然日 (natural day): the continuous clock.
* 天 / 日 (day) without qualifier: read as a natural day.  The Yuncheng
  standard qualifies the working-time units explicitly (紧急工作时,
  紧急工作日) and uses plain 天 for routine repairs of 1-15 days, so its
  天 is a calendar day.  Another standard may mean working days by 天:
  pass ``day_unit=TimeUnit.WORK_DAYS`` (``zhili cases load-standard
  --day-unit work_days``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from zhili.workcal.clock import WorkingCalendar


class TimeUnit(models.TextChoices):
    EMERGENCY_WORK_HOURS = (
        "emergency_work_hours",
        gettext_lazy("Emergency working hours (紧急工作时, continuous clock)"),
    )
    EMERGENCY_WORK_DAYS = (
        "emergency_work_days",
        gettext_lazy("Emergency working days (紧急工作日, continuous clock)"),
    )
    WORK_HOURS = "work_hours", gettext_lazy("Working hours (工作时)")
    WORK_DAYS = "work_days", gettext_lazy("Working days (工作日)")
    NATURAL_HOURS = "natural_hours", gettext_lazy("Hours (小时)")
    NATURAL_DAYS = "natural_days", gettext_lazy("Natural days (自然日/天)")


# How each unit is written back for display (and in exports).
UNIT_WORD: dict[str, str] = {
    TimeUnit.EMERGENCY_WORK_HOURS: "紧急工作时",
    TimeUnit.EMERGENCY_WORK_DAYS: "紧急工作日",
    TimeUnit.WORK_HOURS: "工作时",
    TimeUnit.WORK_DAYS: "工作日",
    TimeUnit.NATURAL_HOURS: "小时",
    TimeUnit.NATURAL_DAYS: "自然日",
}

# Largest limit accepted: a year in hours.  Anything longer is a typo.
MAX_HOURS = Decimal(366 * 24)

_DAY = "day"  # placeholder for a plain 天/日, resolved by ``day_unit``
_MINUTES = "minutes"
_WEEKS = "weeks"

# Longest first, so 紧急工作时 wins over 工作时 and 工作小时 over 小时.
_UNIT_WORDS: list[tuple[str, str]] = sorted(
    [
        ("紧急工作小时", TimeUnit.EMERGENCY_WORK_HOURS),
        ("紧急工作时", TimeUnit.EMERGENCY_WORK_HOURS),
        ("紧急小时", TimeUnit.EMERGENCY_WORK_HOURS),
        ("紧急工作日", TimeUnit.EMERGENCY_WORK_DAYS),
        ("紧急工作天", TimeUnit.EMERGENCY_WORK_DAYS),
        ("工作小时", TimeUnit.WORK_HOURS),
        ("工作时", TimeUnit.WORK_HOURS),
        ("工时", TimeUnit.WORK_HOURS),
        ("工作日", TimeUnit.WORK_DAYS),
        ("工作天", TimeUnit.WORK_DAYS),
        ("自然小时", TimeUnit.NATURAL_HOURS),
        ("小时", TimeUnit.NATURAL_HOURS),
        ("钟头", TimeUnit.NATURAL_HOURS),
        ("自然日", TimeUnit.NATURAL_DAYS),
        ("自然天", TimeUnit.NATURAL_DAYS),
        ("日历日", TimeUnit.NATURAL_DAYS),
        ("天", _DAY),
        ("日", _DAY),
        ("分钟", _MINUTES),
        ("星期", _WEEKS),
        ("周", _WEEKS),
        ("workinghours", TimeUnit.WORK_HOURS),
        ("workinghour", TimeUnit.WORK_HOURS),
        ("workingdays", TimeUnit.WORK_DAYS),
        ("workingday", TimeUnit.WORK_DAYS),
        ("hours", TimeUnit.NATURAL_HOURS),
        ("hour", TimeUnit.NATURAL_HOURS),
        ("h", TimeUnit.NATURAL_HOURS),
        ("days", _DAY),
        ("day", _DAY),
        ("d", _DAY),
    ],
    key=lambda pair: -len(pair[0]),
)

# "At once": the limit is zero on the continuous clock (the deadline is the
# start itself), so the case is overdue as soon as it is not handled.
_IMMEDIATE = ("立即", "立刻", "即时", "马上", "immediately")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUMBER = "零〇一二两三四五六七八九十百"
_NUMBER_RE = re.compile(
    rf"^(?P<num>\d+(?:\.\d+)?|[{_CN_NUMBER}]+)?个?(?P<half>半)?个?(?P<rest>.*)$"
)
# Words allowed around a limit without changing it: "2小时内", "4小时以内".
_FILLER_RE = re.compile(r"^(?:之内|以内|内)")
# A trailing remark says what must happen within the limit ("制止": stop
# it).  It may not hold another number or unit: "2天3小时" is refused
# rather than half read.
_REMARK_FORBIDDEN = re.compile(rf"[0-9{_CN_NUMBER}半天日时周月年分秒]")
_CJK_RE = re.compile(r"^[\u4e00-\u9fff、，,（）()]+$")


class TimeLimitError(ValueError):
    """A time-limit text that cannot be read; the message says why."""


@dataclass(frozen=True)
class TimeLimit:
    value: Decimal
    unit: TimeUnit
    remark: str = ""

    def __str__(self) -> str:
        return format_time_limit(self.value, self.unit) + self.remark


def _chinese_number(text: str) -> int | None:
    """Small Chinese numerals: 一 … 九十九, 一百 … (enough for time limits)."""
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and letters (２小时, ２ｈ) to ASCII.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def split_time_limit(text: str, *, day_unit: str = TimeUnit.NATURAL_DAYS) -> TimeLimit:
    """Read a time-limit text into value, unit and trailing remark.

    ``day_unit`` is what a plain 天/日 means (natural days unless told).
    Minutes become hours and weeks become natural days, so every result is
    in one of the six units.  Raises :class:`TimeLimitError`.
    """
    if day_unit not in (TimeUnit.NATURAL_DAYS, TimeUnit.WORK_DAYS):
        raise ValueError(f"day_unit must be natural_days or work_days, not {day_unit!r}")
    raw = str(text if text is not None else "").strip()
    norm = _normalise(raw)
    if not norm:
        raise TimeLimitError(_("The time limit is empty."))
    for word in _IMMEDIATE:
        if norm.startswith(word):
            remark = norm[len(word) :]
            if remark and (_REMARK_FORBIDDEN.search(remark) or not _CJK_RE.match(remark)):
                break
            return TimeLimit(Decimal(0), TimeUnit.EMERGENCY_WORK_HOURS, remark)
    match = _NUMBER_RE.match(norm)
    assert match is not None  # every group is optional
    num, half, rest = match["num"], match["half"], match["rest"]
    if num is None and half is None:
        raise TimeLimitError(
            _("“%(text)s” does not start with a number (such as 2小时, 5个工作日, 半小时).")
            % {"text": raw}
        )
    if num is None:
        value = Decimal(0)
    elif num[0].isdigit():
        try:
            value = Decimal(num)
        except InvalidOperation:  # pragma: no cover - the regex admits only decimals
            raise TimeLimitError(_("“%(text)s” is not a number.") % {"text": raw}) from None
    else:
        parsed = _chinese_number(num)
        if parsed is None:
            raise TimeLimitError(_("“%(text)s” is not a number.") % {"text": raw})
        value = Decimal(parsed)
    if half:
        value += Decimal("0.5")
    unit: str | None = None
    for word, word_unit in _UNIT_WORDS:
        if rest.startswith(word):
            unit, rest = word_unit, rest[len(word) :]
            break
    if unit is None:
        raise TimeLimitError(
            _(
                "“%(text)s” has no time unit. Use 紧急工作时, 紧急工作日, 工作时, 工作日, "
                "小时, 自然日 or 天."
            )
            % {"text": raw}
        )
    if rest.startswith("半") and num is not None and not half:  # "2天半"
        value += Decimal("0.5")
        rest = rest[1:]
    rest = _FILLER_RE.sub("", rest)
    if rest and (_REMARK_FORBIDDEN.search(rest) or not _CJK_RE.match(rest)):
        raise TimeLimitError(
            _(
                "“%(text)s”: cannot read “%(rest)s” after the time limit. Give one number and "
                "one unit, such as 2小时 or 5个工作日."
            )
            % {"text": raw, "rest": rest}
        )
    if unit == _MINUTES:
        value, unit = value / 60, TimeUnit.NATURAL_HOURS
    elif unit == _WEEKS:
        value, unit = value * 7, TimeUnit.NATURAL_DAYS
    elif unit == _DAY:
        unit = day_unit
    value = _tidy(value)
    if value <= 0:
        raise TimeLimitError(
            _("“%(text)s”: the time limit must be longer than zero.") % {"text": raw}
        )
    hours = value * 24 if unit in _DAY_UNITS else value
    if hours > MAX_HOURS:
        raise TimeLimitError(_("“%(text)s” is longer than a year.") % {"text": raw})
    return TimeLimit(value, TimeUnit(unit), rest)


_DAY_UNITS = (TimeUnit.EMERGENCY_WORK_DAYS, TimeUnit.WORK_DAYS, TimeUnit.NATURAL_DAYS)


def _tidy(value: Decimal) -> Decimal:
    """Two decimals at most, none when whole (``Decimal("2")``, not ``2.00`` or ``2E+0``)."""
    value = value.quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def parse_time_limit(
    text: str, *, day_unit: str = TimeUnit.NATURAL_DAYS
) -> tuple[Decimal, TimeUnit]:
    """``"2紧急工作时"`` → ``(Decimal("2"), TimeUnit.EMERGENCY_WORK_HOURS)``.

    See :func:`split_time_limit`; the trailing remark ("制止") is dropped.
    """
    limit = split_time_limit(text, day_unit=day_unit)
    return limit.value, limit.unit


def format_time_limit(value: Decimal | float | int, unit: str) -> str:
    """``(2, "emergency_work_hours")`` → ``"2紧急工作时"``."""
    return f"{_tidy(Decimal(str(value))):f}{UNIT_WORD[TimeUnit(unit)]}"


def deadline_for(
    start: datetime,
    value: Decimal | float | int,
    unit: str,
    *,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The moment a limit of ``value`` ``unit`` started at ``start`` runs out.

    ``start`` must be aware; the result is in Asia/Shanghai.  Working units
    use ``calendar`` (the platform's ``default_calendar()`` if ``None``) and
    raise ``CalendarDataMissing`` for a year without holiday data.  A
    fractional working day is counted as that share of an office day; a
    fractional natural day as that share of 24 hours.
    """
    from zhili.workcal import clock

    unit = TimeUnit(unit)
    amount = Decimal(str(value))
    if amount < 0:
        raise ValueError(f"a time limit cannot be negative, got {value!r}")
    if unit in (TimeUnit.EMERGENCY_WORK_HOURS, TimeUnit.NATURAL_HOURS):
        return clock.add_natural_hours(start, amount)
    if unit in (TimeUnit.EMERGENCY_WORK_DAYS, TimeUnit.NATURAL_DAYS):
        if amount == amount.to_integral_value():
            return clock.add_natural_days(start, int(amount))
        return clock.add_natural_hours(start, amount * 24)
    cal = clock.default_calendar() if calendar is None else calendar
    if unit is TimeUnit.WORK_HOURS:
        return cal.add_working_hours(start, amount)
    if amount == amount.to_integral_value():
        return cal.add_working_days(start, int(amount))
    return cal.add_working_hours(start, cal.office_day * float(amount))
