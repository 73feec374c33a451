"""The walking network as a compressed sparse graph, and bounded searches on it.

Weights are *effective metres*: the edge length divided by its speed factor
(a staircase walked at half speed costs twice its length), so one graph serves
every walking speed; a time is effective metres divided by the speed.  The
access leg from a point to the road is walked at the plain speed.

SciPy's Dijkstra cannot start from initial distances, so every search seeds
its sources through *virtual nodes*: source ``k`` becomes node ``n + k`` with
one directed edge to each end of the edge it was snapped onto, weighted with
the offset along the edge plus its access leg.  ``min_only=True`` then gives
every node its nearest source and which one in a single pass.  The virtual
rows live in spare room kept after the graph's own arrays, so seeding costs
microseconds instead of a copy of the whole graph.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

if TYPE_CHECKING:
    from .snapping import Snapped

# Speed factors for tagged edge kinds (OSM highway=steps, footway=crossing).
# Climbing stairs takes about twice as long as walking the same length on the
# flat; a signalised crossing's average wait is spread over its length.  Kinds
# not listed walk at the plain speed.
DEFAULT_KIND_FACTORS: dict[str, float] = {
    "steps": 0.5,
    "crossing": 0.5,
}


@dataclass(frozen=True)
class WalkParams:
    """How far people walk: ``minutes`` at ``speed_kmh`` (GB 50180-2018 life circles)."""

    minutes: float = 10.0
    speed_kmh: float = 4.5

    def __post_init__(self) -> None:
        if not (self.minutes > 0 and self.speed_kmh > 0):
            raise ValueError("walking time and speed must be positive")

    @property
    def speed_mps(self) -> float:
        return self.speed_kmh / 3.6

    @property
    def limit_m(self) -> float:
        """The walking time as effective metres on flat ground."""
        return self.speed_mps * self.minutes * 60.0

    def seconds(self, effective_m: np.ndarray) -> np.ndarray:
        return np.asarray(effective_m, dtype=float) / self.speed_mps


class RoadNetworkLike(Protocol):
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    kind: np.ndarray
    epsg: int
    kinds: tuple[str, ...]


@dataclass(eq=False)
class WalkNetwork:
    """An undirected walking graph restricted to its largest connected component.

    Node and edge ids are local (0..n-1, 0..m-1); ``node_ids`` and ``edge_ids``
    map them back to the input arrays.
    """

    x: np.ndarray  # float64 (n,) metres
    y: np.ndarray
    u: np.ndarray  # int32 (m,)
    v: np.ndarray  # int32 (m,)
    length_m: np.ndarray  # float64 (m,)
    weight: np.ndarray  # float64 (m,) effective metres
    node_ids: np.ndarray  # int64 (n,) input node index of each node
    edge_ids: np.ndarray  # int64 (m,) input edge index of each edge
    indptr: np.ndarray  # int32 (n+1,) CSR of the symmetric graph
    indices: np.ndarray  # int32
    data: np.ndarray  # float64
    euclid_ratio: float  # max straight-line / effective length over edges
    epsg: int | None = None
    n_dropped_nodes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _map_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _spare: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.u.shape[0])

    @property
    def csr(self) -> sp.csr_matrix:
        n = self.n_nodes
        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=(n, n), copy=False)

    def euclid_reach(self, limit_m: float) -> float:
        """Straight-line radius that contains every node within ``limit_m`` of a point."""
        return limit_m * max(self.euclid_ratio, 1e-12)

    # -- searches -----------------------------------------------------------

    def seeded_graph(
        self, src: np.ndarray, node: np.ndarray, w: np.ndarray, n_sources: int
    ) -> tuple[sp.csr_matrix, threading.Lock]:
        """The graph plus ``n_sources`` virtual nodes; seed ``i`` is an edge
        ``n + src[i] -> node[i]`` of weight ``w[i]``.  Hold the returned lock
        while the graph is in use: the virtual rows share one buffer."""
        n, nnz = self.n_nodes, int(self.indptr[-1])
        order = np.argsort(src, kind="stable")
        k = int(src.shape[0])
        self._lock.acquire()
        try:
            spare = self._spare
            if (
                spare is None
                or spare[2].shape[0] < n + n_sources + 1
                or spare[0].shape[0] < nnz + k
            ):
                cap_k = max(k, 4096) * 2
                data = np.empty(nnz + cap_k, dtype=np.float64)
                data[:nnz] = self.data
                ind = np.empty(nnz + cap_k, dtype=np.int32)
                ind[:nnz] = self.indices
                ptr = np.empty(n + max(n_sources, 2048) * 2 + 1, dtype=np.int32)
                ptr[: n + 1] = self.indptr
                spare = self._spare = (data, ind, ptr)
            data, ind, ptr = spare
            ind[nnz : nnz + k] = node[order]
            data[nnz : nnz + k] = w[order]
            counts = np.bincount(src, minlength=n_sources)
            ptr[n + 1 : n + n_sources + 1] = nnz + np.cumsum(counts)
            g = sp.csr_matrix(
                (data, ind, ptr[: n + n_sources + 1]),
                shape=(n + n_sources, n + n_sources),
                copy=False,
            )
        except BaseException:
            self._lock.release()
            raise
        return g, self._lock

    def nearest_source(self, seeds: Seeds, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Distance (effective metres, ``inf`` beyond ``limit_m``) from every node
        to its nearest source, and that source's index (-1 if none)."""
        n = self.n_nodes
        if seeds.n_sources == 0 or seeds.src.size == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int32)
        g, lock = self.seeded_graph(seeds.src, seeds.node, seeds.w, seeds.n_sources)
        try:
            dist, _pred, srcs = dijkstra(
                g,
                directed=True,
                indices=np.arange(n, n + seeds.n_sources),
                min_only=True,
                limit=limit_m,
                return_predecessors=True,
            )
        finally:
            lock.release()
        dist = dist[:n]
        which = np.where(np.isfinite(dist), srcs[:n] - n, -1).astype(np.int32)
        return dist, which

    def subgraph(
        self, nodes: np.ndarray, extra: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """CSR arrays (indptr, indices, data) of the graph induced by ``nodes``
        (global ids, unique), in the order given, and the local ids of the
        global nodes ``extra`` (-1 where not in ``nodes``)."""
        loc = self._node_map()
        s = int(nodes.shape[0])
        with self._map_lock:
            loc[nodes] = np.arange(s, dtype=np.int32)
            try:
                starts = self.indptr[nodes].astype(np.int64)
                counts = (self.indptr[nodes + 1] - self.indptr[nodes]).astype(np.int64)
                idx = _ranges(starts, counts)
                cols = loc[self.indices[idx]]
                mapped = loc[extra] if extra is not None else np.empty(0, dtype=np.int32)
            finally:
                loc[nodes] = -1
        keep = cols >= 0
        rows = np.repeat(np.arange(s, dtype=np.int32), counts)[keep]
        ptr = np.zeros(s + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=s), out=ptr[1:])
        return ptr, cols[keep], self.data[idx[keep]], mapped

    def local_search(
        self, nodes: np.ndarray, seeds: Seeds, limit_m: float, *, min_only: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Bounded Dijkstra from ``seeds`` on the subgraph induced by ``nodes``.

        With ``min_only`` returns each node's distance to the nearest source and
        that source (-1 where unreached); otherwise the (n_sources, len(nodes))
        distance matrix and ``None``.  Seeds onto nodes outside ``nodes`` are
        ignored: the caller picks a window that contains everything in reach.
        """
        s, k = int(nodes.shape[0]), seeds.n_sources
        ptr, ind, dat, seed_loc = self.subgraph(nodes, seeds.node)
        keep = seed_loc >= 0
        src, sn, sw = seeds.src[keep], seed_loc[keep], seeds.w[keep]
        order = np.argsort(src, kind="stable")
        vptr = ptr[-1] + np.cumsum(np.bincount(src, minlength=k))
        g = sp.csr_matrix(
            (
                np.concatenate([dat, sw[order]]),
                np.concatenate([ind, sn[order]]).astype(np.int32),
                np.concatenate([ptr, vptr]).astype(np.int32),
            ),
            shape=(s + k, s + k),
            copy=False,
        )
        if min_only:
            if k == 0:
                return np.full(s, np.inf), np.full(s, -1, dtype=np.int64)
            dist, _p, srcs = dijkstra(
                g,
                directed=True,
                indices=np.arange(s, s + k),
                min_only=True,
                limit=limit_m,
                return_predecessors=True,
            )
            dist = dist[:s]
            return dist, np.where(np.isfinite(dist), srcs[:s] - s, -1).astype(np.int64)
        if k == 0:
            return np.full((0, s), np.inf), None
        dist = dijkstra(g, directed=True, indices=np.arange(s, s + k), limit=limit_m)
        return dist[:, :s], None

    def _node_map(self) -> np.ndarray:
        m = self._cache.get("node_map")
        if m is None:
            m = np.full(self.n_nodes, -1, dtype=np.int32)
            self._cache["node_map"] = m
        assert isinstance(m, np.ndarray)
        return m

    def node_grid(self, cell_m: float) -> NodeGrid:
        key = f"grid:{cell_m:.6g}"
        g = self._cache.get(key)
        if g is None:
            g = NodeGrid.build(self.x, self.y, cell_m)
            self._cache[key] = g
        assert isinstance(g, NodeGrid)
        return g


@dataclass(frozen=True, eq=False)
class Seeds:
    """Virtual source edges: source ``src[i]`` reaches ``node[i]`` after ``w[i]``."""

    src: np.ndarray  # int64
    node: np.ndarray  # int32
    w: np.ndarray  # float64
    n_sources: int

    @staticmethod
    def from_snapped(snapped: Snapped, count_leg: bool = True) -> Seeds:
        """Two seeds per snapped point (one per end of its edge), none for unsnapped."""
        ok = np.flatnonzero(snapped.ok)
        leg = snapped.leg_m[ok] if count_leg else np.zeros(ok.size)
        src = np.concatenate([ok, ok]).astype(np.int64)
        node = np.concatenate([snapped.node_u[ok], snapped.node_v[ok]]).astype(np.int32)
        w = np.concatenate([snapped.off_u[ok] + leg, snapped.off_v[ok] + leg])
        return Seeds(src=src, node=node, w=w, n_sources=len(snapped))

    def subset(self, sources: np.ndarray) -> Seeds:
        """Seeds of ``sources`` only, renumbered 0..len(sources)-1."""
        sources = np.asarray(sources, dtype=np.int64)
        remap = np.full(self.n_sources, -1, dtype=np.int64)
        remap[sources] = np.arange(sources.size)
        keep = remap[self.src] >= 0
        return Seeds(remap[self.src[keep]], self.node[keep], self.w[keep], int(sources.size))


@dataclass(frozen=True, eq=False)
class NodeGrid:
    """Node ids bucketed in square cells, for gathering the nodes of a window."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    order: np.ndarray  # node ids sorted by cell
    start: np.ndarray  # (nx*ny+1,) offsets into order

    @staticmethod
    def build(x: np.ndarray, y: np.ndarray, cell: float) -> NodeGrid:
        x0, y0 = float(x.min()), float(y.min())
        nx = int((x.max() - x0) // cell) + 1
        ny = int((y.max() - y0) // cell) + 1
        cid = NodeGrid._cid(x, y, x0, y0, cell, nx, ny)
        order = np.argsort(cid, kind="stable").astype(np.int32)
        start = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(cid, minlength=nx * ny), out=start[1:])
        return NodeGrid(x0, y0, cell, nx, ny, order, start)

    @staticmethod
    def _cid(
        x: np.ndarray, y: np.ndarray, x0: float, y0: float, cell: float, nx: int, ny: int
    ) -> np.ndarray:
        ix = np.clip(((x - x0) // cell).astype(np.int64), 0, nx - 1)
        iy = np.clip(((y - y0) // cell).astype(np.int64), 0, ny - 1)
        return ix * ny + iy

    def cells_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._cid(x, y, self.x0, self.y0, self.cell, self.nx, self.ny)

    def window(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Ids of the nodes in every cell meeting the box (a superset of the box)."""
        i0 = max(int((xmin - self.x0) // self.cell), 0)
        i1 = min(int((xmax - self.x0) // self.cell), self.nx - 1)
        j0 = max(int((ymin - self.y0) // self.cell), 0)
        j1 = min(int((ymax - self.y0) // self.cell), self.ny - 1)
        if i0 > i1 or j0 > j1:
            return np.empty(0, dtype=np.int32)
        # Cells of one column are contiguous: one slice per column.
        parts = [
            self.order[self.start[i * self.ny + j0] : self.start[i * self.ny + j1 + 1]]
            for i in range(i0, i1 + 1)
        ]
        return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order key of points on a 2^21 x 2^21 grid over their bounding box."""
    if x.size == 0:
        return np.empty(0, dtype=np.uint64)
    span = max(float(x.max() - x.min()), float(y.max() - y.min()), 1e-9)
    scale = (2**21 - 1) / span
    key = np.zeros(x.size, dtype=np.uint64)
    for coord, shift in ((x, 0), (y, 1)):
        q = ((coord - coord.min()) * scale).astype(np.uint64)
        for bit in range(21):
            key |= ((q >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + shift)
    return key


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each pair, vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(counts)
    out = np.ones(total, dtype=np.int64)
    nz = counts > 0
    s, c, e = starts[nz], counts[nz], ends[nz]
    out[0] = s[0]
    # At each range start, jump from the previous range's last index.
    out[(e - c)[1:]] = s[1:] - (s[:-1] + c[:-1] - 1)
    return np.cumsum(out)


def build_walk_network(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length_m: np.ndarray,
    speed_factor: np.ndarray | None = None,
    *,
    epsg: int | None = None,
    largest_component: bool = True,
) -> WalkNetwork:
    """Build the walking graph from node coordinates (metres) and undirected edges.

    ``speed_factor`` (default 1) scales the walking speed on an edge: 0.5 for
    stairs walked at half pace.  Self-loops are dropped; of parallel edges the
    quickest is kept.  Only the largest connected component is kept unless
    ``largest_component`` is false (then unreachable parts stay unreachable).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    length_m = np.asarray(length_m, dtype=np.float64)
    n_in, m_in = x.shape[0], u.shape[0]
    if y.shape != x.shape or v.shape != u.shape or length_m.shape != u.shape:
        raise ValueError("x/y and u/v/length_m must have matching shapes")
    if m_in and (u.min() < 0 or v.min() < 0 or max(u.max(), v.max()) >= n_in):
        raise ValueError("edge endpoints out of range")
    if not np.all(np.isfinite(length_m)) or (m_in and length_m.min() < 0):
        raise ValueError("edge lengths must be finite and non-negative")
    if speed_factor is None:
        factor = np.ones(m_in)
    else:
        factor = np.broadcast_to(np.asarray(speed_factor, dtype=np.float64), (m_in,))
        if not np.all(np.isfinite(factor)) or (m_in and factor.min() <= 0):
            raise ValueError("speed factors must be positive")
    weight = length_m / factor
    edge_ids = np.arange(m_in, dtype=np.int64)

    keep = u != v
    a, b = np.minimum(u, v)[keep], np.maximum(u, v)[keep]
    w, eid = weight[keep], edge_ids[keep]
    key = a * max(n_in, 1) + b
    ks = np.sort(key)
    if a.size and bool((ks[1:] == ks[:-1]).any()):
        # Parallel edges: keep the quickest.
        order = np.lexsort((w, key))
        ks = key[order]
        first = order[np.r_[True, ks[1:] != ks[:-1]]]
        a, b, w, eid = a[first], b[first], w[first], eid[first]

    node_ids = np.arange(n_in, dtype=np.int64)
    if largest_component and n_in:
        g = sp.csr_matrix((np.ones(a.shape[0]), (a, b)), shape=(n_in, n_in))
        _nc, lab = connected_components(g, directed=False)
        big = int(np.argmax(np.bincount(lab)))
        node_ids = np.flatnonzero(lab == big)
    # Number the nodes along a Z-order curve: nodes near each other in space
    # are near in memory, which speeds every search and window gather.
    node_ids = node_ids[np.argsort(_morton(x[node_ids], y[node_ids]), kind="stable")]
    remap = np.full(n_in, -1, dtype=np.int64)
    remap[node_ids] = np.arange(node_ids.size)
    ek = remap[a] >= 0
    a, b, w, eid = remap[a[ek]], remap[b[ek]], w[ek], eid[ek]
    x, y = x[node_ids], y[node_ids]
    n = int(x.shape[0])
    if n >= 2**31 - 1 or 2 * a.shape[0] >= 2**31 - 1:
        raise ValueError("network too large for 32-bit indices")

    csr = sp.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(n, n),
    )
    csr.sort_indices()
    chord = np.hypot(x[a] - x[b], y[a] - y[b])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(chord > 0, chord / w, 0.0)
    euclid_ratio = float(ratio.max()) if ratio.size else 1.0
    indptr = csr.indptr.astype(np.int32)
    indices = csr.indices.astype(np.int32)
    data = csr.data
    return WalkNetwork(
        x=x,
        y=y,
        u=a.astype(np.int32),
        v=b.astype(np.int32),
        length_m=length_m[eid],
        weight=w,
        node_ids=node_ids,
        edge_ids=eid,
        indptr=indptr,
        indices=indices,
        data=data,
        euclid_ratio=euclid_ratio if math.isfinite(euclid_ratio) else math.inf,
        epsg=epsg,
        n_dropped_nodes=n_in - n,
    )


def speed_factors_by_kind(
    kind: np.ndarray, kinds: Sequence[str], factors: dict[str, float] | None = None
) -> np.ndarray:
    """Per-edge speed factor from an edge-kind index array and the kind names."""
    table = DEFAULT_KIND_FACTORS if factors is None else factors
    lut = np.array([table.get(name, 1.0) for name in kinds], dtype=np.float64)
    return lut[np.asarray(kind, dtype=np.int64)]


def network_from_lonlat(
    lon: np.ndarray,
    lat: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    length_m: np.ndarray,
    speed_factor: np.ndarray | None = None,
    *,
    epsg: int | None = None,
) -> WalkNetwork:
    """Project lon/lat nodes to the Gauss-Kruger zone (``epsg`` or the one of the
    mean longitude) and build the walking graph."""
    from zhili.places.geo import gk_epsg, lonlat_to_metric

    lon = np.asarray(lon, dtype=np.float64)
    if epsg is None:
        epsg = gk_epsg(float(np.mean(lon)))
    x, y = lonlat_to_metric(lon, np.asarray(lat, dtype=np.float64), epsg)
    return build_walk_network(x, y, u, v, length_m, speed_factor, epsg=epsg)


def network_from_road_network(
    road: RoadNetworkLike, factors: dict[str, float] | None = None
) -> WalkNetwork:
    """The walking graph of a :class:`zhili.demo.generator.RoadNetwork`-shaped
    object, with speed factors by edge kind (``factors``; ``{}`` for none)."""
    speed = speed_factors_by_kind(road.kind, road.kinds, factors)
    return network_from_lonlat(
        road.lon, road.lat, road.u, road.v, road.length_m, speed, epsg=road.epsg
    )
