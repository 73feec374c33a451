"""Comprehensive evaluation (综合评价): counts, rates, weighted scores and grades.

The first half of this module is pure (plain numbers in, plain numbers out);
the second half runs one aggregate query per grouping over the milestone
columns every case row carries, so evaluating a million cases never loops
over cases in Python.

Which cases
-----------
A period [start, end) selects the cases *reported* in it (``reported_at``),
and each is evaluated with every milestone it has reached by now.  Counting
by one date keeps a stable cohort: every rate's numerator is a subset of its
denominator, so no rate can pass 100 %.  Counting closures by ``closed_at``
would divide March's closures (of February's cases, too) by March's filings.
The price: the rates of a recent period are provisional until its cases are
closed; evaluate a month once its cases have had their time.

Counts (one aggregate each; ``None`` means "not measured by this grouping")
-----------------------------------------------------------------------
cases              cases in the group (上报数; for an intake operator 受理数)
decided            cases whose validity has been decided (valid_report set)
valid              valid reports (有效上报数): verified, or filed
filed              cases filed (立案数)
filed_on_time      filed within the filing step's limit
filed_kept         filed and neither voided nor merged afterwards: filings
                   that stood (a filed case voided or merged later was a
                   filing mistake or a duplicate)
dispatched         dispatched at least once (派遣数)
dispatched_on_time the (last) dispatch was within its step limit
dispatch_accurate  dispatched and never sent back (send_back_count = 0)
handled            reported back by the handling unit at least once
handle_due         handling was due: reported back, or still being handled
                   past its deadline (step overdue now)
handled_on_time    the (last) report-back was within the handling limit
overdue            超期案件数: reported back late, or still being handled past
                   the deadline (= handle_due − handled_on_time)
reworked           cases sent back to handling at least once (返工: check
                   failed, or reopened) — cases, not rework rounds
extended           cases with at least one approved extension (延期)
closed             closed (结案数)
closed_on_time     closed within the closing step's limit (the shift lead's
                   按时结案)
closed_in_limit    closed, with handling and closing both within their limits
                   (按期结案: the case as a whole kept its time)
missed             漏报: valid cases in the group's grids found by someone
                   else first (residents, 12345, public API, inspections)
verified / verified_on_time, checked / checked_on_time
                   on-site verifications and re-checks, and those on time
accepted_on_time   intake within its step limit — only when the case row
                   records it (``Case.accepted_on_time``), else None
callbacks / satisfied
                   12345 callbacks with a result, and those satisfied or
                   basically satisfied — when the hotline module is installed

Rates (a numerator over a denominator, in [0, 1])
-------------------------------------------------
When the denominator is 0 (or a count is not measured) the rate is None:
"nothing to judge" is neither 0 % nor 100 %.  A None item is left out of the
weighted score and the remaining weights are renormalised to their sum; a
row with no measurable item has no score and no grade.  See ``RATES``.

Scores and grades
-----------------
score = 100 × Σ wᵢ·vᵢ / Σ wᵢ over the items i whose value vᵢ is not None,
rounded to 2 decimals; the grade is read from the rounded score (so the
score shown and the grade agree): A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E.

Items are rates, "… free" rates (1 − a bad rate: ``not_missed_rate``,
``rework_free_rate``, ``extension_free_rate``) and ``count_score``: the
group's volume (see ``COUNT_OF``) divided by the largest volume in the same
ranking, so the busiest row scores 1 and an idle one 0; None when every row
has 0.  A count score therefore depends on who else is ranked: the same
unit can score differently against a different field.

Default weights (``DEFAULT_WEIGHTS``) follow domain/cases.md for the posts.
For regions, which the sources leave open, the score uses rates only: the
number of cases of a region says as much about how many problems it has (or
how hard its inspectors look) as about how well they are handled, so volume
is shown, never scored.  Region = on-time handling 30 + closing rate 20 +
closed within the limit 20 + (1 − rework rate) 15 + 12345 satisfaction 15.
Departments default to the handling-unit weights.  Every weight set can be
replaced per post type (``EvaluationWeights`` in the admin).

Groupings
---------
region      by the case's district/street/community/grid code (the codes
            stored on the case at report time)
department  by the handling unit the case is assigned to, rolled up to the
            unit just below the root of the organisation tree (a contractor
            under 城管局 counts for 城管局; a community under its street for
            the street).  Cases not (or no longer) assigned count nowhere.
post        per person and per handling unit, each post type ranked on its own:
            inspector   reports by reporter (source = inspector); missed
                        reports, verifications and checks by the inspector
                        of the grid's responsibility grid — the case row
                        does not record who verified or checked
            intake      by intake_by (受理员)
            shift_lead  by filed_by; closing too, since the case row does not
                        record who closed (uses ``closed_by`` once it does)
            dispatcher  by dispatched_by (the last dispatch)
            unit        by assigned_unit, one row per unit
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import Count, F, IntegerField, Q, When
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.accounts.roles import Role

from .lifecycle import State

TZ = ZoneInfo("Asia/Shanghai")

BY_VALUES = ("region", "department", "post")
LEVELS = ("district", "street", "community", "grid")
LEVEL_FIELD = {
    "district": "district_code",
    "street": "street_code",
    "community": "community_code",
    "grid": "grid_code",
}
POSTS = ("inspector", "intake", "shift_lead", "dispatcher", "unit")
WEIGHT_POSTS = ("region", "department", *POSTS)

# Sources whose valid cases count as problems an inspector missed: someone
# else found them first.  Sensors and "other" feeds are not patrols.
MISSED_SOURCES = ("resident", "hotline", "public_api", "inspection")

GRADES = (("A", 90.0), ("B", 75.0), ("C", 60.0), ("D", 40.0))
# Shenzhen DB4403/T 32-2019 colours the grades; these are the usual
# traffic-light steps, readable by colour-blind users through the letter.
GRADE_COLOURS = {"A": "#1a7f37", "B": "#7cb342", "C": "#f2c200", "D": "#f08c00", "E": "#d93025"}


class EvaluationError(ValueError):
    """Bad evaluation parameters: the message says which and why."""


class WeightsError(ValueError):
    """A weight set that cannot be used."""


# --- pure: counts, rates, scores, grades -----------------------------------------


@dataclass
class Counts:
    """Counts of one group; None = not measured by its grouping (see the module docstring)."""

    cases: int | None = None
    decided: int | None = None
    valid: int | None = None
    filed: int | None = None
    filed_on_time: int | None = None
    filed_kept: int | None = None
    dispatched: int | None = None
    dispatched_on_time: int | None = None
    dispatch_accurate: int | None = None
    handled: int | None = None
    handle_due: int | None = None
    handled_on_time: int | None = None
    overdue: int | None = None
    reworked: int | None = None
    extended: int | None = None
    closed: int | None = None
    closed_on_time: int | None = None
    closed_in_limit: int | None = None
    missed: int | None = None
    verified: int | None = None
    verified_on_time: int | None = None
    checked: int | None = None
    checked_on_time: int | None = None
    accepted_on_time: int | None = None
    callbacks: int | None = None
    satisfied: int | None = None

    def __add__(self, other: Counts) -> Counts:
        out = Counts()
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            setattr(out, f.name, None if a is None and b is None else (a or 0) + (b or 0))
        return out

    def as_dict(self) -> dict[str, int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


COUNT_NAMES = tuple(f.name for f in fields(Counts))

# rate → (numerator, denominator).  Special: missed_rate = missed / (missed + valid).
RATES: dict[str, tuple[str, str]] = {
    "valid_report_rate": ("valid", "decided"),  # 有效上报率: undecided reports are not judged yet
    "filed_on_time_rate": ("filed_on_time", "filed"),  # 按时立案率
    "filing_accuracy_rate": ("filed_kept", "filed"),  # 立案准确率
    "dispatched_on_time_rate": ("dispatched_on_time", "dispatched"),  # 按时派遣率
    "dispatch_accuracy_rate": ("dispatch_accurate", "dispatched"),  # 派遣准确率
    "handled_on_time_rate": ("handled_on_time", "handle_due"),  # 按期处置率
    "closing_rate": ("closed", "filed_kept"),  # 结案率: of the filings that stood
    "closed_on_time_rate": ("closed_on_time", "closed"),  # 按时结案率 (closing step)
    "closed_in_limit_rate": ("closed_in_limit", "closed"),  # 按期结案率 (whole case)
    "rework_rate": ("reworked", "handled"),  # 返工率
    "extension_rate": ("extended", "dispatched"),  # 延期率
    "verified_on_time_rate": ("verified_on_time", "verified"),  # 按时核实率
    "checked_on_time_rate": ("checked_on_time", "checked"),  # 按时核查率
    "verify_dispatch_on_time_rate": ("accepted_on_time", "cases"),  # 核实派遣按时率 (intake rows)
    "satisfaction_rate": ("satisfied", "callbacks"),  # 12345 满意率 (满意 + 基本满意)
    "missed_rate": ("missed", "missed+valid"),  # 漏报率
}
# "check dispatch on time" (核查派遣按时率) has no source here: the check task
# goes to the inspector automatically when the unit reports back, so there is
# no manual step to time.  It stays None, and its weight is renormalised away.
UNMEASURED_ITEMS = frozenset({"check_dispatch_on_time_rate"})
INVERTED = {
    "not_missed_rate": "missed_rate",
    "rework_free_rate": "rework_rate",
    "extension_free_rate": "extension_rate",
}
ITEM_NAMES = frozenset(RATES) | frozenset(INVERTED) | UNMEASURED_ITEMS | {"count_score"}

# The volume a count score measures, per post type.
COUNT_OF = {
    "region": "filed",
    "department": "filed",
    "unit": "filed",
    "inspector": "valid",
    "intake": "cases",
    "shift_lead": "filed",
    "dispatcher": "dispatched",
}

_UNIT_WEIGHTS = {
    "count_score": 10.0,
    "closing_rate": 30.0,
    "handled_on_time_rate": 30.0,
    "rework_free_rate": 30.0,
}
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "inspector": {
        "valid_report_rate": 40.0,
        "not_missed_rate": 20.0,
        "verified_on_time_rate": 20.0,
        "checked_on_time_rate": 20.0,
    },
    "intake": {
        "count_score": 25.0,
        "verify_dispatch_on_time_rate": 40.0,
        "check_dispatch_on_time_rate": 35.0,
    },
    "shift_lead": {
        "filed_on_time_rate": 25.0,
        "filing_accuracy_rate": 40.0,
        "closed_on_time_rate": 35.0,
    },
    "dispatcher": {
        "count_score": 20.0,
        "dispatched_on_time_rate": 40.0,
        "dispatch_accuracy_rate": 40.0,
    },
    "unit": dict(_UNIT_WEIGHTS),
    "department": dict(_UNIT_WEIGHTS),
    "region": {
        "handled_on_time_rate": 30.0,
        "closing_rate": 20.0,
        "closed_in_limit_rate": 20.0,
        "rework_free_rate": 15.0,
        "satisfaction_rate": 15.0,
    },
}


def ratio(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator, or None when either is unmeasured or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def rates(c: Counts) -> dict[str, float | None]:
    """Every rate of ``RATES`` for one group's counts."""
    out: dict[str, float | None] = {}
    for name, (num, den) in RATES.items():
        if den == "missed+valid":
            total = None if c.missed is None or c.valid is None else c.missed + c.valid
            out[name] = ratio(c.missed, total)
        else:
            out[name] = ratio(getattr(c, num), getattr(c, den))
    return out


