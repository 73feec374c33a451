"""A synthetic demo district, generated from a seed.

Everything here is made up: the outline, the names, the codes, the people and
the roads.  The district is shaped and sized like a district on the western
edge of the Pearl River Delta (about 900 km², one urban street and three
towns, some 350,000 residents), so the pages, maps and analyses have
something realistic to show, but it matches no real place.  Its county code
440699 is not assigned in GB/T 2260.

The generator is pure: plain dataclasses, Shapely geometries in lon/lat
(WGS84/CGCS2000) and NumPy arrays; the same seed gives byte-identical output
(see :func:`fingerprint`).  Loading it into the database is someone else's job.

How the pieces are made, so that the partitions are exact:

* all geometry is built in a local metric frame that is an *affine* image of
  lon/lat (metres per degree at the centre), so straight edges, shared
  vertices and area ratios survive the conversion to lon/lat unchanged;
* unit grids are the faces of one planar subdivision (the Voronoi diagram of
  blue-noise seeds plus the district outline, noded once and polygonised),
  so neighbouring grids share their edges vertex for vertex;
* communities, streets and the district are coverage unions of grids, never
  drawn separately, so a grid's boundary vertices are its parent's too and
  "covered by" holds exactly, not just within a tolerance;
* streets and communities grow over the grid adjacency graph from seed
  grids (multi-source Dijkstra), which keeps every one of them connected:
  each grid's shortest-path predecessor belongs to the same region.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from zhili.places.geo import gk_epsg, lonlat_to_metric

from . import names as syl

DISTRICT_NAME = "明湖区（合成示范）"
DISTRICT_SHORT_NAME = "明湖区"
# 4406xx is Foshan; 99 is not a district code there (GB/T 2260).
DISTRICT_CODE = "440699"
CENTRE_LON = 112.85
CENTRE_LAT = 22.85
SYNTHETIC_NOTE = (
    "合成示范数据：区划、代码、人口、路网、设施和人员均为随机生成，不对应任何真实地区。"
)

EDGE_KINDS: tuple[str, ...] = ("primary", "secondary", "residential", "footway")
PRIMARY, SECONDARY, RESIDENTIAL, FOOTWAY = range(4)

FACILITY_KINDS: dict[str, str] = {
    "cultural_station": "综合文化站",
    "library": "图书馆",
    "library_branch": "图书馆分馆",
    "self_service_library": "自助图书馆",
    "volunteer_station": "志愿服务站",
    "volunteer_post": "志愿服务岗",
    "volunteer_point": "志愿服务点",
}

# Sizes of the made-up district.
_TARGET_AREA_M2 = 900e6
_N_GRIDS = 1500
# (社区, 村) per street; the first is the urban street (街道), then the towns.
_COMMUNITY_PLAN = ((16, 4), (3, 5), (3, 5), (2, 5))
_URBAN_POP = (8000, 15000)
_VILLAGE_POP = (2000, 5000)
# Road lattice step (m); rural roads run along every 7th-14th lattice line.
_LATTICE_STEP = 80.0

_GRS80_A = 6378137.0
_GRS80_E2 = 0.006694380022900787


# ---------------------------------------------------------------------------
# Output types


@dataclass(frozen=True, eq=False)
class DivisionSpec:
    code: str
    name: str
    level: str  # zhili.places.models.Level value: district / street / community
    parent_code: str
    polygon: shapely.Polygon
    population: int
    category: str  # 区, 街道, 镇, 社区 or 村


@dataclass(frozen=True, eq=False)
class GridSpec:
    code: str
    name: str
    community_code: str
    polygon: shapely.Polygon

    @property
    def district_code(self) -> str:
        return self.code[:6]

    @property
    def street_code(self) -> str:
        return self.code[:9]


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A walkable street graph; edges are undirected, ``kind`` indexes EDGE_KINDS."""

    lon: np.ndarray  # float64 (n_nodes,)
    lat: np.ndarray  # float64 (n_nodes,)
    u: np.ndarray  # int32 (n_edges,)
    v: np.ndarray  # int32 (n_edges,)
    length_m: np.ndarray  # float64 (n_edges,), in the GK zone of ``epsg``
    kind: np.ndarray  # int8 (n_edges,)
    epsg: int
    kinds: tuple[str, ...] = EDGE_KINDS

    @property
    def n_nodes(self) -> int:
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.u.shape[0])


@dataclass(frozen=True, eq=False)
class FacilitySpec:
    code: str
    kind: str  # a key of FACILITY_KINDS
    name: str
    lon: float
    lat: float
    capacity: int  # people served at once (seats, places)
    opening_hours: str
    street_code: str
    community_code: str
    node: int  # nearest node of the road network


@dataclass(frozen=True, eq=False)
class PopulationPoints:
    """Where residents live: integer weights summing to each community's population."""

    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    weight: np.ndarray  # int64
    community_code: np.ndarray  # str '<U12'

    def __len__(self) -> int:
        return int(self.lon.shape[0])


@dataclass(frozen=True, eq=False)
class OrgUnitSpec:
    code: str
    name: str
    short_name: str
    kind: str  # zhili.accounts.models.OrgUnit.Kind value
    parent_code: str  # "" for the root
    division_code: str = ""


@dataclass(frozen=True, eq=False)
class PersonaSpec:
    username: str
    display_name: str
    role: str  # zhili.accounts.roles.Role value
    org_code: str  # "" for residents
    post: str


@dataclass(frozen=True, eq=False)
class DemoDistrict:
    seed: int
    name: str
    code: str
    polygon: shapely.Polygon
    population: int
    streets: list[DivisionSpec]
    communities: list[DivisionSpec]
    grids: list[GridSpec]
    network: RoadNetwork
    facilities: list[FacilitySpec]
    population_points: PopulationPoints
    org_units: list[OrgUnitSpec]
    personas: list[PersonaSpec]
    epsg: int  # GK zone the network lengths were measured in
    note: str = SYNTHETIC_NOTE
    synthetic: bool = True

    @property
    def district(self) -> DivisionSpec:
        return DivisionSpec(
            code=self.code,
            name=self.name,
            level="district",
            parent_code="",
            polygon=self.polygon,
            population=self.population,
            category="区",
        )

    def divisions(self) -> list[DivisionSpec]:
        """District, streets and communities, parents before children."""
        return [self.district, *self.streets, *self.communities]

    def summary(self) -> dict[str, int]:
        return {
            "streets": len(self.streets),
            "communities": len(self.communities),
            "grids": len(self.grids),
            "nodes": self.network.n_nodes,
            "edges": self.network.n_edges,
            "facilities": len(self.facilities),
            "population_points": len(self.population_points),
            "population": self.population,
            "org_units": len(self.org_units),
            "personas": len(self.personas),
        }


