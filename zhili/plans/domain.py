"""Pure calculations of action-plan supervision (督查督办).

Everything here works on plain data: no database, no HTTP, no clock of its
own (``today`` is always passed in).  The rules, in one place:

Roll-up
    A node's progress is its own (reported) progress when it has no counted
    children; otherwise the weighted mean of its counted children's progress.
    Counted children are those with a weight above zero that are not
    cancelled.  Weight zero marks a paragraph that is not tracked (the
    plan's "general requirements", say).  This is Decidim accountability's
    rule; the plan's own progress is the same mean over its top-level nodes.

Expected progress ("plan")
    The share of working days of the node's schedule [start, end] that
    have passed by the end of ``today``, times 100.  Working days come from
    the working calendar; for a year the calendar has no data for yet the
    count falls back to natural days, and the result says it is approximate.

Warning colour (亮灯)
    grey: suspended, cancelled, not tracked, or neither dates nor milestones;
    green: completed, or on schedule;
    yellow: behind by ``yellow_lag`` points or more, or a milestone missed
    (due before today, not reached);
    red: behind by ``red_lag`` points or more, past its end unfinished, or a
    milestone missed by more than ``milestone_red_days`` working days.
    A parent whose own colour is green turns yellow when one of its children
    is red, so a red task is never hidden under a green work area.

Assessment (绩效考核)
    Per unit: completion (weighted mean of attainment, min(1, actual/expected),
    over its tasks expected to have started), timeliness (share of due dates
    in the period met on time), quality (mean reviewer mark of its reports).
    Components without data are left out and the weights of the others
    renormalised.  Penalties are subtracted; the score is clamped to 0-100
    and units ranked by score (equal scores share a rank: 1, 1, 3).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from zhili.workcal.clock import CalendarDataMissing, WorkingCalendar

TZ = ZoneInfo("Asia/Shanghai")


class Colour(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    GREY = "grey"


_SEVERITY = {Colour.GREY: 0, Colour.GREEN: 1, Colour.YELLOW: 2, Colour.RED: 3}


def worst(colours: Iterable[Colour | str]) -> Colour:
    """The most severe colour of ``colours`` (grey when empty)."""
    out = Colour.GREY
    for c in colours:
        c = Colour(c)
        if _SEVERITY[c] > _SEVERITY[out]:
            out = c
    return out


class Status(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


# --- roll-up -----------------------------------------------------------------
@dataclass(frozen=True)
class TreeNode:
    id: int
    parent_id: int | None
    weight: float = 1.0
    progress: float = 0.0
    status: str = Status.NOT_STARTED


def counted(node: TreeNode) -> bool:
    return node.weight > 0 and node.status != Status.CANCELLED


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Mean of ``(value, weight)`` pairs with weight > 0; None when there are none."""
    total = 0.0
    weights = 0.0
    for value, weight in pairs:
        if weight > 0:
            total += value * weight
            weights += weight
    return total / weights if weights else None


def children_of(nodes: Iterable[TreeNode]) -> dict[int | None, list[TreeNode]]:
    kids: dict[int | None, list[TreeNode]] = {}
    for n in nodes:
        kids.setdefault(n.parent_id, []).append(n)
    return kids


def rollup(nodes: Sequence[TreeNode]) -> dict[int, float]:
    """Progress of every node (see the module docstring); ``None`` key: the plan.

    Leaves keep their own progress, clamped to 0-100.  Iterative, so a deep
    tree cannot hit the recursion limit.
    """
    kids = children_of(nodes)
    out: dict[int, float] = {}
    for n in post_order(nodes, kids):
        mean = weighted_mean((out[c.id], c.weight) for c in kids.get(n.id, ()) if counted(c))
        out[n.id] = _clamp(n.progress) if mean is None else mean
    plan = weighted_mean((out[c.id], c.weight) for c in kids.get(None, ()) if counted(c))
    out[None] = 0.0 if plan is None else plan  # type: ignore[index]
    return out


def post_order(
    nodes: Sequence[TreeNode], kids: Mapping[int | None, list[TreeNode]]
) -> list[TreeNode]:
    ids = {n.id for n in nodes}
    roots = [n for n in nodes if n.parent_id is None or n.parent_id not in ids]
    order: list[TreeNode] = []
    stack: list[tuple[TreeNode, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for c in reversed(kids.get(node.id, ())):
            stack.append((c, False))
    return order


def _clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, float(value)))