def count_scores(volumes: Sequence[int | None]) -> list[float | None]:
    """Each volume over the largest one (0..1); all None when the largest is 0 or absent."""
    top = max((v for v in volumes if v is not None), default=0)
    if not top:
        return [None] * len(volumes)
    return [None if v is None else v / top for v in volumes]


def item_value(
    item: str, rate_values: Mapping[str, float | None], count_score: float | None
) -> float | None:
    """The 0..1 value of a score item: a rate, 1 − a bad rate, or the count score."""
    if item == "count_score":
        return count_score
    if item in INVERTED:
        bad = rate_values.get(INVERTED[item])
        return None if bad is None else 1.0 - bad
    return rate_values.get(item)


def weighted_score(
    values: Mapping[str, float | None], weights: Mapping[str, float]
) -> float | None:
    """100 × Σ w·v / Σ w over the items with a value and a positive weight, to 2 decimals.

    None when no weighted item has a value.
    """
    num = den = 0.0
    for item, w in weights.items():
        v = values.get(item)
        if v is None or w <= 0:
            continue
        num += w * v
        den += w
    if den == 0:
        return None
    return round(100.0 * num / den, 2)


def grade(score: float | None) -> str | None:
    """A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below; None without a score."""
    if score is None:
        return None
    for letter, floor in GRADES:
        if score >= floor:
            return letter
    return "E"


