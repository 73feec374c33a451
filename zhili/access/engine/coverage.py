"""Coverage: who lives within the walking time of a facility, and the what-ifs.

One bounded multi-source Dijkstra from all facilities gives every node its
nearest facility; a demand point then takes the better of its edge's two end
nodes (node distance plus the offset along the edge) plus its access leg.  A
demand point on the same edge as a facility may also walk straight along the
edge without passing an end node; that case is checked directly.

Distances are effective metres (see :mod:`.network`); times are those divided
by the walking speed.  Unsnapped demand points count as not covered and are
listed, as are unsnapped facilities (which serve nobody).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Seeds, WalkNetwork, WalkParams, _ranges
from .snapping import DEFAULT_TOLERANCE_M, Snapped, snap_points


@dataclass(frozen=True, eq=False)
class Coverage:
    """Nearest-facility result for every node and demand point."""

    walk: WalkParams
    limit_m: float  # coverage threshold (effective metres)
    search_m: float  # distances beyond this are inf
    node_dist: np.ndarray  # (n_nodes,) effective metres, inf beyond search_m
    node_facility: np.ndarray  # (n_nodes,) int, -1 if none in reach
    dist_m: np.ndarray  # (n_demand,) effective metres incl. access legs
    facility: np.ndarray  # (n_demand,) nearest facility, -1 if none within search_m
    weights: np.ndarray  # (n_demand,) population
    unsnapped_demand: np.ndarray  # indices of demand points beyond the snap tolerance
    unsnapped_facilities: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        return self.dist_m <= self.limit_m

    @property
    def time_s(self) -> np.ndarray:
        return self.walk.seconds(self.dist_m)

    @property
    def population(self) -> float:
        return float(self.weights.sum())

    @property
    def covered_population(self) -> float:
        return float(self.weights[self.covered].sum())

    @property
    def share(self) -> float:
        total = self.population
        return self.covered_population / total if total > 0 else 0.0


@dataclass(frozen=True, eq=False)
class GroupCoverage:
    """Coverage share per group (community, street, district)."""

    labels: np.ndarray
    population: np.ndarray
    covered: np.ndarray

    @property
    def share(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.population > 0, self.covered / self.population, 0.0)

    def as_dict(self) -> dict[str, tuple[float, float, float]]:
        """label -> (population, covered population, share)."""
        return {
            str(lab): (float(p), float(c), float(s))
            for lab, p, c, s in zip(
                self.labels, self.population, self.covered, self.share, strict=True
            )
        }


def coverage_by_group(
    weights: np.ndarray, covered: np.ndarray, labels: np.ndarray
) -> GroupCoverage:
    """Population and covered population per distinct label.

    For streets and the district pass the label prefixes: community codes
    ``c[:9]`` for streets, ``c[:6]`` for the district (GB/T 10114 codes).
    """
    uniq, inv = np.unique(np.asarray(labels), return_inverse=True)
    w = np.asarray(weights, dtype=np.float64)
    pop = np.bincount(inv, weights=w, minlength=uniq.size)
    cov = np.bincount(inv, weights=np.where(covered, w, 0.0), minlength=uniq.size)
    return GroupCoverage(uniq, pop, cov)


def _same_edge(
    net: WalkNetwork,
    demand: Snapped,
    idx: np.ndarray,
    facilities: Snapped,
    active: np.ndarray,
    count_facility_leg: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Best straight-along-the-edge distance from demand points ``idx`` to an
    active facility on the same edge (inf/-1 if none)."""
    best = np.full(idx.size, np.inf)
    which = np.full(idx.size, -1, dtype=np.int64)
    fsel = np.flatnonzero(active & facilities.ok & (facilities.edge >= 0))
    if fsel.size == 0 or idx.size == 0:
        return best, which
    fsel = fsel[np.argsort(facilities.edge[fsel], kind="stable")]
    fedge = facilities.edge[fsel]
    de = demand.edge[idx]
    lo = np.searchsorted(fedge, de, "left")
    hi = np.searchsorted(fedge, de, "right")
    cnt = np.where((de >= 0) & demand.ok[idx], hi - lo, 0)
    for r in range(int(cnt.max(initial=0))):
        m = np.flatnonzero(cnt > r)
        f = fsel[lo[m] + r]
        di = idx[m]
        d = np.abs(demand.t[di] - facilities.t[f]) * net.weight[demand.edge[di]]
        d = d + demand.leg_m[di] + (facilities.leg_m[f] if count_facility_leg else 0.0)
        upd = d < best[m]
        best[m[upd]] = d[upd]
        which[m[upd]] = f[upd]
    return best, which


