"""Per-facility catchments: everyone within reach of each facility, and the
two-step floating catchment area (2SFCA) ratio of capacity to population.

A search per facility over the whole graph would touch every node for every
facility (SciPy initialises a full row per source).  Instead sources are
grouped in square tiles; each tile's sources are searched together on the
subgraph of nodes within straight-line reach of the tile (network distance
is never shorter than the straight line, corrected by the network's
``euclid_ratio``), so the work is proportional to the catchments' size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .network import Seeds, WalkNetwork, WalkParams, _ranges
from .snapping import Snapped

_MAX_BATCH = 256


@dataclass(frozen=True, eq=False)
class NodeReach:
    """(source, node, distance) triples for every node within the limit."""

    src: np.ndarray  # int64
    node: np.ndarray  # int64
    dist: np.ndarray  # float64 effective metres
    n_sources: int
    n_nodes: int


def reach_nodes(
    net: WalkNetwork,
    sources: Snapped,
    limit_m: float,
    *,
    count_source_leg: bool = True,
    tile_m: float | None = None,
) -> NodeReach:
    """Every node within ``limit_m`` of each source (bounded searches, tiled)."""
    seeds = Seeds.from_snapped(sources, count_leg=count_source_leg)
    r = net.euclid_reach(limit_m)
    n_src = len(sources)
    ok = np.flatnonzero(sources.ok)
    if ok.size == 0 or not np.isfinite(r):
        if ok.size and not np.isfinite(r):
            return _reach_whole(net, seeds, ok, limit_m)
        e = np.empty(0, dtype=np.int64)
        return NodeReach(e, e.copy(), np.empty(0), n_src, net.n_nodes)
    # Tiles of four reaches: fewer, larger searches; measured best on lattices
    # of 60-80 m blocks (per-call overhead against per-source row setup).
    tile = float(tile_m) if tile_m else max(4.0 * r, 1.0)
    grid = net.node_grid(_grid_cell(net, r))
    sx, sy = sources.sx[ok], sources.sy[ok]
    tx = np.floor((sx - grid.x0) / tile).astype(np.int64)
    ty = np.floor((sy - grid.y0) / tile).astype(np.int64)
    cell = (tx - tx.min()) * (int(ty.max() - ty.min()) + 1) + (ty - ty.min())
    order = np.argsort(cell, kind="stable")
    ok, cell, sx, sy = ok[order], cell[order], sx[order], sy[order]
    bounds = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1], True])
    out_s, out_n, out_d = [], [], []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        members = ok[a:b]
        nodes = grid.window(
            float(sx[a:b].min()) - r,
            float(sy[a:b].min()) - r,
            float(sx[a:b].max()) + r,
            float(sy[a:b].max()) + r,
        )
        for k0 in range(0, members.size, _MAX_BATCH):
            batch = members[k0 : k0 + _MAX_BATCH]
            dist, _ = net.local_search(nodes, seeds.subset(batch), limit_m, min_only=False)
            rr, cc = np.nonzero(np.isfinite(dist))
            out_s.append(batch[rr])
            out_n.append(nodes[cc].astype(np.int64))
            out_d.append(dist[rr, cc])
    return NodeReach(
        np.concatenate(out_s).astype(np.int64),
        np.concatenate(out_n),
        np.concatenate(out_d),
        n_src,
        net.n_nodes,
    )


def _grid_cell(net: WalkNetwork, r: float) -> float:
    """Cell of the node grid used for windows: a fraction of the reach, so a
    window overshoots its box by little, but not so small that a window is
    hundreds of slices."""
    return max(r / 3.0, 1.0)


def _reach_whole(net: WalkNetwork, seeds: Seeds, ok: np.ndarray, limit_m: float) -> NodeReach:
    """Fallback without a straight-line bound (zero-length edges between
    distinct points): one search per source batch on the whole graph."""
    nodes = np.arange(net.n_nodes)
    out_s, out_n, out_d = [], [], []
    for k0 in range(0, ok.size, 64):
        batch = ok[k0 : k0 + 64]
        dist, _ = net.local_search(nodes, seeds.subset(batch), limit_m, min_only=False)
        rr, cc = np.nonzero(np.isfinite(dist))
        out_s.append(batch[rr])
        out_n.append(cc.astype(np.int64))
        out_d.append(dist[rr, cc])
    return NodeReach(
        np.concatenate(out_s),
        np.concatenate(out_n),
        np.concatenate(out_d),
        seeds.n_sources,
        net.n_nodes,
    )


def _same_edge_pairs(
    net: WalkNetwork,
    sources: Snapped,
    targets: Snapped,
    count_source_leg: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source, target, distance) for targets on a source's edge, walking
    straight along it."""
    s_ok = np.flatnonzero(sources.ok & (sources.edge >= 0))
    t_ok = np.flatnonzero(targets.ok & (targets.edge >= 0))
    if s_ok.size == 0 or t_ok.size == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy(), np.empty(0)
    t_ok = t_ok[np.argsort(targets.edge[t_ok], kind="stable")]
    te = targets.edge[t_ok]
    se = sources.edge[s_ok]
    lo = np.searchsorted(te, se, "left")
    cnt = np.searchsorted(te, se, "right") - lo
    s = np.repeat(s_ok, cnt)
    t = t_ok[_ranges(lo.astype(np.int64), cnt.astype(np.int64))]
    d = np.abs(sources.t[s] - targets.t[t]) * net.weight[sources.edge[s]] + targets.leg_m[t]
    if count_source_leg:
        d = d + sources.leg_m[s]
    return s, t, d