def check_weights(post: str, weights: Any) -> dict[str, float]:
    """A clean weight set for ``post``, or WeightsError saying what is wrong."""
    if post not in WEIGHT_POSTS:
        raise WeightsError(_("Unknown post type “%(post)s”.") % {"post": post})
    if not isinstance(weights, Mapping) or not weights:
        raise WeightsError(
            _('The weights must be an object of item → number, such as {"closing_rate": 30}.')
        )
    out: dict[str, float] = {}
    for item, w in weights.items():
        if item not in ITEM_NAMES:
            raise WeightsError(
                _("Unknown item “%(item)s”. Known items: %(known)s.")
                % {"item": item, "known": ", ".join(sorted(ITEM_NAMES))}
            )
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w < 0:
            raise WeightsError(
                _("The weight of “%(item)s” must be a number of 0 or more, not %(w)r.")
                % {"item": item, "w": w}
            )
        out[item] = float(w)
    if sum(out.values()) <= 0:
        raise WeightsError(_("At least one weight must be above 0."))
    return out


@dataclass
class Row:
    """One evaluated group: a region, a department, a person or a unit in a post."""

    kind: str  # level for regions ("street"), "department", or a post type
    key: str  # division/grid code, unit id or user id
    label: str
    counts: Counts
    rates: dict[str, float | None] = field(default_factory=dict)
    items: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None
    grade: str | None = None
    rank: int | None = None

    @property
    def weight_post(self) -> str:
        return "region" if self.kind in LEVELS else self.kind

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "score": self.score,
            "grade": self.grade,
            "counts": {k: v for k, v in self.counts.as_dict().items() if v is not None},
            "rates": {k: (None if v is None else round(v, 4)) for k, v in self.rates.items()},
        }