def leaf_status(progress: float, current: str = Status.NOT_STARTED) -> Status:
    """The status a reported progress implies; suspended and cancelled stay."""
    if current in (Status.SUSPENDED, Status.CANCELLED):
        return Status(current)
    if progress >= 100:
        return Status.COMPLETED
    if progress > 0:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def parent_status(child_statuses: Sequence[str], progress: float, current: str) -> Status:
    """A parent's status from its counted children's statuses."""
    if current in (Status.SUSPENDED, Status.CANCELLED):
        return Status(current)
    if child_statuses and all(s == Status.COMPLETED for s in child_statuses):
        return Status.COMPLETED
    if progress > 0 or any(s in (Status.IN_PROGRESS, Status.COMPLETED) for s in child_statuses):
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


# --- working days ------------------------------------------------------------
def working_days(cal: WorkingCalendar | None, start: date, end: date) -> tuple[int, bool]:
    """Working days in [start, end) and whether the count is approximate.

    Without calendar data (a year not yet published, or no calendar) the
    count is of natural days: plan schedules run for years, and a ratio of
    natural days is a fair stand-in while the State Council's schedule for
    next year is unknown.
    """
    if cal is not None:
        try:
            return cal.count_working_days(start, end), False
        except CalendarDataMissing:
            pass
    return (end - start).days, True


def expected_progress(
    start: date | None, end: date | None, today: date, cal: WorkingCalendar | None
) -> tuple[float | None, bool]:
    """Expected progress (0-100) at the end of ``today``; None without a schedule."""
    if start is None or end is None:
        return None, False
    if end < start:
        start, end = end, start
    if today < start:
        return 0.0, False
    if today >= end:
        return 100.0, False
    one = timedelta(days=1)
    total, approx_t = working_days(cal, start, end + one)
    done, approx_d = working_days(cal, start, today + one)
    if approx_t != approx_d or total <= 0:
        # Mixed bases would give a wrong ratio; a schedule of rest days only
        # still has a natural length.
        total, _a = working_days(None, start, end + one)
        done, _a = working_days(None, start, today + one)
        approx_t = approx_d = True
    return _clamp(100.0 * done / total), approx_t or approx_d


# --- warnings ------------------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    yellow_lag: float = 10.0
    red_lag: float = 25.0
    milestone_red_days: int = 10


@dataclass(frozen=True)
class MilestoneState:
    due: date
    done_on: date | None = None


@dataclass(frozen=True)
class Warning:
    colour: Colour
    expected: float | None = None
    lag: float | None = None
    reasons: tuple[str, ...] = ()
    approximate: bool = False


# Machine codes of the reasons; pages translate them.
REASONS = (
    "not_tracked",
    "suspended",
    "cancelled",
    "no_schedule",
    "completed",
    "overdue",
    "behind_red",
    "behind_yellow",
    "milestone_missed",
    "milestone_missed_long",
    "child_red",
)


def warning(
    *,
    progress: float,
    status: str,
    start: date | None,
    end: date | None,
    milestones: Sequence[MilestoneState] = (),
    today: date,
    calendar: WorkingCalendar | None,
    thresholds: Thresholds = Thresholds(),
    weight: float = 1.0,
) -> Warning:
    """The warning colour of one node (see the module docstring)."""
    if weight <= 0:
        return Warning(Colour.GREY, reasons=("not_tracked",))
    if status in (Status.SUSPENDED, Status.CANCELLED):
        return Warning(Colour.GREY, reasons=(str(status),))
    expected, approx = expected_progress(start, end, today, calendar)
    if status == Status.COMPLETED or progress >= 100:
        return Warning(Colour.GREEN, expected, None, ("completed",), approx)
    colours: list[Colour] = []
    reasons: list[str] = []
    lag = None
    if expected is not None:
        lag = round(expected - progress, 2)
    if end is not None and today > end:
        # A deadline alone (no start) is enough to know a task is late.
        colours.append(Colour.RED)
        reasons.append("overdue")
    elif lag is not None:
        if lag >= thresholds.red_lag:
            colours.append(Colour.RED)
            reasons.append("behind_red")
        elif lag >= thresholds.yellow_lag:
            colours.append(Colour.YELLOW)
            reasons.append("behind_yellow")
    for m in milestones:
        if m.done_on is not None or m.due >= today:
            continue
        # Working days after the due day up to and including today.
        late, late_approx = working_days(
            calendar, m.due + timedelta(days=1), today + timedelta(days=1)
        )
        approx = approx or late_approx
        if late > thresholds.milestone_red_days:
            colours.append(Colour.RED)
            reasons.append("milestone_missed_long")
        else:
            colours.append(Colour.YELLOW)
            reasons.append("milestone_missed")
    if expected is None and end is None and not milestones:
        return Warning(Colour.GREY, None, None, ("no_schedule",), approx)
    colour = worst(colours) if colours else Colour.GREEN
    return Warning(colour, expected, lag, tuple(dict.fromkeys(reasons)), approx)


