"""Synthetic case volume: a million plausible cases in a few minutes.

For benchmarks and demos only.  The cases are generated column by column
with NumPy (no per-case Python logic) and written straight into the case
table — COPY on PostgreSQL, ``executemany`` in large transactions on SQLite —
bypassing the action functions on purpose: a million ``case_report`` calls
would take hours, and the point is volume for evaluation and lists.  So:

* no ``CaseEvent`` timeline and no audit entry per case (the rows carry the
  milestones evaluation reads; a synthetic case's page shows no history);
* case numbers are "S" + 9 digits, a sequence continued from the highest
  existing one.  Real numbers are 13 digits starting with the year, so the
  two never collide, and ``number LIKE 'S%'`` finds every synthetic case;
* descriptions end in （合成） so nobody mistakes them for real reports.

What is realistic about them: points uniform inside the unit grids (by
triangulating each grid), more cases in busier communities; the source mix
of a typical centre; categories of the default catalogue with a few
dominating; handling units by category (the demo's departments and
contractors, streets for "other"); people of the demo's posts; the
lifecycle run to ``now``: a case's state is the first step it has not
reached by then, and its milestones and on-time flags are exactly those of
the steps before — so an open case's clock and overdue flag agree with its
step.  Each person, unit and community has its own punctuality, so rankings
and the colour map show differences.

What is rough: step limits are wall-clock approximations of the working-time
limits (no holidays, no office hours), so on-time flags are plausible, not
what the working calendar would say to the minute.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

TZ = ZoneInfo("Asia/Shanghai")
NUMBER_PREFIX = "S"
NUMBER_DIGITS = 9
SYNTHETIC_MARK = "（合成）"
NEVER = np.iinfo(np.int64).max // 4  # a time after every other, still safe to add to
MIN, HOUR, DAY = 60, 3600, 86400

SOURCES = np.array(
    ["inspector", "resident", "hotline", "public_api", "inspection", "sensor"], dtype=object
)
SOURCE_P = np.array([0.70, 0.08, 0.14, 0.03, 0.03, 0.02])

# Wall-clock stand-ins for the default step limits (clocks.DEFAULT_STEP_LIMITS).
LIMITS = {
    "intake": 30 * MIN,
    "verify": 2 * HOUR,
    "file": 30 * MIN,
    "dispatch": 30 * MIN,
    "check": 2 * HOUR,
    "close": HOUR,
}
HANDLE_LIMITS = np.array([2 * HOUR, 4 * HOUR, DAY, 3 * DAY, 5 * DAY])
HANDLE_LIMIT_P = np.array([0.1, 0.3, 0.3, 0.2, 0.1])

# Handling units of the demo district by catalogue major code: which
# department or contractor a problem of that kind goes to.  "STREET" is the
# street office of the case's street.
DEMO_UNITS_BY_MAJOR = {
    "01": ("DEMO-SZGS", "DEMO-PSGS", "DEMO-ZJJ"),  # 市政公用
    "02": ("DEMO-JTJ",),  # 交通
    "03": ("DEMO-HWGS",),  # 市容环卫
    "04": ("DEMO-YLGS",),  # 园林绿化
    "05": ("STREET",),  # 其他设施
    "06": ("DEMO-HWGS", "DEMO-CGJ"),  # 市容环境
    "07": ("DEMO-CGJ",),  # 宣传广告
    "08": ("DEMO-ZJJ",),  # 施工管理
    "09": ("DEMO-CGJ", "STREET"),  # 街面秩序
    "10": ("STREET",),  # 其他事项
}


class SyntheticError(RuntimeError):
    """What is missing before synthetic cases can be generated."""


@dataclass(frozen=True)
class Context:
    """What the generator draws from: the places, catalogue, units and people of the installation."""

    grid_codes: np.ndarray  # object (n_grids,)
    grid_polygons: Sequence[Any]  # shapely polygons
    grid_density: np.ndarray  # float: relative cases per m² of each grid
    category_ids: np.ndarray  # int64
    category_name: np.ndarray  # object
    category_units: list[np.ndarray]  # per category: candidate unit ids (−1 = street office)
    street_units: dict[str, int]
    fallback_units: np.ndarray  # int64
    people: dict[str, np.ndarray]  # role → user ids
    grid_inspector: dict[str, int]


def _triangles(polygons: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triangles tiling the polygons: vertices (n, 3, 2), owning polygon, area (planar, degrees²)."""
    import shapely

    tris = shapely.constrained_delaunay_triangles(np.asarray(polygons, dtype=object))
    parts, owner = shapely.get_parts(tris, return_index=True)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(parts)).reshape(len(parts), 4, 2)[
        :, :3, :
    ]
    a, b, c = coords[:, 0], coords[:, 1], coords[:, 2]
    area = 0.5 * np.abs(
        (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    )
    return coords, owner, area


def _points(
    rng: np.random.Generator, ctx: Context, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points uniform inside the grids (denser where ``grid_density`` is higher)."""
    coords, owner, area = _triangles(ctx.grid_polygons)
    w = area * ctx.grid_density[owner]
    pick = rng.choice(len(w), size=n, p=w / w.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1
    r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
    a, b, c = coords[pick, 0], coords[pick, 1], coords[pick, 2]
    p = a + r1[:, None] * (b - a) + r2[:, None] * (c - a)
    return np.round(p[:, 0], 7), np.round(p[:, 1], 7), owner[pick]


def _on_time_durations(
    rng: np.random.Generator, limit: np.ndarray | int, on_time: np.ndarray
) -> np.ndarray:
    """Durations consistent with the flags: within the limit when on time, past it otherwise."""
    n = len(on_time)
    limit = np.broadcast_to(np.asarray(limit, dtype=np.int64), (n,))
    inside = (limit * rng.uniform(0.1, 0.95, n)).astype(np.int64)
    late = (limit * (1.05 + rng.exponential(0.6, n))).astype(np.int64)
    return np.where(on_time, inside, late)


def _quality(
    rng: np.random.Generator, ids: np.ndarray, base: float, spread: float
) -> dict[int, float]:
    return {int(i): float(np.clip(base + rng.normal(0, spread), 0.3, 0.995)) for i in ids}


def _pick(rng: np.random.Generator, ids: np.ndarray, n: int) -> np.ndarray:
    if len(ids) == 0:
        return np.full(n, -1, dtype=np.int64)
    return ids[rng.integers(0, len(ids), n)]


def _p_of(actor: np.ndarray, quality: dict[int, float], default: float) -> np.ndarray:
    keys = np.array(sorted(quality), dtype=np.int64)
    if not len(keys):
        return np.full(len(actor), default)
    vals = np.array([quality[int(k)] for k in keys])
    pos = np.clip(np.searchsorted(keys, actor), 0, len(keys) - 1)
    return np.where(keys[pos] == actor, vals[pos], default)


def synthesise(
    n: int, seed: int, *, start: datetime, end: datetime, now: datetime, ctx: Context
) -> dict[str, np.ndarray]:
    """Columns of ``n`` synthetic cases reported in [start, end), their lifecycle run up to ``now``.

    Pure apart from the point → grid lookup (``locate_many``).  Times are
    int64 seconds since the epoch; −1 marks "not reached" (NULL), and ids
    −1 mean NULL.  Deterministic for a seed, context and ``now``.
    """
    from zhili.places.services import locate_many

    if n <= 0:
        raise SyntheticError("n must be positive")
    rng = np.random.default_rng(seed)
    t_start, t_end, t_now = int(start.timestamp()), int(end.timestamp()), int(now.timestamp())

    # --- where and when --------------------------------------------------------
    lon, lat, grid_idx = _points(rng, ctx, n)
    hit = locate_many(lon, lat)
    grid = hit["grid"].astype(object)
    # Points on a grid edge may resolve to the neighbour: the lookup is the
    # truth.  None fall outside every grid (they are inside one by
    # construction), but never store a case without its grid.
    outside = grid == ""
    if outside.any():
        grid[outside] = ctx.grid_codes[grid_idx[outside]]
    community = (
        np.array([g[:12] for g in grid], dtype=object)
        if outside.any()
        else hit["community"].astype(object)
    )
    street = (
        np.array([g[:9] for g in grid], dtype=object)
        if outside.any()
        else hit["street"].astype(object)
    )
    district = (
        np.array([g[:6] for g in grid], dtype=object)
        if outside.any()
        else hit["district"].astype(object)
    )

    days = max(1, (t_end - t_start) // DAY)
    day = rng.integers(0, days, n)
    # Most reports come in office hours, a few at any time.
    office = rng.random(n) < 0.88
    tod = np.where(office, rng.integers(8 * HOUR, 18 * HOUR, n), rng.integers(0, DAY, n))
    # ``start`` is a local midnight; China keeps no daylight saving time.
    t_rep = t_start + day * DAY + tod
    t_rep = np.minimum(t_rep, t_end - 1)

    # --- what --------------------------------------------------------------------
    source = SOURCES[rng.choice(len(SOURCES), size=n, p=SOURCE_P)]
    n_cat = len(ctx.category_ids)
    zipf = 1.0 / np.arange(1, n_cat + 1) ** 0.9
    cat_order = rng.permutation(n_cat)
    cat = cat_order[rng.choice(n_cat, size=n, p=zipf / zipf.sum())]
    cat_handle_limit = HANDLE_LIMITS[rng.choice(len(HANDLE_LIMITS), size=n_cat, p=HANDLE_LIMIT_P)]
    handle_limit = cat_handle_limit[cat]

    # Handling unit: one of the category's units, the street office for −1.
    unit = np.empty(n, dtype=np.int64)
    r = rng.random(n)
    for k in range(n_cat):
        sel = np.flatnonzero(cat == k)
        if not len(sel):
            continue
        cands = ctx.category_units[k]
        unit[sel] = cands[(r[sel] * len(cands)).astype(int)]
    street_office = unit == -1
    if street_office.any():
        fb = _pick(rng, ctx.fallback_units, int(street_office.sum()))
        unit[street_office] = [
            ctx.street_units.get(s, f) for s, f in zip(street[street_office], fb, strict=True)
        ]
    wrong_unit = _pick(rng, ctx.fallback_units, n)

    # --- who ---------------------------------------------------------------------
    people = ctx.people
    inspectors = people.get("inspector", np.array([], dtype=np.int64))
    own = np.array([ctx.grid_inspector.get(g, -1) for g in grid], dtype=np.int64)
    reporter = np.where(own >= 0, own, _pick(rng, inspectors, n))
    reporter = np.where(rng.random(n) < 0.2, _pick(rng, inspectors, n), reporter)
    residents = _pick(rng, people.get("resident", np.array([], dtype=np.int64)), n)
    is_insp = source == "inspector"
    reporter = np.where(
        is_insp, reporter, np.where(np.isin(source, ("resident", "public_api")), residents, -1)
    )
    intake_by = _pick(rng, people.get("intake", np.array([], dtype=np.int64)), n)
    leads = people.get("shift_lead", np.array([], dtype=np.int64))
    filed_by = _pick(rng, leads, n)
    dispatched_by = _pick(rng, people.get("dispatcher", np.array([], dtype=np.int64)), n)

    q_people = _quality(
        rng, np.concatenate([v for v in people.values()] or [np.array([], np.int64)]), 0.93, 0.04
    )
    q_unit = _quality(rng, np.unique(np.concatenate([unit, ctx.fallback_units])), 0.84, 0.07)
    communities = np.unique(community)
    # Communities differ (old town lanes, new estates, villages): the colour
    # map should show it.
    q_comm = dict(zip(communities, rng.normal(0, 0.09, len(communities)), strict=True))
    comm_effect = np.array([q_comm[c] for c in community])

    # --- the lifecycle as planned, then cut at now ---------------------------------
    def bern(p: np.ndarray | float) -> np.ndarray:
        return rng.random(n) < p

    needs_verify = ~is_insp
    t_acc = t_rep + rng.exponential(20 * MIN, n).astype(np.int64) + 60
    ver_ok = bern(_p_of(reporter, q_people, 0.9))  # the grid inspector verifies
    t_ver = np.where(needs_verify, t_acc + _on_time_durations(rng, LIMITS["verify"], ver_ok), NEVER)
    confirmed = ~needs_verify | bern(0.85)
    fate = rng.random(n)
    declined = confirmed & (fate < 0.03)
    voided = confirmed & (fate >= 0.03) & (fate < 0.035)
    # Merged cases point at an earlier case of the same grid; without one
    # the duplicate is filed like any other.
    order = np.lexsort((t_rep, grid))
    prev = np.full(n, -1, dtype=np.int64)
    same = grid[order[1:]] == grid[order[:-1]]
    prev[order[1:][same]] = order[:-1][same]
    merged = confirmed & (fate >= 0.035) & (fate < 0.055) & (prev >= 0)
    filed = confirmed & ~declined & ~voided & ~merged
    file_ok = bern(_p_of(filed_by, q_people, 0.95))
    t_filestage = np.where(needs_verify, t_ver, t_acc) + _on_time_durations(
        rng, LIMITS["file"], file_ok
    )
    t_fil = np.where(filed, t_filestage, NEVER)

    # A few filings do not stand: voided before dispatch (wrong filing),
    # more often under a less careful shift lead.
    void_late = filed & (rng.random(n) < (1.0 - _p_of(filed_by, q_people, 0.95)) * 0.3)
    t_void = np.where(void_late, t_fil + rng.integers(10 * MIN, 4 * HOUR, n), NEVER)
    dis1_ok = bern(_p_of(dispatched_by, q_people, 0.93))
    t_dis1 = np.where(
        void_late, NEVER, t_fil + _on_time_durations(rng, LIMITS["dispatch"], dis1_ok)
    )
    sent_back = filed & ~void_late & bern(0.04)
    t_back = np.where(sent_back, t_dis1 + rng.integers(HOUR, 8 * HOUR, n), NEVER)
    dis2_ok = bern(_p_of(dispatched_by, q_people, 0.93))
    t_dis = np.where(
        sent_back, t_back + _on_time_durations(rng, LIMITS["dispatch"], dis2_ok), t_dis1
    )
    dis_ok_final = np.where(sent_back, dis2_ok, dis1_ok)

    parked = filed & ~void_late & bern(0.004)
    t_park = np.where(parked, t_dis + rng.integers(DAY, 10 * DAY, n), NEVER)
    extended = filed & ~parked & bern(0.04)
    limit_h = np.where(extended, handle_limit * 3 // 2, handle_limit)
    p_handle = np.clip(_p_of(unit, q_unit, 0.84) + comm_effect, 0.2, 0.995)
    h1_ok = bern(p_handle)
    t_h1 = np.where(filed & ~parked, t_dis + _on_time_durations(rng, limit_h, h1_ok), NEVER)
    c1_ok = bern(_p_of(reporter, q_people, 0.92))
    t_c1 = t_h1 + _on_time_durations(rng, LIMITS["check"], c1_ok)
    rework = (t_h1 < NEVER) & bern(np.clip(0.16 - p_handle / 10, 0.02, 0.2))
    h2_ok = bern(p_handle)
    t_h2 = np.where(rework, t_c1 + _on_time_durations(rng, limit_h, h2_ok), NEVER)
    c2_ok = bern(_p_of(reporter, q_people, 0.92))
    t_c2 = np.where(rework, t_h2 + _on_time_durations(rng, LIMITS["check"], c2_ok), NEVER)
    t_chk = np.where(rework, t_c2, t_c1)
    close_ok = bern(_p_of(filed_by, q_people, 0.96))
    t_clo = np.where(
        t_chk < NEVER, t_chk + _on_time_durations(rng, LIMITS["close"], close_ok), NEVER
    )

    def at(t: np.ndarray) -> np.ndarray:
        return t <= t_now

    # State: the first step not reached by now (order matters: np.select takes the first match).
    s_handling_wrong = sent_back & at(t_dis1) & ~at(t_back)
    s_back = sent_back & at(t_back) & ~at(t_dis)
    state = np.select(
        [
            ~at(t_acc),
            needs_verify & ~at(t_ver),
            ~confirmed,
            ~at(t_filestage),
            declined,
            voided,
            merged,
            void_late & at(t_void),
            ~at(t_dis1),
            s_handling_wrong,
            s_back,
            parked & at(t_park),
            ~at(t_h1),
            ~at(t_c1),
            rework & ~at(t_h2),
            rework & ~at(t_c2),
            ~at(t_clo),
        ],
        ["reported", "verifying", "not_filed", "to_file", "not_filed", "voided", "merged", "voided", "to_dispatch",
         "handling", "to_dispatch", "parked", "handling", "to_check", "handling", "to_check", "to_close"],
        default="closed",
    ).astype(object)  # fmt: skip

    def upto(t: np.ndarray) -> np.ndarray:
        return np.where(at(t) & (t < NEVER), t, -1)

    accepted_at = upto(t_acc)
    verified_at = np.where(needs_verify, upto(t_ver), -1)
    filed_at = np.where(filed, upto(t_fil), -1)
    dispatched_at = np.where(at(t_dis) & (t_dis < NEVER), t_dis, upto(t_dis1))
    dispatched_at = np.where(filed, dispatched_at, -1)
    dispatched_on_time = np.where(at(t_dis) & (t_dis < NEVER), dis_ok_final, dis1_ok)
    handled_at = np.where(at(t_h2) & (t_h2 < NEVER), t_h2, upto(t_h1))
    handled_on_time = np.where(at(t_h2) & (t_h2 < NEVER), h2_ok, h1_ok)
    checked_at = np.where(at(t_c2) & (t_c2 < NEVER), t_c2, upto(t_c1))
    checked_on_time = np.where(at(t_c2) & (t_c2 < NEVER), c2_ok, c1_ok)
    closed_at = upto(t_clo)
    assigned = np.where(at(t_dis) & filed, unit, np.where(s_handling_wrong, wrong_unit, -1))

    # The clock of the current step.
    step_start = np.select(
        [state == "reported", state == "verifying", state == "to_file", state == "to_dispatch",
         (state == "handling") & rework & at(t_c1), (state == "handling") & s_handling_wrong, state == "handling",
         state == "to_check", state == "to_close"],
        [t_rep, t_acc, np.where(needs_verify, t_ver, t_acc), np.where(s_back, t_back, t_fil),
         t_c1, t_dis1, t_dis, handled_at, checked_at],
        default=-1,
    )  # fmt: skip
    step_limit = np.select(
        [state == "reported", state == "verifying", state == "to_file", state == "to_dispatch",
         state == "handling", state == "to_check", state == "to_close"],
        [LIMITS["intake"], LIMITS["verify"], LIMITS["file"], LIMITS["dispatch"], limit_h, LIMITS["check"], LIMITS["close"]],
        default=0,
    )  # fmt: skip
    step = np.select(
        [
            state == s
            for s in (
                "reported",
                "verifying",
                "to_file",
                "to_dispatch",
                "handling",
                "to_check",
                "to_close",
            )
        ],
        ["intake", "verify", "file", "dispatch", "handle", "check", "close"],
        default="",
    ).astype(object)
    step_deadline = np.where(step_start >= 0, step_start + step_limit, -1)
    step_overdue = (step_deadline >= 0) & (step_deadline < t_now)
    handle_deadline = np.where((dispatched_at >= 0) & (assigned >= 0), dispatched_at + limit_h, -1)

    flags = {
        "verified_on_time": (verified_at >= 0, ver_ok),
        "filed_on_time": (filed_at >= 0, file_ok),
        "dispatched_on_time": (dispatched_at >= 0, dispatched_on_time),
        "handled_on_time": (handled_at >= 0, handled_on_time),
        "checked_on_time": (checked_at >= 0, checked_on_time),
        "closed_on_time": (closed_at >= 0, close_ok),
    }
    late_steps = sum((has & ~ok).astype(np.int64) for has, ok in flags.values())
    # Inspectors' reports are valid from the start; others once verified;
    # a declined filing makes the report invalid (as the actions do).
    valid = np.where(is_insp, 1, np.where(at(t_ver), confirmed.astype(np.int64), -1))
    valid = np.where(declined & at(t_filestage), 0, valid)
    versions = sum(
        (t >= 0).astype(np.int64)
        for t in (
            accepted_at,
            verified_at,
            filed_at,
            dispatched_at,
            handled_at,
            checked_at,
            closed_at,
        )
    )

    cols = {
        "source": source,
        "state": state,
        "category": ctx.category_ids[cat],
        "description": np.array(
            [f"{ctx.category_name[k]}{SYNTHETIC_MARK}" for k in range(n_cat)], dtype=object
        )[cat],
        "lon": lon,
        "lat": lat,
        "grid_code": grid,
        "community_code": community,
        "street_code": street,
        "district_code": district,
        "reporter": reporter,
        "reported_at": t_rep,
        "step": step,
        "step_started_at": step_start,
        "step_deadline": step_deadline,
        "step_overdue": step_overdue,
        "escalated_at": np.where(step_overdue, step_deadline, -1),
        "accepted_at": accepted_at,
        # Filled only if the case table has the column (see _column_values).
        "accepted_on_time": _flag(accepted_at >= 0, (t_acc - t_rep) <= LIMITS["intake"]),
        "verified_at": verified_at,
        "verified_on_time": _flag(*flags["verified_on_time"]),
        "filed_at": filed_at,
        "filed_on_time": _flag(*flags["filed_on_time"]),
        "dispatched_at": dispatched_at,
        "dispatched_on_time": _flag(*flags["dispatched_on_time"]),
        "handle_deadline": handle_deadline,
        "handled_at": handled_at,
        "handled_on_time": _flag(*flags["handled_on_time"]),
        "checked_at": checked_at,
        "checked_on_time": _flag(*flags["checked_on_time"]),
        "closed_at": closed_at,
        "closed_on_time": _flag(*flags["closed_on_time"]),
        "assigned_unit": assigned,
        "intake_by": np.where(accepted_at >= 0, intake_by, -1),
        "filed_by": np.where(filed_at >= 0, filed_by, -1),
        "dispatched_by": np.where(dispatched_at >= 0, dispatched_by, -1),
        "valid_report": valid,
        "send_back_count": (sent_back & at(t_back)).astype(np.int64),
        "rework_count": (rework & at(t_c1)).astype(np.int64),
        "extension_count": (extended & (assigned >= 0) & at(t_dis)).astype(np.int64),
        "overdue_count": late_steps + step_overdue.astype(np.int64),
        "merged_into_index": np.where(merged & at(t_filestage), prev, -1),
        "park_review_on": np.where(state == "parked", t_park + 30 * DAY, -1),
        "version": versions,
    }
    # Rows in report order, as a live system writes them: ids and numbers
    # grow with time, and a period's cases lie together on disk.
    order = np.argsort(t_rep, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    out = {k: v[order] for k, v in cols.items()}
    target = out["merged_into_index"]
    out["merged_into_index"] = np.where(target >= 0, rank[np.maximum(target, 0)], -1)
    return out


def _flag(has: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """−1 (NULL) where the step was not taken, else 1/0."""
    return np.where(has, ok.astype(np.int64), -1)


# --- the database side ------------------------------------------------------------------


def load_context() -> Context:
    """Read grids, catalogue, units and people from the database.

    Needs unit grids (the demo district, or any imported ones), a default
    catalogue (the GB/T 47678.5 one is loaded when there is none), at least
    one handling unit, and prefers the demo's departments and posts.
    """
    import shapely

    from zhili.accounts.models import OrgUnit, User
    from zhili.places.models import ResponsibilityGridMember, UnitGrid

    from .models import Catalogue, Category

    grids = list(
        UnitGrid.objects.current()
        .order_by("code")
        .values_list("code", "geom_wkb", "community_code")
    )
    if not grids:
        raise SyntheticError(
            "No unit grids: load the demo district (zhili demo) or import grids first."
        )
    polys = shapely.from_wkb([bytes(w) for _c, w, _m in grids])
    codes = np.array([c for c, _w, _m in grids], dtype=object)
    # Busier and quieter communities: a lognormal factor per community.
    comm = np.array([m for _c, _w, m in grids], dtype=object)
    uniq, inv = np.unique(comm, return_inverse=True)
    density = np.random.default_rng(7).lognormal(0, 0.6, len(uniq))[inv]

    if Catalogue.default() is None:
        from .actions_catalogue import catalogue_load_gbt

        catalogue_load_gbt(actor=None)
    cats = list(
        Category.objects.filter(catalogue=Catalogue.default(), active=True)
        .order_by("code")
        .values_list("pk", "major_code", "minor_name")
    )
    if not cats:
        raise SyntheticError("The default catalogue has no active category.")

    units = {code: pk for code, pk in OrgUnit.objects.filter(active=True).values_list("code", "pk")}
    handling = np.array(
        OrgUnit.objects.filter(active=True, kind__in=("department", "contractor", "street"))
        .order_by("code")
        .values_list("pk", flat=True),
        dtype=np.int64,
    )
    if not len(handling):
        raise SyntheticError("No handling unit (department, contractor or street office) exists.")
    street_units = dict(
        OrgUnit.objects.filter(active=True, kind="street")
        .exclude(division_code="")
        .values_list("division_code", "pk")
    )
    category_units = []
    for i, (_pk, major, _name) in enumerate(cats):
        names = DEMO_UNITS_BY_MAJOR.get(major, ())
        ids = [-1 if n == "STREET" else units[n] for n in names if n == "STREET" or n in units]
        category_units.append(
            np.array(ids, dtype=np.int64) if ids else handling[[i % len(handling)]]
        )

    people: dict[str, np.ndarray] = {}
    for role in ("inspector", "intake", "shift_lead", "dispatcher", "resident"):
        ids = (
            User.objects.filter(is_active=True, groups__name=role)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        people[role] = np.array(list(ids), dtype=np.int64)
    grid_inspector = dict(
        ResponsibilityGridMember.objects.filter(
            responsibility_grid__inspector__isnull=False
        ).values_list("grid_code", "responsibility_grid__inspector_id")
    )
    return Context(
        grid_codes=codes,
        grid_polygons=polys,
        grid_density=density,
        category_ids=np.array([c[0] for c in cats], dtype=np.int64),
        category_name=np.array([c[2] for c in cats], dtype=object),
        category_units=category_units,
        street_units=street_units,
        fallback_units=handling,
        people=people,
        grid_inspector=grid_inspector,
    )


def _next_ids() -> tuple[int, int]:
    from .models import Case

    last_id = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last = (
        Case.objects.filter(number__startswith=NUMBER_PREFIX)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    last_no = int(last[1:]) if last and last[1:].isdigit() else 0
    return last_id + 1, last_no + 1


def synthetic_case_count() -> int:
    from .models import Case

    return Case.objects.filter(number__startswith=NUMBER_PREFIX).count()


def _column_values(
    cols: dict[str, np.ndarray],
    lo: int,
    hi: int,
    *,
    first_id: int,
    first_no: int,
    now_s: int,
    vendor: str,
    db_columns: set[str],
) -> tuple[list[str], list[list]]:
    """The table's columns, as Python lists for rows lo..hi, in the order the table has them."""
    from .models import Case

    def ts(a: np.ndarray) -> list:
        a = a[lo:hi]
        text = np.datetime_as_string(np.where(a >= 0, a, 0).astype("datetime64[s]"), unit="s")
        suffix = "+00" if vendor == "postgresql" else ""
        return [
            f"{t[:10]} {t[11:]}{suffix}" if v >= 0 else None
            for t, v in zip(text.tolist(), a.tolist(), strict=True)
        ]

    def ids(a: np.ndarray) -> list:
        return [None if v < 0 else v for v in a[lo:hi].tolist()]

    def flags(a: np.ndarray) -> list:
        if vendor == "postgresql":
            return [None if v < 0 else bool(v) for v in a[lo:hi].tolist()]
        return [None if v < 0 else v for v in a[lo:hi].tolist()]

    def plain(a: np.ndarray) -> list:
        out = a[lo:hi]
        if out.dtype == bool:
            return (
                [bool(v) for v in out.tolist()]
                if vendor == "postgresql"
                else out.astype(int).tolist()
            )
        return out.tolist()

    n = hi - lo
    now_text = ts(np.full(hi, now_s, dtype=np.int64))  # ts() slices [lo:hi]
    values: dict[str, list] = {
        "id": list(range(first_id + lo, first_id + hi)),
        "number": [
            f"{NUMBER_PREFIX}{i:0{NUMBER_DIGITS}d}" for i in range(first_no + lo, first_no + hi)
        ],
        "category_id": plain(cols["category"]),
        "reporter_id": ids(cols["reporter"]),
        "assigned_unit_id": ids(cols["assigned_unit"]),
        "intake_by_id": ids(cols["intake_by"]),
        "filed_by_id": ids(cols["filed_by"]),
        "dispatched_by_id": ids(cols["dispatched_by"]),
        "merged_into_id": [
            None if v < 0 else first_id + v for v in cols["merged_into_index"][lo:hi].tolist()
        ],
        "valid_report": flags(cols["valid_report"]),
        "created_at": now_text,
        "updated_at": now_text,
        "park_review_on": [
            None if v < 0 else (datetime.fromtimestamp(v, TZ).date().isoformat())
            for v in cols["park_review_on"][lo:hi].tolist()
        ],
        "park_plan": [
            "长期整治计划" + SYNTHETIC_MARK if s == "parked" else ""
            for s in cols["state"][lo:hi].tolist()
        ],
    }
    for name in ("reported_at", "step_started_at", "step_deadline", "escalated_at", "accepted_at", "verified_at", "filed_at",
                 "dispatched_at", "handle_deadline", "handled_at", "checked_at", "closed_at"):  # fmt: skip
        values[name] = ts(cols[name])
    for name in (
        "accepted_on_time",
        "verified_on_time",
        "filed_on_time",
        "dispatched_on_time",
        "handled_on_time",
        "checked_on_time",
        "closed_on_time",
    ):
        values[name] = flags(cols[name])
    for name in ("source", "state", "description", "lon", "lat", "grid_code", "community_code", "street_code", "district_code",
                 "step", "step_overdue", "send_back_count", "rework_count", "extension_count", "overdue_count", "version"):  # fmt: skip
        values[name] = plain(cols[name])

    names: list[str] = []
    out: list[list] = []
    for f in Case._meta.concrete_fields:
        if f.column not in db_columns:
            continue  # a field whose migration is not applied yet
        names.append(f.column)
        if f.column in values:
            out.append(values[f.column])
        else:
            default = f.get_default()
            if isinstance(default, bool) and vendor != "postgresql":
                default = int(default)
            out.append([default] * n)
    return names, out


def _insert(cols: dict[str, np.ndarray], n: int, now_s: int, batch: int, log) -> None:
    from django.db import connection, transaction

    from .models import Case

    vendor = connection.vendor
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cur:
        db_columns = {
            c.name for c in connection.introspection.get_table_description(cur, Case._meta.db_table)
        }
    with transaction.atomic():
        first_id, first_no = _next_ids()
        for lo in range(0, n, batch):
            hi = min(n, lo + batch)
            names, columns = _column_values(
                cols,
                lo,
                hi,
                first_id=first_id,
                first_no=first_no,
                now_s=now_s,
                vendor=vendor,
                db_columns=db_columns,
            )
            rows = zip(*columns, strict=True)
            quoted = ", ".join(connection.ops.quote_name(c) for c in names)
            with connection.cursor() as cur:
                if vendor == "postgresql":
                    with cur.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(names))
                    cur.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", list(rows))
            if log:
                log(f"  {hi:,} / {n:,} cases written")
        if vendor == "postgresql":
            with connection.cursor() as cur:
                # Explicit ids leave the identity sequence behind: move it on.
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{Case._meta.db_table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )


def generate_cases(
    n: int,
    seed: int,
    *,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    batch: int = 50_000,
    log=None,
) -> int:
    """Generate and insert ``n`` synthetic cases reported in [start, end), run up to ``now``.

    ``now`` defaults to the earlier of ``end`` and the present.  Returns
    the number of cases written.  One transaction: all or nothing.
    """
    from django.utils import timezone

    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise SyntheticError("start and end must be aware datetimes with start < end")
    now = now or min(end, timezone.now())
    ctx = load_context()
    t0 = _time.monotonic()
    cols = synthesise(n, seed, start=start, end=end, now=now, ctx=ctx)
    if log:
        log(f"  generated {n:,} cases in {_time.monotonic() - t0:.1f} s; writing…")
    _insert(cols, n, int(now.timestamp()), batch, log)
    return n


def default_period(today: date | None = None) -> tuple[datetime, datetime]:
    """The 365 days up to today's local midnight."""
    from django.utils import timezone

    today = today or timezone.localdate()
    end = datetime.combine(today, dtime(), TZ)
    return end - timedelta(days=365), end


def load_synthetic_cases(n: int, seed: int = 2017, *, log=None) -> int:
    """For ``zhili demo --cases N``: N synthetic cases over the last 365 days on the loaded demo district."""
    from django.utils import timezone

    start, end = default_period()
    return generate_cases(n, seed, start=start, end=end, now=timezone.now(), log=log)