def score_rows(rows: list[Row], weights: Mapping[str, float], count_of: str) -> list[Row]:
    """Rates, items, scores, grades and ranks of one ranking (rows of one kind), sorted by rank.

    Ranks are competition ranks (equal scores share a rank: 1, 2, 2, 4);
    rows without a score come last, unranked.  Ties list the busier row first.
    """
    volumes = [getattr(r.counts, count_of) for r in rows]
    for row, cs in zip(rows, count_scores(volumes), strict=True):
        row.rates = rates(row.counts)
        row.items = {item: item_value(item, row.rates, cs) for item in weights}
        row.score = weighted_score(row.items, weights)
        row.grade = grade(row.score)
    rows.sort(
        key=lambda r: (r.score is None, -(r.score or 0.0), -(r.counts.cases or 0), r.label, r.key)
    )
    previous: float | None = None
    for i, row in enumerate(rows, start=1):
        if row.score is None:
            row.rank = None
            continue
        row.rank = i if row.score != previous else rows[i - 2].rank
        previous = row.score
    return rows


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in Asia/Shanghai: ``last`` is inclusive."""
    if last < first:
        raise EvaluationError(
            _("The period ends (%(last)s) before it starts (%(first)s).")
            % {"first": first, "last": last}
        )
    return datetime.combine(first, time(), TZ), datetime.combine(
        last + timedelta(days=1), time(), TZ
    )


def previous_month(today: date) -> tuple[date, date]:
    """The last full calendar month before ``today`` (the usual 月度考核 period)."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


# --- display columns (shared by the page, the workbook and the text output) ---------

COLUMN_LABELS = {
    "cases": gettext_lazy("Reports"),
    "valid_report_rate": gettext_lazy("Valid report rate"),
    "filed": gettext_lazy("Filed"),
    "filed_on_time_rate": gettext_lazy("On-time filing rate"),
    "filing_accuracy_rate": gettext_lazy("Filing accuracy"),
    "dispatched": gettext_lazy("Dispatched"),
    "dispatched_on_time_rate": gettext_lazy("On-time dispatch rate"),
    "dispatch_accuracy_rate": gettext_lazy("Dispatch accuracy"),
    "handled_on_time_rate": gettext_lazy("On-time handling rate"),
    "closed": gettext_lazy("Closed"),
    "closing_rate": gettext_lazy("Closing rate"),
    "closed_on_time_rate": gettext_lazy("On-time closure rate"),
    "closed_in_limit_rate": gettext_lazy("Closed within the time limit"),
    "rework_rate": gettext_lazy("Rework rate"),
    "extension_rate": gettext_lazy("Extension rate"),
    "overdue": gettext_lazy("Overdue cases"),
    "satisfaction_rate": gettext_lazy("Hotline satisfaction"),
    "missed": gettext_lazy("Missed reports"),
    "missed_rate": gettext_lazy("Missed report rate"),
    "verified_on_time_rate": gettext_lazy("On-time verification rate"),
    "checked_on_time_rate": gettext_lazy("On-time check rate"),
    "verify_dispatch_on_time_rate": gettext_lazy("On-time verification dispatch"),
    "received": gettext_lazy("Received"),
}
_AREA_COLUMNS = (
    "cases", "valid_report_rate", "filed", "filed_on_time_rate", "dispatch_accuracy_rate", "handled_on_time_rate",
    "closing_rate", "closed_in_limit_rate", "rework_rate", "extension_rate", "overdue", "satisfaction_rate",
)  # fmt: skip
# A unit receives filed cases only: reports and filing are not its doing.
_UNIT_COLUMNS = _AREA_COLUMNS[2:3] + _AREA_COLUMNS[4:]
COLUMNS: dict[str, tuple[str, ...]] = {
    "region": _AREA_COLUMNS,
    "department": _UNIT_COLUMNS,
    "unit": _UNIT_COLUMNS,
    "inspector": (
        "cases",
        "valid_report_rate",
        "missed",
        "missed_rate",
        "verified_on_time_rate",
        "checked_on_time_rate",
    ),
    "intake": ("received", "verify_dispatch_on_time_rate"),
    "shift_lead": (
        "filed",
        "filed_on_time_rate",
        "filing_accuracy_rate",
        "closed",
        "closed_on_time_rate",
    ),
    "dispatcher": ("dispatched", "dispatched_on_time_rate", "dispatch_accuracy_rate"),
}
KIND_LABELS = {
    "district": gettext_lazy("Districts"),
    "street": gettext_lazy("Streets and towns"),
    "community": gettext_lazy("Communities"),
    "grid": gettext_lazy("Unit grids"),
    "department": gettext_lazy("Departments"),
    "inspector": gettext_lazy("Field inspectors (监督员)"),
    "intake": gettext_lazy("Intake operators (受理员)"),
    "shift_lead": gettext_lazy("Shift leads (值班长)"),
    "dispatcher": gettext_lazy("Dispatchers (派遣员)"),
    "unit": gettext_lazy("Handling units (处置单位)"),
}


