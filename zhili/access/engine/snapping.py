"""Snapping points (facilities, homes) onto the walking network.

A point is projected onto the nearest edge; the perpendicular distance is its
*access leg* (walked at the plain speed) and the position along the edge gives
the offsets to both end nodes, in the edge's effective metres.  Edges are
taken as straight lines between their end nodes.  Points farther than the
tolerance from every edge are reported, never silently dropped.

The nearest edge is found with a KD-tree over points sampled along the edges
(each edge cut into pieces no longer than ``spacing``, one sample at the
middle of each).  A sample of the nearest edge lies within ``d + h`` of the
point, where ``d`` is the point's distance to that edge and ``h`` half the
longest piece; so after the k nearest samples give a best distance ``d*``,
any edge not yet looked at is provably farther unless it has a sample within
``d* + h``; the few points left open are asked again with a larger k.
For unsnapped points ``leg_m`` is the distance to the nearest edge found,
exact up to ``h``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .network import WalkNetwork

DEFAULT_TOLERANCE_M = 300.0
_K = 8


@dataclass(frozen=True, eq=False)
class Snapped:
    """Where each input point joins the network.

    For a point snapped onto edge ``e`` at fraction ``t`` from ``node_u``:
    ``off_u = t * weight[e]`` and ``off_v = (1 - t) * weight[e]`` (effective
    metres).  Points snapped to a node have ``edge == -1`` and
    ``node_u == node_v``.  Unsnapped points have ``ok`` false; ``leg_m`` then
    holds the distance to the nearest edge found (``inf`` for an empty network).
    """

    edge: np.ndarray  # int64, -1 for node snaps and unsnapped points
    node_u: np.ndarray  # int32 (0 for unsnapped points)
    node_v: np.ndarray  # int32
    t: np.ndarray  # float64 fraction along the edge from node_u
    off_u: np.ndarray  # float64 effective metres to node_u along the edge
    off_v: np.ndarray  # float64
    leg_m: np.ndarray  # float64 access leg
    sx: np.ndarray  # float64 snapped position
    sy: np.ndarray
    ok: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.ok.shape[0])

    @property
    def unsnapped(self) -> np.ndarray:
        """Indices of the points beyond the tolerance."""
        return np.flatnonzero(~self.ok)

    def take(self, idx: np.ndarray) -> Snapped:
        idx = np.asarray(idx, dtype=np.int64)
        return Snapped(
            *(getattr(self, f)[idx] for f in Snapped.__dataclass_fields__)  # type: ignore[arg-type]
        )

    @staticmethod
    def concat(parts: list[Snapped]) -> Snapped:
        return Snapped(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Snapped.__dataclass_fields__)  # type: ignore[arg-type]
        )


def at_nodes(net: WalkNetwork, nodes: np.ndarray, leg_m: np.ndarray | None = None) -> Snapped:
    """Points standing exactly on network nodes (candidate sites, tests)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    if nodes.size and (nodes.min() < 0 or nodes.max() >= net.n_nodes):
        raise ValueError("node out of range")
    k = nodes.shape[0]
    z = np.zeros(k)
    leg = z.copy() if leg_m is None else np.asarray(leg_m, dtype=np.float64)
    n32 = nodes.astype(np.int32)
    return Snapped(
        edge=np.full(k, -1, dtype=np.int64),
        node_u=n32,
        node_v=n32.copy(),
        t=z.copy(),
        off_u=z.copy(),
        off_v=z.copy(),
        leg_m=leg,
        sx=net.x[nodes],
        sy=net.y[nodes],
        ok=np.ones(k, dtype=bool),
    )


@dataclass(frozen=True, eq=False)
class _EdgeSamples:
    tree: cKDTree
    edge: np.ndarray  # int64 edge of each sample
    half_gap: float


def _edge_samples(net: WalkNetwork, spacing: float | None) -> _EdgeSamples:
    key = "edge_samples:auto" if spacing is None else f"edge_samples:{spacing:.6g}"
    cached = net._cache.get(key)
    if isinstance(cached, _EdgeSamples):
        return cached
    ax, ay = net.x[net.u], net.y[net.u]
    bx, by = net.x[net.v], net.y[net.v]
    chord = np.hypot(bx - ax, by - ay)
    if spacing is None:
        # One sample per typical edge; long rural roads get several.
        spacing = max(float(np.median(chord)) if chord.size else 1.0, 1.0)
    pieces = np.maximum(np.ceil(chord / spacing), 1).astype(np.int64)
    edge = np.repeat(np.arange(net.n_edges, dtype=np.int64), pieces)
    first = np.cumsum(pieces) - pieces
    i = np.arange(edge.size) - np.repeat(first, pieces)
    t = (i + 0.5) / np.repeat(pieces, pieces)
    sx = ax[edge] + t * (bx - ax)[edge]
    sy = ay[edge] + t * (by - ay)[edge]
    half_gap = float((chord / pieces).max() / 2.0) if chord.size else 0.0
    out = _EdgeSamples(cKDTree(np.column_stack([sx, sy])), edge, half_gap)
    net._cache[key] = out
    return out


