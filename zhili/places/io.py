"""Export of divisions and grids as GeoJSON, GeoPackage or Shapefile."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .models import Division, UnitGrid

FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp"}


def format_for_path(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot tell the format from {path!r}: use .geojson, .gpkg or .shp")
    return FORMATS[suffix]


def _rows(kind: str, at: date | None) -> list[dict[str, Any]]:
    if kind == "divisions":
        qs = Division.objects.valid_at(at).order_by("code")
        return [
            {
                "code": d.code,
                "name": d.name,
                "level": d.level,
                "parent": d.parent_code,
                "population": d.population,
                "valid_from": d.valid_from.isoformat(),
                "valid_to": d.valid_to.isoformat() if d.valid_to else None,
                "_wkb": bytes(d.geom_wkb),
            }
            for d in qs
        ]
    if kind == "grids":
        qs = UnitGrid.objects.valid_at(at).order_by("code")
        return [
            {
                "code": g.code,
                "name": g.name,
                "community": g.community_code,
                "area_m2": round(g.area_m2, 1),
                "valid_from": g.valid_from.isoformat(),
                "valid_to": g.valid_to.isoformat() if g.valid_to else None,
                "_wkb": bytes(g.geom_wkb),
            }
            for g in qs
        ]
    raise ValueError(f"unknown kind {kind!r}")


def export_geojson(kind: str, at: date | None = None, precision: int = 7) -> dict[str, Any]:
    import json

    rows = _rows(kind, at)
    geoms = shapely.from_wkb([r.pop("_wkb") for r in rows]) if rows else []
    features = []
    for row, geom in zip(rows, geoms, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": row,
                "geometry": json.loads(shapely.to_geojson(shapely.set_precision(geom, 10**-precision))),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def export_file(kind: str, path: str, fmt: str, at: date | None = None) -> int:
    import json

    if fmt == "geojson":
        data = export_geojson(kind, at=at)
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return len(data["features"])
    import pyogrio

    rows = _rows(kind, at)
    wkb = np.array([shapely.to_wkb(shapely.multipolygons(shapely.get_parts(shapely.from_wkb(r.pop("_wkb"))))) for r in rows], dtype=object)
    fields = list(rows[0].keys()) if rows else ["code", "name"]
    field_data = [_column([r[f] for r in rows]) for f in fields]
    pyogrio.raw.write(
        path,
        geometry=wkb,
        field_data=field_data,
        fields=fields,
        crs="EPSG:4490",
        driver="GPKG" if fmt == "gpkg" else "ESRI Shapefile",
        geometry_type="MultiPolygon",
        encoding="UTF-8" if fmt == "shp" else None,
    )
    return len(rows)


def _column(values: list[Any]) -> np.ndarray:
    """A typed column for OGR: numbers as float with NaN for missing, else text."""
    if values and all(v is None or isinstance(v, (int, float)) for v in values):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return np.array(["" if v is None else str(v) for v in values], dtype=object)
