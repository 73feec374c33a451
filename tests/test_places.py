"""Places: boundary import rules, versioning, export, lookup, pages."""

from __future__ import annotations

import json
from datetime import date

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import box, mapping

from tests.fixtures_places import (  # noqa: F401
    COMM_E,
    COMM_W,
    DISTRICT,
    STREET,
    X0,
    Y0,
    D,
    divisions_fc,
    fc,
    feat,
    quarter_grids,
)
from zhili.places.actions import BoundaryImportError, boundaries_import, responsibility_grid_save
from zhili.places.boundaries import BoundaryFileError, parse_geojson, read_features
from zhili.places.geo import area_m2, gk_central_meridian, gk_epsg
from zhili.places.models import Division, UnitGrid
from zhili.places.services import locate, locate_many

pytestmark = pytest.mark.usefixtures("english")

# --- projections -------------------------------------------------------------


def test_gauss_kruger_zone_from_longitude():
    assert gk_central_meridian(112.85) == 114  # Gaoming lies in the 114°E zone
    assert gk_epsg(112.85) == 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
    assert gk_epsg(116.4) == 4548  # Beijing: CM 117E
    assert gk_epsg(75.0) == 4534
    with pytest.raises(ValueError):
        gk_epsg(10.0)


def test_area_in_square_metres():
    # 0.01° x 0.01° at 22.8°N is about 1,113 m x 1,026 m.
    a = area_m2(box(112.8, 22.8, 112.81, 22.81))
    assert 1.13e6 < a < 1.15e6


# --- reading files --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "Not valid JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection"}', "no list of features"),
        (
            '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4547"}},"features":[]}',
            "EPSG:4547",
        ),
    ],
)
def test_malformed_geojson_is_refused_whole(text, message):
    with pytest.raises(BoundaryFileError, match=message):
        parse_geojson(text)


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "grids.kml"
    path.write_text("<kml/>")
    with pytest.raises(BoundaryFileError, match="Unsupported"):
        read_features(path)


def test_non_utf8_geojson(tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_bytes(divisions_fc().encode("gbk"))
    with pytest.raises(BoundaryFileError, match="UTF-8"):
        read_features(path)


# --- division rules -------------------------------------------------------------


def test_division_import_and_hierarchy(district):
    assert Division.objects.current().count() == 4
    comm = Division.objects.get(code="440699001001")
    assert comm.level == "community" and comm.parent_code == "440699001" and comm.population == 5000
    assert 1.0e6 < comm.area_m2 < 2.5e6


def test_bad_division_codes_and_orphans(db):
    text = fc(
        feat("4406", DISTRICT),  # wrong length
        feat("44069900100A", COMM_W),  # not digits
        feat("440698001", STREET),  # parent district missing
    )
    with pytest.raises(BoundaryImportError) as exc:
        boundaries_import(actor=None, kind="divisions", features=parse_geojson(text))
    messages = [str(e) for e in exc.value.feature_errors]
    assert any("4406" in m and "6 (district)" in m for m in messages)
    assert any("44069900100A" in m for m in messages)
    assert any("440698" in m and "does not exist" in m for m in messages)
    assert Division.objects.count() == 0


# --- grid rules -----------------------------------------------------------------


def test_grid_codes_are_validated(district):
    bad = fc(
        feat("44069900100101", box(X0, Y0, X0 + 0.001, Y0 + 0.001)),  # 14 digits
        feat("440699001001000", box(X0, Y0, X0 + 0.001, Y0 + 0.001)),  # sequence 000
        feat("440699001009001", box(X0, Y0, X0 + 0.001, Y0 + 0.001)),  # no such community
    )
    with pytest.raises(BoundaryImportError) as exc:
        boundaries_import(actor=None, kind="grids", features=parse_geojson(bad))
    text = "\n".join(str(e) for e in exc.value.feature_errors)
    assert "must have 15 digits" in text
    assert "cannot be 000" in text
    assert "community 440699001009" in text


def test_grid_outside_its_community_is_rejected(district):
    # Redraw grid 001 of the west community so half of it lies in the east community.
    shifted = box(X0 + D / 4, Y0, X0 + 3 * D / 4, Y0 + D / 4)
    with pytest.raises(BoundaryImportError, match="outside its community 440699001001"):
        boundaries_import(
            actor=None, kind="grids", features=parse_geojson(fc(feat("440699001001001", shifted))), valid_from=date(2025, 1, 1)
        )


def test_overlapping_grids_are_rejected_and_nothing_is_saved(district):
    before = UnitGrid.objects.count()
    # Grid 005 overlaps the stored grid 001; grid 006 is fine but must not be saved either.
    text = fc(
        feat("440699001001005", box(X0, Y0, X0 + D / 8, Y0 + D / 8)),
        feat("440699001002005", box(X0 + D / 2, Y0, X0 + D / 2 + 0.0001, Y0 + 0.0001)),
    )
    with pytest.raises(BoundaryImportError) as exc:
        boundaries_import(actor=None, kind="grids", features=parse_geojson(text), valid_from=date(2025, 1, 1))
    messages = [str(e) for e in exc.value.feature_errors]
    assert any("overlaps grid 440699001001001" in m for m in messages)
    assert UnitGrid.objects.count() == before


def test_invalid_and_wrong_type_geometries(district):
    bowtie = {"type": "Polygon", "coordinates": [[[X0, Y0], [X0 + 0.001, Y0 + 0.001], [X0 + 0.001, Y0], [X0, Y0 + 0.001], [X0, Y0]]]}
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"code": "440699001001007"}, "geometry": bowtie},
                {"type": "Feature", "properties": {"code": "440699001001008"}, "geometry": {"type": "Point", "coordinates": [X0, Y0]}},
                {"type": "Feature", "properties": {"code": "440699001001009"}, "geometry": mapping(box(500000, 2500000, 500100, 2500100))},
                {"type": "Feature", "properties": {"code": "440699001001010"}, "geometry": None},
            ],
        }
    )
    with pytest.raises(BoundaryImportError) as exc:
        boundaries_import(actor=None, kind="grids", features=parse_geojson(text))
    messages = "\n".join(str(e) for e in exc.value.feature_errors)
    assert "invalid geometry" in messages and "Self-intersection" in messages
    assert "Polygon or MultiPolygon, not Point" in messages
    assert "projected metres" in messages
    assert "no geometry" in messages
    assert len(exc.value.feature_errors) == 4


