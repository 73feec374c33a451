"""Siting new facilities: maximal covering (MCLP) heuristic vs exact, and the
model build against spopt.

Run from the repository root:

    .venv/bin/python bench/access_siting.py [--time-limit 30] [--repeats 3]

Two instances of 50,000 demand points x 5,000 candidates, p = 150, walking
limit 750 m (10 min at 4.5 km/h):

* ``lattice``: a 200,000-node perturbed lattice (80 m blocks); demand points
  uniform over the area, snapped onto edges, weights 1-200; candidates are
  random nodes.  Sparse: about four candidates within reach of a home.
* ``demo``: the demo district's road network (generator seed 2017); demand
  points drawn around its population points (60 m jitter, equal weights
  summing to its population); candidates are nodes on residential streets
  and footways; its 72 existing facilities are kept.  Dense: about thirty
  candidates within reach of a home, and the harder model.

For each: the demand x candidate reach matrix from the network (engine), the
heuristic (lazy greedy + best swaps; median of runs), and the exact MIP
(HiGHS through highspy, warm-started from the heuristic, stopping at a 0.1 %
gap or the time limit) with its proven bound.  "Heuristic / optimum" is
reported against the proven bound, so it is a guaranteed lower bound on the
true ratio.

spopt (PySAL) builds a dense PuLP model cell by cell; it is timed on
sub-instances (2,500 x 250 and 5,000 x 500 of the lattice instance) and
extrapolated linearly in cells to 50,000 x 5,000, against the engine's
sparse model build (row merging, dominated-candidate removal, constraint
matrix) on the full instance.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zhili.access.engine.network import (  # noqa: E402
    WalkParams,
    build_walk_network,
    network_from_road_network,
)
from zhili.access.engine.siting import (  # noqa: E402
    SitingProblem,
    build_mclp_model,
    build_problem,
    mclp,
    problem_from_matrix,
    set_cover,
)
from zhili.access.engine.snapping import at_nodes, snap_points  # noqa: E402

SEED = 2026
N_DEMAND = 50_000
N_CANDIDATES = 5_000
P = 150


def lattice_instance() -> tuple[SitingProblem, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from access_coverage import lattice

    side = 447
    x, y, u, v, length = lattice(side, seed=SEED)
    net = build_walk_network(x, y, u, v, length)
    rng = np.random.default_rng(SEED + 10)
    span = (side - 1) * 80.0
    dem = snap_points(net, rng.uniform(0, span, N_DEMAND), rng.uniform(0, span, N_DEMAND), 200.0)
    w = rng.integers(1, 201, N_DEMAND).astype(float)
    cand = at_nodes(net, rng.choice(net.n_nodes, N_CANDIDATES, replace=False))
    t = time.perf_counter()
    prob = build_problem(net, dem, w, cand, WalkParams())
    return prob, time.perf_counter() - t


def demo_instance() -> tuple[SitingProblem, float]:
    from zhili.demo.generator import RESIDENTIAL, generate
    from zhili.places.geo import lonlat_to_metric

    d = generate(2017)
    net = network_from_road_network(d.network, factors={})
    rng = np.random.default_rng(SEED + 20)
    pp = d.population_points
    px, py = lonlat_to_metric(pp.lon, pp.lat, d.epsg)
    k = rng.choice(len(pp), N_DEMAND, p=pp.weight / pp.weight.sum())
    dem = snap_points(
        net, px[k] + rng.normal(0, 60, N_DEMAND), py[k] + rng.normal(0, 60, N_DEMAND), 300.0
    )
    w = np.full(N_DEMAND, pp.weight.sum() / N_DEMAND)
    street = d.network.kind[net.edge_ids] >= RESIDENTIAL  # residential streets, footways
    res = np.zeros(net.n_nodes, dtype=bool)
    res[net.u[street]] = True
    res[net.v[street]] = True
    cand = at_nodes(net, rng.choice(np.flatnonzero(res), N_CANDIDATES, replace=False))
    fx, fy = lonlat_to_metric(
        np.array([f.lon for f in d.facilities]), np.array([f.lat for f in d.facilities]), d.epsg
    )
    existing = snap_points(net, fx, fy, 300.0)
    t = time.perf_counter()
    prob = build_problem(net, dem, w, cand, WalkParams(), existing=existing)
    return prob, time.perf_counter() - t


def run_instance(
    name: str, prob: SitingProblem, t_matrix: float, repeats: int, time_limit: float
) -> None:
    per_row = prob.cover.nnz / max(1, int((np.diff(prob.cover.tocsr().indptr) > 0).sum()))
    print(
        f"[{name}] {prob.n_demand:,} demand x {prob.n_candidates:,} candidates, p = {P}: "
        f"reach matrix from the network {t_matrix:.2f} s, {prob.cover.nnz:,} pairs "
        f"({per_row:.1f} candidates per reachable home); existing cover "
        f"{prob.weights[prob.covered_by_existing].sum() / prob.total:.1%}"
    )
    builds = []
    for _ in range(repeats):
        t = time.perf_counter()
        model = build_mclp_model(prob, P)
        builds.append(time.perf_counter() - t)
    print(
        f"  sparse model build: median {statistics.median(builds):.3f} s "
        f"({model.a.shape[0]:,} rows x {model.a.shape[1]:,} cols, {model.a.nnz:,} nonzeros "
        f"after merging rows and dropping dominated candidates)"
    )
    heur = [mclp(prob, P) for _ in range(repeats)]
    h = heur[-1]
    ht = statistics.median(r.seconds for r in heur)
    print(
        f"  heuristic: covered {h.objective:,.0f} ({h.share:.2%}), median {ht:.2f} s [{h.method}]"
    )
    e = mclp(prob, P, mode="exact", time_limit=time_limit)
    assert e.bound is not None and e.gap is not None
    base = prob.weights[prob.covered_by_existing].sum()
    new_gap = (e.bound - e.objective) / max(e.objective - base, 1e-9)
    print(
        f"  exact (HiGHS): covered {e.objective:,.0f}, proven bound {e.bound:,.0f}, "
        f"gap {e.gap:.3%} ({new_gap:.3%} of the newly covered), {e.seconds:.1f} s, "
        f"status {e.status!r}"
    )
    print(
        f"  heuristic / optimum >= {h.objective / e.bound:.2%} (against the proven bound); "
        f"heuristic / exact incumbent {h.objective / e.objective:.2%}"
    )
    target = min(0.95, (e.objective / prob.total) * 0.98)
    sc = set_cover(prob, target)
    print(f"  set cover to {target:.1%}: {sc.objective:.0f} sites (greedy, {sc.seconds:.2f} s)")


def spopt_section(prob: SitingProblem, repeats: int) -> None:
    try:
        from spopt.locate import MCLP
    except ImportError as exc:
        print(f"spopt not available ({exc})")
        return
    dist = prob.dist if prob.dist is not None else prob.cover
    rates = []
    for nd, nc in ((2_500, 250), (5_000, 500)):
        sub = prob.cover.tocsr()[:nd][:, :nc]
        cost = np.where(sub.toarray() > 0, 500.0, 2_000.0)
        w = prob.weights[:nd]
        t = time.perf_counter()
        MCLP.from_cost_matrix(cost, w, service_radius=750.0, p_facilities=15)
        ts = time.perf_counter() - t
        mine = []
        for _ in range(repeats):
            t = time.perf_counter()
            build_mclp_model(problem_from_matrix(w, cost <= 750.0), 15)
            mine.append(time.perf_counter() - t)
        rates.append(ts / (nd * nc))
        print(
            f"  spopt {nd:,} x {nc:,}: {ts:.1f} s ({ts / (nd * nc) * 1e6:.1f} us per cell); "
            f"engine from the same dense matrix {statistics.median(mine) * 1e3:.1f} ms"
        )
    del dist
    cells = prob.n_demand * prob.n_candidates
    est = rates[-1] * cells
    mine = []
    for _ in range(repeats):
        t = time.perf_counter()
        build_mclp_model(prob, P)
        mine.append(time.perf_counter() - t)
    m = statistics.median(mine)
    print(
        f"  spopt extrapolated to {prob.n_demand:,} x {prob.n_candidates:,} ({cells / 1e6:.0f}M "
        f"cells): ~{est:,.0f} s; engine sparse build {m:.3f} s -> ~{est / m:,.0f}x faster "
        f"(target >= 100x)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-spopt", action="store_true")
    a = ap.parse_args()
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}"
    )
    t0 = time.perf_counter()
    lat, t_lat = lattice_instance()
    run_instance("lattice", lat, t_lat, a.repeats, a.time_limit)
    demo, t_demo = demo_instance()
    run_instance("demo", demo, t_demo, a.repeats, a.time_limit)
    if not a.skip_spopt:
        print("model build against spopt 0.7 (MCLP.from_cost_matrix, PuLP):")
        spopt_section(lat, a.repeats)
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
