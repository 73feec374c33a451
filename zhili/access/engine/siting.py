"""Where to put new facilities: maximal covering, set covering and p-median.

The model is built sparse: a demand row lists only the candidates within
reach (from bounded searches, :func:`.catchment.reach`).  Demand already
covered by the existing facilities, which are always kept, drops out of the
covering models; demand points with identical candidate lists are merged
into one row carrying their summed population.

Two modes for each model:

* ``heuristic``: lazy greedy (marginal gains in a priority queue, recomputed
  only when a stale gain reaches the top: gains only shrink as sites are
  added) followed by a vectorised best-swap interchange, for interactive
  what-ifs;
* ``exact``: a MIP solved by HiGHS (``highspy``; SciPy's bundled HiGHS via
  ``scipy.optimize.milp`` if highspy is missing), warm-started from the
  heuristic, stopping at the requested relative gap; the proven bound and
  gap are reported.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .catchment import reach
from .coverage import compute_coverage
from .network import WalkNetwork, WalkParams
from .snapping import Snapped, at_nodes


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """Demand x candidate reach, plus what the existing facilities provide.

    ``cover[i, j]`` is 1 when candidate ``j`` is within the walking limit of
    demand point ``i``; ``dist`` (optional, for p-median) holds the distances
    of every pair within the search bound, explicit zeros included.
    """

    weights: np.ndarray  # (n_demand,)
    cover: sp.csc_matrix  # (n_demand, n_candidates) 0/1
    covered_by_existing: np.ndarray  # (n_demand,) bool
    dist: sp.csc_matrix | None = None
    existing_dist: np.ndarray | None = None  # (n_demand,) to the nearest existing, inf if none

    @property
    def n_demand(self) -> int:
        return int(self.cover.shape[0])

    @property
    def n_candidates(self) -> int:
        return int(self.cover.shape[1])

    @property
    def total(self) -> float:
        return float(self.weights.sum())

    def covered_weight(self, selected: np.ndarray) -> float:
        """Population covered by the existing facilities and ``selected``."""
        hit = self.covered_by_existing.copy()
        if len(selected):
            hit |= np.asarray(self.cover[:, np.asarray(selected)].sum(axis=1)).ravel() > 0
        return float(self.weights[hit].sum())

    def median_cost(self, selected: np.ndarray, penalty_m: float) -> float:
        """Weighted walking distance to the nearest open facility, ``penalty_m``
        for demand with none within the search bound."""
        if self.dist is None:
            raise ValueError("this problem was built without distances")
        c = self.base_cost(penalty_m)
        if len(selected):
            sub = self.dist[:, np.asarray(selected)].tocsr()
            rows = np.repeat(np.arange(self.n_demand), np.diff(sub.indptr))
            np.minimum.at(c, rows, sub.data)
        return float(self.weights @ c)

    def base_cost(self, penalty_m: float) -> np.ndarray:
        base = np.full(self.n_demand, float(penalty_m))
        if self.existing_dist is not None:
            base = np.minimum(base, self.existing_dist)
        return base


@dataclass(frozen=True, eq=False)
class SitingResult:
    """A recommendation: candidate indices and what they achieve.

    ``objective``: covered population (MCLP), number of sites (set cover) or
    weighted distance (p-median), existing facilities included.  For exact
    runs ``bound`` is the solver's proven bound and ``gap`` the relative gap
    ``|bound - objective| / |objective|``; heuristics report neither.
    """

    model: str
    method: str
    selected: np.ndarray
    objective: float
    bound: float | None
    gap: float | None
    status: str
    seconds: float
    build_seconds: float = 0.0
    covered: float | None = None  # population covered, for every model
    share: float | None = None


# ---------------------------------------------------------------------------
# Building the problem


def build_problem(
    net: WalkNetwork,
    demand: Snapped,
    weights: np.ndarray,
    candidates: Snapped,
    walk: WalkParams | None = None,
    *,
    existing: Snapped | None = None,
    search_m: float | None = None,
    count_facility_leg: bool = True,
) -> SitingProblem:
    """Bounded searches from every candidate (tiled, see :mod:`.catchment`) and
    from the existing facilities.  ``search_m`` > the walking limit also keeps
    longer distances for p-median."""
    walk = walk or WalkParams()
    limit = walk.limit_m
    search = max(limit, search_m or limit)
    w = np.asarray(weights, dtype=np.float64)
    r = reach(net, candidates, demand, search, count_source_leg=count_facility_leg).matrix
    dist = sp.csc_matrix(r.T)
    cover = dist.copy()
    cover.data = (cover.data <= limit).astype(np.float64)
    cover.eliminate_zeros()
    if existing is not None and len(existing):
        cov = compute_coverage(
            net, existing, demand, w, walk, count_facility_leg=count_facility_leg, search_m=search
        )
        pre, edist = cov.covered, cov.dist_m
    else:
        pre, edist = np.zeros(len(demand), dtype=bool), None
    return SitingProblem(w, cover, pre, dist if search_m else None, edist)


def problem_from_matrix(
    weights: np.ndarray,
    cover: sp.spmatrix | np.ndarray,
    covered_by_existing: np.ndarray | None = None,
    dist: sp.spmatrix | np.ndarray | None = None,
    existing_dist: np.ndarray | None = None,
) -> SitingProblem:
    """A problem from a ready demand x candidate matrix (0/1 cover; distances
    with ``inf`` or no entry for pairs out of reach)."""
    w = np.asarray(weights, dtype=np.float64)
    c = sp.csc_matrix(cover, dtype=np.float64)
    c.data = (c.data != 0).astype(np.float64)
    c.eliminate_zeros()
    d = None
    if dist is not None:
        if sp.issparse(dist):
            d = sp.csc_matrix(dist, dtype=np.float64)
        else:
            arr = np.asarray(dist, dtype=np.float64)
            rr, cc = np.nonzero(np.isfinite(arr))
            d = sp.csc_matrix((arr[rr, cc], (rr, cc)), shape=arr.shape)
    pre = (
        np.zeros(w.shape[0], dtype=bool)
        if covered_by_existing is None
        else np.asarray(covered_by_existing, dtype=bool)
    )
    return SitingProblem(w, c, pre, d, existing_dist)


def candidate_nodes(
    net: WalkNetwork,
    areas: object | None = None,
    *,
    min_spacing_m: float = 0.0,
) -> np.ndarray:
    """Network nodes usable as candidate sites: inside ``areas`` (a Shapely
    geometry in the network's metres, e.g. residential land and public plots)
    and thinned to about one per ``min_spacing_m`` square (the node nearest
    each cell's centre)."""
    import shapely

    nodes = np.arange(net.n_nodes)
    if areas is not None:
        geom = areas
        if isinstance(areas, list | tuple | np.ndarray):
            geom = shapely.union_all(np.asarray(areas, dtype=object))
        shapely.prepare(geom)
        nodes = nodes[shapely.contains_xy(geom, net.x, net.y)]
    if min_spacing_m > 0 and nodes.size:
        s = float(min_spacing_m)
        gx = np.floor(net.x[nodes] / s)
        gy = np.floor(net.y[nodes] / s)
        off = np.hypot(net.x[nodes] - (gx + 0.5) * s, net.y[nodes] - (gy + 0.5) * s)
        order = np.lexsort((off, gy, gx))
        gx, gy = gx[order], gy[order]
        first = np.r_[True, (gx[1:] != gx[:-1]) | (gy[1:] != gy[:-1])]
        nodes = np.sort(nodes[order][first])
    return nodes


def candidates_at_nodes(net: WalkNetwork, nodes: np.ndarray) -> Snapped:
    return at_nodes(net, nodes)


# ---------------------------------------------------------------------------
# Reductions


@dataclass(frozen=True, eq=False)
class _Rows:
    """Distinct candidate lists of the demand still to cover."""

    cover: sp.csr_matrix  # (n_rows, n_cols) over the kept columns
    weight: np.ndarray  # summed population per row
    cols: np.ndarray  # kept candidate indices


def _reduce_rows(problem: SitingProblem, keep: np.ndarray, dominance: bool = True) -> _Rows:
    """The demand rows ``keep`` with at least one candidate, identical rows
    merged; with ``dominance``, candidates whose demand is a subset of another
    candidate's are dropped (valid for covering models: swapping a dominated
    site for its dominator never loses coverage)."""
    c = problem.cover.tocsr()[keep]
    w = problem.weights[keep]
    nonempty = np.diff(c.indptr) > 0
    c, w = c[nonempty], w[nonempty]
    cols = np.flatnonzero(np.diff(c.tocsc().indptr) > 0)
    c = c[:, cols].tocsr()
    c.sort_indices()
    c, w = _merge_rows(c, w)
    if dominance and c.shape[0]:
        deg = np.diff(c.indptr).astype(np.int64)
        # |N_j & N_k| for all pairs costs sum(deg^2): skip on pathological input.
        if int(deg @ deg) <= 60_000_000:
            undominated = _undominated(c)
            if undominated.size < cols.size:
                cols = cols[undominated]
                c = c[:, undominated].tocsr()
                c.sort_indices()
                nonempty = np.diff(c.indptr) > 0
                c, w = _merge_rows(c[nonempty], w[nonempty])
    return _Rows(sp.csr_matrix(c), w, cols)


def _undominated(c: sp.csr_matrix) -> np.ndarray:
    """Columns not dominated by another (ties: the lowest index survives)."""
    csc = c.tocsc()
    size = np.diff(csc.indptr)
    g = (csc.T @ csc).tocoo()
    off = g.row != g.col
    j, k, inter = g.row[off], g.col[off], g.data[off]
    dom = (inter == size[j]) & ((size[k] > size[j]) | (k < j))
    out = np.ones(c.shape[1], dtype=bool)
    out[j[dom]] = False
    return np.flatnonzero(out)


def _merge_rows(c: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge identical rows, summing their weights (128-bit row fingerprints)."""
    rng = np.random.default_rng(12345)
    n_rows = c.shape[0]
    if n_rows:
        h1 = rng.integers(1, 2**62, c.shape[1], dtype=np.int64)
        h2 = rng.integers(1, 2**62, c.shape[1], dtype=np.int64)
        # Sums wrap modulo 2**64, which keeps them a fine fingerprint.
        k1 = np.zeros(n_rows, dtype=np.int64)
        k2 = np.zeros(n_rows, dtype=np.int64)
        nz = np.diff(c.indptr) > 0
        starts = c.indptr[:-1][nz]
        k1[nz] = np.add.reduceat(h1[c.indices], starts)
        k2[nz] = np.add.reduceat(h2[c.indices], starts)
        key = np.column_stack([k1, k2, np.diff(c.indptr)])
        _u, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
        inv = inv.ravel()
        w = np.bincount(inv, weights=w, minlength=first.size)
        c = c[first]
    return sp.csr_matrix(c), w


# ---------------------------------------------------------------------------
# Greedy engines


def _lazy_greedy(
    cover_csc: sp.csc_matrix,
    w: np.ndarray,
    p: int,
    target: float = math.inf,
    done: np.ndarray | None = None,
) -> tuple[list[int], np.ndarray]:
    """Pick up to ``p`` columns maximising newly covered weight, stopping early
    once ``target`` weight is covered.  Returns the picks and the covered mask."""
    ptr, ind = cover_csc.indptr, cover_csc.indices
    covered = np.zeros(cover_csc.shape[0], dtype=bool) if done is None else done.copy()
    wl = np.where(covered, 0.0, w)
    gains = np.asarray(sp.csr_matrix((wl[ind], ind, ptr)).sum(axis=1)).ravel()
    heap = [(-g, j) for j, g in enumerate(gains.tolist()) if g > 0]
    heapq.heapify(heap)
    got = float(w[covered].sum())
    picks: list[int] = []
    while heap and len(picks) < p and got < target:
        neg, j = heapq.heappop(heap)
        rows = ind[ptr[j] : ptr[j + 1]]
        g = float(wl[rows].sum())
        if g <= 0:
            continue
        if heap and g < -heap[0][0] - 1e-12 * max(1.0, g):
            heapq.heappush(heap, (-g, j))
            continue
        picks.append(j)
        covered[rows] = True
        wl[rows] = 0.0
        got += g
    return picks, covered


def _best_swaps(
    cover_csr: sp.csr_matrix, w: np.ndarray, picks: list[int], deadline: float
) -> tuple[list[int], int]:
    """Best-improvement interchange for maximal covering: repeatedly apply the
    single (out, in) swap that most increases covered weight."""
    n_rows, n_cols = cover_csr.shape
    cover_csc = cover_csr.tocsc()
    sel = np.array(picks, dtype=np.int64)
    swaps = 0
    while sel.size and time.perf_counter() < deadline:
        cnt = np.asarray(cover_csc[:, sel].sum(axis=1)).ravel()
        free = w * (cnt == 0)
        once = w * (cnt == 1)
        gain = cover_csc.T @ free
        in_sel = np.zeros(n_cols, dtype=bool)
        in_sel[sel] = True
        gain[in_sel] = -np.inf
        cs = cover_csc[:, sel]
        loss = cs.T @ once
        m = (cover_csc.T @ sp.diags(once) @ cs).tocoo()
        best, bj, bs = -np.inf, -1, -1
        if m.nnz:
            val = gain[m.row] - loss[m.col] + m.data
            k = int(np.argmax(val))
            best, bj, bs = float(val[k]), int(m.row[k]), int(m.col[k])
        j0, s0 = int(np.argmax(gain)), int(np.argmin(loss))
        if gain[j0] - loss[s0] > best:
            best, bj, bs = float(gain[j0] - loss[s0]), j0, s0
        if not best > 1e-9 * max(1.0, float(w.sum())):
            break
        sel[bs] = bj
        swaps += 1
    return sel.tolist(), swaps


# ---------------------------------------------------------------------------
# MIP


@dataclass(frozen=True)
class _Mip:
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    status: str


def _solve_mip(
    c: np.ndarray,
    a: sp.csc_matrix,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    integer: np.ndarray,
    *,
    time_limit: float,
    gap: float,
    start: np.ndarray | None,
    threads: int | None,
    offset: float = 0.0,
    options: dict[str, object] | None = None,
) -> _Mip:
    """Minimise ``offset + c @ x`` subject to ``row_lo <= a @ x <= row_hi``
    (the offset counts in the relative gap the solver stops at)."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - exercised only without highspy
        return _solve_scipy(c, a, row_lo, row_hi, lo, hi, integer, time_limit, gap, offset)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("time_limit", float(time_limit))
    # HiGHS's own choice (dual simplex) measured best here once the model is
    # reduced and warm-started: 1.8 s to optimality on the sparse bench
    # instance against 4.2 s with mip_lp_solver="ipm", and a tighter gap at
    # the time limit on the dense one.  Callers may override any option.
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    if threads:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = int(c.size)
    lp.num_row_ = int(a.shape[0])
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.offset_ = float(offset)
    lp.col_lower_ = np.asarray(lo, dtype=np.float64)
    lp.col_upper_ = np.asarray(hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_hi, dtype=np.float64)
    a = sp.csc_matrix(a)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in integer
    ]
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    if info.primal_solution_status == 0:
        return _Mip(None, math.nan, float(info.mip_dual_bound), math.inf, status)
    x = np.asarray(h.getSolution().col_value)
    return _Mip(
        x,
        float(info.objective_function_value),
        float(info.mip_dual_bound),
        float(info.mip_gap),
        status,
    )


def _solve_scipy(
    c: np.ndarray,
    a: sp.csc_matrix,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    integer: np.ndarray,
    time_limit: float,
    gap: float,
    offset: float,
) -> _Mip:  # pragma: no cover - fallback
    from scipy.optimize import Bounds, LinearConstraint, milp

    res = milp(
        c,
        constraints=LinearConstraint(a, row_lo, row_hi),
        bounds=Bounds(lo, hi),
        integrality=integer.astype(int),
        options={"time_limit": time_limit, "mip_rel_gap": gap},
    )
    if res.x is None:
        return _Mip(None, math.nan, math.nan, math.inf, res.message)
    obj = float(res.fun) + offset
    bound = float(getattr(res, "mip_dual_bound", res.fun)) + offset
    return _Mip(res.x, obj, bound, _rel_gap(obj, bound), res.message)


def _rel_gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.inf
    return abs(bound - obj) / max(abs(obj), 1e-9)


# ---------------------------------------------------------------------------
# Maximal covering (MCLP)


@dataclass(frozen=True, eq=False)
class MclpModel:
    """The reduced maximal covering MIP, ready for the solver.

    Variables: x (one per kept candidate, binary) then y (one per distinct
    demand row, continuous in [0, 1]).  Minimise ``offset + c @ v`` subject
    to ``y_r - sum_{j in N(r)} x_j <= 0`` and ``sum x <= p``; the offset is
    minus the population the existing facilities already cover.
    """

    rows: _Rows
    a: sp.csc_matrix
    c: np.ndarray
    row_hi: np.ndarray
    offset: float


def build_mclp_model(problem: SitingProblem, p: int, *, dominance: bool = True) -> MclpModel:
    rows = _reduce_rows(problem, ~problem.covered_by_existing, dominance=dominance)
    return _assemble_mclp(rows, p, float(problem.weights[problem.covered_by_existing].sum()))


def _assemble_mclp(rows: _Rows, p: int, base: float) -> MclpModel:
    n_r, n_c = rows.cover.shape
    a = sp.vstack(
        [
            sp.hstack([-rows.cover, sp.identity(n_r, format="csr")]),
            sp.hstack([sp.csr_matrix(np.ones((1, n_c))), sp.csr_matrix((1, n_r))]),
        ]
    ).tocsc()
    return MclpModel(
        rows=rows,
        a=a,
        c=np.concatenate([np.zeros(n_c), -rows.weight]),
        row_hi=np.concatenate([np.zeros(n_r), [float(min(p, n_c))]]),
        offset=-base,
    )


def mclp(
    problem: SitingProblem,
    p: int,
    *,
    mode: str = "heuristic",
    time_limit: float = 60.0,
    gap: float = 1e-3,
    swap_seconds: float = 0.5,
    threads: int | None = None,
    solver_options: dict[str, object] | None = None,
) -> SitingResult:
    """Choose ``p`` new sites to maximise covered population, existing kept.

    The exact mode's gap is relative to the whole covered population
    (existing coverage included), the objective the user sees."""
    if p < 0:
        raise ValueError("p must be non-negative")
    if mode not in ("heuristic", "exact"):
        raise ValueError("mode must be 'heuristic' or 'exact'")
    t0 = time.perf_counter()
    # Dropping dominated candidates pays off only for the solver.
    rows = _reduce_rows(problem, ~problem.covered_by_existing, dominance=mode == "exact")
    base = float(problem.weights[problem.covered_by_existing].sum())
    build = time.perf_counter() - t0
    picks, _cov = _lazy_greedy(rows.cover.tocsc(), rows.weight, p)
    method = "greedy"
    if swap_seconds > 0 and picks:
        deadline = time.perf_counter() + swap_seconds
        picks, n = _best_swaps(rows.cover, rows.weight, picks, deadline)
        method = f"greedy+{n} swaps"
    heur = float(rows.weight[np.asarray(rows.cover[:, picks].sum(axis=1)).ravel() > 0].sum())
    if mode == "heuristic":
        sel = np.sort(rows.cols[picks])
        return _result(
            problem, "mclp", method, sel, base + heur, None, None, "heuristic", t0, build
        )
    tb = time.perf_counter()
    model = _assemble_mclp(rows, p, base)
    build += time.perf_counter() - tb
    n_r, n_c = rows.cover.shape
    start = np.zeros(n_c + n_r)
    start[picks] = 1.0
    start[n_c:] = np.asarray(rows.cover[:, picks].sum(axis=1)).ravel() > 0
    res = _solve_mip(
        model.c,
        model.a,
        np.full(n_r + 1, -np.inf),
        model.row_hi,
        np.zeros(n_c + n_r),
        np.ones(n_c + n_r),
        np.r_[np.ones(n_c, dtype=bool), np.zeros(n_r, dtype=bool)],
        time_limit=time_limit,
        gap=gap,
        start=start,
        threads=threads,
        offset=model.offset,
        options=solver_options,
    )
    if res.x is None:
        sel = np.sort(rows.cols[picks])
        return _result(problem, "mclp", method, sel, base + heur, None, None, res.status, t0, build)
    chosen = np.flatnonzero(res.x[:n_c] > 0.5)
    obj = base + float(rows.weight[np.asarray(rows.cover[:, chosen].sum(axis=1)).ravel() > 0].sum())
    bound = -res.bound
    return _result(
        problem,
        "mclp",
        "highs",
        np.sort(rows.cols[chosen]),
        obj,
        bound,
        _rel_gap(obj, bound),
        res.status,
        t0,
        build,
    )


def _result(
    problem: SitingProblem,
    model: str,
    method: str,
    sel: np.ndarray,
    objective: float,
    bound: float | None,
    gap: float | None,
    status: str,
    t0: float,
    build: float = 0.0,
) -> SitingResult:
    covered = problem.covered_weight(sel)
    total = problem.total
    return SitingResult(
        model=model,
        method=method,
        selected=np.asarray(sel, dtype=np.int64),
        objective=objective,
        bound=bound,
        gap=gap,
        status=status,
        seconds=time.perf_counter() - t0,
        build_seconds=build,
        covered=covered,
        share=covered / total if total > 0 else 0.0,
    )


# ---------------------------------------------------------------------------
# Set covering


def set_cover(
    problem: SitingProblem,
    target_share: float = 1.0,
    *,
    mode: str = "heuristic",
    time_limit: float = 60.0,
    gap: float = 0.0,
    threads: int | None = None,
    solver_options: dict[str, object] | None = None,
) -> SitingResult:
    """The fewest new sites to cover ``target_share`` of the population
    (existing facilities included).  If even every candidate cannot reach the
    target, all useful sites are returned with status ``target_unreachable``."""
    t0 = time.perf_counter()
    rows = _reduce_rows(problem, ~problem.covered_by_existing)
    base = float(problem.weights[problem.covered_by_existing].sum())
    need = target_share * problem.total - base - 1e-9 * max(problem.total, 1.0)
    reachable = float(rows.weight.sum())
    status = "heuristic"
    if need > reachable:
        status, need = "target_unreachable", reachable
    if need <= 0:
        return _result(
            problem, "set_cover", "none needed", np.empty(0, np.int64), 0.0, 0.0, 0.0, "optimal", t0
        )
    csc = rows.cover.tocsc()
    picks, _ = _lazy_greedy(csc, rows.weight, rows.cover.shape[1], target=need)
    picks = _drop_redundant(csc, rows.weight, picks, need)
    if mode == "heuristic" or status == "target_unreachable":
        sel = np.sort(rows.cols[picks])
        return _result(problem, "set_cover", "greedy", sel, float(len(sel)), None, None, status, t0)
    if mode != "exact":
        raise ValueError("mode must be 'heuristic' or 'exact'")
    tb = time.perf_counter()
    n_r, n_c = rows.cover.shape
    full = need >= reachable - 1e-9 * max(reachable, 1.0)
    start = np.zeros(n_c if full else n_c + n_r)
    start[picks] = 1.0
    if full:
        # Classic set covering: every row needs a site.
        a = rows.cover.tocsc()
        row_lo, row_hi = np.ones(n_r), np.full(n_r, np.inf)
        c = np.ones(n_c)
        integer = np.ones(n_c, dtype=bool)
    else:
        # Partial covering: y_r <= sum x over N(r), w.y >= need.
        a = sp.vstack(
            [
                sp.hstack([-rows.cover, sp.identity(n_r, format="csr")]),
                sp.hstack([sp.csr_matrix((1, n_c)), sp.csr_matrix(rows.weight[None, :])]),
            ]
        ).tocsc()
        row_lo = np.concatenate([np.full(n_r, -np.inf), [need]])
        row_hi = np.concatenate([np.zeros(n_r), [np.inf]])
        c = np.concatenate([np.ones(n_c), np.zeros(n_r)])
        integer = np.r_[np.ones(n_c, dtype=bool), np.zeros(n_r, dtype=bool)]
        start[n_c:] = np.asarray(rows.cover[:, picks].sum(axis=1)).ravel() > 0
    build = time.perf_counter() - tb
    res = _solve_mip(
        c,
        a,
        row_lo,
        row_hi,
        np.zeros(c.size),
        np.ones(c.size),
        integer,
        time_limit=time_limit,
        gap=gap,
        start=start,
        threads=threads,
        options=solver_options,
    )
    if res.x is None:
        sel = np.sort(rows.cols[picks])
        return _result(
            problem, "set_cover", "greedy", sel, float(len(sel)), None, None, res.status, t0
        )
    chosen = np.flatnonzero(res.x[:n_c] > 0.5)
    obj = float(chosen.size)
    return _result(
        problem,
        "set_cover",
        "highs",
        np.sort(rows.cols[chosen]),
        obj,
        float(math.ceil(res.bound - 1e-6)),
        _rel_gap(obj, math.ceil(res.bound - 1e-6)),
        res.status,
        t0,
        build,
    )


def _drop_redundant(csc: sp.csc_matrix, w: np.ndarray, picks: list[int], need: float) -> list[int]:
    """Drop picks (latest first) whose removal keeps the target covered."""
    if not picks:
        return picks
    cnt = np.asarray(csc[:, picks].sum(axis=1)).ravel()
    got = float(w[cnt > 0].sum())
    keep = list(picks)
    for j in reversed(picks):
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        lose = float(w[rows[cnt[rows] == 1]].sum())
        if got - lose >= need:
            cnt[rows] -= 1
            got -= lose
            keep.remove(j)
    return keep


# ---------------------------------------------------------------------------
# p-median


def _assign(
    dist_csr: sp.csr_matrix, sel: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per demand: best cost, slot in ``sel`` of the best site (-1: base), and
    second-best cost."""
    n = dist_csr.shape[0]
    sub = dist_csr[:, sel].tocsr()
    rows = np.repeat(np.arange(n), np.diff(sub.indptr))
    slot = sub.indices.astype(np.int64)
    val = sub.data
    order = np.lexsort((val, rows))
    rows, slot, val = rows[order], slot[order], val[order]
    start = np.searchsorted(rows, np.arange(n))
    cnt = np.bincount(rows, minlength=n)
    v1 = np.full(n, np.inf)
    v2 = np.full(n, np.inf)
    v1[cnt >= 1] = val[start[cnt >= 1]]
    v2[cnt >= 2] = val[start[cnt >= 2] + 1]
    better1 = v1 < base
    c1 = np.where(better1, v1, base)
    f1 = np.where(better1, slot[np.minimum(start, max(slot.size - 1, 0))] if slot.size else -1, -1)
    # The runner-up: the fallback or the second site if the best is a site;
    # otherwise the best site (c2 only matters where f1 >= 0).
    c2 = np.where(better1, np.minimum(base, v2), v1)
    return c1, f1, c2


def p_median(
    problem: SitingProblem,
    p: int,
    *,
    penalty_m: float,
    mode: str = "heuristic",
    time_limit: float = 60.0,
    gap: float = 1e-3,
    swap_seconds: float = 1.0,
    threads: int | None = None,
    solver_options: dict[str, object] | None = None,
) -> SitingResult:
    """Choose ``p`` new sites minimising the population-weighted walking
    distance to the nearest facility (existing included); demand with no
    facility within the search bound counts ``penalty_m``."""
    if problem.dist is None:
        raise ValueError("p-median needs a problem built with distances (search_m)")
    t0 = time.perf_counter()
    w = problem.weights
    base = problem.base_cost(penalty_m)
    d = problem.dist
    # Only pairs that beat the fallback matter.
    coo = d.tocoo()
    useful = coo.data < base[coo.row]
    d = sp.csc_matrix((coo.data[useful], (coo.row[useful], coo.col[useful])), shape=d.shape)
    d.sort_indices()
    ptr, ind, dat = d.indptr, d.indices, d.data
    n_c = d.shape[1]
    # Lazy greedy: a site's saving only shrinks as others open.
    cur = base.copy()
    sav = np.asarray(
        sp.csc_matrix((w[ind] * np.maximum(cur[ind] - dat, 0.0), ind, ptr), shape=d.shape).sum(
            axis=0
        )
    ).ravel()
    heap = [(-s, j) for j, s in enumerate(sav.tolist()) if s > 0]
    heapq.heapify(heap)
    picks: list[int] = []
    while heap and len(picks) < p:
        _neg, j = heapq.heappop(heap)
        rows = ind[ptr[j] : ptr[j + 1]]
        s = float(w[rows] @ np.maximum(cur[rows] - dat[ptr[j] : ptr[j + 1]], 0.0))
        if s <= 0:
            continue
        if heap and s < -heap[0][0] - 1e-12 * max(1.0, s):
            heapq.heappush(heap, (-s, j))
            continue
        picks.append(j)
        cur[rows] = np.minimum(cur[rows], dat[ptr[j] : ptr[j + 1]])
    dcsr = d.tocsr()
    sel = np.array(picks, dtype=np.int64)
    swaps = 0
    deadline = t0 + swap_seconds
    # Best-improvement interchange.  With c1 / c2 the best and second-best
    # costs and f1 the best site, swapping s out and j in saves
    #   G_j - L_s + K_js,  G_j = sum_i w_i max(0, c1_i - d_ij),
    #   L_s = sum_{f1_i = s} w_i (c2_i - c1_i),
    #   K_js = sum_{f1_i = s} w_i (max(0, c2_i - d_ij) - max(0, c1_i - d_ij)).
    while sel.size and time.perf_counter() < deadline:
        c1, f1, c2 = _assign(dcsr, sel, base)
        rr = np.repeat(np.arange(d.shape[0]), np.diff(dcsr.indptr))
        jj, dv = dcsr.indices, dcsr.data
        g = np.bincount(jj, weights=w[rr] * np.maximum(c1[rr] - dv, 0.0), minlength=n_c)
        in_sel = np.zeros(n_c, dtype=bool)
        in_sel[sel] = True
        g[in_sel] = -np.inf
        has = f1 >= 0
        loss = np.bincount(f1[has], weights=(w * (c2 - c1))[has], minlength=sel.size)
        m = (f1[rr] >= 0) & (dv < c2[rr])
        kv = w[rr[m]] * (np.maximum(c2[rr[m]] - dv[m], 0.0) - np.maximum(c1[rr[m]] - dv[m], 0.0))
        k = sp.coo_matrix((kv, (jj[m], f1[rr[m]])), shape=(n_c, sel.size)).tocsr()
        k.sum_duplicates()
        kc = k.tocoo()
        best, bj, bs = -np.inf, -1, -1
        if kc.nnz:
            val = g[kc.row] - loss[kc.col] + kc.data
            t = int(np.argmax(val))
            best, bj, bs = float(val[t]), int(kc.row[t]), int(kc.col[t])
        j0, s0 = int(np.argmax(g)), int(np.argmin(loss))
        if g[j0] - loss[s0] > best:
            best, bj, bs = float(g[j0] - loss[s0]), j0, s0
        if not best > 1e-9 * max(1.0, float(w @ c1)):
            break
        sel[bs] = bj
        swaps += 1
    heur = problem.median_cost(sel, penalty_m)
    method = f"greedy+{swaps} swaps"
    if mode == "heuristic":
        return _result(problem, "p_median", method, np.sort(sel), heur, None, None, "heuristic", t0)
    if mode != "exact":
        raise ValueError("mode must be 'heuristic' or 'exact'")
    tb = time.perf_counter()
    # Variables: x (n_c binary), z (one per useful pair, continuous [0, 1]).
    # min sum w_i base_i + sum w_i (d_ij - base_i) z_ij
    # s.t. sum_j z_ij <= 1 (i), z_ij - x_j <= 0 (pairs), sum x <= p.
    dc = d.tocoo()
    nz = dc.nnz
    zi, zj, zd = dc.row, dc.col, dc.data
    pair = np.arange(nz)
    a_assign = sp.csr_matrix((np.ones(nz), (zi, pair)), shape=(d.shape[0], nz))
    a_link = sp.hstack(
        [sp.csr_matrix((-np.ones(nz), (pair, zj)), shape=(nz, n_c)), sp.identity(nz, format="csr")]
    )
    a = sp.vstack(
        [
            sp.hstack([sp.csr_matrix((d.shape[0], n_c)), a_assign]),
            a_link,
            sp.hstack([sp.csr_matrix(np.ones((1, n_c))), sp.csr_matrix((1, nz))]),
        ]
    ).tocsc()
    c = np.concatenate([np.zeros(n_c), w[zi] * (zd - base[zi])])
    row_lo = np.full(a.shape[0], -np.inf)
    row_hi = np.concatenate([np.ones(d.shape[0]), np.zeros(nz), [float(min(p, n_c))]])
    start = np.zeros(n_c + nz)
    start[sel] = 1.0
    c1, f1, _c2 = _assign(dcsr, sel, base)
    best_site = np.where(f1 >= 0, sel[np.maximum(f1, 0)], -1)
    start[n_c:] = (best_site[zi] == zj).astype(float)
    integer = np.r_[np.ones(n_c, dtype=bool), np.zeros(nz, dtype=bool)]
    build = time.perf_counter() - tb
    res = _solve_mip(
        c,
        a,
        row_lo,
        row_hi,
        np.zeros(n_c + nz),
        np.ones(n_c + nz),
        integer,
        time_limit=time_limit,
        gap=gap,
        start=start,
        threads=threads,
        offset=float(w @ base),
        options=solver_options,
    )
    if res.x is None:
        return _result(problem, "p_median", method, np.sort(sel), heur, None, None, res.status, t0)
    chosen = np.flatnonzero(res.x[:n_c] > 0.5)
    obj = problem.median_cost(chosen, penalty_m)
    bound = res.bound
    return _result(
        problem,
        "p_median",
        "highs",
        np.sort(chosen),
        obj,
        bound,
        _rel_gap(obj, bound),
        res.status,
        t0,
        build,
    )


# ---------------------------------------------------------------------------
# Exhaustive search, for tests and tiny what-ifs


def exhaustive(
    problem: SitingProblem,
    model: str,
    p: int = 0,
    *,
    penalty_m: float = 0.0,
    target_share: float = 1.0,
) -> tuple[float, tuple[int, ...]]:
    """Brute force over all subsets (tiny instances only)."""
    n = problem.n_candidates
    if model == "mclp":
        best = (-1.0, ())
        for s in itertools.combinations(range(n), min(p, n)):
            v = problem.covered_weight(np.array(s, dtype=np.int64))
            if v > best[0] + 1e-9:
                best = (v, s)
        return best
    if model == "p_median":
        bestm = (math.inf, ())
        for s in itertools.combinations(range(n), min(p, n)):
            v = problem.median_cost(np.array(s, dtype=np.int64), penalty_m)
            if v < bestm[0] - 1e-9:
                bestm = (v, s)
        return bestm
    if model == "set_cover":
        need = target_share * problem.total - 1e-9 * max(problem.total, 1.0)
        for k in range(n + 1):
            for s in itertools.combinations(range(n), k):
                if problem.covered_weight(np.array(s, dtype=np.int64)) >= need:
                    return float(k), s
        return math.inf, ()
    raise ValueError(model)
