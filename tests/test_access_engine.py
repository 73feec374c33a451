"""The ten-minute service circle engine: exact distances, snapping, catchments,
siting against brute force, what-ifs against full recomputation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from zhili.access.engine.catchment import catchments, reach, reach_nodes
from zhili.access.engine.coverage import (
    CoverageState,
    compute_coverage,
    coverage_by_group,
    uncovered_hotspots,
)
from zhili.access.engine.network import (
    Seeds,
    WalkParams,
    build_walk_network,
    network_from_road_network,
)
from zhili.access.engine.siting import (
    build_problem,
    candidate_nodes,
    exhaustive,
    mclp,
    p_median,
    problem_from_matrix,
    set_cover,
)
from zhili.access.engine.snapping import Snapped, at_nodes, snap_points

nx = pytest.importorskip("networkx")


def lattice(side: int, h: float = 80.0, seed: int = 0, drop: float = 0.2):
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = (ii * h + rng.normal(0, 0.15 * h, ii.shape)).ravel()
    y = (jj * h + rng.normal(0, 0.15 * h, ii.shape)).ravel()
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:-1, :].ravel(), ids[:, :-1].ravel()])
    v = np.concatenate([ids[1:, :].ravel(), ids[:, 1:].ravel()])
    keep = rng.random(u.size) >= drop
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.2, u.size)
    return x, y, u, v, length


def walk_for(limit_m: float) -> WalkParams:
    return WalkParams(minutes=limit_m / (4.5 / 3.6 * 60.0), speed_kmh=4.5)


def reference_graph(net, points: dict[str, Snapped]):
    """The network with every snapped point spliced into its edge as a node
    ``(name, i)``, joined by its access leg: plain networkx distances on it
    are the exact answers."""
    g = nx.Graph()
    for a, b, w in zip(net.u.tolist(), net.v.tolist(), net.weight.tolist(), strict=True):
        g.add_edge(a, b, weight=w)
    on_edge: dict[int, list[tuple[float, object, float]]] = {}
    for name, s in points.items():
        for i in range(len(s)):
            if not s.ok[i]:
                continue
            if s.edge[i] < 0:
                g.add_edge((name, i), int(s.node_u[i]), weight=float(s.leg_m[i]))
            else:
                on_edge.setdefault(int(s.edge[i]), []).append(
                    (float(s.t[i]), (name, i), float(s.leg_m[i]))
                )
    for e, pts in on_edge.items():
        a, b, w = int(net.u[e]), int(net.v[e]), float(net.weight[e])
        g.remove_edge(a, b)
        pts.sort(key=lambda p: p[0])
        prev, tprev = a, 0.0
        for t, name, leg in pts:
            mid = ("on", name)
            g.add_edge(prev, mid, weight=(t - tprev) * w)
            g.add_edge(mid, name, weight=leg)
            prev, tprev = mid, t
        g.add_edge(prev, b, weight=(1.0 - tprev) * w)
    return g


def finite_equal(a: np.ndarray, b: np.ndarray, tol: float = 1e-6) -> bool:
    fa, fb = np.isfinite(a), np.isfinite(b)
    return bool(np.array_equal(fa, fb) and np.allclose(a[fa], b[fb], atol=tol, rtol=0))


# ---------------------------------------------------------------------------
# Network and distances


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_coverage_matches_networkx_on_every_node(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y, u, v, length = lattice(14, seed=seed)
    # Stairs and crossings on some edges; a parallel, slower duplicate edge.
    factor = np.where(rng.random(u.size) < 0.15, 0.5, 1.0)
    u = np.r_[u, u[:3]]
    v = np.r_[v, v[:3]]
    length = np.r_[length, length[:3] * 2]
    factor = np.r_[factor, np.ones(3)]
    net = build_walk_network(x, y, u, v, length, factor)
    span = 13 * 80.0
    fac = snap_points(net, rng.uniform(0, span, 6), rng.uniform(0, span, 6), 150.0)
    fac = Snapped.concat([fac, at_nodes(net, rng.choice(net.n_nodes, 2, replace=False))])
    dem = snap_points(net, rng.uniform(0, span, 300), rng.uniform(0, span, 300), 60.0)
    limit = 500.0
    cov = compute_coverage(net, fac, dem, walk=walk_for(limit))

    g = reference_graph(net, {"f": fac, "d": dem})
    sources = [("f", i) for i in range(len(fac)) if fac.ok[i]]
    ref = nx.multi_source_dijkstra_path_length(g, sources, weight="weight")
    node_ref = np.array([ref.get(i, np.inf) for i in range(net.n_nodes)])
    node_ref[node_ref > limit] = np.inf
    assert finite_equal(cov.node_dist, node_ref)
    dem_ref = np.array([ref.get(("d", i), np.inf) for i in range(len(dem))])
    dem_ref[dem_ref > limit] = np.inf
    assert finite_equal(cov.dist_m, dem_ref)
    assert not cov.covered[~dem.ok].any()
    # The facility named is one at that distance.
    for i in np.flatnonzero(np.isfinite(cov.dist_m))[:40]:
        f = int(cov.facility[i])
        d = nx.dijkstra_path_length(g, ("f", f), ("d", int(i)), weight="weight")
        assert d == pytest.approx(cov.dist_m[i], abs=1e-6)


def test_largest_component_zero_lengths_and_times() -> None:
    # Two components; a zero-length edge between two nodes at one spot.
    x = np.array([0.0, 100.0, 200.0, 200.0, 5000.0, 5100.0])
    y = np.zeros(6)
    u = np.array([0, 1, 2, 4])
    v = np.array([1, 2, 3, 5])
    length = np.array([100.0, 100.0, 0.0, 100.0])
    net = build_walk_network(x, y, u, v, length)
    assert net.n_nodes == 4 and net.n_dropped_nodes == 2
    assert sorted(net.node_ids.tolist()) == [0, 1, 2, 3]
    start = int(np.flatnonzero(net.node_ids == 0)[0])
    seeds = Seeds.from_snapped(at_nodes(net, np.array([start])))
    dist, which = net.nearest_source(seeds, 1000.0)
    by_input = dict(zip(net.node_ids.tolist(), dist.tolist(), strict=True))
    assert by_input == {0: 0.0, 1: 100.0, 2: 200.0, 3: 200.0}
    assert (which == 0).all()
    w = WalkParams()
    assert w.limit_m == pytest.approx(750.0)
    assert w.seconds(np.array([75.0]))[0] == pytest.approx(60.0)
    with pytest.raises(ValueError):
        build_walk_network(x, y, u, v, -length)


def test_demo_district_network() -> None:
    from zhili.demo.generator import generate

    d = generate(2017)
    net = network_from_road_network(d.network, factors={})
    assert net.n_nodes == d.network.n_nodes  # the generator keeps one component
    fx = np.array([f.lon for f in d.facilities])
    fy = np.array([f.lat for f in d.facilities])
    from zhili.places.geo import lonlat_to_metric

    mx, my = lonlat_to_metric(fx, fy, d.epsg)
    fac = snap_points(net, mx, my, 200.0)
    assert fac.ok.all()
    px, py = lonlat_to_metric(d.population_points.lon, d.population_points.lat, d.epsg)
    dem = snap_points(net, px, py, 500.0)
    cov = compute_coverage(net, fac, dem, d.population_points.weight)
    assert 0.0 < cov.share <= 1.0
    comm = d.population_points.community_code
    by_comm = coverage_by_group(cov.weights, cov.covered, comm)
    by_district = coverage_by_group(cov.weights, cov.covered, np.array([c[:6] for c in comm]))
    assert by_comm.population.sum() == pytest.approx(cov.population)
    assert by_district.share[0] == pytest.approx(cov.share)


# ---------------------------------------------------------------------------
# Snapping


def square_net():
    #  3 --- 2
    #  |     |
    #  0 --- 1      100 m sides; edge 0-1 is a staircase (factor 0.5).
    x = np.array([0.0, 100.0, 100.0, 0.0])
    y = np.array([0.0, 0.0, 100.0, 100.0])
    u = np.array([0, 1, 2, 3])
    v = np.array([1, 2, 3, 0])
    factor = np.array([0.5, 1.0, 1.0, 1.0])
    return build_walk_network(x, y, u, v, np.full(4, 100.0), factor)


def test_snap_point_on_edge_beyond_tolerance_and_at_node() -> None:
    net = square_net()
    s = snap_points(
        net,
        np.array([30.0, 50.0, 0.0, 130.0, 500.0]),
        np.array([-20.0, 50.0, 100.0, -40.0, 500.0]),
        60.0,
    )
    assert s.ok.tolist() == [True, True, True, True, False]
    assert s.unsnapped.tolist() == [4]
    assert s.leg_m[4] == pytest.approx(math.hypot(400, 400))
    # On the staircase 30 m from node (0,0): effective offsets doubled.
    e = int(s.edge[0])
    ends = {int(net.node_ids[net.u[e]]), int(net.node_ids[net.v[e]])}
    assert ends == {0, 1}
    assert s.leg_m[0] == pytest.approx(20.0)
    off0 = s.off_u[0] if net.node_ids[net.u[e]] == 0 else s.off_v[0]
    assert off0 == pytest.approx(60.0)
    assert s.off_u[0] + s.off_v[0] == pytest.approx(200.0)
    assert (s.sx[0], s.sy[0]) == pytest.approx((30.0, 0.0))
    # In the middle of the square: 50 m from every side.
    assert s.leg_m[1] == pytest.approx(50.0)
    # Exactly at a node: no leg, zero offset to that node.
    assert s.leg_m[2] == pytest.approx(0.0)
    node3 = int(np.flatnonzero(net.node_ids == 3)[0])
    assert (s.node_u[2] == node3 and s.off_u[2] == pytest.approx(0.0)) or (
        s.node_v[2] == node3 and s.off_v[2] == pytest.approx(0.0)
    )
    # Past the end of an edge: clamped to the corner node (100, 0).
    assert s.leg_m[3] == pytest.approx(50.0)
    assert (s.sx[3], s.sy[3]) == pytest.approx((100.0, 0.0))
    # Node snapping.
    sn = snap_points(net, np.array([10.0, 300.0]), np.array([5.0, 0.0]), 60.0, to="node")
    assert sn.ok.tolist() == [True, False]
    assert int(net.node_ids[sn.node_u[0]]) == 0
    assert sn.leg_m[0] == pytest.approx(math.hypot(10, 5))


def test_snapping_finds_the_nearest_edge_like_brute_force() -> None:
    rng = np.random.default_rng(7)
    # Very uneven edges: a long rural road among short streets.
    x, y, u, v, length = lattice(8, h=50.0, seed=7, drop=0.1)
    x = np.r_[x, -900.0]
    y = np.r_[y, 175.0]
    u = np.r_[u, 0]
    v = np.r_[v, x.size - 1]
    length = np.r_[length, 1000.0]
    net = build_walk_network(x, y, u, v, length)
    px = rng.uniform(-1000, 400, 2000)
    py = rng.uniform(-300, 500, 2000)
    s = snap_points(net, px, py, 10_000.0)
    ax, ay = net.x[net.u], net.y[net.u]
    bx, by = net.x[net.v], net.y[net.v]
    segs = shapely.linestrings(np.stack([np.c_[ax, ay], np.c_[bx, by]], axis=1))
    brute = shapely.distance(shapely.points(px, py)[:, None], segs[None, :]).min(axis=1)
    assert np.allclose(s.leg_m, brute, atol=1e-6)
    assert s.ok.all()


# ---------------------------------------------------------------------------
# Catchments and 2SFCA


def test_reach_matches_networkx_per_facility() -> None:
    rng = np.random.default_rng(11)
    x, y, u, v, length = lattice(16, seed=11)
    net = build_walk_network(x, y, u, v, length)
    span = 15 * 80.0
    fac = snap_points(net, rng.uniform(0, span, 12), rng.uniform(0, span, 12), 150.0)
    dem = snap_points(net, rng.uniform(0, span, 400), rng.uniform(0, span, 400), 80.0)
    limit = 450.0
    # Small tiles force many windows; the answer must not depend on them.
    for tile in (None, 100.0):
        nr = reach_nodes(net, fac, limit, tile_m=tile)
        m = reach(net, fac, dem, limit, node_reach=nr).matrix.tocsr()
        g = reference_graph(net, {"f": fac, "d": dem})
        for i in range(len(fac)):
            ref = nx.single_source_dijkstra_path_length(g, ("f", i), cutoff=limit, weight="weight")
            want = {j: ref[("d", j)] for j in range(len(dem)) if ("d", j) in ref}
            row = m[i]
            got = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
            assert set(got) == set(want)
            assert all(got[j] == pytest.approx(want[j], abs=1e-6) for j in want)
            nodes = nr.node[nr.src == i]
            want_nodes = {k for k in ref if isinstance(k, int | np.integer)}
            assert set(nodes.tolist()) == want_nodes


def test_two_step_floating_catchment_hand_case() -> None:
    # A street of five nodes 100 m apart; facility A at node 0 (capacity 10),
    # B at node 4 (capacity 30); 10, 20, 30 residents at nodes 1, 2, 3;
    # walking limit 250 m.  A reaches nodes 1-2 (30 people): ratio 1/3.
    # B reaches nodes 2-3 (50 people): ratio 0.6.
    x = np.arange(5) * 100.0
    net = build_walk_network(x, np.zeros(5), np.arange(4), np.arange(1, 5), np.full(4, 100.0))
    node = {int(k): i for i, k in enumerate(net.node_ids)}
    fac = at_nodes(net, np.array([node[0], node[4]]))
    dem = at_nodes(net, np.array([node[1], node[2], node[3]]))
    c = catchments(
        net, fac, dem, np.array([10.0, 20.0, 30.0]), np.array([10.0, 30.0]), walk_for(250.0)
    )
    assert c.population.tolist() == [30.0, 50.0]
    assert c.ratio == pytest.approx([1 / 3, 0.6])
    assert c.access == pytest.approx([1 / 3, 1 / 3 + 0.6, 0.6])
    dense = c.reach.matrix.toarray()
    assert dense[0].tolist() == [100.0, 200.0, 0.0]  # 0: out of reach (no entry)
    assert c.reach.structure.toarray().tolist() == [[1, 1, 0], [0, 1, 1]]
    g = catchments(
        net,
        fac,
        dem,
        np.array([10.0, 20.0, 30.0]),
        np.array([10.0, 30.0]),
        walk_for(250.0),
        decay="gaussian",
    )
    # Nearer residents weigh more, so A's ratio rises above the plain one.
    assert g.ratio[0] > 1 / 3


def test_facility_and_home_on_the_same_edge() -> None:
    # One 1 km edge; the facility at 400 m, a home at 600 m, limit 300 m:
    # only the straight walk along the edge reaches it.
    net = build_walk_network(
        np.array([0.0, 1000.0]), np.zeros(2), np.array([0]), np.array([1]), np.array([1000.0])
    )
    fac = snap_points(net, np.array([400.0]), np.array([0.0]))
    dem = snap_points(net, np.array([600.0, 900.0]), np.array([10.0, 0.0]))
    cov = compute_coverage(net, fac, dem, walk=walk_for(300.0))
    assert cov.dist_m[0] == pytest.approx(210.0)
    assert cov.covered.tolist() == [True, False]
    m = reach(net, fac, dem, 300.0).matrix.toarray()
    assert m[0, 0] == pytest.approx(210.0) and m[0, 1] == 0.0


# ---------------------------------------------------------------------------
# What-ifs


def test_add_close_move_match_full_recomputation() -> None:
    rng = np.random.default_rng(5)
    x, y, u, v, length = lattice(20, seed=5)
    net = build_walk_network(x, y, u, v, length)
    span = 19 * 80.0
    fac = snap_points(net, rng.uniform(0, span, 10), rng.uniform(0, span, 10), 150.0)
    dem = snap_points(net, rng.uniform(0, span, 800), rng.uniform(0, span, 800), 80.0)
    w = rng.integers(1, 20, len(dem)).astype(float)
    walk = walk_for(400.0)
    state = CoverageState(net, fac, dem, w, walk)
    for step in range(12):
        kind = step % 3
        open_ = np.flatnonzero(state.active)
        if kind == 0:
            before = state.covered_population
            wi = state.add_at(float(rng.uniform(0, span)), float(rng.uniform(0, span)))
            assert state.covered_population == pytest.approx(before + wi.delta)
        elif kind == 1:
            wi = state.close(int(rng.choice(open_)))
        else:
            site = snap_points(net, rng.uniform(0, span, 1), rng.uniform(0, span, 1), 150.0)
            _closed, wi = state.move(int(rng.choice(open_)), site)
        full = compute_coverage(
            net, state.facilities.take(np.flatnonzero(state.active)), dem, w, walk
        )
        assert finite_equal(state.node_dist, full.node_dist)
        assert finite_equal(state.dist_m, full.dist_m)
        assert state.covered_population == pytest.approx(full.covered_population)
        assert wi.share_after == pytest.approx(full.share)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fx=st.floats(0, 1000),
    fy=st.floats(0, 1000),
)
def test_adding_a_facility_never_lowers_coverage(seed: int, fx: float, fy: float) -> None:
    rng = np.random.default_rng(seed)
    x, y, u, v, length = lattice(12, h=90.0, seed=seed % 7)
    net = build_walk_network(x, y, u, v, length)
    k = int(rng.integers(0, 4))
    fac = snap_points(net, rng.uniform(0, 1000, k), rng.uniform(0, 1000, k), 200.0)
    dem = snap_points(net, rng.uniform(0, 1000, 200), rng.uniform(0, 1000, 200), 100.0)
    w = rng.integers(1, 50, len(dem)).astype(float)
    walk = walk_for(300.0)
    before = compute_coverage(net, fac, dem, w, walk)
    new = snap_points(net, np.array([fx]), np.array([fy]), 200.0)
    after = compute_coverage(net, Snapped.concat([fac, new]), dem, w, walk)
    assert after.covered_population >= before.covered_population
    assert np.all(after.dist_m <= before.dist_m)
    state = CoverageState(net, fac, dem, w, walk)
    if new.ok[0]:
        wi = state.add(new)
        assert wi.lost == 0.0 and wi.gained >= 0.0
        assert state.covered_population == pytest.approx(after.covered_population)


def test_uncovered_hotspots_find_the_cluster() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 5000, 4000)
    y = rng.uniform(0, 5000, 4000)
    w = np.ones(4000)
    # Everyone is covered except a 600 m patch.
    patch = (np.abs(x - 3500) < 300) & (np.abs(y - 1500) < 300)
    h = uncovered_hotspots(x, y, w, ~patch, cell_m=250.0)
    hot = h.hot()
    assert hot.size > 0
    assert np.all(np.abs(h.x[hot] - 3500) < 600) and np.all(np.abs(h.y[hot] - 1500) < 600)
    assert h.uncovered.sum() == pytest.approx(patch.sum())


# ---------------------------------------------------------------------------
# Siting


def tiny_problem(seed: int):
    rng = np.random.default_rng(seed)
    nd, nc = int(rng.integers(6, 22)), int(rng.integers(3, 9))
    d = rng.uniform(0, 1500, (nd, nc))
    d[rng.random((nd, nc)) < 0.5] = np.inf
    pre = rng.random(nd) < 0.2
    ed = np.where(pre, rng.uniform(0, 750, nd), np.inf)
    w = rng.integers(1, 100, nd).astype(float)
    return problem_from_matrix(w, d <= 750, pre, d, ed), nc


@pytest.mark.parametrize("seed", range(12))
def test_siting_matches_exhaustive_search(seed: int) -> None:
    prob, nc = tiny_problem(seed)
    for p in range(1, nc):
        best, _ = exhaustive(prob, "mclp", p)
        heur = mclp(prob, p)
        exact = mclp(prob, p, mode="exact")
        assert heur.objective <= best + 1e-9
        assert heur.objective == pytest.approx(prob.covered_weight(heur.selected))
        assert exact.objective == pytest.approx(best)
        assert exact.gap is not None and exact.gap <= 1e-3
        assert len(exact.selected) <= p

        best_m, _ = exhaustive(prob, "p_median", p, penalty_m=2000.0)
        hm = p_median(prob, p, penalty_m=2000.0)
        em = p_median(prob, p, penalty_m=2000.0, mode="exact", gap=0.0)
        assert hm.objective >= best_m - 1e-6
        assert em.objective == pytest.approx(best_m)
    for share in (0.5, 0.8, 1.0):
        best_k, _ = exhaustive(prob, "set_cover", target_share=share)
        heur = set_cover(prob, share)
        exact = set_cover(prob, share, mode="exact")
        if math.isinf(best_k):
            assert heur.status == "target_unreachable"
            continue
        assert exact.objective == best_k
        assert heur.objective >= best_k
        for r in (heur, exact):
            assert r.covered >= share * prob.total - 1e-6


def test_siting_on_a_network_with_existing_facilities() -> None:
    rng = np.random.default_rng(2)
    x, y, u, v, length = lattice(12, seed=2)
    net = build_walk_network(x, y, u, v, length)
    dem = snap_points(net, rng.uniform(0, 900, 150), rng.uniform(0, 900, 150), 80.0)
    w = rng.integers(1, 30, len(dem)).astype(float)
    cand_nodes = candidate_nodes(net, shapely.box(0, 0, 900, 900), min_spacing_m=200.0)
    assert 4 <= cand_nodes.size <= 40
    cands = at_nodes(net, cand_nodes)
    existing = at_nodes(net, cand_nodes[:1])
    walk = walk_for(250.0)
    prob = build_problem(net, dem, w, cands, walk, existing=existing, search_m=600.0)
    # Candidate columns agree with coverage from each candidate alone.
    for j in range(0, cands.ok.size, 3):
        cov = compute_coverage(net, cands.take(np.array([j])), dem, w, walk)
        col = prob.cover[:, j].toarray().ravel() > 0
        assert np.array_equal(col, cov.covered)
    base = compute_coverage(net, existing, dem, w, walk)
    assert np.array_equal(prob.covered_by_existing, base.covered)
    p = 2
    best, _ = exhaustive(prob, "mclp", p)
    exact = mclp(prob, p, mode="exact")
    assert exact.objective == pytest.approx(best)
    both = Snapped.concat([existing, cands.take(exact.selected)])
    assert compute_coverage(net, both, dem, w, walk).covered_population == pytest.approx(best)
    assert exact.objective >= base.covered_population


def test_greedy_trap_is_fixed_by_swaps_and_exact() -> None:
    # A covers the four middle homes, B and C three each at the ends:
    # greedy takes A then one end (5 homes); the optimum {B, C} covers 6.
    cover = np.array([[0, 1, 0], [1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1], [0, 0, 1]])
    prob = problem_from_matrix(np.ones(6), cover)
    greedy = mclp(prob, 2, swap_seconds=0)
    assert 0 in greedy.selected and greedy.objective == 5.0
    swapped = mclp(prob, 2)
    exact = mclp(prob, 2, mode="exact")
    assert exact.objective == 6.0 == swapped.objective
    assert sorted(exact.selected.tolist()) == [1, 2]
    assert exact.gap == pytest.approx(0.0, abs=1e-6)


def test_exhaustive_helper_agrees_with_itertools() -> None:
    prob, nc = tiny_problem(99)
    vals = [prob.covered_weight(np.array(s)) for s in itertools.combinations(range(nc), 2)]
    assert exhaustive(prob, "mclp", 2)[0] == max(vals)