def demand_distances(
    net: WalkNetwork,
    node_dist: np.ndarray,
    node_facility: np.ndarray,
    demand: Snapped,
    idx: np.ndarray,
    facilities: Snapped,
    active: np.ndarray,
    *,
    count_facility_leg: bool = True,
    search_m: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance and nearest facility of demand points ``idx`` from node results."""
    nu, nv = demand.node_u[idx], demand.node_v[idx]
    du = node_dist[nu] + demand.off_u[idx]
    dv = node_dist[nv] + demand.off_v[idx]
    via_u = du <= dv
    d = np.where(via_u, du, dv) + demand.leg_m[idx]
    f = np.where(via_u, node_facility[nu], node_facility[nv]).astype(np.int64)
    ds, fs = _same_edge(net, demand, idx, facilities, active, count_facility_leg)
    better = ds < d
    d = np.where(better, ds, d)
    f = np.where(better, fs, f)
    out = ~demand.ok[idx] | ~(d <= search_m)
    d[out] = np.inf
    f[out] = -1
    return d, f


def nearest_facilities(
    net: WalkNetwork,
    facilities: Snapped,
    limit_m: float,
    *,
    count_facility_leg: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage of the network nodes: each node's distance (effective metres,
    ``inf`` beyond ``limit_m``) to its nearest facility, and which (-1)."""
    seeds = Seeds.from_snapped(facilities, count_leg=count_facility_leg)
    dist, which = net.nearest_source(seeds, limit_m)
    return dist, which


def compute_coverage(
    net: WalkNetwork,
    facilities: Snapped,
    demand: Snapped,
    weights: np.ndarray | None = None,
    walk: WalkParams | None = None,
    *,
    count_facility_leg: bool = True,
    search_m: float | None = None,
) -> Coverage:
    """Each demand point's walking distance to its nearest facility and which.

    ``search_m`` (default: the walking limit) bounds the search; a larger
    value also reports how far the uncovered live from a facility.
    """
    walk = walk or WalkParams()
    limit = walk.limit_m
    search = max(limit, search_m or limit)
    w = np.ones(len(demand)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(demand),):
        raise ValueError("weights must have one value per demand point")
    node_dist, node_fac = nearest_facilities(
        net, facilities, search, count_facility_leg=count_facility_leg
    )
    idx = np.arange(len(demand))
    active = np.ones(len(facilities), dtype=bool)
    d, f = demand_distances(
        net,
        node_dist,
        node_fac,
        demand,
        idx,
        facilities,
        active,
        count_facility_leg=count_facility_leg,
        search_m=search,
    )
    return Coverage(
        walk=walk,
        limit_m=limit,
        search_m=search,
        node_dist=node_dist,
        node_facility=node_fac.astype(np.int64),
        dist_m=d,
        facility=f,
        weights=w,
        unsnapped_demand=demand.unsnapped,
        unsnapped_facilities=facilities.unsnapped,
    )


# ---------------------------------------------------------------------------
# What-ifs


@dataclass(frozen=True, eq=False)
class WhatIf:
    """The effect of one change: facility index, population newly covered and
    newly uncovered, and the demand points whose result changed."""

    facility: int
    gained: float
    lost: float
    changed: np.ndarray
    share_before: float
    share_after: float

    @property
    def delta(self) -> float:
        return self.gained - self.lost


@dataclass(eq=False)
class CoverageState:
    """A coverage result kept up to date as facilities are added, moved or
    closed, touching only what the change can reach.

    Adding searches from the new site only, within its walking limit; closing
    re-searches only the nodes whose nearest facility it was, seeded from
    their unaffected neighbours.  Facility indices stay stable: a closed
    facility keeps its index and is marked inactive.
    """

    net: WalkNetwork
    facilities: Snapped
    demand: Snapped
    weights: np.ndarray
    walk: WalkParams = field(default_factory=WalkParams)
    count_facility_leg: bool = True
    tolerance_m: float = DEFAULT_TOLERANCE_M

    def __post_init__(self) -> None:
        cov = compute_coverage(
            self.net,
            self.facilities,
            self.demand,
            self.weights,
            self.walk,
            count_facility_leg=self.count_facility_leg,
        )
        self.weights = cov.weights
        self.active = self.facilities.ok.copy()
        self.node_dist = cov.node_dist
        self.node_facility = cov.node_facility
        self.dist_m = cov.dist_m
        self.facility = cov.facility
        self._demand_at_node: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def limit_m(self) -> float:
        return self.walk.limit_m

    def coverage(self) -> Coverage:
        return Coverage(
            walk=self.walk,
            limit_m=self.limit_m,
            search_m=self.limit_m,
            node_dist=self.node_dist.copy(),
            node_facility=self.node_facility.copy(),
            dist_m=self.dist_m.copy(),
            facility=self.facility.copy(),
            weights=self.weights,
            unsnapped_demand=self.demand.unsnapped,
            unsnapped_facilities=np.flatnonzero(~self.facilities.ok),
        )

    @property
    def covered_population(self) -> float:
        return float(self.weights[self.dist_m <= self.limit_m].sum())

    def _share(self) -> float:
        total = float(self.weights.sum())
        return self.covered_population / total if total > 0 else 0.0

    def _demand_touching(self, nodes: np.ndarray) -> np.ndarray:
        """Demand points whose edge ends in one of ``nodes``."""
        if self._demand_at_node is None:
            ends = np.concatenate([self.demand.node_u, self.demand.node_v])
            pts = np.concatenate([np.arange(len(self.demand))] * 2)
            ok = np.concatenate([self.demand.ok] * 2)
            ends, pts = ends[ok], pts[ok]
            order = np.argsort(ends, kind="stable")
            ptr = np.zeros(self.net.n_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(ends, minlength=self.net.n_nodes), out=ptr[1:])
            self._demand_at_node = (ptr, pts[order])
        ptr, pts = self._demand_at_node
        return np.unique(pts[_ranges(ptr[nodes], ptr[nodes + 1] - ptr[nodes])])

    def _refresh(self, idx: np.ndarray, facility: int, share_before: float) -> WhatIf:
        old = self.dist_m[idx] <= self.limit_m
        d, f = demand_distances(
            self.net,
            self.node_dist,
            self.node_facility,
            self.demand,
            idx,
            self.facilities,
            self.active,
            count_facility_leg=self.count_facility_leg,
            search_m=self.limit_m,
        )
        changed = (d != self.dist_m[idx]) | (f != self.facility[idx])
        self.dist_m[idx], self.facility[idx] = d, f
        new = d <= self.limit_m
        w = self.weights[idx]
        return WhatIf(
            facility=facility,
            gained=float(w[new & ~old].sum()),
            lost=float(w[old & ~new].sum()),
            changed=idx[changed],
            share_before=share_before,
            share_after=self._share(),
        )

    def _window(self, cx: float, cy: float) -> np.ndarray:
        r = self.net.euclid_reach(self.limit_m)
        grid = self.net.node_grid(max(r, 1.0))
        return grid.window(cx - r, cy - r, cx + r, cy + r)

    def add(self, site: Snapped) -> WhatIf:
        """Open a facility at ``site`` (one snapped point)."""
        if len(site) != 1:
            raise ValueError("add one site at a time")
        if not site.ok[0]:
            raise ValueError("the site is beyond the snap tolerance of the network")
        before = self._share()
        fid = len(self.facilities)
        self.facilities = Snapped.concat([self.facilities, site])
        self.active = np.concatenate([self.active, [True]])
        seeds = Seeds.from_snapped(site, count_leg=self.count_facility_leg)
        nodes = self._window(float(site.sx[0]), float(site.sy[0]))
        dist, _ = self.net.local_search(nodes, seeds, self.limit_m, min_only=True)
        better = dist < self.node_dist[nodes]
        hit = nodes[better]
        self.node_dist[hit] = dist[better]
        self.node_facility[hit] = fid
        idx = self._demand_touching(hit)
        if site.edge[0] >= 0:
            idx = np.union1d(idx, np.flatnonzero(self.demand.edge == site.edge[0]))
        return self._refresh(idx, fid, before)

    def add_at(self, x: float, y: float) -> WhatIf:
        """Open a facility at a point (metres), snapped onto the network."""
        site = snap_points(self.net, np.array([x]), np.array([y]), self.tolerance_m)
        return self.add(site)

    def close(self, facility: int) -> WhatIf:
        """Close ``facility``; its nodes fall back to the next nearest."""
        if not self.active[facility]:
            raise ValueError(f"facility {facility} is not open")
        before = self._share()
        self.active[facility] = False
        net = self.net
        a = np.flatnonzero(self.node_facility == facility)
        in_a = np.zeros(net.n_nodes, dtype=bool)
        in_a[a] = True
        nbr = net.indices[_ranges(net.indptr[a].astype(np.int64), np.diff(net.indptr)[a])]
        b = np.unique(nbr[~in_a[nbr]])
        b = b[np.isfinite(self.node_dist[b])]
        # Sources: each boundary node with its (unchanged) distance, and the
        # seeds other open facilities have inside the region.
        fs = Seeds.from_snapped(self.facilities, count_leg=self.count_facility_leg)
        inside = in_a[fs.node] & self.active[fs.src]
        n_b = b.size
        seeds = Seeds(
            src=np.concatenate([np.arange(n_b), n_b + np.arange(int(inside.sum()))]),
            node=np.concatenate([b, fs.node[inside]]).astype(np.int32),
            w=np.concatenate([self.node_dist[b], fs.w[inside]]),
            n_sources=n_b + int(inside.sum()),
        )
        # One extra -1 at the end: src == -1 (unreached) indexes it.
        src_fac = np.concatenate([self.node_facility[b], fs.src[inside], [-1]])
        nodes = np.concatenate([a, b])
        dist, src = self.net.local_search(nodes, seeds, self.limit_m, min_only=True)
        assert src is not None
        self.node_dist[a] = dist[: a.size]
        self.node_facility[a] = src_fac[src[: a.size]]
        idx = np.union1d(self._demand_touching(a), np.flatnonzero(self.facility == facility))
        return self._refresh(idx, facility, before)

    def move(self, facility: int, site: Snapped) -> tuple[WhatIf, WhatIf]:
        """Close ``facility`` and open it again at ``site``; returns both steps
        (the new index is the second's ``facility``)."""
        closed = self.close(facility)
        opened = self.add(site)
        return closed, opened


# ---------------------------------------------------------------------------
# Hot spots of the uncovered


@dataclass(frozen=True, eq=False)
class Hotspots:
    """Uncovered population on a square grid, with Getis-Ord Gi* z-scores."""

    cell_m: float
    x: np.ndarray  # cell centres, metres
    y: np.ndarray
    population: np.ndarray  # all residents in the cell
    uncovered: np.ndarray  # residents beyond the walking limit
    z: np.ndarray  # Gi* of the uncovered population over the 3x3 neighbourhood

    def hot(self, z_min: float = 1.96) -> np.ndarray:
        """Indices of cells whose Gi* exceeds ``z_min`` (1.96: 95 % two-sided),
        most uncovered first."""
        idx = np.flatnonzero((self.z >= z_min) & (self.uncovered > 0))
        return idx[np.argsort(-self.uncovered[idx], kind="stable")]


def uncovered_hotspots(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    covered: np.ndarray,
    cell_m: float = 250.0,
) -> Hotspots:
    """Where the uncovered live, cell by cell; the study area is the cells where
    anyone lives, each compared with its 3x3 neighbourhood (Gi*, binary weights,
    the cell itself included)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    unc = np.where(covered, 0.0, w)
    if x.size == 0:
        e = np.empty(0)
        return Hotspots(cell_m, e, e, e, e, e)
    ix = np.floor((x - x.min()) / cell_m).astype(np.int64)
    iy = np.floor((y - y.min()) / cell_m).astype(np.int64)
    key = ix * (int(iy.max()) + 1) + iy
    uk, inv = np.unique(key, return_inverse=True)
    pop = np.bincount(inv, weights=w)
    un = np.bincount(inv, weights=unc)
    keep = pop > 0
    uk, pop, un = uk[keep], pop[keep], un[keep]
    ny = int(iy.max()) + 1
    cx, cy = uk // ny, uk % ny
    n = uk.size
    # Neighbour sums through a sorted key lookup (sparse grid, any extent).
    lag = np.zeros(n)
    cnt = np.zeros(n)
    for ddx in (-1, 0, 1):
        for ddy in (-1, 0, 1):
            nx_, ny_ = cx + ddx, cy + ddy
            ok = (nx_ >= 0) & (ny_ >= 0) & (ny_ < ny)
            k2 = nx_ * ny + ny_
            pos = np.searchsorted(uk, k2)
            pos = np.minimum(pos, n - 1)
            hit = ok & (uk[pos] == k2)
            lag[hit] += un[pos[hit]]
            cnt[hit] += 1
    mean = un.mean()
    sd = np.sqrt(max((un * un).mean() - mean * mean, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = sd * np.sqrt((n * cnt - cnt * cnt) / max(n - 1, 1))
        z = np.where(denom > 0, (lag - mean * cnt) / denom, 0.0)
    return Hotspots(
        cell_m=cell_m,
        x=float(x.min()) + (cx + 0.5) * cell_m,
        y=float(y.min()) + (cy + 0.5) * cell_m,
        population=pop,
        uncovered=un,
        z=z,
    )