def _project(
    net: WalkNetwork, px: np.ndarray, py: np.ndarray, edge: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance from points to edges (broadcast shapes) and fraction along them."""
    ax, ay = net.x[net.u[edge]], net.y[net.u[edge]]
    dx, dy = net.x[net.v[edge]] - ax, net.y[net.v[edge]] - ay
    ll = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(ll > 0, ((px - ax) * dx + (py - ay) * dy) / ll, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(px - ax - t * dx, py - ay - t * dy), t


def snap_points(
    net: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    *,
    to: str = "edge",
    spacing_m: float | None = None,
    workers: int = -1,
) -> Snapped:
    """Snap points (metres, same projection as the network) onto the nearest
    edge (``to="edge"``) or node (``to="node"``) within ``tolerance_m``."""
    px = np.asarray(x, dtype=np.float64).ravel()
    py = np.asarray(y, dtype=np.float64).ravel()
    if px.shape != py.shape:
        raise ValueError("x and y must have the same length")
    k = px.shape[0]
    if to == "node":
        return _snap_nodes(net, px, py, tolerance_m, workers)
    if to != "edge":
        raise ValueError("to must be 'edge' or 'node'")
    if net.n_edges == 0 or k == 0:
        out = _snap_nodes(net, px, py, tolerance_m, workers) if net.n_nodes else None
        if out is not None:
            return out
        return _empty(k)
    s = _edge_samples(net, spacing_m)
    n_samples = int(s.edge.shape[0])
    dbest = np.full(k, np.inf)
    tbest = np.zeros(k)
    ebest = np.zeros(k, dtype=np.int64)
    todo = np.arange(k)
    kk = min(_K, n_samples)
    while todo.size:
        sd, si = s.tree.query(np.column_stack([px[todo], py[todo]]), k=kk, workers=workers)
        sd = sd.reshape(todo.size, kk)
        cand = s.edge[si.reshape(todo.size, kk)]
        d, t = _project(net, px[todo, None], py[todo, None], cand)
        best = np.argmin(d, axis=1)
        rows = np.arange(todo.size)
        better = d[rows, best] < dbest[todo]
        upd = todo[better]
        dbest[upd] = d[rows, best][better]
        tbest[upd] = t[rows, best][better]
        ebest[upd] = cand[rows, best][better]
        if kk >= n_samples:
            break
        # An edge none of whose samples came back is at least sd[-1] - h away:
        # it matters only if that could beat the best so far within tolerance.
        still = sd[:, -1] - s.half_gap < np.minimum(dbest[todo], tolerance_m)
        todo = todo[still]
        kk = min(kk * 4, n_samples)
    ok = dbest <= tolerance_m
    w = net.weight[ebest]
    nu, nv = net.u[ebest], net.v[ebest]
    ax, ay = net.x[nu], net.y[nu]
    sx = ax + tbest * (net.x[nv] - ax)
    sy = ay + tbest * (net.y[nv] - ay)
    return Snapped(
        edge=np.where(ok, ebest, -1),
        node_u=np.where(ok, nu, 0).astype(np.int32),
        node_v=np.where(ok, nv, 0).astype(np.int32),
        t=np.where(ok, tbest, 0.0),
        off_u=np.where(ok, tbest * w, 0.0),
        off_v=np.where(ok, (1.0 - tbest) * w, 0.0),
        leg_m=dbest,
        sx=np.where(ok, sx, np.nan),
        sy=np.where(ok, sy, np.nan),
        ok=ok,
    )


def _snap_nodes(
    net: WalkNetwork, px: np.ndarray, py: np.ndarray, tolerance_m: float, workers: int
) -> Snapped:
    k = px.shape[0]
    if net.n_nodes == 0 or k == 0:
        return _empty(k)
    tree = net._cache.get("node_tree")
    if not isinstance(tree, cKDTree):
        tree = cKDTree(np.column_stack([net.x, net.y]))
        net._cache["node_tree"] = tree
    d, i = tree.query(np.column_stack([px, py]), k=1, workers=workers)
    ok = d <= tolerance_m
    node = np.where(ok, i, 0).astype(np.int32)
    z = np.zeros(k)
    return Snapped(
        edge=np.full(k, -1, dtype=np.int64),
        node_u=node,
        node_v=node.copy(),
        t=z.copy(),
        off_u=z.copy(),
        off_v=z.copy(),
        leg_m=np.asarray(d, dtype=np.float64),
        sx=np.where(ok, net.x[node], np.nan),
        sy=np.where(ok, net.y[node], np.nan),
        ok=ok,
    )


def _empty(k: int) -> Snapped:
    z = np.zeros(k)
    zi = np.zeros(k, dtype=np.int32)
    return Snapped(
        edge=np.full(k, -1, dtype=np.int64),
        node_u=zi,
        node_v=zi.copy(),
        t=z.copy(),
        off_u=z.copy(),
        off_v=z.copy(),
        leg_m=np.full(k, np.inf),
        sx=np.full(k, np.nan),
        sy=np.full(k, np.nan),
        ok=np.zeros(k, dtype=bool),
    )
