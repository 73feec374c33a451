"""Point → place lookup over the stored boundaries, with an in-process cache.

The index for a date is built once per process and reused until boundaries
change: every boundary write bumps ``BoundaryVersion``, and each lookup
compares that counter (one primary-key read) with the index's copy.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import Max, Min, Q

from zhili.core import freshness

from .models import BoundaryVersion, Division, UnitGrid

freshness.register(
    "places.boundaries",
    lambda c: "(SELECT {v} FROM {t} WHERE id = 1), (SELECT {ch} FROM {t} WHERE id = 1)".format(
        t=c.ops.quote_name(BoundaryVersion._meta.db_table),
        v=c.ops.quote_name("version"),
        ch=c.ops.quote_name("changed_at"),
    ),
    2,
)

_lock = threading.Lock()
_cache: dict[tuple[tuple[int, str], date | None], Any] = {}


@dataclass(frozen=True)
class PlaceHit:
    grid: str
    community: str
    street: str
    district: str


def boundary_version() -> tuple[int, str]:
    """The counter and the time it moved: a restored or rolled-back database
    can repeat a counter value, never both."""
    # Read on every lookup (in one statement with the other fingerprints
    # when a report holds a freshness snapshot).
    row = freshness.fingerprint("places.boundaries")
    if row[0] is None:
        return (0, "")
    changed = row[1]
    return (int(row[0]), changed.isoformat() if hasattr(changed, "isoformat") else str(changed))


_change_dates: dict[tuple[int, str], list[date]] = {}


def _epoch(at: date | None, version: tuple[int, str]) -> date | None:
    """The latest boundary change on or before ``at``: all dates between two
    changes share one index.  ``None`` means the current boundaries.

    The change dates are read once per boundary version, so resolving a
    case's date costs no query."""
    if at is None:
        return None
    dates = _change_dates.get(version)
    if dates is None:
        froms = UnitGrid.objects.values_list("valid_from", flat=True).distinct()
        tos = UnitGrid.objects.exclude(valid_to=None).values_list("valid_to", flat=True).distinct()
        dates = sorted(set(froms) | set(tos))
        _change_dates.clear()
        _change_dates[version] = dates
    i = bisect_right(dates, at)
    epoch = dates[i - 1] if i else date.min
    # On or after the last change, the date's boundaries are the current ones.
    return None if i == len(dates) else epoch


def index_for(at: date | None = None) -> Any:
    from .lookup import PlaceIndex

    version = boundary_version()
    key = (version, _epoch(at, version))
    index = _cache.get(key)
    if index is not None:
        return index
    with _lock:
        index = _cache.get(key)
        if index is None:
            rows = list(UnitGrid.objects.valid_at(at).order_by("code").values_list("code", "geom_wkb"))
            import shapely

            codes = [c for c, _w in rows]
            polys = shapely.from_wkb([bytes(w) for _c, w in rows]) if rows else []
            index = PlaceIndex.build(codes, polys)
            # Keep the current index and a few historical ones; drop stale versions.
            for old in [k for k in _cache if k[0] != version]:
                del _cache[old]
            if len(_cache) > 8:
                _cache.pop(next(iter(_cache)))
            _cache[key] = index
    return index


def locate(lon: float, lat: float, at: date | None = None) -> PlaceHit | None:
    """The unit grid, community, street and district containing a point."""
    code = index_for(at).lookup_one(float(lon), float(lat))
    if not code:
        return None
    return PlaceHit(grid=code, community=code[:12], street=code[:9], district=code[:6])


def locate_many(lon: np.ndarray, lat: np.ndarray, at: date | None = None) -> dict[str, np.ndarray]:
    """Vectorised :func:`locate`: arrays of codes ('' where outside every grid)."""
    return index_for(at).hierarchy_for(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def division_names(codes: list[str], at: date | None = None) -> dict[str, str]:
    return dict(Division.objects.valid_at(at).filter(code__in=codes).values_list("code", "name"))


def current_extent() -> tuple[float, float, float, float] | None:
    agg = Division.objects.current().filter(Q(level="district") | Q(level="street")).aggregate(
        a=Min("min_lon"), b=Min("min_lat"), c=Max("max_lon"), d=Max("max_lat")
    )
    if agg["a"] is None:
        return None
    return (agg["a"], agg["b"], agg["c"], agg["d"])


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _change_dates.clear()
