"""Siting recommendations on top of :mod:`zhili.access.engine.siting`.

Candidate sites are network nodes thinned to about one per
``spacing`` square (a third of the walking distance, at least 150 m: finer
spacing barely changes coverage but multiplies the model), kept only where
they can reach someone not yet covered.  Existing facilities stay open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from .engine.coverage import Coverage
from .engine.network import WalkNetwork, WalkParams
from .engine.siting import (
    build_problem,
    candidate_nodes,
    candidates_at_nodes,
    mclp,
    p_median,
    set_cover,
)
from .engine.snapping import Snapped
from .projection import to_lonlat

MAX_CANDIDATES = 20_000
EXACT_TIME_LIMIT_S = 120.0


def _noop(_f: float, _m: str) -> None:
    return None


def recommend(
    net: WalkNetwork,
    fac: Any,
    fac_snapped: Snapped,
    demand: Any,
    dem_xy: tuple[np.ndarray, np.ndarray],
    dem_snapped: Snapped,
    cov: Coverage,
    walk: WalkParams,
    params: dict[str, Any],
    *,
    progress: Callable[[float, str], None] = _noop,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """New sites by the chosen objective and method, and a summary of the effect."""
    objective = params.get("objective", "mclp")
    mode = params.get("mode", "heuristic")
    p = int(params.get("p") or 5)
    limit = walk.limit_m
    uncovered = ~cov.covered & dem_snapped.ok
    spacing = max(limit / 3.0, 150.0)
    nodes = candidate_nodes(net, min_spacing_m=spacing)
    if objective != "p_median":
        # Only where someone still uncovered lives within a straight-line reach.
        if not uncovered.any():
            nodes = nodes[:0]
        else:
            tree = cKDTree(np.column_stack([dem_xy[0][uncovered], dem_xy[1][uncovered]]))
            d, _i = tree.query(
                np.column_stack([net.x[nodes], net.y[nodes]]), k=1, distance_upper_bound=limit
            )
            nodes = nodes[np.isfinite(d)]
    if nodes.size > MAX_CANDIDATES:
        nodes = nodes[np.linspace(0, nodes.size - 1, MAX_CANDIDATES).astype(np.int64)]
    summary: dict[str, Any] = {
        "siting_objective": objective,
        "siting_mode": mode,
        "candidates": int(nodes.size),
        "p": p,
    }
    if nodes.size == 0:
        summary.update(
            {
                "siting_status": "nothing to cover",
                "covered_after": round(float(cov.covered_population)),
                "covered_after_pct": round(100 * cov.share, 1),
            }
        )
        return [], summary
    progress(0.1, "")
    cands = candidates_at_nodes(net, nodes)
    existing = fac_snapped.take(np.flatnonzero(fac_snapped.ok))
    search = 3.0 * limit if objective == "p_median" else None
    problem = build_problem(
        net, dem_snapped, demand.weight, cands, walk, existing=existing, search_m=search
    )
    progress(0.5, "")
    kwargs = {"mode": mode}
    if mode == "exact":
        kwargs["time_limit"] = EXACT_TIME_LIMIT_S
    if objective == "mclp":
        res = mclp(problem, p, **kwargs)
    elif objective == "set_cover":
        res = set_cover(problem, float(params.get("target_share", 1.0)), **kwargs)
    elif objective == "p_median":
        res = p_median(problem, p, penalty_m=3.0 * limit, **kwargs)
    else:
        raise ValueError(f"unknown siting objective {objective!r}")
    progress(0.95, "")
    sel = np.asarray(res.selected, dtype=np.int64)
    site_nodes = nodes[sel]
    lon, lat = to_lonlat(net.x[site_nodes], net.y[site_nodes], int(net.epsg))
    cover = problem.cover.tocsc()
    already = problem.covered_by_existing.copy()
    recs = []
    # In the order of marginal gain, so the first sites are the most useful.
    remaining = list(range(sel.size))
    rank = 0
    while remaining:
        gains = []
        for k in remaining:
            rows = cover.indices[cover.indptr[sel[k]] : cover.indptr[sel[k] + 1]]
            gains.append(float(demand.weight[rows[~already[rows]]].sum()))
        best = int(np.argmax(gains))
        k = remaining.pop(best)
        rows = cover.indices[cover.indptr[sel[k]] : cover.indptr[sel[k] + 1]]
        already[rows] = True
        rank += 1
        recs.append(
            {
                "rank": rank,
                "lon": round(float(lon[k]), 7),
                "lat": round(float(lat[k]), 7),
                "gain": round(gains[best]),
                "reach": round(float(demand.weight[rows].sum())),
            }
        )
    summary.update(
        {
            "siting_method": res.method,
            "siting_status": res.status,
            "siting_seconds": round(res.seconds, 2),
            "objective_value": round(float(res.objective), 1),
            "bound": None if res.bound is None else round(float(res.bound), 1),
            "gap": None
            if res.gap is None or not np.isfinite(res.gap)
            else round(float(res.gap), 5),
            "covered_after": round(float(res.covered or 0.0)),
            "covered_after_pct": round(100.0 * float(res.share or 0.0), 1),
            "sites": int(sel.size),
        }
    )
    return recs, summary
