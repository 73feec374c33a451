"""Glue between stored arrays and the analysis engine (:mod:`zhili.access.engine`).

Pure functions over NumPy arrays, like the engine itself: what reads the
database lives in :mod:`zhili.access.services`.  Adds what the engine leaves
to the app: turning stored datasets into a :class:`WalkNetwork`, per-point
and per-community tables, and the isochrone polygons drawn on the map.

Isochrones are the reachable parts of the network (whole edges, and the
reachable stretch of an edge whose far end is out of reach) buffered by
``ISO_BUFFER_M`` and merged: the area within a short step of a walkable
street that is reached in time.  A concave hull of reached nodes would also
swallow parks, rivers and walled compounds one cannot cross.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from .engine.catchment import reach_nodes
from .engine.coverage import uncovered_hotspots
from .engine.network import WalkNetwork, network_from_lonlat, speed_factors_by_kind
from .engine.snapping import DEFAULT_TOLERANCE_M, Snapped, snap_points
from .projection import to_lonlat, to_xy

Progress = Callable[[float, str], None]

# The demo generator's edge kinds (its network archive stores only indices).
DEMO_EDGE_KINDS = ("primary", "secondary", "residential", "footway")
ISO_BUFFER_M = 40.0
ISO_SIMPLIFY_M = 5.0
HOTSPOT_CELL_M = 250.0


def _noop(_f: float, _m: str) -> None:
    return None


def network_from_arrays(arrays: dict[str, np.ndarray]) -> WalkNetwork:
    """A stored network archive (places.Dataset kind network) as a walking graph."""
    missing = [k for k in ("lon", "lat", "u", "v", "length_m", "epsg") if k not in arrays]
    if missing:
        raise ValueError(f"network archive lacks {', '.join(missing)}")
    kinds = tuple(str(k) for k in arrays["kinds"]) if "kinds" in arrays else DEMO_EDGE_KINDS
    kind = arrays.get("kind")
    speed = None
    if kind is not None and len(kinds) and int(np.max(kind, initial=0)) < len(kinds):
        speed = speed_factors_by_kind(kind, kinds)
    return network_from_lonlat(
        arrays["lon"],
        arrays["lat"],
        arrays["u"],
        arrays["v"],
        arrays["length_m"],
        speed,
        epsg=int(arrays["epsg"][0]),
    )


@dataclass
class FacilitySet:
    code: list[str]
    name: list[str]
    kind: list[str]
    lon: np.ndarray
    lat: np.ndarray
    capacity: np.ndarray  # float, nan when unknown
    proposed: np.ndarray  # bool: added or moved by a what-if / siting

    def __len__(self) -> int:
        return len(self.code)

    @staticmethod
    def from_rows(rows: list[dict[str, Any]]) -> FacilitySet:
        return FacilitySet(
            code=[r["code"] for r in rows],
            name=[r.get("name") or r["code"] for r in rows],
            kind=[r.get("kind") or "" for r in rows],
            lon=np.array([float(r["lon"]) for r in rows], dtype=float),
            lat=np.array([float(r["lat"]) for r in rows], dtype=float),
            capacity=np.array(
                [np.nan if r.get("capacity") is None else float(r["capacity"]) for r in rows],
                dtype=float,
            ),
            proposed=np.array([bool(r.get("proposed")) for r in rows], dtype=bool),
        )


@dataclass
class Demand:
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray
    community: np.ndarray  # '<U12'

    @staticmethod
    def from_arrays(arrays: dict[str, np.ndarray]) -> Demand:
        n = len(arrays["lon"])
        comm = arrays.get("community_code")
        return Demand(
            lon=np.asarray(arrays["lon"], dtype=float),
            lat=np.asarray(arrays["lat"], dtype=float),
            weight=np.asarray(arrays["weight"], dtype=float),
            community=np.asarray(comm, dtype="<U12")
            if comm is not None
            else np.full(n, "", dtype="<U12"),
        )


def snap(
    net: WalkNetwork, xy: tuple[np.ndarray, np.ndarray], tolerance_m: float = DEFAULT_TOLERANCE_M
) -> Snapped:
    return snap_points(net, xy[0], xy[1], tolerance_m)


def facility_isochrones(
    net: WalkNetwork, fac: Snapped, limit_m: float, *, progress: Progress = _noop
) -> list[shapely.Geometry | None]:
    """Each facility's reachable area (metres), from the engine's bounded
    per-facility searches."""
    polys: list[shapely.Geometry | None] = [None] * len(fac)
    if not len(fac) or not fac.ok.any():
        return polys
    nr = reach_nodes(net, fac, limit_m)
    order = np.argsort(nr.src, kind="stable")
    src, node, dist = nr.src[order], nr.node[order], nr.dist[order]
    bounds = np.searchsorted(src, np.arange(len(fac) + 1))
    scratch = np.full(net.n_nodes, np.inf)
    done = 0
    for i in np.flatnonzero(fac.ok):
        a, b = bounds[i], bounds[i + 1]
        if a == b:
            continue
        scratch[node[a:b]] = dist[a:b]
        polys[i] = reach_polygon(net, scratch, limit_m)
        scratch[node[a:b]] = np.inf
        done += 1
        if done % 20 == 0:
            progress(done / max(int(fac.ok.sum()), 1), "")
    return polys


def reach_polygon(
    net: WalkNetwork, node_dist: np.ndarray, limit_m: float, buffer_m: float = ISO_BUFFER_M
) -> shapely.Geometry | None:
    """The area along the network reached within ``limit_m`` (metres, projected)."""
    du, dv = node_dist[net.u], node_dist[net.v]
    w = np.maximum(net.weight, 1e-9)
    fa = np.clip((limit_m - du) / w, 0.0, 1.0)
    fb = np.clip((limit_m - dv) / w, 0.0, 1.0)
    fa = np.where(np.isfinite(du), fa, 0.0)
    fb = np.where(np.isfinite(dv), fb, 0.0)
    whole = fa + fb >= 1.0
    ax, ay, bx, by = net.x[net.u], net.y[net.u], net.x[net.v], net.y[net.v]
    segs = []
    e = np.flatnonzero(whole)
    if e.size:
        segs.append(
            np.stack([np.column_stack([ax[e], ay[e]]), np.column_stack([bx[e], by[e]])], axis=1)
        )
    e = np.flatnonzero(~whole & (fa > 0))
    if e.size:
        t = fa[e]
        segs.append(
            np.stack(
                [
                    np.column_stack([ax[e], ay[e]]),
                    np.column_stack([ax[e] + t * (bx[e] - ax[e]), ay[e] + t * (by[e] - ay[e])]),
                ],
                axis=1,
            )
        )
    e = np.flatnonzero(~whole & (fb > 0))
    if e.size:
        t = fb[e]
        segs.append(
            np.stack(
                [
                    np.column_stack([bx[e], by[e]]),
                    np.column_stack([bx[e] + t * (ax[e] - bx[e]), by[e] + t * (ay[e] - by[e])]),
                ],
                axis=1,
            )
        )
    if not segs:
        return None
    # Buffering each segment and merging the pieces (cascaded union) is
    # several times faster than buffering one MultiLineString.
    pieces = shapely.buffer(shapely.linestrings(np.concatenate(segs)), buffer_m, quad_segs=3)
    return shapely.simplify(shapely.union_all(pieces), ISO_SIMPLIFY_M)


def geometry_to_lonlat(geom: shapely.Geometry, epsg: int) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1], epsg)))


def community_table(
    demand: Demand, covered: np.ndarray, dist_m: np.ndarray, speed_mps: float, names: dict[str, str]
) -> list[dict[str, Any]]:
    """Per community: population, covered population and share, mean walk of the covered."""
    rows = []
    codes = np.unique(demand.community)
    for code in codes:
        m = demand.community == code
        pop = float(demand.weight[m].sum())
        cov = float(demand.weight[m & covered].sum())
        cw = demand.weight[m & covered]
        mean_min = (
            float((dist_m[m & covered] * cw).sum() / cw.sum() / speed_mps / 60.0)
            if cw.sum() > 0
            else None
        )
        rows.append(
            {
                "code": str(code),
                "name": names.get(str(code), "") if code else "",
                "population": round(pop),
                "covered": round(cov),
                "uncovered": round(pop - cov),
                "pct": round(100.0 * cov / pop, 1) if pop > 0 else 0.0,
                "mean_minutes": round(mean_min, 1) if mean_min is not None else None,
                "points": int(m.sum()),
            }
        )
    rows.sort(key=lambda r: r["code"] or "~")
    return rows


def hotspots(
    x: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    covered: np.ndarray,
    epsg: int,
    *,
    cell_m: float = HOTSPOT_CELL_M,
    top: int = 20,
) -> list[dict[str, Any]]:
    """Where the uncovered cluster: cells whose uncovered population stands
    out from their neighbourhood (Getis-Ord Gi* ≥ 1.96), most uncovered first."""
    h = uncovered_hotspots(x, y, weight, covered, cell_m)
    idx = h.hot()[:top]
    if not idx.size:
        return []
    lon, lat = to_lonlat(h.x[idx], h.y[idx], epsg)
    return [
        {
            "lon": round(float(lon[k]), 6),
            "lat": round(float(lat[k]), 6),
            "uncovered": round(float(h.uncovered[i])),
            "population": round(float(h.population[i])),
            "z": round(float(h.z[i]), 2),
        }
        for k, i in enumerate(idx)
    ]


def project(lon: np.ndarray, lat: np.ndarray, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    return to_xy(lon, lat, epsg)