def fingerprint(d: DemoDistrict) -> str:
    """SHA-256 over every geometry, array and string of the district."""
    h = hashlib.sha256()

    def text(*parts: object) -> None:
        h.update("\x1f".join(str(p) for p in parts).encode() + b"\x1e")

    text(d.seed, d.name, d.code, d.population, d.epsg)
    h.update(shapely.to_wkb(d.polygon))
    for div in [*d.streets, *d.communities]:
        text(div.code, div.name, div.level, div.parent_code, div.population, div.category)
        h.update(shapely.to_wkb(div.polygon))
    for g in d.grids:
        text(g.code, g.name, g.community_code)
        h.update(shapely.to_wkb(g.polygon))
    n = d.network
    for arr in (n.lon, n.lat, n.u, n.v, n.length_m, n.kind):
        h.update(np.ascontiguousarray(arr).tobytes())
    p = d.population_points
    for arr in (p.lon, p.lat, p.weight):
        h.update(np.ascontiguousarray(arr).tobytes())
    text(*p.community_code.tolist())
    for f in d.facilities:
        text(f.code, f.kind, f.name, repr(f.lon), repr(f.lat), f.capacity, f.opening_hours, f.node)
        text(f.street_code, f.community_code)
    for o in d.org_units:
        text(o.code, o.name, o.short_name, o.kind, o.parent_code, o.division_code)
    for u in d.personas:
        text(u.username, u.display_name, u.role, u.org_code, u.post)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Local metric frame (affine in lon/lat)


def _metres_per_degree(lat: float) -> tuple[float, float]:
    phi = math.radians(lat)
    w = math.sqrt(1.0 - _GRS80_E2 * math.sin(phi) ** 2)
    kx = math.pi / 180.0 * _GRS80_A * math.cos(phi) / w
    ky = math.pi / 180.0 * _GRS80_A * (1.0 - _GRS80_E2) / w**3
    return kx, ky


_KX, _KY = _metres_per_degree(CENTRE_LAT)


def _xy_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return CENTRE_LON + np.asarray(x) / _KX, CENTRE_LAT + np.asarray(y) / _KY


def _coords_to_lonlat(xy: np.ndarray) -> np.ndarray:
    out = np.empty_like(xy)
    out[:, 0] = CENTRE_LON + xy[:, 0] / _KX
    out[:, 1] = CENTRE_LAT + xy[:, 1] / _KY
    return out


# ---------------------------------------------------------------------------
# Shapes of the land


