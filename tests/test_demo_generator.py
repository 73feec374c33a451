"""The synthetic demo district: deterministic, exact partitions, sane figures."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

import numpy as np
import pyproj
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from zhili.accounts.roles import Role
from zhili.demo.generator import (
    DISTRICT_CODE,
    EDGE_KINDS,
    FACILITY_KINDS,
    DemoDistrict,
    fingerprint,
    generate,
)
from zhili.places.geo import area_m2, lonlat_to_metric

SEED = 2017


@pytest.fixture(scope="module")
def demo() -> DemoDistrict:
    return generate(SEED)


def _overlap_pairs(polys: list[shapely.Geometry], tol: float) -> list[tuple[int, int, float]]:
    """Pairs whose interiors overlap by more than ``tol`` deg²."""
    arr = np.array(polys, dtype=object)
    tree = shapely.STRtree(arr)
    a, b = tree.query(arr, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    areas = shapely.area(shapely.intersection(arr[a], arr[b]))
    bad = areas > tol
    return list(zip(a[bad].tolist(), b[bad].tolist(), areas[bad].tolist(), strict=True))


def _check_partition(parent: shapely.Geometry, children: list[shapely.Geometry]) -> None:
    assert children
    arr = np.array(children, dtype=object)
    assert shapely.is_valid(arr).all()
    assert all(c.geom_type == "Polygon" for c in children)
    assert shapely.covered_by(arr, parent).all()
    total = float(shapely.area(arr).sum())
    assert abs(total - parent.area) <= 1e-9 * parent.area
    assert _overlap_pairs(children, 1e-12) == []


def test_deterministic() -> None:
    a, b = generate(SEED), generate(SEED)
    assert fingerprint(a) == fingerprint(b)
    assert [g.polygon.wkb for g in a.grids] == [g.polygon.wkb for g in b.grids]
    assert a.network.lon.tobytes() == b.network.lon.tobytes()
    assert fingerprint(generate(SEED + 1)) != fingerprint(a)


def test_runtime() -> None:
    start = time.perf_counter()
    generate(SEED + 7)
    assert time.perf_counter() - start < 5.0


def test_counts(demo: DemoDistrict) -> None:
    assert len(demo.streets) == 4
    assert 35 <= len(demo.communities) <= 45
    assert 1300 <= len(demo.grids) <= 1700
    assert 20_000 <= demo.network.n_nodes <= 60_000
    assert 300_000 <= demo.population <= 450_000
    assert 800 <= area_m2(demo.polygon) / 1e6 <= 1000


def test_synthetic_labels(demo: DemoDistrict) -> None:
    assert "合成" in demo.name
    assert demo.code == DISTRICT_CODE == "440699"
    assert demo.synthetic
    assert "合成" in demo.note
    assert demo.polygon.geom_type == "Polygon" and demo.polygon.is_valid
    # Not a rectangle: clearly less than its bounding box.
    assert demo.polygon.area < 0.85 * shapely.box(*demo.polygon.bounds).area
    lon, lat = demo.polygon.centroid.x, demo.polygon.centroid.y
    assert abs(lon - 112.85) < 0.15 and abs(lat - 22.85) < 0.15


def test_streets_partition_district(demo: DemoDistrict) -> None:
    _check_partition(demo.polygon, [s.polygon for s in demo.streets])


def test_communities_partition_streets(demo: DemoDistrict) -> None:
    by_street = defaultdict(list)
    for c in demo.communities:
        by_street[c.parent_code].append(c.polygon)
    assert set(by_street) == {s.code for s in demo.streets}
    for s in demo.streets:
        _check_partition(s.polygon, by_street[s.code])
        assert shapely.equals(shapely.union_all(by_street[s.code]), s.polygon)
    # And no two communities of different streets overlap either.
    assert _overlap_pairs([c.polygon for c in demo.communities], 1e-12) == []


def test_grids_partition_communities(demo: DemoDistrict) -> None:
    by_comm = defaultdict(list)
    for g in demo.grids:
        by_comm[g.community_code].append(g.polygon)
    assert set(by_comm) == {c.code for c in demo.communities}
    for c in demo.communities:
        _check_partition(c.polygon, by_comm[c.code])
    assert _overlap_pairs([g.polygon for g in demo.grids], 1e-12) == []
    total = sum(g.polygon.area for g in demo.grids)
    assert abs(total - demo.polygon.area) <= 1e-9 * demo.polygon.area


def test_grid_sizes(demo: DemoDistrict) -> None:
    category = {c.code: c.category for c in demo.communities}
    sizes = defaultdict(list)
    for g in demo.grids:
        sizes[category[g.community_code]].append(area_m2(g.polygon) / 1e6)
    urban, rural = np.median(sizes["社区"]), np.median(sizes["村"])
    assert 0.05 <= urban <= 0.2
    assert rural > 3 * urban


def test_codes(demo: DemoDistrict) -> None:
    assert {s.code[6:] for s in demo.streets} == {"001", "100", "101", "102"}
    for s in demo.streets:
        assert re.fullmatch(r"\d{9}", s.code) and s.code.startswith(DISTRICT_CODE)
        assert s.level == "street" and s.parent_code == DISTRICT_CODE
        assert s.category == ("街道" if s.code.endswith("001") else "镇")
        assert s.name.endswith(s.category)
    street_codes = {s.code for s in demo.streets}
    for c in demo.communities:
        assert re.fullmatch(r"\d{12}", c.code) and c.level == "community"
        assert c.code[:9] == c.parent_code and c.parent_code in street_codes
        seq = int(c.code[9:])
        if c.category == "社区":
            assert 1 <= seq < 200 and c.name.endswith("社区")
        else:
            assert c.category == "村" and 200 <= seq < 300 and c.name.endswith("村")
    assert len({c.code for c in demo.communities}) == len(demo.communities)
    assert len({c.name for c in demo.communities}) == len(demo.communities)
    assert len({s.name for s in demo.streets}) == len(demo.streets)

    seqs = defaultdict(list)
    for g in demo.grids:
        assert re.fullmatch(r"\d{15}", g.code)
        assert g.code[:12] == g.community_code
        assert g.street_code == g.code[:9] and g.district_code == DISTRICT_CODE
        seqs[g.community_code].append(int(g.code[12:]))
    assert len({g.code for g in demo.grids}) == len(demo.grids)
    for code, s in seqs.items():
        assert sorted(s) == list(range(1, len(s) + 1)), code
    divisions = demo.divisions()
    assert divisions[0].level == "district" and divisions[0].code == DISTRICT_CODE
    assert len(divisions) == 1 + len(demo.streets) + len(demo.communities)


def test_urban_street_denser(demo: DemoDistrict) -> None:
    counts = Counter(c.parent_code for c in demo.communities)
    urban = demo.streets[0]
    assert urban.category == "街道"
    assert counts[urban.code] == max(counts.values())
    mean_area = {s.code: area_m2(s.polygon) / counts[s.code] for s in demo.streets}
    assert mean_area[urban.code] == min(mean_area.values())


def test_populations(demo: DemoDistrict) -> None:
    for c in demo.communities:
        lo, hi = (5000, 15000) if c.category == "社区" else (1500, 5000)
        assert lo <= c.population <= hi, c
    for s in demo.streets:
        assert s.population == sum(
            c.population for c in demo.communities if c.parent_code == s.code
        )
    assert demo.population == sum(s.population for s in demo.streets)

    pts = demo.population_points
    assert pts.weight.dtype == np.int64 and (pts.weight > 0).all()
    assert len(pts.lon) == len(pts.lat) == len(pts.weight) == len(pts.community_code)
    sums = defaultdict(int)
    for code, w in zip(pts.community_code.tolist(), pts.weight.tolist(), strict=True):
        sums[code] += w
    assert sums == {c.code: c.population for c in demo.communities}
    for c in demo.communities:
        mine = pts.community_code == c.code
        assert shapely.contains_xy(c.polygon, pts.lon[mine], pts.lat[mine]).all(), c.code


def _graph(demo: DemoDistrict) -> coo_matrix:
    n = demo.network
    return coo_matrix((n.length_m, (n.u, n.v)), shape=(n.n_nodes, n.n_nodes))


def test_network(demo: DemoDistrict) -> None:
    n = demo.network
    assert n.lon.dtype == n.lat.dtype == n.length_m.dtype == np.float64
    assert n.u.dtype == n.v.dtype == np.int32 and n.kind.dtype == np.int8
    assert n.kinds == EDGE_KINDS
    assert set(np.unique(n.kind).tolist()) == set(range(len(EDGE_KINDS)))
    assert (n.u != n.v).all()
    assert n.u.max() < n.n_nodes and n.v.max() < n.n_nodes
    pairs = np.sort(np.column_stack([n.u, n.v]), axis=1)
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    ncomp, _labels = connected_components(_graph(demo), directed=False)
    assert ncomp == 1
    assert shapely.contains_xy(demo.polygon, n.lon, n.lat).all()
    # Lengths are metres: 80 m lattice steps, checked against the ellipsoid.
    assert 5 < n.length_m.min() and n.length_m.max() < 300
    assert 60 < np.median(n.length_m) < 120
    geod = pyproj.Geod(ellps="GRS80")
    sample = np.arange(0, n.n_edges, 97)
    _a, _b, dist = geod.inv(
        n.lon[n.u[sample]], n.lat[n.u[sample]], n.lon[n.v[sample]], n.lat[n.v[sample]]
    )
    assert np.allclose(n.length_m[sample], dist, rtol=2e-3)
    # Denser in the urban street than in the towns.
    x, y = n.lon, n.lat
    per_km2 = {
        s.code: shapely.contains_xy(s.polygon, x, y).sum() / (area_m2(s.polygon) / 1e6)
        for s in demo.streets
    }
    assert per_km2[demo.streets[0].code] == max(per_km2.values())


def test_facilities(demo: DemoDistrict) -> None:
    f = demo.facilities
    kinds = Counter(x.kind for x in f)
    assert set(kinds) <= set(FACILITY_KINDS)
    assert kinds["cultural_station"] == len(demo.streets)
    assert {x.street_code for x in f if x.kind == "cultural_station"} == {
        s.code for s in demo.streets
    }
    assert (
        kinds["library"] >= 1
        and kinds["library_branch"] >= 1
        and kinds["self_service_library"] >= 1
    )
    volunteer = sum(v for k, v in kinds.items() if k.startswith("volunteer"))
    assert 50 <= volunteer <= 70
    assert len({x.code for x in f}) == len(f)
    assert len({x.name for x in f}) == len(f)
    lon = np.array([x.lon for x in f])
    lat = np.array([x.lat for x in f])
    assert shapely.contains_xy(demo.polygon, lon, lat).all()
    comm = {c.code: c for c in demo.communities}
    n = demo.network
    for x in f:
        assert x.capacity > 0 and x.opening_hours and x.name
        assert x.community_code[:9] == x.street_code
        assert comm[x.community_code].polygon.contains(shapely.Point(x.lon, x.lat))
        assert 0 <= x.node < n.n_nodes
        gap = pyproj.Geod(ellps="GRS80").inv(x.lon, x.lat, n.lon[x.node], n.lat[x.node])[2]
        assert gap < 30.0


def test_volunteer_coverage_has_gaps(demo: DemoDistrict) -> None:
    """A 10-minute walk (800 m) from volunteer sites leaves some people out."""
    n = demo.network
    sources = sorted({x.node for x in demo.facilities if x.kind.startswith("volunteer")})
    dist = dijkstra(_graph(demo), directed=False, indices=sources, min_only=True, limit=800.0)
    nx, ny = lonlat_to_metric(n.lon, n.lat, n.epsg)
    px, py = lonlat_to_metric(demo.population_points.lon, demo.population_points.lat, n.epsg)
    walk, nearest = cKDTree(np.column_stack([nx, ny])).query(np.column_stack([px, py]))
    reached = np.isfinite(dist[nearest]) & (walk + dist[nearest] <= 800.0)
    w = demo.population_points.weight
    share = w[reached].sum() / w.sum()
    assert 0.2 < share < 0.9


def test_org_units_and_personas(demo: DemoDistrict) -> None:
    units = {u.code: u for u in demo.org_units}
    assert len(units) == len(demo.org_units)
    roots = [u for u in demo.org_units if not u.parent_code]
    assert len(roots) == 1 and roots[0].kind == "government"
    for u in demo.org_units:
        assert not u.parent_code or u.parent_code in units
    short = {u.short_name for u in demo.org_units}
    for name in (
        "区城市治理办",
        "区城管执法局",
        "区住建局",
        "区生态环境分局",
        "区交通运输局",
        "区文广旅体局",
        "区市场监管局",
        "区水利局",
    ):
        assert name in short
    assert any(u.kind == "contractor" and "环卫" in u.name for u in demo.org_units)
    division_codes = {d.code for d in demo.divisions()}
    for u in demo.org_units:
        assert not u.division_code or u.division_code in division_codes
    assert {u.division_code for u in demo.org_units if u.kind == "street"} == {
        s.code for s in demo.streets
    }

    people = demo.personas
    assert {p.role for p in people} == {r.value for r in Role}
    assert len({p.username for p in people}) == len(people)
    assert all(re.fullmatch(r"[a-z][a-z0-9.]*", p.username) for p in people)
    assert sum(p.role == "inspector" for p in people) >= 2
    handler_depts = {
        p.org_code for p in people if p.role == "handler" and units[p.org_code].kind == "department"
    }
    assert len(handler_depts) >= 2
    for p in people:
        assert p.display_name and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", p.display_name)
        if p.role == "resident":
            assert p.org_code == ""
        else:
            assert p.org_code in units