def with_children(own: Warning, child_colours: Iterable[Colour | str]) -> Warning:
    """A parent's warning: its own, raised to yellow when a child is red."""
    if own.colour == Colour.GREEN and any(Colour(c) == Colour.RED for c in child_colours):
        return Warning(
            Colour.YELLOW, own.expected, own.lag, (*own.reasons, "child_red"), own.approximate
        )
    return own


# --- due dates -------------------------------------------------------------------
@dataclass(frozen=True)
class DueState:
    state: str | None  # "overdue", "due_soon" or None
    days_left: (
        int  # working days from today (inclusive) to the due day (exclusive); negative when overdue
    )
    approximate: bool = False


def due_state(due: date, today: date, window: int, cal: WorkingCalendar | None) -> DueState:
    """Whether ``due`` is overdue, due within ``window`` working days, or neither.

    Due today counts as due soon with 0 days left; the day after, overdue.
    """
    if due < today:
        days, approx = working_days(cal, due, today)
        return DueState("overdue", -max(days, 1), approx)
    days, approx = working_days(cal, today, due)
    return DueState("due_soon" if days <= window else None, days, approx)


def close_of_business(day: date, cal: WorkingCalendar | None) -> datetime:
    end = cal.office_hours[-1][1] if cal is not None else time(17, 30)
    return datetime.combine(day, end, tzinfo=TZ)


def deadline_after(
    start: datetime, days: int, cal: WorkingCalendar | None
) -> tuple[datetime, bool]:
    """Close of office on the ``days``-th working day after ``start``'s day.

    Without calendar data for the years reached, counts Mondays to Fridays
    and says the result is approximate: a notice issued in late December
    must still get a deadline before next year's schedule is published.
    """
    if cal is not None:
        try:
            return cal.working_days_deadline(start, days), False
        except CalendarDataMissing:
            pass
    day = start.astimezone(TZ).date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return close_of_business(day, cal), True


# --- reporting periods -------------------------------------------------------
class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    key: str = field(compare=False)

    def __str__(self) -> str:
        return self.key


_PERIOD_RE = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


def period_of(day: date, frequency: str) -> Period:
    """The reporting period ``day`` falls in: ``2026-11`` or ``2026-Q4``."""
    if Frequency(frequency) is Frequency.MONTHLY:
        start = day.replace(day=1)
        end = _month_end(day.year, day.month)
        return Period(start, end, f"{day.year}-{day.month:02d}")
    q = (day.month - 1) // 3 + 1
    start = date(day.year, 3 * q - 2, 1)
    return Period(start, _month_end(day.year, 3 * q), f"{day.year}-Q{q}")


def parse_period(key: str) -> Period:
    m = _PERIOD_RE.match(key.strip())
    if not m:
        raise ValueError(f"not a reporting period (YYYY-MM or YYYY-Qn): {key!r}")
    year = int(m.group(1))
    if m.group(2):
        return period_of(date(year, int(m.group(2)), 1), Frequency.MONTHLY)
    return period_of(date(year, 3 * int(m.group(3)) - 2, 1), Frequency.QUARTERLY)


def previous_period(period: Period, frequency: str) -> Period:
    return period_of(period.start - timedelta(days=1), frequency)


def periods_between(start: date, end: date, frequency: str) -> list[Period]:
    """Every period overlapping [start, end], in order."""
    out: list[Period] = []
    p = period_of(start, frequency)
    while p.start <= end:
        out.append(p)
        p = period_of(p.end + timedelta(days=1), frequency)
    return out


def report_due(period: Period, due_days: int, cal: WorkingCalendar | None) -> date:
    """The day a period's report is due: ``due_days`` working days after it ends."""
    moment, _approx = deadline_after(close_of_business(period.end, cal), due_days, cal)
    return moment.date()


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


# --- assessment --------------------------------------------------------------------
@dataclass(frozen=True)
class AssessmentWeights:
    completion: float = 50.0
    timeliness: float = 30.0
    quality: float = 20.0
    penalty_late_report: float = 1.0
    penalty_missing_report: float = 2.0
    penalty_escalation: float = 2.0
    penalty_overdue_notice: float = 1.0


@dataclass(frozen=True)
class TaskState:
    """One task a unit leads, as at the end of the period."""

    weight: float
    expected: float | None
    progress: float


@dataclass(frozen=True)
class DueDate:
    due: date
    done_on: date | None