@dataclass(frozen=True)
class _Blob:
    """A star-shaped area: radius r0 modulated by a few harmonics of the angle."""

    cx: float
    cy: float
    r0: float
    ks: np.ndarray
    amps: np.ndarray
    phases: np.ndarray
    edge: float  # width (m) of the soft edge

    def radius(self, theta: np.ndarray) -> np.ndarray:
        mod = np.cos(np.multiply.outer(theta, self.ks) + self.phases) @ self.amps
        return self.r0 * (1.0 + mod)

    def weight(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """1 inside, 0 outside, a logistic ramp across the edge."""
        dx, dy = x - self.cx, y - self.cy
        d = np.hypot(dx, dy)
        r = self.radius(np.arctan2(dy, dx))
        z = np.clip((d - r) / self.edge, -50, 50)
        return 1.0 / (1.0 + np.exp(z))

    def max_into(self, x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
        """``out = max(out, weight)``, computed only near the blob (speed)."""
        reach = self.r0 * (1.0 + float(np.abs(self.amps).sum())) + 10.0 * self.edge
        near = np.flatnonzero((np.abs(x - self.cx) < reach) & (np.abs(y - self.cy) < reach))
        if near.size:
            out[near] = np.maximum(out[near], self.weight(x[near], y[near]))


def _blob(rng: np.random.Generator, cx: float, cy: float, r0: float, rough: float) -> _Blob:
    ks = np.arange(2, 7)
    amps = rough * rng.uniform(0.3, 1.0, ks.size) / ks
    return _Blob(cx, cy, r0, ks, amps, rng.uniform(0, 2 * np.pi, ks.size), max(r0 * 0.08, 60.0))


def _district_outline(rng: np.random.Generator) -> shapely.Polygon:
    n = 900
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    ks = np.arange(2, 64)
    amps = rng.normal(0.0, 1.0, ks.size) * 0.16 * ks**-1.0
    phases = rng.uniform(0, 2 * np.pi, ks.size)
    r = 1.0 + np.cos(np.multiply.outer(theta, ks) + phases) @ amps
    r = np.clip(r, 0.4, None)
    # Elongated east-west, as districts along a river often are.
    rx, ry = 1.45, 0.72
    x, y = rx * r * np.cos(theta), ry * r * np.sin(theta)
    tilt = rng.uniform(-0.2, 0.2)
    c, s = math.cos(tilt), math.sin(tilt)
    x, y = c * x - s * y, s * x + c * y
    poly = shapely.Polygon(np.column_stack([x, y]))
    scale = math.sqrt(_TARGET_AREA_M2 * rng.uniform(0.97, 1.03) / poly.area)
    poly = shapely.Polygon(np.column_stack([x * scale, y * scale]))
    if not poly.is_valid:  # a star-shaped ring cannot self-intersect; guard anyway
        raise RuntimeError("district outline is invalid")
    return poly


def _pull_inside(poly: shapely.Polygon, x: float, y: float, margin: float) -> tuple[float, float]:
    """Move (x, y) toward the centroid until it lies ``margin`` inside ``poly``."""
    inner = poly.buffer(-margin)
    c = poly.centroid
    for t in np.linspace(0.0, 1.0, 41):
        px, py = x + t * (c.x - x), y + t * (c.y - y)
        if inner.contains(shapely.Point(px, py)):
            return float(px), float(py)
    return float(c.x), float(c.y)


# ---------------------------------------------------------------------------
# Planar partition helpers


def _sample_in(
    rng: np.random.Generator, poly: shapely.Geometry, n: int, batch: int = 4096
) -> np.ndarray:
    """``n`` uniform points inside ``poly`` (rejection from its box)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        p = rng.uniform((minx, miny), (maxx, maxy), size=(batch, 2))
        p = p[shapely.contains_xy(poly, p[:, 0], p[:, 1])]
        out.append(p)
        got += len(p)
    return np.concatenate(out)[:n]


def _blue_noise(
    rng: np.random.Generator,
    poly: shapely.Polygon,
    density: Callable[[np.ndarray, np.ndarray], np.ndarray],
    n: int,
) -> np.ndarray:
    """``n`` points with intensity proportional to ``density`` and a minimum
    spacing that scales with it (dart throwing with a variable radius), so
    Voronoi cells come out compact rather than Poisson-ragged."""
    probe = _sample_in(rng, poly, 20000)
    dens = density(probe[:, 0], probe[:, 1])
    dmax = float(dens.max())
    # Intensity per m² if n points follow the density.
    scale = n / (float(dens.mean()) * poly.area)

    def radius(d: np.ndarray) -> np.ndarray:
        return 0.75 / np.sqrt(d * scale)

    rmin = float(radius(np.array([dmax]))[0])
    cell = rmin
    buckets: dict[tuple[int, int], list[int]] = {}
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < n:
        cand = _sample_in(rng, poly, 8000)
        d = density(cand[:, 0], cand[:, 1])
        thin = rng.random(len(cand)) * dmax < d
        cand, rad = cand[thin], radius(d[thin])
        for (px, py), r in zip(cand.tolist(), rad.tolist(), strict=True):
            ci, cj = int(px // cell), int(py // cell)
            reach = int(r // cell) + 1
            ok = True
            r2 = r * r
            for di in range(-reach, reach + 1):
                for dj in range(-reach, reach + 1):
                    for k in buckets.get((ci + di, cj + dj), ()):
                        if (xs[k] - px) ** 2 + (ys[k] - py) ** 2 < r2:
                            ok = False
                            break
                    if not ok:
                        break
                if not ok:
                    break
            if ok:
                buckets.setdefault((ci, cj), []).append(len(xs))
                xs.append(px)
                ys.append(py)
                if len(xs) == n:
                    break
    return np.column_stack([xs, ys])


def _adjacency(polys: np.ndarray) -> coo_matrix:
    """Shared boundary length between polygons of an exactly noded partition.

    Neighbours share edges vertex for vertex, so matching segments by their
    coordinates finds every shared edge without any geometric predicate.
    """
    rings, ring_owner = shapely.get_rings(polys, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    owner = ring_owner[ring_of[:-1][same]]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    p = np.where(swap[:, None], b, a)
    q = np.where(swap[:, None], a, b)
    keys = np.column_stack([p, q])
    order = np.lexsort(keys.T[::-1])
    keys, owner = keys[order], owner[order]
    dup = np.all(keys[1:] == keys[:-1], axis=1)
    i, j = owner[:-1][dup], owner[1:][dup]
    seg = keys[:-1][dup]
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    keep = i != j
    i, j, length = i[keep], j[keep], length[keep]
    n = len(polys)
    m = coo_matrix(
        (np.concatenate([length, length]), (np.concatenate([i, j]), np.concatenate([j, i]))),
        shape=(n, n),
    )
    m.sum_duplicates()
    return m


def _voronoi_faces(seeds: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    """One polygon per seed: its Voronoi cell clipped to ``outline``, with
    detached bits of clipped cells merged into the neighbour they share most
    boundary with.  The result is an exactly noded partition of the outline."""
    pts = shapely.multipoints(seeds)
    frame = shapely.box(*outline.bounds).buffer(5000.0)
    edges = shapely.voronoi_polygons(pts, extend_to=frame, only_edges=True)
    ring = shapely.LineString(outline.exterior.coords)
    lines = shapely.multilinestrings([*shapely.get_parts(edges), ring])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(lines))))
    inner = shapely.point_on_surface(faces)
    faces = faces[shapely.contains(outline, inner)]

    tree = shapely.STRtree(faces)
    seed_idx, face_idx = tree.query(shapely.points(seeds), predicate="within")
    if len(np.unique(seed_idx)) != len(seeds) or len(np.unique(face_idx)) != len(seeds):
        raise RuntimeError("Voronoi faces do not match their seeds one to one")
    face_seed = np.full(len(faces), -1)
    face_seed[face_idx] = seed_idx
    if (face_seed < 0).any():
        # Each detached piece joins the seeded face it shares most edge with,
        # possibly through other pieces: shortest path with weight 1/length.
        adj = _adjacency(faces).tocsr()
        adj.data = 1.0 / adj.data
        seeded = np.flatnonzero(face_seed >= 0)
        _d, _pred, src = dijkstra(adj, indices=seeded, min_only=True, return_predecessors=True)
        if (src < 0).any():
            raise RuntimeError("a piece of the district touches no grid")
        face_seed = face_seed[src]
    out = np.empty(len(seeds), dtype=object)
    order = np.argsort(face_seed, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(face_seed[order])) + 1)
    for g in groups:
        s = face_seed[g[0]]
        out[s] = faces[g[0]] if len(g) == 1 else shapely.coverage_union_all(faces[g])
    return out


def _grow(graph: csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Label each node with the index (into ``sources``) of its nearest source."""
    _d, _pred, src = dijkstra(graph, indices=sources, min_only=True, return_predecessors=True)
    if (src < 0).any():
        raise RuntimeError("graph is not connected")
    lookup = np.full(graph.shape[0], -1)
    lookup[sources] = np.arange(len(sources))
    return lookup[src]


def _kmeans(pts: np.ndarray, k: int, rng: np.random.Generator, iters: int = 10) -> np.ndarray:
    # Farthest-point start, then Lloyd steps.
    first = int(rng.integers(len(pts)))
    centres = [pts[first]]
    d = np.hypot(*(pts - pts[first]).T)
    for _ in range(k - 1):
        nxt = int(np.argmax(d))
        centres.append(pts[nxt])
        d = np.minimum(d, np.hypot(*(pts - pts[nxt]).T))
    c = np.array(centres)
    for _ in range(iters):
        lab = cKDTree(c).query(pts)[1]
        for m in range(k):
            members = pts[lab == m]
            if len(members):
                c[m] = members.mean(axis=0)
    return c


def _nearest_distinct(pts: np.ndarray, targets: np.ndarray, taken: set[int]) -> list[int]:
    """For each target, the nearest point index not yet taken."""
    tree = cKDTree(pts)
    out = []
    for t in targets:
        _dist, idx = tree.query(t, k=min(len(pts), 64))
        for i in np.atleast_1d(idx).tolist():
            if i not in taken:
                taken.add(i)
                out.append(i)
                break
        else:
            raise RuntimeError("no free point near a target")
    return out


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    share = total * w / w.sum()
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    if rest:
        order = np.lexsort((np.arange(len(w)), -(share - base)))
        base[order[:rest]] += 1
    return base


# ---------------------------------------------------------------------------
# The generator


@dataclass
class _Land:
    outline: shapely.Polygon
    urban: _Blob
    towns: list[_Blob]
    hills: list[tuple[float, float, float]]  # (x, y, sigma)

    def mountain(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        m = np.zeros_like(np.asarray(x, dtype=float))
        for hx, hy, s in self.hills:
            m += np.exp(-((x - hx) ** 2 + (y - hy) ** 2) / (2 * s * s))
        return np.clip(m, 0.0, 1.0)

    def grid_density(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = 1.0 - 0.45 * self.mountain(x, y)
        d = d + 12.0 * self.urban.weight(x, y)
        for t in self.towns:
            d = d + 6.0 * t.weight(x, y)
        return d


def _make_land(rng: np.random.Generator) -> _Land:
    outline = _district_outline(rng)
    minx, miny, maxx, maxy = outline.bounds
    w, h = maxx - minx, maxy - miny

    def spot(fx: float, fy: float, margin: float) -> tuple[float, float]:
        x = minx + w * (fx + rng.uniform(-0.03, 0.03))
        y = miny + h * (fy + rng.uniform(-0.05, 0.05))
        return _pull_inside(outline, x, y, margin)

    ux, uy = spot(0.76, 0.55, 4500.0)
    urban = _blob(rng, ux, uy, rng.uniform(3300.0, 3800.0), 0.5)
    towns = []
    for fx, fy in ((0.50, 0.30), (0.35, 0.68), (0.13, 0.45)):
        tx, ty = spot(fx, fy, 2500.0)
        towns.append(_blob(rng, tx, ty, rng.uniform(1250.0, 1600.0), 0.6))
    # Hills in the west and along the north edge, away from the settlements.
    hills = []
    for fx, fy in ((0.08, 0.8), (0.25, 0.15), (0.45, 0.9), (0.62, 0.1)):
        hx = minx + w * (fx + rng.uniform(-0.04, 0.04))
        hy = miny + h * (fy + rng.uniform(-0.05, 0.05))
        hills.append((hx, hy, rng.uniform(3000.0, 5000.0)))
    return _Land(outline, urban, towns, hills)


@dataclass
class _Partition:
    grid_poly: np.ndarray  # metric polygons, object (n,)
    grid_seed: np.ndarray  # (n, 2)
    street_of: np.ndarray  # (n,) index into streets
    comm_of: np.ndarray  # (n,) index into communities
    comm_street: list[int]
    comm_is_urban: list[bool]
    comm_centre: np.ndarray  # (n_comm, 2): the grid seed each community grew from


def _partition(rng: np.random.Generator, land: _Land) -> _Partition:
    seeds = _blue_noise(rng, land.outline, land.grid_density, _N_GRIDS)
    grids = _voronoi_faces(seeds, land.outline)

    adj = _adjacency(grids).tocsr()
    gi, gj = adj.nonzero()
    dist = np.hypot(*(seeds[gi] - seeds[gj]).T)
    euclid = csr_matrix((dist, (gi, gj)), shape=adj.shape)
    # Communities grow in steps of grids, not metres, so an urban community
    # (small grids) stays small next to a village (large grids).
    hops = csr_matrix((1.0 + dist * 1e-6, (gi, gj)), shape=adj.shape)

    tree = cKDTree(seeds)
    cores = [land.urban, *land.towns]
    street_src = np.array([tree.query((c.cx, c.cy))[1] for c in cores])
    street_of = _grow(euclid, street_src)

    comm_street: list[int] = []
    comm_urban: list[bool] = []
    comm_src: list[int] = []
    for s, (n_urban, n_village) in enumerate(_COMMUNITY_PLAN):
        members = np.flatnonzero(street_of == s)
        core = cores[s].weight(seeds[members, 0], seeds[members, 1]) > 0.5
        # 社区 spread evenly over the built-up core, 村 over the rest.
        in_core, outside = members[core], members[~core]
        src_u = _nearest_distinct(seeds[in_core], _kmeans(seeds[in_core], n_urban, rng), set())
        src_v = _nearest_distinct(seeds[outside], _kmeans(seeds[outside], n_village, rng), set())
        comm_src += [int(in_core[i]) for i in src_u] + [int(outside[i]) for i in src_v]
        comm_street += [s] * (n_urban + n_village)
        comm_urban += [True] * n_urban + [False] * n_village

    comm_of = np.full(len(grids), -1)
    src_arr = np.array(comm_src)
    for s in range(len(cores)):
        members = np.flatnonzero(street_of == s)
        local = np.full(len(grids), -1)
        local[members] = np.arange(len(members))
        sub = hops[members][:, members]
        mine = np.flatnonzero(np.array(comm_street) == s)
        lab = _grow(sub, local[src_arr[mine]])
        comm_of[members] = mine[lab]
    return _Partition(grids, seeds, street_of, comm_of, comm_street, comm_urban, seeds[src_arr])


def _union(polys: np.ndarray) -> shapely.Polygon:
    u = polys[0] if len(polys) == 1 else shapely.coverage_union_all(polys)
    if not isinstance(u, shapely.Polygon):
        raise RuntimeError(f"a region came out as {u.geom_type}")
    return u


def _reading_order(xy: np.ndarray, band: float) -> np.ndarray:
    """North to south in bands, west to east within a band."""
    return np.lexsort((xy[:, 0], np.floor(-xy[:, 1] / band)))


def _hamlets(rng: np.random.Generator, part: _Partition) -> tuple[list[_Blob], list[int]]:
    """Village centres and a few outlying hamlets; returns blobs and their community."""
    blobs: list[_Blob] = []
    owner: list[int] = []
    for c, urban in enumerate(part.comm_is_urban):
        if urban:
            continue
        cx, cy = part.comm_centre[c]
        blobs.append(_blob(rng, cx, cy, rng.uniform(350.0, 500.0), 0.5))
        owner.append(c)
        members = np.flatnonzero(part.comm_of == c)
        far = members[np.hypot(*(part.grid_seed[members] - (cx, cy)).T) > 1200.0]
        for g in rng.permutation(far)[: int(rng.integers(1, 4))]:
            hx, hy = part.grid_seed[g]
            blobs.append(_blob(rng, hx, hy, rng.uniform(180.0, 300.0), 0.5))
            owner.append(c)
    return blobs, owner


def _road_lines(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lattice indices of rural roads: irregularly spaced, 7-14 steps apart."""
    pos = []
    p = int(rng.integers(0, 7))
    while p < n:
        pos.append(p)
        p += int(rng.integers(7, 15))
    return np.array(pos)


def _network(
    rng: np.random.Generator,
    land: _Land,
    settled: Callable[[np.ndarray, np.ndarray], np.ndarray],
    centres: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A warped, jittered lattice: every node in settlements, irregularly
    spaced rows and columns elsewhere (rural roads), some stretches of those
    dropped, largest component kept.  ``centres`` are settlement centres,
    the urban core and the towns first (arterials run through them).
    Returns x, y, u, v, kind and a settled flag per node (metric frame)."""
    h = _LATTICE_STEP
    minx, miny, maxx, maxy = land.outline.bounds
    ni = int((maxx - minx) // h) + 4
    nj = int((maxy - miny) // h) + 4
    x0, y0 = minx - 1.5 * h, miny - 1.5 * h
    ii, jj = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    bx, by = x0 + ii * h, y0 + jj * h
    # A smooth warp bends the long roads; its slope (at most 3 x 0.15) stays
    # well below 1, so the lattice never folds over.
    x, y = bx.astype(float), by.astype(float)
    for _ in range(3):
        wl = rng.uniform(5000.0, 10000.0)
        amp = rng.uniform(100.0, 0.15 * wl / (2 * np.pi))
        ang = rng.uniform(0, 2 * np.pi)
        ph = rng.uniform(0, 2 * np.pi)
        arg = 2 * np.pi / wl * (bx * math.cos(ang) + by * math.sin(ang)) + ph
        x = x + amp * np.sin(arg) * math.cos(ang + 1.0)
        y = y + amp * np.sin(arg) * math.sin(ang + 1.0)
    x = x + np.clip(rng.normal(0.0, 0.12 * h, x.shape), -0.3 * h, 0.3 * h)
    y = y + np.clip(rng.normal(0.0, 0.12 * h, y.shape), -0.3 * h, 0.3 * h)
    x, y = x.ravel(), y.ravel()
    inside = shapely.contains_xy(land.outline, x, y)
    dense = settled(x, y) > 0.5
    ids = np.arange(ni * nj).reshape(ni, nj)

    # Horizontal edges lie on row j, vertical ones on column i.
    ua = np.concatenate([ids[:-1, :].ravel(), ids[:, :-1].ravel()])
    va = np.concatenate([ids[1:, :].ravel(), ids[:, 1:].ravel()])
    vertical = np.concatenate([np.zeros(ids[:-1, :].size, bool), np.ones(ids[:, :-1].size, bool)])
    line = np.concatenate([jj[:-1, :].ravel(), ii[:, :-1].ravel()])
    along = np.concatenate([ii[:-1, :].ravel(), jj[:, :-1].ravel()])

    cols, rows = _road_lines(rng, ni), _road_lines(rng, nj)
    road_col = np.zeros(ni, bool)
    road_col[cols] = True
    road_row = np.zeros(nj, bool)
    road_row[rows] = True
    ok = inside[ua] & inside[va]
    li = np.minimum(line, ni - 1)  # np.where evaluates both branches: keep both in range
    lj = np.minimum(line, nj - 1)
    rural_road = np.where(vertical, road_col[li], road_row[lj]) & ok

    # Arterials: the roads nearest the centres of the urban core and towns.
    def nearest(lines: np.ndarray, v: float) -> int:
        return int(lines[np.argmin(np.abs(lines - v))])

    ci = [nearest(cols, (cx - x0) / h) for cx, _cy in centres[:4].tolist()]
    cj = [nearest(rows, (cy - y0) / h) for _cx, cy in centres[:4].tolist()]
    primary_col = np.zeros(ni, bool)
    primary_col[[ci[0], ci[3]]] = True
    primary_row = np.zeros(nj, bool)
    primary_row[[cj[0], cj[1]]] = True
    secondary_col = np.zeros(ni, bool)
    secondary_col[ci[1:] + cols[::3].tolist()] = True
    secondary_row = np.zeros(nj, bool)
    secondary_row[cj[2:] + rows[1::3].tolist()] = True
    kind = np.full(ua.size, RESIDENTIAL, dtype=np.int8)
    is_sec = np.where(vertical, secondary_col[li], secondary_row[lj])
    is_pri = np.where(vertical, primary_col[li], primary_row[lj])
    kind[rural_road & is_sec] = SECONDARY
    kind[rural_road & is_pri] = PRIMARY

    # Drop whole stretches of rural road between crossings, more in the hills.
    cross = np.where(
        vertical,
        np.searchsorted(rows, along, side="right"),
        np.searchsorted(cols, along, side="right"),
    )
    segment = (line * 2 + vertical) * 100000 + cross
    _u, seg_inv = np.unique(segment, return_inverse=True)
    seg_draw = rng.random(_u.size)[seg_inv]
    mx, my = (x[ua] + x[va]) / 2, (y[ua] + y[va]) / 2
    hill = land.mountain(mx, my)
    p_drop = np.where(kind == PRIMARY, 0.0, np.where(kind == SECONDARY, 0.05, 0.22 + 0.5 * hill))
    keep_rural = rural_road & (seg_draw >= p_drop)
    # Inside settlements: a full lattice with distributor roads every sixth
    # line, a few missing links and some footways.
    both_dense = dense[ua] & dense[va] & ok
    town_road = both_dense & ~rural_road & (line % 6 == 0)
    kind[town_road] = SECONDARY
    keep_dense = both_dense & (rng.random(ua.size) >= 0.05)
    footway = both_dense & ~rural_road & ~town_road & (rng.random(ua.size) < 0.15)
    kind[footway] = FOOTWAY
    keep = keep_rural | keep_dense

    def largest(keep: np.ndarray) -> np.ndarray:
        g = coo_matrix((np.ones(keep.sum()), (ua[keep], va[keep])), shape=(ni * nj, ni * nj))
        _n, lab = connected_components(g, directed=False)
        used = np.zeros(ni * nj, bool)
        used[ua[keep]] = True
        used[va[keep]] = True
        counts = np.bincount(lab[used])
        return lab == int(np.argmax(counts))

    main = largest(keep)
    # Settlements the rural roads happen to miss get a lane to the nearest road.
    n_horizontal = (ni - 1) * nj

    def edge_between(ia: int, ja: int, ib: int, jb: int) -> int | None:
        if (ia, ja) > (ib, jb):
            ia, ja, ib, jb = ib, jb, ia, ja
        e = ia * nj + ja if ib == ia + 1 else n_horizontal + ia * (nj - 1) + ja
        return e if ok[e] else None

    main_ids = np.flatnonzero(main)
    main_ij = np.column_stack([main_ids // nj, main_ids % nj])
    ij_tree = cKDTree(main_ij)
    added = False
    for cx, cy in centres.tolist():
        i0 = int(round((cx - x0) / h))
        j0 = int(round((cy - y0) / h))
        if not (0 <= i0 < ni and 0 <= j0 < nj) or main[ids[i0, j0]]:
            continue
        _d, t = ij_tree.query((i0, j0), p=1)
        i1, j1 = (int(v) for v in main_ij[t])
        path = [(i, j0) for i in _span(i0, i1)] + [(i1, j) for j in _span(j0, j1)[1:]]
        es = []
        for (ia, ja), (ib, jb) in zip(path[:-1], path[1:], strict=True):
            e = edge_between(ia, ja, ib, jb)
            if e is None:
                break
            es.append(e)
        else:
            keep[es] = True
            kind[es] = np.where(kind[es] == FOOTWAY, RESIDENTIAL, kind[es])
            added = True
    if added:
        main = largest(keep)
    keep &= main[ua]
    nodes = np.flatnonzero(main)
    remap = np.full(ni * nj, -1)
    remap[nodes] = np.arange(nodes.size)
    return (
        x[nodes],
        y[nodes],
        remap[ua[keep]].astype(np.int32),
        remap[va[keep]].astype(np.int32),
        kind[keep],
        dense[nodes],
    )


def _span(a: int, b: int) -> list[int]:
    step = 1 if b >= a else -1
    return list(range(a, b + step, step))


def generate(seed: int = 2017) -> DemoDistrict:
    """Generate the synthetic district for ``seed`` (deterministic, about 0.5 s)."""
    rng = np.random.default_rng(seed)
    land = _make_land(rng)
    part = _partition(rng, land)
    n_streets = len(_COMMUNITY_PLAN)
    n_comm = len(part.comm_street)

    # --- names and codes -------------------------------------------------
    stems: set[str] = {"明湖"}
    town_names = syl.unique_names(
        rng, n_streets - 1, syl.PLACE_FIRST, syl.PLACE_SECOND, "镇", stems
    )
    street_names = ["明湖街道", *town_names]
    # The urban street is 001; towns take 100, 101, ... (GB/T 10114 numbers
    # 街道 from 001 and 镇 from 100).
    street_codes = [DISTRICT_CODE + "001"] + [
        DISTRICT_CODE + str(100 + t) for t in range(n_streets - 1)
    ]

    comm_code = [""] * n_comm
    comm_name = [""] * n_comm
    for s in range(n_streets):
        mine = [c for c in range(n_comm) if part.comm_street[c] == s]
        urban = [c for c in mine if part.comm_is_urban[c]]
        rural = [c for c in mine if not part.comm_is_urban[c]]
        centre = (
            np.array([land.urban.cx, land.urban.cy])
            if s == 0
            else np.array([land.towns[s - 1].cx, land.towns[s - 1].cy])
        )
        # 统计用区划代码: 居委会 (社区) take 001-199, numbered here from the
        # centre out; 村委会 (村) take 200-399, numbered here by bearing.
        du = np.hypot(*(part.comm_centre[urban] - centre).T)
        for n, k in enumerate(np.argsort(du, kind="stable")):
            comm_code[urban[k]] = street_codes[s] + f"{n + 1:03d}"
        off = part.comm_centre[rural] - centre
        for n, k in enumerate(np.argsort(np.arctan2(off[:, 1], off[:, 0]), kind="stable")):
            comm_code[rural[k]] = street_codes[s] + f"{200 + n + 1:03d}"
        names_u = syl.unique_names(
            rng, len(urban), syl.URBAN_FIRST, syl.URBAN_SECOND, "社区", stems
        )
        names_v = syl.unique_names(rng, len(rural), syl.PLACE_FIRST, syl.PLACE_SECOND, "村", stems)
        for c, nm in zip(urban, names_u, strict=True):
            comm_name[c] = nm
        for c, nm in zip(rural, names_v, strict=True):
            comm_name[c] = nm

    # --- populations -------------------------------------------------------
    comm_pop = np.array(
        [
            int(rng.integers(*_URBAN_POP)) if u else int(rng.integers(*_VILLAGE_POP))
            for u in part.comm_is_urban
        ],
        dtype=np.int64,
    )
    hamlets, hamlet_owner = _hamlets(rng, part)
    cores = [land.urban, *land.towns]

    def settled(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        w = np.zeros(np.shape(x))
        for b in [*cores, *hamlets]:
            b.max_into(x, y, w)
        return w

    # --- geometry: grids, then unions upward -------------------------------
    grid_area = shapely.area(part.grid_poly)
    grid_cent = shapely.get_coordinates(shapely.centroid(part.grid_poly))
    grid_code = np.empty(len(part.grid_poly), dtype=object)
    grid_name = np.empty(len(part.grid_poly), dtype=object)
    comm_polys = []
    for c in range(n_comm):
        members = np.flatnonzero(part.comm_of == c)
        band = 600.0 if part.comm_is_urban[c] else 1500.0
        members = members[_reading_order(part.grid_seed[members], band)]
        if len(members) > 999:
            raise RuntimeError("too many grids in one community for a 3-digit sequence")
        for n, g in enumerate(members):
            grid_code[g] = comm_code[c] + f"{n + 1:03d}"
            grid_name[g] = f"{comm_name[c]}第{n + 1}网格"
        comm_polys.append(_union(part.grid_poly[members]))
    comm_polys_arr = np.array(comm_polys, dtype=object)
    street_polys = [
        _union(comm_polys_arr[[c for c in range(n_comm) if part.comm_street[c] == s]])
        for s in range(n_streets)
    ]
    district_poly = _union(np.array(street_polys, dtype=object))

    to_ll = _coords_to_lonlat
    grid_ll = shapely.transform(part.grid_poly, to_ll)
    comm_ll = shapely.transform(comm_polys_arr, to_ll)
    street_ll = shapely.transform(np.array(street_polys, dtype=object), to_ll)
    district_ll = shapely.transform(district_poly, to_ll)

    # --- road network ----------------------------------------------------
    centres = np.array([[b.cx, b.cy] for b in [*cores, *hamlets]])  # cores first
    nx, ny, eu, ev, ekind, ndense = _network(rng, land, settled, centres)
    lon, lat = _xy_to_lonlat(nx, ny)
    epsg = gk_epsg(CENTRE_LON)
    gx, gy = lonlat_to_metric(lon, lat, epsg)
    length = np.hypot(gx[eu] - gx[ev], gy[eu] - gy[ev])
    network = RoadNetwork(
        lon=np.ascontiguousarray(lon, dtype=np.float64),
        lat=np.ascontiguousarray(lat, dtype=np.float64),
        u=eu,
        v=ev,
        length_m=np.ascontiguousarray(length, dtype=np.float64),
        kind=ekind.astype(np.int8),
        epsg=epsg,
    )
    node_grid = _locate(part.grid_poly, nx, ny)
    node_comm = np.where(node_grid >= 0, part.comm_of[np.maximum(node_grid, 0)], -1)

    # --- population points -------------------------------------------------
    mountain = land.mountain(grid_cent[:, 0], grid_cent[:, 1])
    grid_settled = settled(grid_cent[:, 0], grid_cent[:, 1])
    pts_x: list[np.ndarray] = []
    pts_y: list[np.ndarray] = []
    pts_w: list[np.ndarray] = []
    pts_c: list[np.ndarray] = []
    nodes_by_grid = _group(node_grid, len(part.grid_poly))
    for c in range(n_comm):
        members = np.flatnonzero(part.comm_of == c)
        # People live in the settled areas; a few in scattered farmsteads.
        rho = 0.04 + grid_settled[members] * (1.0 + 0.5 * rng.random(len(members)))
        rho = rho * (1.0 - 0.7 * mountain[members])
        gpop = _allocate(int(comm_pop[c]), grid_area[members] * rho)
        for g, pop in zip(members.tolist(), gpop.tolist(), strict=True):
            if pop == 0:
                continue
            n = int(min(16, max(1, math.ceil(pop / 120))))
            px, py = _residences(rng, part.grid_poly[g], nx, ny, nodes_by_grid[g], ndense, n)
            pts_x.append(px)
            pts_y.append(py)
            pts_w.append(_allocate(pop, np.ones(n)))
            pts_c.append(np.full(n, comm_code[c], dtype="<U12"))
    plon, plat = _xy_to_lonlat(np.concatenate(pts_x), np.concatenate(pts_y))
    population_points = PopulationPoints(
        lon=np.ascontiguousarray(plon, dtype=np.float64),
        lat=np.ascontiguousarray(plat, dtype=np.float64),
        weight=np.concatenate(pts_w).astype(np.int64),
        community_code=np.concatenate(pts_c),
    )

    # --- divisions -----------------------------------------------------------
    streets = [
        DivisionSpec(
            code=street_codes[s],
            name=street_names[s],
            level="street",
            parent_code=DISTRICT_CODE,
            polygon=street_ll[s],
            population=int(sum(comm_pop[c] for c in range(n_comm) if part.comm_street[c] == s)),
            category="街道" if s == 0 else "镇",
        )
        for s in range(n_streets)
    ]
    communities = sorted(
        (
            DivisionSpec(
                code=comm_code[c],
                name=comm_name[c],
                level="community",
                parent_code=street_codes[part.comm_street[c]],
                polygon=comm_ll[c],
                population=int(comm_pop[c]),
                category="社区" if part.comm_is_urban[c] else "村",
            )
            for c in range(n_comm)
        ),
        key=lambda d: d.code,
    )
    grid_order = sorted(range(len(grid_code)), key=lambda g: grid_code[g])
    grids = [
        GridSpec(
            code=grid_code[g],
            name=grid_name[g],
            community_code=grid_code[g][:12],
            polygon=grid_ll[g],
        )
        for g in grid_order
    ]

    facilities = _facilities(
        rng,
        land=land,
        part=part,
        comm_polys=comm_polys_arr,
        hamlets=hamlets,
        hamlet_owner=hamlet_owner,
        street_codes=street_codes,
        street_names=street_names,
        comm_code=comm_code,
        comm_name=comm_name,
        nx=nx,
        ny=ny,
        node_comm=node_comm,
        ndense=ndense,
        network=network,
    )
    org_units = _org_units(street_codes, street_names, comm_code, comm_name, part.comm_is_urban)
    personas = _personas(rng, street_codes)

    return DemoDistrict(
        seed=seed,
        name=DISTRICT_NAME,
        code=DISTRICT_CODE,
        polygon=district_ll,
        population=int(comm_pop.sum()),
        streets=streets,
        communities=communities,
        grids=grids,
        network=network,
        facilities=facilities,
        population_points=population_points,
        org_units=org_units,
        personas=personas,
        epsg=epsg,
    )


def _locate(polys: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point, -1 if none."""
    tree = shapely.STRtree(polys)
    pi, gi = tree.query(shapely.points(x, y), predicate="intersects")
    out = np.full(len(x), -1)
    first = np.unique(pi, return_index=True)[1]  # a point on a shared edge: one of them
    out[pi[first]] = gi[first]
    return out


def _group(labels: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, np.arange(n), side="left")
    ends = np.searchsorted(sorted_labels, np.arange(n), side="right")
    return [order[a:b] for a, b in zip(starts, ends, strict=True)]


def _residences(
    rng: np.random.Generator,
    poly: shapely.Polygon,
    nx: np.ndarray,
    ny: np.ndarray,
    nodes: np.ndarray,
    ndense: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` home locations in a grid: beside its roads (settled ones first),
    or anywhere in it when no road passes through."""
    if len(nodes):
        pool = nodes[ndense[nodes]] if ndense[nodes].any() else nodes
        pick = rng.choice(pool, size=n, replace=len(pool) < n)
        px = nx[pick] + rng.uniform(-25.0, 25.0, n)
        py = ny[pick] + rng.uniform(-25.0, 25.0, n)
        bad = ~shapely.contains_xy(poly, px, py)
        px[bad], py[bad] = nx[pick][bad], ny[pick][bad]
        return px, py
    p = _sample_in(rng, poly, n, batch=64)
    return p[:, 0].copy(), p[:, 1].copy()


def _facilities(
    rng: np.random.Generator,
    *,
    land: _Land,
    part: _Partition,
    comm_polys: np.ndarray,
    hamlets: list[_Blob],
    hamlet_owner: list[int],
    street_codes: list[str],
    street_names: list[str],
    comm_code: list[str],
    comm_name: list[str],
    nx: np.ndarray,
    ny: np.ndarray,
    node_comm: np.ndarray,
    ndense: np.ndarray,
    network: RoadNetwork,
) -> list[FacilitySpec]:
    out: list[FacilitySpec] = []
    counters: dict[str, int] = {}
    used_nodes: set[int] = set()
    n_comm = len(comm_code)
    comm_street = part.comm_street
    nodes_of_comm = _group(node_comm, n_comm) if n_comm else []

    def node_near(x: float, y: float, c: int | None = None) -> int:
        pool = np.flatnonzero(node_comm >= 0)
        if c is not None and len(nodes_of_comm[c]):
            pool = nodes_of_comm[c]
        d = np.hypot(nx[pool] - x, ny[pool] - y)
        for k in np.argsort(d, kind="stable").tolist():
            if int(pool[k]) not in used_nodes:
                return int(pool[k])
        raise RuntimeError("no free network node")

    def add(kind: str, name: str, node: int, capacity: int, hours: str) -> None:
        used_nodes.add(node)
        prefix = {
            "cultural_station": "WHZ",
            "library": "TSG",
            "library_branch": "TSG",
            "self_service_library": "ZZTSG",
            "volunteer_station": "ZYZ",
            "volunteer_post": "ZYG",
            "volunteer_point": "ZYD",
        }[kind]
        counters[prefix] = seq = counters.get(prefix, 0) + 1
        # A building beside the road, not on its centre line (but in the
        # same community as the road node).
        c = int(node_comm[node])
        x = nx[node] + float(rng.uniform(-12.0, 12.0))
        y = ny[node] + float(rng.uniform(-12.0, 12.0))
        if not comm_polys[c].contains(shapely.Point(x, y)):
            x, y = float(nx[node]), float(ny[node])
        lon, lat = _xy_to_lonlat(np.array([x]), np.array([y]))
        out.append(
            FacilitySpec(
                code=f"{DISTRICT_CODE}-{prefix}-{seq:03d}",  # never clashes with a real registry
                kind=kind,
                name=name,
                lon=float(lon[0]),
                lat=float(lat[0]),
                capacity=capacity,
                opening_hours=hours,
                street_code=street_codes[comm_street[c]],
                community_code=comm_code[c],
                node=node,
            )
        )

    cores = [land.urban, *land.towns]
    # One cultural station per street or town, in its centre.
    for s, core in enumerate(cores):
        add(
            "cultural_station",
            f"{street_names[s]}综合文化站",
            node_near(core.cx, core.cy),
            300 if s == 0 else 150,
            "周二至周日 09:00-17:30（周一闭馆）",
        )
    # The district library and a branch in each town.
    u = land.urban
    add(
        "library",
        f"{DISTRICT_SHORT_NAME}图书馆",
        node_near(u.cx + 0.3 * u.r0, u.cy + 0.1 * u.r0),
        600,
        "周二至周日 09:00-21:00",
    )
    for s, core in enumerate(land.towns, start=1):
        add(
            "library_branch",
            f"{DISTRICT_SHORT_NAME}图书馆{street_names[s]}分馆",
            node_near(core.cx + 200.0, core.cy - 150.0),
            80,
            "周二至周日 09:00-17:00",
        )
    urban_comms = [c for c in range(n_comm) if part.comm_is_urban[c] and comm_street[c] == 0]
    for c in sorted(rng.choice(urban_comms, size=3, replace=False).tolist()) + [
        next(c for c in range(n_comm) if part.comm_is_urban[c] and comm_street[c] == 1)
    ]:
        add(
            "self_service_library",
            f"{comm_name[c]}24小时自助图书馆",
            node_near(*part.comm_centre[c], c=c),
            20,
            "全天24小时开放",
        )

    # Volunteer stations in most communities; some villages and two urban
    # communities have none, so a coverage analysis has gaps to find.
    villages = [c for c in range(n_comm) if not part.comm_is_urban[c]]
    without = set(rng.choice(villages, size=max(1, len(villages) // 4), replace=False).tolist())
    without |= set(rng.choice(urban_comms, size=2, replace=False).tolist())
    for c in range(n_comm):
        if c in without:
            continue
        add(
            "volunteer_station",
            f"{comm_name[c]}志愿服务站",
            node_near(*part.comm_centre[c], c=c),
            int(rng.integers(30, 61)),
            "周一至周五 09:00-12:00，14:30-17:30",
        )
    # Posts at busy road nodes in the urban core and the town centres.
    kind_at = np.full(len(nx), RESIDENTIAL, dtype=np.int8)
    np.minimum.at(kind_at, network.u, network.kind)
    np.minimum.at(kind_at, network.v, network.kind)
    busy = np.flatnonzero(ndense & (kind_at <= SECONDARY) & (node_comm >= 0))
    busy = busy[
        [int(node_comm[b]) not in without and part.comm_is_urban[int(node_comm[b])] for b in busy]
    ]
    for b in rng.choice(busy, size=min(14, len(busy)), replace=False).tolist():
        if b in used_nodes:
            continue
        c = int(node_comm[b])
        k = sum(1 for f in out if f.kind == "volunteer_post" and f.community_code == comm_code[c])
        add(
            "volunteer_post",
            f"{comm_name[c]}志愿服务岗{k + 1}号",
            int(b),
            int(rng.integers(5, 11)),
            "周六、周日 09:00-17:00",
        )
    # Points in outlying hamlets of villages that have a station.
    target = 60
    spots = [i for i, o in enumerate(hamlet_owner) if o not in without]
    for i in rng.permutation(spots).tolist():
        if len([f for f in out if f.kind.startswith("volunteer")]) >= target:
            break
        c = hamlet_owner[i]
        b = hamlets[i]
        if math.hypot(b.cx - part.comm_centre[c][0], b.cy - part.comm_centre[c][1]) < 1.0:
            continue  # the village centre already has the station
        if not len(nodes_of_comm[c]):
            continue
        k = sum(1 for f in out if f.kind == "volunteer_point" and f.community_code == comm_code[c])
        add(
            "volunteer_point",
            f"{comm_name[c]}志愿服务点{k + 1}号",
            node_near(b.cx, b.cy, c=c),
            int(rng.integers(10, 21)),
            "每周三、周六 15:00-18:00",
        )
    return out


_DEPARTMENTS = (
    # code, name, short name
    ("CGJ", "明湖区城市管理和综合执法局", "区城管执法局"),
    ("ZJJ", "明湖区住房和城乡建设局", "区住建局"),
    ("STHJ", "佛山市生态环境局明湖分局（合成）", "区生态环境分局"),
    ("JTJ", "明湖区交通运输局", "区交通运输局"),
    ("WGLTJ", "明湖区文化广电旅游体育局", "区文广旅体局"),
    ("SCJGJ", "明湖区市场监督管理局", "区市场监管局"),
    ("SLJ", "明湖区水利局", "区水利局"),
)
_CONTRACTORS = (
    # code, name, short name, contracting department
    ("HWGS", "明湖环卫作业有限公司（合成）", "环卫作业公司", "CGJ"),
    ("YLGS", "明湖园林绿化养护有限公司（合成）", "园林养护公司", "CGJ"),
    ("SZGS", "明湖市政设施维护有限公司（合成）", "市政维护公司", "ZJJ"),
    ("PSGS", "明湖排水管网运营有限公司（合成）", "排水运营公司", "SLJ"),
)


def _org_units(
    street_codes: list[str],
    street_names: list[str],
    comm_code: list[str],
    comm_name: list[str],
    comm_is_urban: list[bool],
) -> list[OrgUnitSpec]:
    units = [
        OrgUnitSpec("GOV", f"{DISTRICT_NAME}人民政府", "区政府", "government", "", DISTRICT_CODE),
        OrgUnitSpec("ZLB", "明湖区城市治理办公室", "区城市治理办", "office", "GOV"),
    ]
    units += [OrgUnitSpec(c, n, s, "department", "GOV") for c, n, s in _DEPARTMENTS]
    units += [OrgUnitSpec(c, n, s, "contractor", p) for c, n, s, p in _CONTRACTORS]
    for code, name in zip(street_codes, street_names, strict=True):
        full = f"{name}办事处" if name.endswith("街道") else f"{name}人民政府"
        units.append(OrgUnitSpec(f"S{code}", full, name, "street", "GOV", code))
    for code, name, urban in sorted(zip(comm_code, comm_name, comm_is_urban, strict=True)):
        full = name + ("居民委员会" if urban else "村民委员会")
        short = name + ("居委会" if urban else "村委会")
        units.append(OrgUnitSpec(f"C{code}", full, short, "community", f"S{code[:9]}", code))
    return units


def _personas(rng: np.random.Generator, street_codes: list[str]) -> list[PersonaSpec]:
    urban = f"S{street_codes[0]}"
    plan = [
        # username, role, org, post
        ("jiandu1", "inspector", "ZLB", "城市管理监督员"),
        ("jiandu2", "inspector", "ZLB", "城市管理监督员"),
        ("jiandu3", "inspector", "ZLB", "城市管理监督员"),
        ("shouli1", "intake", "ZLB", "受理员"),
        ("shouli2", "intake", "ZLB", "受理员"),
        ("zhiban1", "shift_lead", "ZLB", "值班长"),
        ("paiqian1", "dispatcher", "ZLB", "派遣员"),
        ("paiqian2", "dispatcher", "ZLB", "派遣员"),
        ("chuzhi.cgj1", "handler", "CGJ", "执法队员"),
        ("chuzhi.cgj2", "handler", "CGJ", "执法队员"),
        ("chuzhi.zjj1", "handler", "ZJJ", "工程科科员"),
        ("chuzhi.zjj2", "handler", "ZJJ", "工程科科员"),
        ("chuzhi.hw1", "handler", "HWGS", "环卫班组长"),
        ("chuzhi.jd1", "handler", urban, "城管办工作人员"),
        ("lingdao.cgj", "dept_leader", "CGJ", "副局长"),
        ("lingdao.zjj", "dept_leader", "ZJJ", "副局长"),
        ("zhiliban1", "office_staff", "ZLB", "综合科科员"),
        ("quling1", "district_leader", "GOV", "副区长"),
        ("admin1", "sysadmin", "ZLB", "系统管理员"),
        ("jumin1", "resident", "", "居民"),
        ("jumin2", "resident", "", "居民"),
    ]
    taken: set[str] = set()
    return [
        PersonaSpec(u, syl.person_name(rng, taken), role, org, post) for u, role, org, post in plan
    ]


def iter_grids_by_community(d: DemoDistrict) -> Iterator[tuple[DivisionSpec, list[GridSpec]]]:
    """Each community with its grids, in code order."""
    by: dict[str, list[GridSpec]] = {}
    for g in d.grids:
        by.setdefault(g.community_code, []).append(g)
    for c in d.communities:
        yield c, by.get(c.code, [])