def columns_for(kind: str, *, hotline: bool = True) -> tuple[str, ...]:
    cols = COLUMNS["region" if kind in LEVELS else kind]
    return tuple(c for c in cols if hotline or c != "satisfaction_rate")


def cell(row: Row, column: str) -> tuple[str, float | int | None]:
    """("rate" | "count", value) of one column of a row."""
    if column in RATES:
        return "rate", row.rates.get(column)
    if column == "received":
        return "count", row.counts.cases
    return "count", getattr(row.counts, column)


# --- database: which queries -------------------------------------------------------


def _has_case_field(name: str) -> bool:
    from .models import Case

    try:
        Case._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def intake_timeliness_recorded() -> bool:
    """Whether case rows record whether intake kept its limit (``Case.accepted_on_time``)."""
    return _has_case_field("accepted_on_time")


def hotline_relation() -> str | None:
    """The query name from Case to the 12345 order, if the hotline module is installed.

    The hotline module (``HotlineOrder``: case one-to-one, callback_result
    satisfied / basically_satisfied / unsatisfied) is optional; without it
    the satisfaction columns are simply absent.
    """
    from django.apps import apps

    try:
        model = apps.get_model("cases", "HotlineOrder")
        return model._meta.get_field("case").related_query_name()
    except (LookupError, FieldDoesNotExist):
        return None


def _metric_filters() -> dict[str, Q | None]:
    handling_overdue = Q(state=State.HANDLING, step_overdue=True)
    gone = (State.VOIDED, State.MERGED)
    m: dict[str, Q | None] = {
        "cases": None,
        "decided": Q(valid_report__isnull=False),
        "valid": Q(valid_report=True),
        "filed": Q(filed_at__isnull=False),
        "filed_on_time": Q(filed_on_time=True),
        "filed_kept": Q(filed_at__isnull=False) & ~Q(state__in=gone),
        "dispatched": Q(dispatched_at__isnull=False),
        "dispatched_on_time": Q(dispatched_on_time=True),
        "dispatch_accurate": Q(dispatched_at__isnull=False, send_back_count=0),
        "handled": Q(handled_at__isnull=False),
        "handle_due": Q(handled_at__isnull=False) | handling_overdue,
        "handled_on_time": Q(handled_on_time=True),
        "overdue": Q(handled_on_time=False) | handling_overdue,
        "reworked": Q(rework_count__gt=0),
        "extended": Q(extension_count__gt=0),
        "closed": Q(state=State.CLOSED),
        "closed_on_time": Q(state=State.CLOSED, closed_on_time=True),
        "closed_in_limit": Q(state=State.CLOSED, closed_on_time=True, handled_on_time=True),
        "missed": Q(valid_report=True, source__in=MISSED_SOURCES),
        "verified": Q(verified_at__isnull=False),
        "verified_on_time": Q(verified_on_time=True),
        "checked": Q(checked_at__isnull=False),
        "checked_on_time": Q(checked_on_time=True),
    }
    if _has_case_field("accepted_on_time"):
        m["accepted_on_time"] = Q(accepted_on_time=True)
    return m


_AREA_METRICS = (
    "cases", "decided", "valid", "filed", "filed_on_time", "filed_kept", "dispatched", "dispatched_on_time",
    "dispatch_accurate", "handled", "handle_due", "handled_on_time", "overdue", "reworked", "extended", "closed",
    "closed_on_time", "closed_in_limit",
)  # fmt: skip


def _aggregate(qs, group: str | tuple[str, ...], metrics: Iterable[str]) -> dict[Any, Counts]:
    """One GROUP BY query: ``metrics`` counted per value of ``group`` (a tuple: per combination)."""
    filters = _metric_filters()
    keys = (group,) if isinstance(group, str) else group
    # Annotation names must not clash with Case fields (filed_on_time, …).
    aggs = {f"n_{m}": Count("pk", filter=filters[m]) for m in metrics if m in filters}
    out: dict[Any, Counts] = {}
    # order_by() drops Case's default ordering, which would join the GROUP BY.
    for rec in qs.values(*keys).annotate(**aggs).order_by():
        c = Counts()
        for name, value in rec.items():
            if name.startswith("n_"):
                setattr(c, name[2:], value)
        out[rec[group] if isinstance(group, str) else tuple(rec[k] for k in keys)] = c
    return out


@dataclass(frozen=True)
class _Period:
    start: datetime
    end: datetime
    unit_ids: frozenset[int] | None = None  # only cases assigned to these units

    def q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}reported_at__gte": self.start, f"{prefix}reported_at__lt": self.end})
        if self.unit_ids is not None:
            q &= Q(**{f"{prefix}assigned_unit_id__in": self.unit_ids})
        return q

    def cases(self):
        from .models import Case

        return Case.objects.filter(self.q())