def test_dry_run_changes_nothing(db):
    report = boundaries_import(actor=None, kind="divisions", features=parse_geojson(divisions_fc()), commit=False)
    assert len(report.created) == 4 and not report.committed
    assert Division.objects.count() == 0


# --- versioning and lookup --------------------------------------------------------


def test_point_lookup_single_and_vectorised(district):
    hit = locate(X0 + 0.001, Y0 + 0.001)
    assert hit is not None
    assert hit.grid == "440699001001001"
    assert (hit.community, hit.street, hit.district) == ("440699001001", "440699001", "440699")
    assert locate(X0 - 0.01, Y0) is None  # outside the district
    import numpy as np

    out = locate_many(np.array([X0 + 0.001, X0 + D - 0.001, 100.0]), np.array([Y0 + 0.001, Y0 + D - 0.001, 30.0]))
    assert list(out["grid"]) == ["440699001001001", "440699001002004", ""]
    assert list(out["street"]) == ["440699001", "440699001", ""]


def test_redrawn_grid_keeps_old_points_in_old_grid(district):
    # Next year the west community's grids 001 and 002 swap their shared edge.
    x0, y0, x1, y1 = COMM_W.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    moved = xm + (x1 - xm) / 2
    redraw = fc(
        feat("440699001001001", box(x0, y0, moved, ym)),
        feat("440699001001002", box(moved, y0, x1, ym)),
    )
    report = boundaries_import(actor=None, kind="grids", features=parse_geojson(redraw), valid_from=date(2025, 1, 1))
    assert sorted(report.redrawn) == ["440699001001001", "440699001001002"]
    p = (xm + (moved - xm) / 2, y0 + 0.001)  # between old and new edge
    assert locate(*p).grid == "440699001001001"  # today
    assert locate(*p, at=date(2024, 6, 1)).grid == "440699001001002"  # a case of 2024
    assert UnitGrid.objects.filter(code="440699001001001").count() == 2
    old = UnitGrid.objects.get(code="440699001001001", valid_to__isnull=False)
    assert old.valid_to == date(2025, 1, 1)


def test_reimport_of_same_shapes_is_unchanged(district):
    grids = quarter_grids("440699001001", COMM_W)
    report = boundaries_import(actor=None, kind="grids", features=parse_geojson(fc(*grids)), valid_from=date(2025, 1, 1))
    assert len(report.unchanged) == 4 and not report.redrawn


def test_redraw_before_stored_version_is_refused(district):
    with pytest.raises(BoundaryImportError, match="after this import's date"):
        boundaries_import(
            actor=None,
            kind="grids",
            features=parse_geojson(fc(feat("440699001001001", box(X0, Y0, X0 + 0.002, Y0 + 0.002)))),
            valid_from=date(2023, 1, 1),
        )


