"""PlaceIndex against a brute-force Shapely loop."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from zhili.places.lookup import PlaceIndex

LON0, LAT0 = 113.0, 23.0


def voronoi_grids(n: int, seed: int, size: float = 0.05) -> list[shapely.Geometry]:
    rng = np.random.default_rng(seed)
    frame = box(LON0, LAT0, LON0 + size, LAT0 + size * 0.8)
    pts = shapely.multipoints(
        np.c_[rng.uniform(LON0, LON0 + size, n), rng.uniform(LAT0, LAT0 + size * 0.8, n)]
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))
    return list(shapely.intersection(cells, frame))


def grid_code(i: int) -> str:
    # 6 county + 3 street + 3 community + 3 sequence
    return f"440699{1 + i // 40:03d}{1 + (i // 8) % 5:03d}{1 + i % 8:03d}"


def brute(
    polys: list[shapely.Geometry], x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, list[set[int]]]:
    """Index of the polygon containing each point (-1) and the set covering it."""
    contains = np.full(x.size, -1)
    covering: list[set[int]] = []
    for i, (px, py) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        p = Point(px, py)
        cov = set()
        for k, poly in enumerate(polys):
            if poly.contains(p):
                contains[i] = k
            if poly.intersects(p):
                cov.add(k)
        covering.append(cov)
    return contains, covering


def check_against_brute(index: PlaceIndex, polys, x, y):
    got = index.lookup(x, y)
    expected, covering = brute(polys, x, y)
    for i in range(x.size):
        if expected[i] >= 0:
            assert got[i] == expected[i], (i, x[i], y[i])
        elif len(covering[i]) >= 2:
            # On an edge shared by two grids: either neighbour, never none.
            assert got[i] in covering[i], (i, x[i], y[i])
        else:
            # Outside, or on the outside edge of the union: -1 or the grid it touches.
            assert got[i] == -1 or got[i] in covering[i], (i, x[i], y[i])
    return got


def edge_and_vertex_points(polys, rng, k: int = 400):
    """Vertices, edge midpoints and points a hair either side of edges."""
    xy = shapely.get_coordinates(shapely.boundary(polys))
    pick = rng.choice(len(xy) - 1, size=min(k, len(xy) - 1), replace=False)
    a, b = xy[pick], xy[pick + 1]
    t = rng.uniform(0, 1, (len(pick), 1))
    on_edge = a + t * (b - a)
    normal = np.c_[-(b - a)[:, 1], (b - a)[:, 0]]
    normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-300)[:, None]
    near = np.r_[on_edge + 1e-9 * normal, on_edge - 1e-9 * normal, on_edge + 1e-12 * normal]
    mid = (a + b) / 2
    pts = np.r_[a, mid, on_edge, near]
    return pts[:, 0], pts[:, 1]


@pytest.fixture(scope="module")
def voronoi():
    polys = voronoi_grids(120, seed=3)
    codes = [grid_code(i) for i in range(len(polys))]
    return polys, codes, PlaceIndex.build(codes, polys)


def test_random_points_match_brute_force(voronoi):
    polys, _codes, index = voronoi
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    # Inside, and a margin outside the bounding box all round.
    x = rng.uniform(x0 - 0.01, x1 + 0.01, 3000)
    y = rng.uniform(y0 - 0.01, y1 + 0.01, 3000)
    got = check_against_brute(index, polys, x, y)
    assert (got >= 0).any() and (got == -1).any()


def test_edges_and_vertices(voronoi):
    polys, _codes, index = voronoi
    x, y = edge_and_vertex_points(polys, np.random.default_rng(5))
    check_against_brute(index, polys, x, y)


@pytest.mark.parametrize("cells_across", [0.5, 1, 3, 10, 25])
def test_resolution_does_not_change_answers(voronoi, cells_across):
    polys, codes, reference = voronoi
    index = PlaceIndex.build(codes, polys, cells_across=cells_across)
    rng = np.random.default_rng(int(cells_across * 10))
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    x = rng.uniform(x0 - 0.002, x1 + 0.002, 20000)
    y = rng.uniform(y0 - 0.002, y1 + 0.002, 20000)
    assert np.array_equal(index.lookup(x, y), reference.lookup(x, y))


def test_memory_bound_is_respected(voronoi):
    polys, codes, reference = voronoi
    index = PlaceIndex.build(codes, polys, cells_across=50, max_cells=5000)
    assert 0 < index.describe()["cells"] <= 5000
    rng = np.random.default_rng(1)
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    x, y = rng.uniform(x0, x1, 5000), rng.uniform(y0, y1, 5000)
    assert np.array_equal(index.lookup(x, y), reference.lookup(x, y))


def test_axis_aligned_squares_on_raster_lines():
    # Grid edges that fall exactly on raster lines, points exactly on them.
    polys = [
        box(LON0 + i * 0.01, LAT0 + j * 0.01, LON0 + (i + 1) * 0.01, LAT0 + (j + 1) * 0.01)
        for i in range(6)
        for j in range(5)
    ]
    index = PlaceIndex.build([grid_code(i) for i in range(len(polys))], polys, cells_across=1)
    gx, gy = np.meshgrid(LON0 + np.arange(0, 61) * 0.001, LAT0 + np.arange(0, 51) * 0.001)
    x, y = gx.ravel(), gy.ravel()
    got = check_against_brute(index, polys, x, y)
    interior = (x > LON0) & (x < LON0 + 0.06) & (y > LAT0) & (y < LAT0 + 0.05)
    assert (got[interior] >= 0).all()


def test_multipolygons_and_holes():
    ring = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(3, 3), (7, 3), (7, 7), (3, 7)]])
    island = Polygon([(3, 3), (7, 3), (7, 7), (3, 7)])
    # Two pieces, and a piece inside the island's hole.
    island_with_hole = Polygon(island.exterior, holes=[[(4, 4), (6, 4), (6, 6), (4, 6)]])
    lake_island = box(4.5, 4.5, 5.5, 5.5)
    two_parts = MultiPolygon([box(10, 0, 12, 4), box(10, 6, 12, 10)])
    polys = [ring, island_with_hole, lake_island, two_parts, box(0, 10, 12, 11), Polygon()]
    polys = [
        shapely.affinity.translate(
            shapely.affinity.scale(p, 0.001, 0.001, origin=(0, 0)), LON0, LAT0
        )
        for p in polys
    ]
    codes = [grid_code(i) for i in range(len(polys))]
    index = PlaceIndex.build(codes, polys)
    rng = np.random.default_rng(2)
    x = LON0 + rng.uniform(-0.001, 0.013, 5000)
    y = LAT0 + rng.uniform(-0.001, 0.012, 5000)
    got = check_against_brute(index, polys, x, y)
    assert set(got.tolist()) == {-1, 0, 1, 2, 3, 4}  # the empty polygon never answers
    ex, ey = edge_and_vertex_points([p for p in polys if not p.is_empty], rng, k=200)
    check_against_brute(index, polys, ex, ey)
    # The gap between the two parts of the MultiPolygon is nobody's.
    assert index.lookup_one(LON0 + 0.011, LAT0 + 0.005) is None
    assert index.lookup_one(LON0 + 0.011, LAT0 + 0.002) == codes[3]
    assert index.lookup_one(LON0 + 0.005, LAT0 + 0.005) == codes[2]
    assert index.lookup_one(LON0 + 0.0035, LAT0 + 0.005) == codes[1]
    assert index.lookup_one(LON0 + 0.0042, LAT0 + 0.005) is None  # in the hole, off the lake island
    assert index.lookup_one(LON0 + 0.002, LAT0 + 0.005) == codes[0]


def test_empty_index_and_empty_query(voronoi):
    empty = PlaceIndex.build([], [])
    assert len(empty) == 0
    assert empty.lookup(np.array([113.0]), np.array([23.0])).tolist() == [-1]
    assert empty.codes_for([113.0], [23.0]).tolist() == [""]
    assert empty.lookup_one(113.0, 23.0) is None
    h = empty.hierarchy_for(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert all(v.tolist() == ["", ""] for v in h.values())
    _polys, _codes, index = voronoi
    got = index.lookup(np.array([]), np.array([]))
    assert got.shape == (0,) and got.dtype.kind == "i"
    assert index.codes_for(np.array([]), np.array([])).shape == (0,)
    only_empty = PlaceIndex.build(["x"], [Polygon()])
    assert only_empty.lookup_one(113.0, 23.0) is None


def test_outside_points_and_nan(voronoi):
    polys, _codes, index = voronoi
    x0, y0, x1, y1 = shapely.total_bounds(polys)
    x = np.array(
        [x0 - 1, x1 + 1, (x0 + x1) / 2, (x0 + x1) / 2, np.nan, (x0 + x1) / 2, -np.inf, np.inf]
    )
    y = np.array([(y0 + y1) / 2, (y0 + y1) / 2, y0 - 1, y1 + 1, (y0 + y1) / 2, np.nan, y0, y1])
    assert index.lookup(x, y).tolist() == [-1] * 8


def test_single_point_and_shapes(voronoi):
    polys, codes, index = voronoi
    c = polys[7].representative_point()
    assert index.lookup_one(c.x, c.y) == codes[7]
    assert index.lookup(c.x, c.y).tolist() == 7
    assert index.lookup([c.x], [c.y]).tolist() == [7]
    grid = index.lookup(np.full((2, 3), c.x), np.full((2, 3), c.y))
    assert grid.shape == (2, 3) and (grid == 7).all()
    assert index.codes_for(np.full((2, 3), c.x), c.y).shape == (2, 3)


def test_codes_and_hierarchy(voronoi):
    polys, codes, index = voronoi
    pts = [polys[i].representative_point() for i in (0, 45, 119)]
    x = np.array([p.x for p in pts] + [0.0])
    y = np.array([p.y for p in pts] + [0.0])
    assert index.codes_for(x, y).tolist() == [codes[0], codes[45], codes[119], ""]
    h = index.hierarchy_for(x, y)
    assert set(h) == {"grid", "community", "street", "district"}
    assert h["grid"].tolist() == [codes[0], codes[45], codes[119], ""]
    assert h["community"].tolist() == [codes[0][:12], codes[45][:12], codes[119][:12], ""]
    assert h["street"].tolist() == [codes[0][:9], codes[45][:9], codes[119][:9], ""]
    assert h["district"].tolist() == ["440699", "440699", "440699", ""]
    assert codes[45] == "440699002001006"
    assert h["street"][1] == "440699002" and h["community"][1] == "440699002001"


def test_short_codes_give_empty_levels():
    index = PlaceIndex.build(["4406990010", "A"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    h = index.hierarchy_for(np.array([0.5, 1.5]), np.array([0.5, 0.5]))
    assert h["grid"].tolist() == ["4406990010", "A"]
    assert h["street"].tolist() == ["440699001", ""]
    assert h["community"].tolist() == ["", ""]
    assert h["district"].tolist() == ["440699", ""]


def test_bad_input():
    with pytest.raises(ValueError, match="codes for"):
        PlaceIndex.build(["a"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    with pytest.raises(TypeError, match="not a Polygon"):
        PlaceIndex.build(["a", "b"], [box(0, 0, 1, 1), Point(0, 0)])


def test_module_is_pure():
    import subprocess
    import sys

    code = "import sys, zhili.places.lookup; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


_HYP_POLYS = voronoi_grids(40, seed=9, size=0.02)
_HYP_INDEX = PlaceIndex.build(
    [grid_code(i) for i in range(len(_HYP_POLYS))], _HYP_POLYS, cells_across=4
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(LON0 - 0.001, LON0 + 0.021), st.floats(LAT0 - 0.001, LAT0 + 0.017)),
        min_size=1,
        max_size=30,
    )
)
def test_hypothesis_points(points):
    xy = np.array(points)
    check_against_brute(_HYP_INDEX, _HYP_POLYS, xy[:, 0], xy[:, 1])