def _satisfaction(period: _Period, group: str, counts: dict[Any, Counts]) -> None:
    """Add 12345 callbacks and satisfied answers to ``counts`` (grouped by the case's ``group``).

    A second, small query driven from the hotline orders: joining them into
    the big scan would cost every case a lookup, though few are 12345 orders.
    Without the hotline module the counts stay None (not measured).
    """
    from django.apps import apps

    if hotline_relation() is None:
        return
    order = apps.get_model("cases", "HotlineOrder")
    answered = ("satisfied", "basically_satisfied", "unsatisfied")
    rows = (
        order.objects.filter(period.q("case__"), callback_result__in=answered)
        .values(f"case__{group}")
        .annotate(n=Count("pk"), ok=Count("pk", filter=Q(callback_result__in=answered[:2])))
        .order_by()
    )
    got = {r[f"case__{group}"]: (r["n"], r["ok"]) for r in rows}
    for key, c in counts.items():
        c.callbacks, c.satisfied = got.get(key, (0, 0))


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise EvaluationError(_("The period must be given in aware datetimes."))
    if end <= start:
        raise EvaluationError(_("The period ends before it starts."))


def load_weights() -> dict[str, dict[str, float]]:
    """The weight set of every post type: stored rows over the defaults (one query)."""
    from .models import EvaluationWeights

    out = {k: dict(v) for k, v in DEFAULT_WEIGHTS.items()}
    for post, weights in EvaluationWeights.objects.values_list("post", "weights"):
        try:
            out[post] = check_weights(post, weights)
        except WeightsError:
            # A row edited around the admin's check: the defaults are safer
            # than a half-understood set.
            continue
    return out


def _resolve_weights(
    weights: Mapping[str, Mapping[str, float]] | None,
) -> dict[str, dict[str, float]]:
    if weights is None:
        return load_weights()
    out = {k: dict(v) for k, v in DEFAULT_WEIGHTS.items()}
    for post, w in weights.items():
        try:
            out[post] = check_weights(post, w)
        except WeightsError as exc:
            raise EvaluationError(str(exc)) from None
    return out


def _user_labels(ids: Iterable[Any]) -> dict[Any, str]:
    from zhili.accounts.models import User

    out = {}
    for pk, first, last, username in User.objects.filter(pk__in=list(ids)).values_list(
        "pk", "first_name", "last_name", "username"
    ):
        out[pk] = f"{last}{first}".strip() or username
    return out


def _units() -> dict[int, tuple[int | None, str]]:
    from zhili.accounts.models import OrgUnit

    return {
        pk: (parent, short or name)
        for pk, parent, short, name in OrgUnit.objects.values_list(
            "pk", "parent_id", "short_name", "name"
        )
    }


def top_department(unit_id: int, units: Mapping[int, tuple[int | None, str]]) -> int:
    """The ancestor of a unit just below the root of its tree (itself if it is the root or just below)."""
    node = unit_id
    seen = set()
    while True:
        parent = units.get(node, (None, ""))[0]
        if parent is None or units.get(parent, (None, ""))[0] is None or parent in seen:
            return node
        seen.add(node)
        node = parent


def evaluate(
    *,
    start: datetime,
    end: datetime,
    by: str,
    level: str = "street",
    post: str | None = None,
    weights: Mapping[str, Mapping[str, float]] | None = None,
    units: Iterable[int] | None = None,
) -> list[Row]:
    """Evaluate the cases reported in [start, end), grouped ``by`` region, department or post.

    ``level`` chooses the region level; ``post`` one post type (all five when
    None).  ``weights`` maps post types to weight sets that replace the
    stored ones; None reads them from ``EvaluationWeights``.  ``units``
    restricts the evaluation to a department's units (a department leader's
    view): regions count only cases assigned to those units, departments and
    handling units only rows of those units, and no person is listed.
    Rows come ranked within each kind.
    """
    if by not in BY_VALUES:
        raise EvaluationError(
            _("Unknown grouping “%(by)s”: use region, department or post.") % {"by": by}
        )
    if by == "region" and level not in LEVELS:
        raise EvaluationError(
            _("Unknown region level “%(level)s”: use district, street, community or grid.")
            % {"level": level}
        )
    if post is not None and post not in POSTS:
        raise EvaluationError(
            _("Unknown post type “%(post)s”: use %(posts)s.")
            % {"post": post, "posts": ", ".join(POSTS)}
        )
    _check_period(start, end)
    unit_ids = None if units is None else frozenset(int(u) for u in units)
    weight_sets = _resolve_weights(weights)
    with _analytic_session():
        return _evaluate(start, end, by, level, post, weight_sets, unit_ids)