# --- export -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_export_and_reimport_roundtrip(district, tmp_path, suffix):
    path = tmp_path / f"grids{suffix}"
    call_command("places", "export", str(path), "--kind", "grids")
    features = read_features(path)
    assert len(features) == 8
    codes = sorted(str(f.properties["code"]) for f in features)
    assert codes[0] == "440699001001001"
    stored = UnitGrid.objects.current().get(code="440699001001001").geometry
    back = next(f.geometry for f in features if str(f.properties["code"]) == "440699001001001")
    assert shapely.equals_exact(shapely.normalize(back), shapely.normalize(stored), tolerance=1e-6) or back.equals(stored)


# --- CLI --------------------------------------------------------------------------


def test_cli_import_dry_run_then_commit(db, tmp_path, capsys):
    path = tmp_path / "divisions.geojson"
    path.write_text(divisions_fc(), encoding="utf-8")
    call_command("places", "import", str(path), "--kind", "divisions")
    assert "nothing saved" in capsys.readouterr().out
    assert Division.objects.count() == 0
    call_command("places", "import", str(path), "--kind", "divisions", "--commit", "--valid-from", "2024-01-01")
    assert Division.objects.count() == 4


def test_cli_import_reports_each_bad_feature(db, tmp_path, capsys):
    path = tmp_path / "bad.geojson"
    path.write_text(fc(feat("123", DISTRICT), feat("440699", DISTRICT, name="")), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("places", "import", str(path), "--kind", "divisions", "--commit")
    err = capsys.readouterr().err
    assert "123" in err


def test_cli_locate_and_convert(district, capsys):
    call_command("places", "locate", str(X0 + 0.001), str(Y0 + 0.001), "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["grid"] == "440699001001001" and out["community"]["name"] == "西社区"
    with pytest.raises(CommandError, match="outside every unit grid"):
        call_command("places", "locate", "100", "30")


def test_responsibility_grid_binds_inspector(district, inspector_li, office_sun):
    rg = responsibility_grid_save(
        actor=office_sun, code="R1", name="西片", grid_codes=["440699001001001", "440699001001002"], inspector=inspector_li
    )
    assert rg.grid_codes == ["440699001001001", "440699001001002"]
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError, match="already in another"):
        responsibility_grid_save(actor=office_sun, code="R2", name="x", grid_codes=["440699001001001"])
    with pytest.raises(ValidationError, match="Unknown unit grids"):
        responsibility_grid_save(actor=office_sun, code="R2", name="x", grid_codes=["440699001001099"])
    with pytest.raises(PermissionDenied):
        responsibility_grid_save(actor=inspector_li, code="R3", name="x", grid_codes=[])


# --- pages ------------------------------------------------------------------------


def test_grid_info_and_access(client, district, inspector_li, resident_liu):
    client.force_login(inspector_li)
    r = client.get("/places/api/grids/440699001002003.json")
    assert r.status_code == 200
    data = r.json()
    assert data["community"] == {"code": "440699001002", "name": "东社区"}
    assert data["street"]["name"] == "测试街道"
    assert client.get("/places/api/grids/440699001002099.json").status_code == 404
    client.force_login(resident_liu)  # residents see no internal map data: same 404
    assert client.get("/places/api/grids/440699001002003.json").status_code == 404
    assert client.get("/places/map/").status_code == 404


def test_map_and_division_pages(client, district, inspector_li, django_assert_max_num_queries):
    client.force_login(inspector_li)
    with django_assert_max_num_queries(12):
        r = client.get("/places/map/")
    assert r.status_code == 200 and "leaflet.js" in r.content.decode()
    r = client.get("/places/api/grids.geojson")
    assert len(r.json()["features"]) == 8
    r = client.get("/places/api/divisions.geojson?level=community")
    assert {f["properties"]["name"] for f in r.json()["features"]} == {"西社区", "东社区"}
    assert client.get("/places/api/divisions.geojson?level=nation").status_code == 400
    r = client.get("/places/divisions/")
    assert "东社区" in r.content.decode()
    r = client.get("/places/divisions/440699001001/")
    assert r.status_code == 200 and "440699001001004" in r.content.decode()
    assert client.get("/places/divisions/440699001009/").status_code == 404


def test_locate_api_converts_gcj02(client, district, inspector_li):
    from zhili.places.coords import wgs84_to_gcj02

    client.force_login(inspector_li)
    lon, lat = wgs84_to_gcj02(X0 + 0.001, Y0 + 0.001)
    r = client.get(f"/places/api/locate?lon={float(lon)}&lat={float(lat)}&datum=gcj02")
    assert r.json()["grid"] == "440699001001001"
    assert client.get("/places/api/locate?lon=abc&lat=1").status_code == 400
