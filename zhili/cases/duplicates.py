"""Duplicate suggestions: open cases of the same category, close by, reported about the same time.

Intake sees them beside a new report and may merge it (``case_merge``);
nothing is merged automatically, since two overflowing bins ten metres
apart are two cases.

:func:`nearby_candidates` is the pure part, over arrays; :func:`suggest_duplicates`
fetches the candidates with a bounding-box query (indexed columns, no GIS
extension needed) and ranks them with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
from django.db.models import Q

from .lifecycle import OPEN_STATES
from .models import DEFAULT_DUPLICATE_RADIUS_M, DEFAULT_DUPLICATE_WINDOW, Case, DuplicateRule

__all__ = ["haversine_m", "nearby_candidates", "duplicate_rule_for", "suggest_duplicates"]

# Mean Earth radius (IUGG).  Over tens of metres the sphere is off from the
# CGCS2000 ellipsoid by well under 1 %, i.e. centimetres: a radius test does
# not need a projection.
EARTH_RADIUS_M = 6_371_008.8
# Metres per degree of latitude, for the bounding box (kept generous by 1 %).
M_PER_DEG_LAT = 111_320.0


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> np.ndarray:
    """Great-circle distance in metres, broadcast over arrays."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _seconds(values: Sequence[datetime] | npt.ArrayLike) -> np.ndarray:
    """POSIX seconds of aware datetimes (or numbers passed through)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(float)
    return np.array(
        [v.timestamp() if isinstance(v, datetime) else float(v) for v in values], dtype=float
    )


def nearby_candidates(
    lon: float,
    lat: float,
    reported_at: datetime | float,
    category_id: int | None,
    cand_lon: npt.ArrayLike,
    cand_lat: npt.ArrayLike,
    cand_reported_at: Sequence[datetime] | npt.ArrayLike,
    cand_category_id: Sequence[int | None] | npt.ArrayLike,
    *,
    radius_m: float,
    window: timedelta,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the candidates within ``radius_m`` and ``window`` of the case,
    nearest first (then closest in time), and their distances in metres.

    The window is two-sided: a report may duplicate an older case or be the
    older one.  Categories must match when both are known; a case not yet
    categorised (a resident's report before intake) matches any, since it
    is exactly the one whose duplicates intake wants to see.
    Candidate categories may be ``None``/NaN for "not categorised".
    """
    x = np.asarray(cand_lon, dtype=float)
    y = np.asarray(cand_lat, dtype=float)
    if x.size == 0:
        return np.zeros(0, dtype=int), np.zeros(0)
    t = _seconds(cand_reported_at)
    t0 = reported_at.timestamp() if isinstance(reported_at, datetime) else float(reported_at)
    dist = haversine_m(lon, lat, x, y)
    dt = np.abs(t - t0)
    ok = (dist <= radius_m) & (dt <= window.total_seconds()) & np.isfinite(dist)
    if category_id is not None:
        cats = np.array(
            [np.nan if c is None else c for c in np.asarray(cand_category_id, dtype=object)],
            dtype=float,
        )
        ok &= np.isnan(cats) | (cats == category_id)
    idx = np.flatnonzero(ok)
    order = np.lexsort((dt[idx], dist[idx]))
    return idx[order], dist[idx[order]]


@dataclass(frozen=True)
class DuplicateWindow:
    radius_m: float
    window: timedelta


def duplicate_rule_for(category_id: int | None) -> DuplicateWindow:
    """The category's own rule, else the installation default row, else 50 m / 7 days."""
    rules = {
        r.category_id: r
        for r in DuplicateRule.objects.filter(Q(category__isnull=True) | Q(category_id=category_id))
    }
    rule = rules.get(category_id) if category_id is not None else None
    rule = rule or rules.get(None)
    if rule is None:
        return DuplicateWindow(float(DEFAULT_DUPLICATE_RADIUS_M), DEFAULT_DUPLICATE_WINDOW)
    return DuplicateWindow(float(rule.radius_m), rule.window)


def suggest_duplicates(
    case: Case, radius_m: float | None = None, window: timedelta | None = None, limit: int = 20
) -> list[Case]:
    """Open cases that may report the same problem as ``case``, nearest first.

    A case known only by its address (a 12345 order without coordinates)
    has no suggestions: address texts are too varied to compare blindly.
    """
    if case.lon is None or case.lat is None:
        return []
    rule = duplicate_rule_for(case.category_id)
    radius = float(radius_m if radius_m is not None else rule.radius_m)
    span = window if window is not None else rule.window
    dlat = radius / M_PER_DEG_LAT * 1.01
    dlon = dlat / max(math.cos(math.radians(case.lat)), 0.01)
    qs = Case.objects.filter(
        state__in=[s.value for s in OPEN_STATES],
        lon__range=(case.lon - dlon, case.lon + dlon),
        lat__range=(case.lat - dlat, case.lat + dlat),
        reported_at__range=(case.reported_at - span, case.reported_at + span),
    ).exclude(pk=case.pk)
    if case.category_id is not None:
        qs = qs.filter(Q(category_id=case.category_id) | Q(category__isnull=True))
    rows = list(qs.values_list("pk", "lon", "lat", "reported_at", "category_id"))
    if not rows:
        return []
    pks, lons, lats, times, cats = zip(*rows, strict=True)
    idx, _dist = nearby_candidates(
        case.lon,
        case.lat,
        case.reported_at,
        case.category_id,
        lons,
        lats,
        times,
        cats,
        radius_m=radius,
        window=span,
    )
    chosen = [pks[i] for i in idx[:limit]]
    found = Case.objects.select_related("category").in_bulk(chosen)
    return [found[pk] for pk in chosen]
