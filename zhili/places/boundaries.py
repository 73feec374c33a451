"""Reading and validating boundary files (pure: no database access).

A boundary import is checked whole before anything is written: every feature
is read, every rule applied, and every failure reported with the feature's
position and code.  Only an import with no errors reaches the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _

from .geo import area_m2

# Slack for digitising noise when checking containment and overlap: a grid
# may stick out of its community, or overlap a neighbour, by at most this
# share of its own area and never by more than ``ABS_TOL_M2``.
REL_TOL = 0.001
ABS_TOL_M2 = 5.0

# Mainland China with its islands, generously: coordinates outside this box
# are almost always projected metres or swapped lon/lat.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)

CODE_RE = re.compile(r"^\d+$")
LEVEL_BY_LEN = {6: "district", 9: "street", 12: "community"}


class BoundaryFileError(ValueError):
    """The file as a whole cannot be read (not a feature collection, bad JSON...)."""


@dataclass(frozen=True)
class FeatureError:
    index: int  # 1-based position of the feature in the file
    code: str
    message: str

    def __str__(self) -> str:
        where = _("feature %(n)d") % {"n": self.index}
        if self.code:
            where += f" ({self.code})"
        return f"{where}: {self.message}"


@dataclass
class RawFeature:
    index: int
    properties: dict[str, Any]
    geometry: shapely.Geometry | None
    geometry_error: str = ""


@dataclass
class DivisionRecord:
    index: int
    code: str
    name: str
    level: str
    parent_code: str
    population: int | None
    geometry: shapely.Geometry


@dataclass
class GridRecord:
    index: int
    code: str
    name: str
    geometry: shapely.Geometry

    @property
    def community_code(self) -> str:
        return self.code[:12]


@dataclass
class Checked:
    divisions: list[DivisionRecord] = field(default_factory=list)
    grids: list[GridRecord] = field(default_factory=list)
    errors: list[FeatureError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading -----------------------------------------------------------------


def read_features(path: str | Path) -> list[RawFeature]:
    """Read a GeoJSON, GeoPackage or Shapefile into raw features in lon/lat."""
    path = Path(path)
    if not path.exists():
        raise BoundaryFileError(_("File not found: %(path)s") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BoundaryFileError(_("The file is not UTF-8 text, as GeoJSON must be.")) from None
        return parse_geojson(text)
    if suffix in (".gpkg", ".shp", ".zip"):
        return _read_ogr(path)
    raise BoundaryFileError(
        _("Unsupported file type %(suffix)s: use .geojson, .gpkg or .shp") % {"suffix": suffix or "?"}
    )


def parse_geojson(text: str) -> list[RawFeature]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(
            _("Not valid JSON (line %(line)d, column %(col)d): %(msg)s")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(_("The GeoJSON must be a FeatureCollection."))
    features = data.get("features")
    if not isinstance(features, list):
        raise BoundaryFileError(_("The FeatureCollection has no list of features."))
    crs = data.get("crs")
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
        if name and not any(tag in name for tag in ("4326", "4490", "CRS84", "WGS")):
            raise BoundaryFileError(
                _("Coordinates must be WGS84/CGCS2000 longitude/latitude; the file declares %(crs)s.")
                % {"crs": name}
            )
    out: list[RawFeature] = []
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            out.append(RawFeature(i, {}, None, _("not a GeoJSON Feature")))
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        geom_json = feat.get("geometry")
        if geom_json is None:
            out.append(RawFeature(i, props, None, _("the feature has no geometry")))
            continue
        try:
            geom = shapely.from_geojson(json.dumps(geom_json))
        except Exception as exc:  # shapely raises GEOSException for many shapes of bad input
            out.append(RawFeature(i, props, None, _("unreadable geometry: %(err)s") % {"err": exc}))
            continue
        out.append(RawFeature(i, props, geom))
    return out


def _read_ogr(path: Path) -> list[RawFeature]:
    import pyogrio
    import pyogrio.errors

    try:
        meta, _fids, geoms, field_data = pyogrio.raw.read(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise BoundaryFileError(_("Cannot read the file: %(err)s") % {"err": exc}) from None
    names = list(meta["fields"])
    shapes = shapely.from_wkb(geoms) if geoms is not None else np.array([None] * len(_fids))
    crs = meta.get("crs")
    if crs:
        import pyproj

        src = pyproj.CRS.from_user_input(crs)
        if not src.is_geographic:
            transformer = pyproj.Transformer.from_crs(src, 4326, always_xy=True)
            shapes = shapely.transform(
                shapes, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
            )
    out = []
    for i in range(len(shapes)):
        props = {name: _plain(field_data[j][i]) for j, name in enumerate(names)}
        geom = shapes[i]
        if geom is None:
            out.append(RawFeature(i + 1, props, None, _("the feature has no geometry")))
        else:
            out.append(RawFeature(i + 1, props, geom))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


# --- validation ----------------------------------------------------------------


def _code_of(props: Mapping[str, Any]) -> str:
    for key in ("code", "CODE", "Code", "编码", "代码"):
        if key in props and props[key] not in (None, ""):
            value = props[key]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip()
    return ""


def _name_of(props: Mapping[str, Any]) -> str:
    for key in ("name", "NAME", "Name", "名称"):
        if props.get(key):
            return str(props[key]).strip()
    return ""


def _check_geometry(feat: RawFeature, code: str, errors: list[FeatureError]) -> shapely.Geometry | None:
    if feat.geometry is None:
        errors.append(FeatureError(feat.index, code, feat.geometry_error))
        return None
    geom = feat.geometry
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        errors.append(
            FeatureError(
                feat.index, code, _("geometry must be a Polygon or MultiPolygon, not %(t)s") % {"t": geom.geom_type}
            )
        )
        return None
    if geom.is_empty:
        errors.append(FeatureError(feat.index, code, _("geometry is empty")))
        return None
    minx, miny, maxx, maxy = geom.bounds
    if not (LON_RANGE[0] <= minx and maxx <= LON_RANGE[1] and LAT_RANGE[0] <= miny and maxy <= LAT_RANGE[1]):
        errors.append(
            FeatureError(
                feat.index,
                code,
                _(
                    "coordinates (%(x).4f, %(y).4f) are not longitude/latitude in China; "
                    "are they projected metres or swapped?"
                )
                % {"x": minx, "y": miny},
            )
        )
        return None
    if not geom.is_valid:
        errors.append(
            FeatureError(
                feat.index, code, _("invalid geometry: %(why)s") % {"why": shapely.is_valid_reason(geom)}
            )
        )
        return None
    return shapely.normalize(geom)


def _outside_share(inner: shapely.Geometry, outer: shapely.Geometry) -> tuple[float, float]:
    """Area (m²) of ``inner`` outside ``outer`` and that as a share of ``inner``."""
    rest = inner.difference(outer)
    if rest.is_empty:
        return 0.0, 0.0
    out_m2 = area_m2(rest)
    total = area_m2(inner)
    return out_m2, (out_m2 / total if total else 1.0)


def _sticks_out(inner: shapely.Geometry, outer: shapely.Geometry) -> float | None:
    """Share of ``inner`` outside ``outer`` when beyond tolerance, else None."""
    if outer.covers(inner):
        return None
    out_m2, share = _outside_share(inner, outer)
    if out_m2 <= ABS_TOL_M2 or share <= REL_TOL:
        return None
    return share


def check_divisions(
    features: Iterable[RawFeature], existing: Mapping[str, shapely.Geometry]
) -> Checked:
    """Check division features.  ``existing`` maps current division codes to
    geometries (for parents not in the file)."""
    result = Checked()
    seen: dict[str, int] = {}
    records: list[DivisionRecord] = []
    for feat in features:
        code = _code_of(feat.properties)
        errs_before = len(result.errors)
        if not code:
            result.errors.append(FeatureError(feat.index, "", _("missing property 'code'")))
        elif not CODE_RE.match(code) or len(code) not in LEVEL_BY_LEN:
            result.errors.append(
                FeatureError(
                    feat.index,
                    code,
                    _("division code %(code)s must have 6 (district), 9 (street/town) or 12 (community) digits")
                    % {"code": code},
                )
            )
        elif code in seen:
            result.errors.append(
                FeatureError(feat.index, code, _("code repeats feature %(n)d") % {"n": seen[code]})
            )
        name = _name_of(feat.properties)
        if not name:
            result.errors.append(FeatureError(feat.index, code, _("missing property 'name'")))
        population = feat.properties.get("population")
        pop_value: int | None = None
        if population not in (None, ""):
            try:
                pop_value = int(population)
                if pop_value < 0:
                    raise ValueError
            except (TypeError, ValueError):
                result.errors.append(
                    FeatureError(feat.index, code, _("population must be a whole number ≥ 0"))
                )
        geom = _check_geometry(feat, code, result.errors)
        if code:
            seen.setdefault(code, feat.index)
        if len(result.errors) == errs_before and geom is not None:
            level = LEVEL_BY_LEN[len(code)]
            parent = {"district": "", "street": code[:6], "community": code[:9]}[level]
            records.append(DivisionRecord(feat.index, code, name, level, parent, pop_value, geom))
    in_file = {r.code: r.geometry for r in records}
    for rec in records:
        if not rec.parent_code:
            continue
        parent_geom = in_file.get(rec.parent_code, existing.get(rec.parent_code))
        if parent_geom is None:
            result.errors.append(
                FeatureError(
                    rec.index,
                    rec.code,
                    _("parent division %(parent)s does not exist (neither in the file nor stored)")
                    % {"parent": rec.parent_code},
                )
            )
            continue
        share = _sticks_out(rec.geometry, parent_geom)
        if share is not None:
            result.errors.append(
                FeatureError(
                    rec.index,
                    rec.code,
                    _("%(pct).1f%% of the area lies outside its parent division %(parent)s")
                    % {"pct": share * 100, "parent": rec.parent_code},
                )
            )
    result.divisions = records if not result.errors else []
    return result


def check_grids(
    features: Iterable[RawFeature],
    communities: Mapping[str, shapely.Geometry],
    existing_grids: Mapping[str, shapely.Geometry],
) -> Checked:
    """Check unit-grid features against their communities and each other.

    ``existing_grids`` are the current grids the import keeps (not redrawn by
    it); a new grid must not overlap them either.
    """
    result = Checked()
    seen: dict[str, int] = {}
    records: list[GridRecord] = []
    for feat in features:
        code = _code_of(feat.properties)
        errs_before = len(result.errors)
        if not code:
            result.errors.append(FeatureError(feat.index, "", _("missing property 'code'")))
        elif not CODE_RE.match(code) or len(code) != 15:
            result.errors.append(
                FeatureError(
                    feat.index,
                    code,
                    _(
                        "unit grid code %(code)s must have 15 digits: 6 county + 3 street + "
                        "3 community + 3 sequence"
                    )
                    % {"code": code},
                )
            )
        elif code.endswith("000"):
            result.errors.append(
                FeatureError(feat.index, code, _("the grid sequence number (last 3 digits) cannot be 000"))
            )
        elif code in seen:
            result.errors.append(
                FeatureError(feat.index, code, _("code repeats feature %(n)d") % {"n": seen[code]})
            )
        geom = _check_geometry(feat, code, result.errors)
        if code:
            seen.setdefault(code, feat.index)
        if len(result.errors) != errs_before or geom is None:
            continue
        community = communities.get(code[:12])
        if community is None:
            result.errors.append(
                FeatureError(
                    feat.index,
                    code,
                    _("community %(c)s (the first 12 digits of the code) does not exist")
                    % {"c": code[:12]},
                )
            )
            continue
        share = _sticks_out(geom, community)
        if share is not None:
            result.errors.append(
                FeatureError(
                    feat.index,
                    code,
                    _("%(pct).1f%% of the grid lies outside its community %(c)s")
                    % {"pct": share * 100, "c": code[:12]},
                )
            )
            continue
        records.append(GridRecord(feat.index, code, _name_of(feat.properties), geom))
    result.errors.extend(_overlaps(records, existing_grids))
    result.grids = records if not result.errors else []
    return result


def _overlaps(records: list[GridRecord], existing: Mapping[str, shapely.Geometry]) -> list[FeatureError]:
    if not records:
        return []
    new_codes = {r.code for r in records}
    kept = [(c, g) for c, g in existing.items() if c not in new_codes]
    geoms = np.array([r.geometry for r in records] + [g for _c, g in kept], dtype=object)
    codes = [r.code for r in records] + [c for c, _g in kept]
    tree = shapely.STRtree(geoms)
    n_new = len(records)
    left, right = tree.query(geoms[:n_new], predicate="intersects")
    errors = []
    reported: set[tuple[int, int]] = set()
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a == b or (b < n_new and b < a) or (a, b) in reported:
            continue
        inter = shapely.intersection(geoms[a], geoms[b])
        if inter.is_empty or inter.area == 0:
            continue
        inter_m2 = area_m2(inter)
        smaller = min(area_m2(geoms[a]), area_m2(geoms[b]))
        if inter_m2 <= ABS_TOL_M2 or inter_m2 <= REL_TOL * smaller:
            continue
        reported.add((a, b))
        rec = records[a]
        errors.append(
            FeatureError(
                rec.index,
                rec.code,
                _("overlaps grid %(other)s by %(m2).0f m²") % {"other": codes[b], "m2": inter_m2},
            )
        )
    return errors