@contextmanager
def _analytic_session() -> Iterator[None]:
    """PostgreSQL settings for these scans, for this transaction only.

    No JIT: a scan of a million cases costs ~100,000 planner units, just
    past jit_above_cost, and compiling its expressions in each parallel
    worker took longer (0.2-1 s measured) than the whole scan without it.
    More work_mem: the inspectors' grid × reporter grouping is estimated at
    tens of thousands of groups, and within the default 4 MB the planner
    sorted the million rows on disk instead of hashing them (1.2 s → 0.4 s).
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    # Joins a surrounding transaction (no savepoint): the settings then last
    # until it ends, which is harmless for a read-only page.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")
        yield


def _evaluate(
    start: datetime,
    end: datetime,
    by: str,
    level: str,
    post: str | None,
    weight_sets: dict[str, dict[str, float]],
    unit_ids: frozenset[int] | None,
) -> list[Row]:
    everything = _Period(start, end)

    if by == "region":
        return _evaluate_region(_Period(start, end, unit_ids), level, weight_sets["region"])
    if by == "department":
        return _evaluate_units(
            everything, weight_sets["department"], roll_up=True, unit_ids=unit_ids
        )
    out: list[Row] = []
    for p in (post,) if post else POSTS:
        if unit_ids is not None and p != "unit":
            continue
        if p == "unit":
            out += _evaluate_units(
                everything, weight_sets["unit"], roll_up=False, unit_ids=unit_ids
            )
        elif p == "inspector":
            out += _evaluate_inspectors(everything.cases(), weight_sets["inspector"])
        else:
            out += _evaluate_people(everything.cases(), p, weight_sets[p])
    return out


def _evaluate_region(period: _Period, level: str, weights: Mapping[str, float]) -> list[Row]:
    from zhili.places.models import UnitGrid
    from zhili.places.services import division_names

    group = LEVEL_FIELD[level]
    counts = _aggregate(period.cases().exclude(**{group: ""}), group, _AREA_METRICS)
    _satisfaction(period, group, counts)
    if level == "grid":
        names = dict(
            UnitGrid.objects.current()
            .filter(code__in=list(counts))
            .exclude(name="")
            .values_list("code", "name")
        )
    else:
        names = division_names(list(counts))
    rows = [Row(level, code, names.get(code) or code, c) for code, c in counts.items()]
    return score_rows(rows, weights, COUNT_OF["region"])


def _evaluate_units(
    period: _Period, weights: Mapping[str, float], *, roll_up: bool, unit_ids: frozenset[int] | None
) -> list[Row]:
    per_unit = _aggregate(
        period.cases().filter(assigned_unit__isnull=False), "assigned_unit", _AREA_METRICS
    )
    _satisfaction(period, "assigned_unit", per_unit)
    units = _units()
    grouped: dict[int, Counts] = {}
    for unit_id, c in per_unit.items():
        key = top_department(unit_id, units) if roll_up else unit_id
        grouped[key] = grouped[key] + c if key in grouped else c
    kind = "department" if roll_up else "unit"
    rows = [Row(kind, str(k), units.get(k, (None, str(k)))[1], c) for k, c in grouped.items()]
    # Scored against every unit, then filtered: a department leader sees the
    # same score the office sees.
    rows = score_rows(rows, weights, COUNT_OF[kind])
    if unit_ids is not None:
        rows = [r for r in rows if int(r.key) in unit_ids]
    return rows


_PEOPLE = {
    # post → (group field, the metrics counted per person)
    "intake": ("intake_by", ("cases", "accepted_on_time")),
    "shift_lead": (
        "filed_by",
        ("filed", "filed_on_time", "filed_kept", "closed", "closed_on_time"),
    ),
    "dispatcher": ("dispatched_by", ("dispatched", "dispatched_on_time", "dispatch_accurate")),
}


def _evaluate_people(qs, post: str, weights: Mapping[str, float]) -> list[Row]:
    group, metrics = _PEOPLE[post]
    if post == "shift_lead" and _has_case_field("closed_by"):
        counts = _aggregate(
            qs.filter(filed_by__isnull=False), group, ("filed", "filed_on_time", "filed_kept")
        )
        closing = _aggregate(
            qs.filter(closed_by__isnull=False), "closed_by", ("closed", "closed_on_time")
        )
        for k, c in closing.items():
            counts[k] = counts[k] + c if k in counts else c
    else:
        counts = _aggregate(qs.filter(**{f"{group}__isnull": False}), group, metrics)
    labels = _user_labels(counts)
    rows = [Row(post, str(k), labels.get(k, str(k)), c) for k, c in counts.items()]
    return score_rows(rows, weights, COUNT_OF[post])


def _evaluate_inspectors(qs, weights: Mapping[str, float]) -> list[Row]:
    from zhili.places.models import ResponsibilityGridMember

    # One scan for both halves: grouped by grid and by the reporter of
    # inspector reports (NULL for other sources) — a few rows per grid.
    own_reporter = DbCase(
        When(source="inspector", then=F("reporter_id")), default=None, output_field=IntegerField()
    )
    both = _aggregate(
        qs.annotate(own=own_reporter),
        ("grid_code", "own"),
        (
            "cases",
            "decided",
            "valid",
            "missed",
            "verified",
            "verified_on_time",
            "checked",
            "checked_on_time",
        ),
    )
    own: dict[Any, Counts] = {}
    per_grid: dict[Any, Counts] = {}
    for (grid_code, who), c in both.items():
        if who is not None:
            mine = Counts(cases=c.cases, decided=c.decided, valid=c.valid)
            own[who] = own[who] + mine if who in own else mine
        if grid_code:
            theirs = Counts(
                missed=c.missed, verified=c.verified, verified_on_time=c.verified_on_time,
                checked=c.checked, checked_on_time=c.checked_on_time,
            )  # fmt: skip
            per_grid[grid_code] = per_grid[grid_code] + theirs if grid_code in per_grid else theirs
    inspector_of = dict(
        ResponsibilityGridMember.objects.filter(
            grid_code__in=list(per_grid),
            responsibility_grid__inspector__isnull=False,
            responsibility_grid__active=True,
        ).values_list("grid_code", "responsibility_grid__inspector_id")
    )
    counts: dict[Any, Counts] = {}
    for code, c in per_grid.items():
        who = inspector_of.get(code)
        if who is not None:
            counts[who] = counts[who] + c if who in counts else c
    for who, c in own.items():
        counts[who] = counts[who] + c if who in counts else c
    for c in counts.values():
        # An inspector with reports but no responsibility grid has missed
        # nothing and one with a grid but no reports has 0 valid reports.
        for name in (
            "cases",
            "decided",
            "valid",
            "missed",
            "verified",
            "verified_on_time",
            "checked",
            "checked_on_time",
        ):
            if getattr(c, name) is None:
                setattr(c, name, 0)
    labels = _user_labels(counts)
    rows = [Row("inspector", str(k), labels.get(k, str(k)), c) for k, c in counts.items()]
    return score_rows(rows, weights, COUNT_OF["inspector"])


def by_kind(rows: Iterable[Row]) -> dict[str, list[Row]]:
    """Rows split into their rankings, in the order they came."""
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(r.kind, []).append(r)
    return out


# --- who may see it, and the one write ---------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a user may see of the evaluation: everything (unit_ids None) or one department's units."""

    unit_ids: frozenset[int] | None