@dataclass(frozen=True, eq=False)
class Reach:
    """Sparse (source x target) walking distances within a limit.

    ``matrix.data`` are effective metres; explicit zeros are real entries
    (a target standing on the source), so never call ``eliminate_zeros``.
    """

    matrix: sp.csr_matrix
    limit_m: float

    @property
    def structure(self) -> sp.csr_matrix:
        """The reach pattern as a 0/1 matrix."""
        m = self.matrix.copy()
        m.data = np.ones_like(m.data)
        return m


def reach(
    net: WalkNetwork,
    sources: Snapped,
    targets: Snapped,
    limit_m: float,
    *,
    count_source_leg: bool = True,
    node_reach: NodeReach | None = None,
) -> Reach:
    """Every (source, target) pair within ``limit_m``, with its distance."""
    nr = node_reach or reach_nodes(net, sources, limit_m, count_source_leg=count_source_leg)
    n_s, n_t = len(sources), len(targets)
    # Node reach sorted by node, to gather each target's end nodes.
    order = np.argsort(nr.node, kind="stable")
    nsrc, ndist = nr.src[order], nr.dist[order]
    ptr = np.zeros(net.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(nr.node, minlength=net.n_nodes), out=ptr[1:])
    big = 2.0 * limit_m + 1.0
    acc: sp.csr_matrix | None = None
    t_ok = np.flatnonzero(targets.ok)
    for end, off in (
        (targets.node_u, targets.off_u),
        (targets.node_v, targets.off_v),
    ):
        tt = t_ok if end is targets.node_u else t_ok[targets.edge[t_ok] >= 0]
        nodes = end[tt].astype(np.int64)
        cnt = ptr[nodes + 1] - ptr[nodes]
        at = _ranges(ptr[nodes], cnt)
        t = np.repeat(tt, cnt)
        d = ndist[at] + off[t] + targets.leg_m[t]
        keep = d <= limit_m
        # Stored as big - d so that the elementwise maximum keeps the minimum
        # distance and no entry is zero.
        m = sp.csr_matrix((big - d[keep], (nsrc[at][keep], t[keep])), shape=(n_s, n_t))
        acc = m if acc is None else acc.maximum(m)
    s, t, d = _same_edge_pairs(net, sources, targets, count_source_leg)
    keep = d <= limit_m
    if keep.any():
        m = sp.csr_matrix((big - d[keep], (s[keep], t[keep])), shape=(n_s, n_t))
        acc = m if acc is None else acc.maximum(m)
    if acc is None:
        acc = sp.csr_matrix((n_s, n_t))
    acc = sp.csr_matrix(acc)
    acc.sort_indices()
    acc.data = big - acc.data
    return Reach(acc, limit_m)


@dataclass(frozen=True, eq=False)
class Catchments:
    """Who each facility can serve, and 2SFCA ratios.

    ``population[f]``: residents within reach of ``f`` (catchments overlap);
    ``ratio[f]``: capacity per resident within reach, weighted by distance
    decay (step 1 of 2SFCA); ``access[j]``: the sum of the ratios of the
    facilities within reach of demand point ``j`` (step 2).
    """

    reach: Reach
    weights: np.ndarray
    capacity: np.ndarray
    population: np.ndarray
    ratio: np.ndarray
    access: np.ndarray
    decay: str


def decay_weights(dist: np.ndarray, limit_m: float, decay: str) -> np.ndarray:
    """Distance decay inside the catchment: ``binary`` (classic 2SFCA) or
    ``gaussian`` (Dai 2010: 1 at the facility, 0 at the limit)."""
    if decay == "binary":
        return np.ones_like(dist)
    if decay == "gaussian":
        e = np.exp(-0.5)
        return (np.exp(-0.5 * (dist / limit_m) ** 2) - e) / (1.0 - e)
    raise ValueError(f"unknown decay {decay!r}")


def catchments(
    net: WalkNetwork,
    facilities: Snapped,
    demand: Snapped,
    weights: np.ndarray,
    capacity: np.ndarray,
    walk: WalkParams | None = None,
    *,
    decay: str = "binary",
    count_facility_leg: bool = True,
) -> Catchments:
    """Catchment population and 2SFCA ratio of every facility, and each
    demand point's accessibility (capacity per resident within reach)."""
    walk = walk or WalkParams()
    w = np.asarray(weights, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    if w.shape != (len(demand),) or cap.shape != (len(facilities),):
        raise ValueError("one weight per demand point and one capacity per facility")
    r = reach(net, facilities, demand, walk.limit_m, count_source_leg=count_facility_leg)
    m = r.matrix
    g = sp.csr_matrix((decay_weights(m.data, walk.limit_m, decay), m.indices, m.indptr), m.shape)
    pop = np.asarray(g @ w).ravel()
    plain = np.asarray(r.structure @ w).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(pop > 0, cap / pop, 0.0)
    access = np.asarray(g.T @ ratio).ravel()
    return Catchments(r, w, cap, plain, ratio, access, decay)
