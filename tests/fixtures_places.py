"""Shared place fixtures: a 2 km toy district with two communities and eight grids."""

from __future__ import annotations

import json
from datetime import date

import pytest
from shapely.geometry import box, mapping

from zhili.places.actions import boundaries_import
from zhili.places.boundaries import parse_geojson

# A 2 km x 2 km toy district near Gaoming: one street, two communities side by side.
X0, Y0, D = 112.80, 22.80, 0.02
DISTRICT = box(X0, Y0, X0 + D, Y0 + D)
STREET = DISTRICT
COMM_W = box(X0, Y0, X0 + D / 2, Y0 + D)
COMM_E = box(X0 + D / 2, Y0, X0 + D, Y0 + D)


def fc(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


def feat(code: str, geom, name: str = "", **props) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name or code, **props}, "geometry": mapping(geom)}


def divisions_fc() -> str:
    return fc(
        feat("440699", DISTRICT, "测试区"),
        feat("440699001", STREET, "测试街道"),
        feat("440699001001", COMM_W, "西社区", population=5000),
        feat("440699001002", COMM_E, "东社区", population=7000),
    )


def quarter_grids(community_code: str, poly) -> list[dict]:
    """Four grids tiling a community rectangle."""
    x0, y0, x1, y1 = poly.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    parts = [box(x0, y0, xm, ym), box(xm, y0, x1, ym), box(x0, ym, xm, y1), box(xm, ym, x1, y1)]
    return [feat(f"{community_code}{i:03d}", p) for i, p in enumerate(parts, start=1)]


@pytest.fixture
def district(db):
    boundaries_import(actor=None, kind="divisions", features=parse_geojson(divisions_fc()), valid_from=date(2024, 1, 1))
    grids = quarter_grids("440699001001", COMM_W) + quarter_grids("440699001002", COMM_E)
    boundaries_import(actor=None, kind="grids", features=parse_geojson(fc(*grids)), valid_from=date(2024, 1, 1))