def access_evaluation(user) -> Scope:
    """Leaders, office staff, shift leads and administrators see everything;
    department leaders their own units' rows; everyone else gets a 404."""
    if not (user and user.is_authenticated and user.is_active):
        raise Http404
    if user.reads_all:
        return Scope(None)
    if Role.DEPT_LEADER in user.roles and user.org_unit_id:
        return Scope(frozenset(user.org_unit.descendant_ids()))
    raise Http404


def evaluation_weights_save(*, actor, post: str, weights: Mapping[str, float]):
    """Store the weight set of a post type (replacing the defaults), with its audit entry."""
    from zhili.core.models import record

    from .models import EvaluationWeights

    try:
        clean = check_weights(post, dict(weights))
    except WeightsError as exc:
        raise EvaluationError(str(exc)) from None
    with transaction.atomic():
        row = EvaluationWeights.objects.select_for_update().filter(post=post).first()
        before = dict(row.weights) if row else None
        if row is None:
            row = EvaluationWeights(post=post)
        row.weights = clean
        row.updated_by = actor if getattr(actor, "pk", None) else None
        row.save()
        record(
            actor=actor,
            action="cases.evaluation_weights",
            obj=row,
            summary=post,
            before=before,
            after=clean,
        )
    return row


# --- output ------------------------------------------------------------------------


def to_xlsx(sections: Sequence[tuple[str, list[Row]]], *, title: str, hotline: bool) -> bytes:
    """A workbook: one sheet per ranking (kind), rates as percentages, grades coloured."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for kind, rows in sections:
        ws = wb.create_sheet(str(KIND_LABELS.get(kind, kind))[:31])
        cols = columns_for(kind, hotline=hotline)
        ws.append([title])
        ws["A1"].font = Font(bold=True)
        header = [
            _("Rank"),
            _("Code"),
            _("Name"),
            _("Score"),
            _("Grade"),
            *[str(COLUMN_LABELS[c]) for c in cols],
        ]
        ws.append(header)
        for c in ws[2]:
            c.font = Font(bold=True)
        for r in rows:
            values: list[Any] = [r.rank, r.key, r.label, r.score, r.grade or ""]
            values += [cell(r, col)[1] for col in cols]
            ws.append(values)
            line = ws.max_row
            for j, col in enumerate(cols, start=6):
                if col in RATES:
                    ws.cell(line, j).number_format = "0.0%"
            if r.grade:
                g = ws.cell(line, 5)
                g.fill = PatternFill("solid", fgColor=GRADE_COLOURS[r.grade].lstrip("#"))
                g.font = Font(bold=True, color="FFFFFF" if r.grade in ("A", "E") else "000000")
        for j, width in enumerate([6, 18, 24, 8, 6] + [12] * len(cols), start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = "F3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def format_value(kind: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{100 * value:.1f}%"
    return f"{value:,}" if isinstance(value, int) else f"{value:.2f}"