@dataclass
class UnitInput:
    unit_id: int
    name: str
    tasks: list[TaskState] = field(default_factory=list)
    dues: list[DueDate] = field(default_factory=list)
    marks: list[float] = field(default_factory=list)
    late_reports: int = 0
    missing_reports: int = 0
    escalations: int = 0
    overdue_notices: int = 0


@dataclass
class UnitScore:
    unit_id: int
    name: str
    tasks: int
    completion: float | None
    timeliness: float | None
    quality: float | None
    penalty: float
    score: float | None
    rank: int = 0
    detail: dict = field(default_factory=dict)


def completion_score(tasks: Iterable[TaskState]) -> float | None:
    """Weighted mean attainment (0-100) over tasks expected to have started."""
    pairs = []
    for t in tasks:
        if t.weight <= 0 or t.expected is None or t.expected <= 0:
            continue
        pairs.append((min(1.0, max(0.0, t.progress) / t.expected) * 100.0, t.weight))
    return weighted_mean(pairs)


def timeliness_score(dues: Iterable[DueDate], start: date, end: date, as_of: date) -> float | None:
    """Share (0-100) of due dates in [start, end] met on time.

    A due date after ``as_of`` (the future) counts only once met; one
    reached late, or not at all by ``as_of``, counts as missed.
    """
    met = total = 0
    for d in dues:
        if not (start <= d.due <= end):
            continue
        done = d.done_on is not None and d.done_on <= as_of
        if d.due > as_of and not done:
            continue
        total += 1
        if done and d.done_on is not None and d.done_on <= d.due:
            met += 1
    return 100.0 * met / total if total else None


def quality_score(marks: Sequence[float]) -> float | None:
    return sum(marks) / len(marks) if marks else None


def score_unit(
    unit: UnitInput, start: date, end: date, as_of: date, w: AssessmentWeights
) -> UnitScore:
    c = completion_score(unit.tasks)
    t = timeliness_score(unit.dues, start, end, as_of)
    q = quality_score(unit.marks)
    base = weighted_mean(
        (value, weight)
        for value, weight in ((c, w.completion), (t, w.timeliness), (q, w.quality))
        if value is not None
    )
    penalty = (
        unit.late_reports * w.penalty_late_report
        + unit.missing_reports * w.penalty_missing_report
        + unit.escalations * w.penalty_escalation
        + unit.overdue_notices * w.penalty_overdue_notice
    )
    score = None if base is None else round(_clamp(base - penalty), 2)
    return UnitScore(
        unit_id=unit.unit_id,
        name=unit.name,
        tasks=len(unit.tasks),
        completion=_r(c),
        timeliness=_r(t),
        quality=_r(q),
        penalty=round(penalty, 2),
        score=score,
        detail={
            "late_reports": unit.late_reports,
            "missing_reports": unit.missing_reports,
            "escalations": unit.escalations,
            "overdue_notices": unit.overdue_notices,
            "dues": len(unit.dues),
            "marks": len(unit.marks),
        },
    )


def rank(scores: list[UnitScore]) -> list[UnitScore]:
    """Sort by score (units without a score last) and number with shared ranks."""
    ordered = sorted(scores, key=lambda s: (s.score is None, -(s.score or 0.0), s.name))
    prev: float | None = math.nan
    for i, s in enumerate(ordered, 1):
        if s.score is not None and s.score == prev:
            s.rank = ordered[i - 2].rank
        else:
            s.rank = i
        prev = s.score
    return ordered


def score_units(
    units: Iterable[UnitInput], start: date, end: date, as_of: date, weights: AssessmentWeights
) -> list[UnitScore]:
    return rank([score_unit(u, start, end, as_of, weights) for u in units])


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- series for the charts ---------------------------------------------------------
def series_at(points: Sequence[tuple[date, float]], days: Sequence[date]) -> list[float | None]:
    """The step function through dated ``points`` (sorted), sampled at ``days``.

    None before the first point: nothing was known yet.
    """
    out: list[float | None] = []
    i = -1
    for d in days:
        while i + 1 < len(points) and points[i + 1][0] <= d:
            i += 1
        out.append(points[i][1] if i >= 0 else None)
    return out


def sample_days(start: date, end: date, count: int = 24) -> list[date]:
    """About ``count`` evenly spaced days from ``start`` to ``end``, both included."""
    if end <= start:
        return [start]
    span = (end - start).days
    step = max(1, span // max(1, count - 1))
    days = [start + timedelta(days=k) for k in range(0, span, step)]
    if days[-1] != end:
        days.append(end)
    return days
