"""Reading walking networks, facilities and population from files (pure: no
database access).

Every reader checks the whole file and raises :class:`AccessFileError` with
one message per failing row or feature, so an import is refused whole with
the full list of what to fix, never half-stored.

Networks come from OpenStreetMap (PBF or XML, read with ``osmium``) or from
GeoJSON line features.  Only walkable ways are kept (:class:`WalkFilter`);
consecutive way nodes become undirected edges measured in metres in the
network's projected CRS, and only the largest connected component is kept:
a facility or a home snapped to a detached fragment (a footpath inside a
closed compound, a mapping gap) would otherwise look unreachable from
everything.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .projection import metric_epsg, to_xy

# progress(fraction 0..1, short message); may be called from a helper thread.
Progress = Callable[[float, str], None]

MAX_LISTED_ERRORS = 50


class AccessFileError(ValueError):
    """A file refused whole, with every problem found."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        shown = self.errors[:MAX_LISTED_ERRORS]
        if len(self.errors) > MAX_LISTED_ERRORS:
            shown.append(_("… and %(n)d more errors") % {"n": len(self.errors) - MAX_LISTED_ERRORS})
        super().__init__("\n".join(shown))


# --- the walk filter ---------------------------------------------------------

# highway=* values people walk along.  Trunk and motorway roads are left out
# (no footway on most; a trunk road with a pavement is usually mapped with a
# separate footway, or tagged foot=yes, which brings it back in).
DEFAULT_WALK_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "track",
        "cycleway",
        "corridor",
        "road",
        "trail",
    }
)
# Never walkable whatever other tags say.
NEVER_WALK_HIGHWAYS = frozenset(
    {"motorway", "motorway_link", "construction", "proposed", "abandoned", "raceway"}
)
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
DEFAULT_EXCLUDE: tuple[tuple[str, frozenset[str]], ...] = (
    ("foot", frozenset({"no", "private", "use_sidepath"})),
    ("access", frozenset({"no", "private"})),
    # Closed pedestrian squares drawn as areas: their outline is not a path.
    ("area", frozenset({"yes"})),
)


@dataclass(frozen=True)
class WalkFilter:
    """Which OSM ways (or GeoJSON features with OSM-style properties) are walkable.

    A way is kept when its ``highway`` value is in ``highways`` and none of
    the ``exclude`` tags match, or when it carries ``foot=yes|designated|
    permissive`` and is not a motorway.  ``access=no|private`` is overridden
    by an explicit foot permission, as OSM's access hierarchy says.
    """

    highways: frozenset[str] = DEFAULT_WALK_HIGHWAYS
    exclude: tuple[tuple[str, frozenset[str]], ...] = DEFAULT_EXCLUDE

    def accepts(self, tags: Mapping[str, Any]) -> bool:
        highway = str(tags.get("highway") or "")
        if not highway or highway in NEVER_WALK_HIGHWAYS:
            return False
        foot = str(tags.get("foot") or "")
        if highway not in self.highways and foot not in FOOT_ALLOWED:
            return False
        for key, values in self.exclude:
            value = tags.get(key)
            if value is None or str(value) not in values:
                continue
            if key == "access" and foot in FOOT_ALLOWED:
                continue
            return False
        return True

    @classmethod
    def parse(cls, highways: str | None = None, exclude: Iterable[str] | None = None) -> WalkFilter:
        """From command-line text: ``footway,path,...`` and ``key=v1|v2`` items."""
        hw = DEFAULT_WALK_HIGHWAYS
        if highways:
            hw = frozenset(h.strip() for h in highways.split(",") if h.strip())
            if not hw:
                raise ValueError(_("the highway list is empty"))
        ex = DEFAULT_EXCLUDE
        if exclude is not None:
            items = []
            for item in exclude:
                key, sep, values = item.partition("=")
                if not sep or not key.strip() or not values.strip():
                    raise ValueError(
                        _("exclude tags are written key=value or key=v1|v2, not %(t)r")
                        % {"t": item}
                    )
                items.append(
                    (
                        key.strip(),
                        frozenset(v.strip() for v in re.split(r"[|,]", values) if v.strip()),
                    )
                )
            ex = tuple(items)
        return cls(highways=hw, exclude=ex)


# --- networks -------------------------------------------------------------------


@dataclass
class RawNetwork:
    """An undirected walking network ready to store (largest component only)."""

    lon: np.ndarray  # float64 (n_nodes,)
    lat: np.ndarray
    u: np.ndarray  # int32 (n_edges,)
    v: np.ndarray
    length_m: np.ndarray  # float64, in ``epsg``
    kind: np.ndarray  # int16 index into ``kinds``
    kinds: tuple[str, ...]
    epsg: int
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.u.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays stored in a ``places.Dataset`` of kind network."""
        return {
            "lon": self.lon,
            "lat": self.lat,
            "u": self.u,
            "v": self.v,
            "length_m": self.length_m,
            "kind": self.kind,
            "kinds": np.array(self.kinds, dtype=str),
            "epsg": np.array([self.epsg]),
        }


def build_network(
    node_lon: np.ndarray,
    node_lat: np.ndarray,
    seg_a: np.ndarray,
    seg_b: np.ndarray,
    seg_kind: np.ndarray,
    kinds: tuple[str, ...],
    *,
    epsg: int | None = None,
) -> RawNetwork:
    """Segments between numbered nodes → a measured, de-duplicated, connected network."""
    node_lon = np.asarray(node_lon, dtype=float)
    node_lat = np.asarray(node_lat, dtype=float)
    a = np.asarray(seg_a, dtype=np.int64)
    b = np.asarray(seg_b, dtype=np.int64)
    k = np.asarray(seg_kind, dtype=np.int16)
    stats = {"segments_read": int(a.shape[0]), "nodes_read": int(node_lon.shape[0])}
    keep = a != b
    a, b, k = a[keep], b[keep], k[keep]
    # The same pair twice (two ways sharing a segment, a way drawn back over
    # itself): keep one, with the smallest kind index (the most important road).
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((k, hi, lo))
    lo, hi, k = lo[order], hi[order], k[order]
    first = np.ones(lo.shape[0], dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, k = lo[first], hi[first], k[first]
    if lo.shape[0] == 0:
        raise AccessFileError(_("No walkable ways were found: check the file and the tag filter."))
    if epsg is None:
        used = np.unique(np.concatenate([lo, hi]))
        epsg = metric_epsg(float(np.median(node_lon[used])), float(np.median(node_lat[used])))
    n = node_lon.shape[0]
    graph = coo_matrix((np.ones(lo.shape[0]), (lo, hi)), shape=(n, n))
    n_comp, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels[np.concatenate([lo, hi])], minlength=n_comp)
    main = int(np.argmax(sizes))
    in_main = labels[lo] == main
    lo, hi, k = lo[in_main], hi[in_main], k[in_main]
    used = np.unique(np.concatenate([lo, hi]))
    remap = np.full(n, -1, dtype=np.int64)
    remap[used] = np.arange(used.shape[0])
    lon, lat = node_lon[used], node_lat[used]
    x, y = to_xy(lon, lat, epsg)
    u = remap[lo].astype(np.int32)
    v = remap[hi].astype(np.int32)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    stats.update(
        {
            "components": int(n_comp if n_comp else 0),
            "nodes": int(used.shape[0]),
            "edges": int(u.shape[0]),
            "edges_dropped_outside_main_component": int((~in_main).sum()),
        }
    )
    return RawNetwork(
        lon=lon,
        lat=lat,
        u=u,
        v=v,
        length_m=length,
        kind=k,
        kinds=tuple(kinds),
        epsg=int(epsg),
        stats=stats,
    )


def read_network(
    path: str | Path, walk: WalkFilter | None = None, progress: Progress | None = None
) -> RawNetwork:
    """Read a network file by its extension: OSM (.pbf, .osm, .osm.bz2/.gz) or GeoJSON lines."""
    path = Path(path)
    if not path.exists():
        raise AccessFileError(_("No such file: %(p)s") % {"p": path})
    name = path.name.lower()
    walk = walk or WalkFilter()
    if name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osm.xml", ".o5m", ".opl")):
        return read_osm(path, walk, progress)
    if name.endswith(
        (".geojson", ".json", ".geojsonl", ".geojsons", ".geojsonseq", ".ndjson", ".jsonl")
    ):
        return read_geojson_lines(path, walk, progress)
    raise AccessFileError(
        _(
            "%(name)s: unknown network format; use an OSM extract (.osm.pbf, .osm) or GeoJSON lines (.geojson, .geojsonl)"
        )
        % {"name": path.name}
    )


def _file_position(path: Path) -> int | None:
    """How far this process has read ``path`` (Linux /proc), for a progress bar
    on libosmium's reader, which reads in its own threads."""
    real = os.path.realpath(path)
    try:
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") != real:
                    continue
                with open(f"/proc/self/fdinfo/{fd}") as info:
                    for line in info:
                        if line.startswith("pos:"):
                            return int(line.split()[1])
            except OSError:
                continue
    except OSError:
        return None
    return None


class _Poller:
    """Reports the share of a file read, every half second, while a reader runs."""

    def __init__(self, path: Path, progress: Progress | None, share: float, message: str):
        self.path, self.progress, self.share, self.message = path, progress, share, message
        self.size = max(path.stat().st_size, 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True) if progress else None

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            pos = _file_position(self.path)
            if pos is not None and self.progress:
                self.progress(self.share * min(pos / self.size, 1.0), self.message)

    def __enter__(self) -> _Poller:
        if self._thread:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def read_osm(
    path: str | Path, walk: WalkFilter | None = None, progress: Progress | None = None
) -> RawNetwork:
    """Walkable ways of an OSM extract (PBF or XML) as a network."""
    import osmium

    path = Path(path)
    walk = walk or WalkFilter()
    ids: dict[int, int] = {}
    lons: list[float] = []
    lats: list[float] = []
    seg_a: list[int] = []
    seg_b: list[int] = []
    seg_k: list[int] = []
    kinds: dict[str, int] = {}
    ways = kept = missing = 0
    message = _("reading ways")
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        with _Poller(path, progress, 0.8, message):
            for way in processor:
                ways += 1
                tags = {t.k: t.v for t in way.tags}
                if not walk.accepts(tags):
                    continue
                kept += 1
                kind = kinds.setdefault(tags["highway"], len(kinds))
                prev = -1
                for nd in way.nodes:
                    loc = nd.location
                    if not loc.valid():
                        # The node lies outside the extract: break the way there.
                        missing += 1
                        prev = -1
                        continue
                    idx = ids.get(nd.ref)
                    if idx is None:
                        idx = ids[nd.ref] = len(lons)
                        lons.append(loc.lon)
                        lats.append(loc.lat)
                    if prev >= 0:
                        seg_a.append(prev)
                        seg_b.append(idx)
                        seg_k.append(kind)
                    prev = idx
    except RuntimeError as exc:
        raise AccessFileError(
            _("%(name)s is not a readable OSM file (%(err)s)")
            % {"name": path.name, "err": str(exc).strip()}
        ) from None
    if ways == 0:
        raise AccessFileError(
            _("%(name)s contains no ways tagged highway=*.") % {"name": path.name}
        )
    if progress:
        progress(0.85, _("building the network"))
    try:
        net = build_network(
            np.array(lons),
            np.array(lats),
            np.array(seg_a),
            np.array(seg_b),
            np.array(seg_k),
            tuple(kinds),
        )
    except AccessFileError:
        raise AccessFileError(
            _("%(name)s has %(n)d highway ways but none passes the walk filter.")
            % {"name": path.name, "n": ways}
        ) from None
    net.stats.update(
        {"ways_read": ways, "ways_walkable": kept, "node_refs_outside_extract": missing}
    )
    if progress:
        progress(1.0, _("done"))
    return net


def _geojson_features(text: str, name: str) -> list[tuple[int, Any]]:
    """(1-based position, feature) of a FeatureCollection or of GeoJSON text sequences."""
    stripped = text.lstrip("\ufeff \t\r\n\x1e")
    if not stripped:
        raise AccessFileError(_("%(name)s is empty.") % {"name": name})
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        if doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
            return list(enumerate(doc["features"], start=1))
        if doc.get("type") == "Feature":
            return [(1, doc)]
        raise AccessFileError(_("%(name)s is not a GeoJSON FeatureCollection.") % {"name": name})
    if doc is not None:
        raise AccessFileError(_("%(name)s is not a GeoJSON FeatureCollection.") % {"name": name})
    # Newline-delimited (GeoJSONSeq, RFC 8142: records may start with RS).
    out = []
    errors = []
    for lineno, line in enumerate(stripped.splitlines(), start=1):
        line = line.strip().lstrip("\x1e")
        if not line:
            continue
        try:
            out.append((lineno, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(_("line %(n)d: not JSON (%(err)s)") % {"n": lineno, "err": exc.msg})
    if errors:
        raise AccessFileError(errors)
    return out


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise AccessFileError(_("%(name)s is neither UTF-8 nor GB18030 text.") % {"name": path.name})


def _position_ok(pos: Any) -> bool:
    return (
        isinstance(pos, (list, tuple))
        and len(pos) >= 2
        and all(
            isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
            for c in pos[:2]
        )
        and -180.0 <= pos[0] <= 180.0
        and -90.0 <= pos[1] <= 90.0
    )


def read_geojson_lines(
    path: str | Path, walk: WalkFilter | None = None, progress: Progress | None = None
) -> RawNetwork:
    """LineString/MultiLineString features (lon/lat, WGS84/CGCS2000) as a network.

    Lines join where they share a vertex (to about a centimetre), as OSM
    ways do; crossing lines without a shared vertex are a bridge or a tunnel.
    Features with an OSM ``highway`` property pass through the walk filter;
    features without one are all taken as walkable.
    """
    path = Path(path)
    walk = walk or WalkFilter()
    features = _geojson_features(_read_text(path), path.name)
    errors: list[str] = []
    parts: list[np.ndarray] = []
    part_kind: list[int] = []
    kinds: dict[str, int] = {}
    for i, feat in features:
        where = _("feature %(n)d") % {"n": i}
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            errors.append(_("%(where)s: not a GeoJSON Feature") % {"where": where})
            continue
        props = feat.get("properties") or {}
        geom = feat.get("geometry")
        if not isinstance(geom, dict):
            errors.append(_("%(where)s: no geometry") % {"where": where})
            continue
        gtype = geom.get("type")
        coords = geom.get("coordinates")
        if gtype == "LineString":
            lines = [coords]
        elif gtype == "MultiLineString" and isinstance(coords, list):
            lines = coords
        else:
            errors.append(
                _("%(where)s: geometry is %(type)s; a network needs LineString or MultiLineString")
                % {"where": where, "type": gtype}
            )
            continue
        bad = False
        for line in lines:
            if not isinstance(line, list) or len(line) < 2:
                errors.append(
                    _("%(where)s: a line needs at least two positions") % {"where": where}
                )
                bad = True
                break
            if not all(_position_ok(p) for p in line):
                errors.append(
                    _(
                        "%(where)s: coordinates must be longitude, latitude in degrees (WGS84/CGCS2000)"
                    )
                    % {"where": where}
                )
                bad = True
                break
        if bad:
            continue
        if "highway" in props and not walk.accepts(props):
            continue
        kind = kinds.setdefault(str(props.get("highway") or "line"), len(kinds))
        for line in lines:
            parts.append(np.array([p[:2] for p in line], dtype=float))
            part_kind.append(kind)
    if errors:
        raise AccessFileError(errors)
    if not parts:
        raise AccessFileError(_("%(name)s has no walkable lines.") % {"name": path.name})
    if progress:
        progress(0.5, _("building the network"))
    coords = np.concatenate(parts)
    # 1e-7° is about 1 cm: vertices this close are the same junction.
    keys = np.round(coords * 1e7).astype(np.int64)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    lengths = np.array([p.shape[0] for p in parts])
    ends = np.cumsum(lengths)
    starts = ends - lengths
    seg_from = np.concatenate([np.arange(s, e - 1) for s, e in zip(starts, ends, strict=True)])
    seg_kind = np.repeat(np.array(part_kind), lengths - 1)
    net = build_network(
        uniq[:, 0] / 1e7,
        uniq[:, 1] / 1e7,
        inverse[seg_from],
        inverse[seg_from + 1],
        seg_kind,
        tuple(kinds),
    )
    net.stats.update({"features_read": len(features), "lines_walkable": len(parts)})
    if progress:
        progress(1.0, _("done"))
    return net


# --- tables: facilities and population points ---------------------------------------


def read_table(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a CSV, Excel (.xlsx) or GeoJSON (Point features) file as
    (row number as a person sees it, {column: value}).  GeoJSON points get
    ``lon``/``lat`` from their geometry."""
    path = Path(path)
    if not path.exists():
        raise AccessFileError(_("No such file: %(p)s") % {"p": path})
    name = path.name.lower()
    if name.endswith((".csv", ".txt")):
        text = _read_text(path)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        if not reader.fieldnames:
            raise AccessFileError(_("%(name)s is empty.") % {"name": path.name})
        return [
            (i, dict(row))
            for i, row in enumerate(reader, start=2)
            if any((v or "").strip() for v in row.values() if isinstance(v, str))
        ]
    if name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(path)
    if name.endswith((".geojson", ".json")):
        out = []
        errors = []
        for i, feat in _geojson_features(_read_text(path), path.name):
            geom = feat.get("geometry") if isinstance(feat, dict) else None
            if (
                not isinstance(geom, dict)
                or geom.get("type") != "Point"
                or not _position_ok(geom.get("coordinates"))
            ):
                errors.append(
                    _("feature %(n)d: needs a Point geometry in longitude, latitude") % {"n": i}
                )
                continue
            row = dict(feat.get("properties") or {})
            row["lon"], row["lat"] = geom["coordinates"][:2]
            out.append((i, row))
        if errors:
            raise AccessFileError(errors)
        return out
    raise AccessFileError(
        _("%(name)s: unknown table format; use CSV, Excel (.xlsx) or GeoJSON") % {"name": path.name}
    )


def read_buildings(path: str | Path) -> tuple[list[tuple[int, dict[str, Any]]], list[float]]:
    """Residential buildings from GeoJSON: (rows with lon/lat of a point inside
    each building and its properties, footprint areas in m², 0 for points)."""
    import shapely

    from .projection import metric_epsg

    path = Path(path)
    if not path.exists():
        raise AccessFileError(_("No such file: %(p)s") % {"p": path})
    rows: list[tuple[int, dict[str, Any]]] = []
    geoms = []
    errors = []
    for i, feat in _geojson_features(_read_text(path), path.name):
        try:
            geom = (
                shapely.from_geojson(json.dumps(feat.get("geometry")))
                if isinstance(feat, dict) and feat.get("geometry")
                else None
            )
        except shapely.errors.GEOSException:
            geom = None
        if (
            geom is None
            or geom.is_empty
            or geom.geom_type not in ("Point", "Polygon", "MultiPolygon")
        ):
            errors.append(
                _("feature %(n)d: needs a Point, Polygon or MultiPolygon geometry") % {"n": i}
            )
            continue
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        if not _position_ok([p.x, p.y]):
            errors.append(
                _(
                    "feature %(n)d: coordinates must be longitude, latitude in degrees (WGS84/CGCS2000)"
                )
                % {"n": i}
            )
            continue
        rows.append((i, {**(feat.get("properties") or {}), "lon": p.x, "lat": p.y}))
        geoms.append(geom)
    if errors:
        raise AccessFileError(errors)
    if not rows:
        raise AccessFileError(_("%(name)s has no buildings.") % {"name": path.name})
    epsg = metric_epsg(
        float(np.median([r["lon"] for _i, r in rows])),
        float(np.median([r["lat"] for _i, r in rows])),
    )
    areas = []
    for g in geoms:
        if g.geom_type == "Point":
            areas.append(0.0)
        else:
            m = shapely.transform(g, lambda xy: np.column_stack(to_xy(xy[:, 0], xy[:, 1], epsg)))
            areas.append(float(m.area))
    return rows, areas


def _read_xlsx(path: Path) -> list[tuple[int, dict[str, Any]]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise AccessFileError(
            _("%(name)s is not a readable Excel file (%(err)s)") % {"name": path.name, "err": exc}
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise AccessFileError(_("%(name)s is empty.") % {"name": path.name})
        cols = [str(h).strip() if h is not None else "" for h in header]
        out = []
        for i, values in enumerate(rows, start=2):
            if values is None or all(
                v is None or (isinstance(v, str) and not v.strip()) for v in values
            ):
                continue
            out.append((i, {c: v for c, v in zip(cols, values, strict=False) if c}))
        return out
    finally:
        wb.close()


# Column names accepted for each field (lower-cased, spaces removed).
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "编号", "设施编码", "id"),
    "name": ("name", "名称", "设施名称"),
    "kind": ("kind", "type", "类型", "设施类型"),
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "capacity": ("capacity", "容量", "座位数"),
    "opening_hours": ("opening_hours", "hours", "开放时间"),
    "weight": ("weight", "population", "pop", "人口", "人数", "权重"),
    "community_code": ("community_code", "community", "社区编码", "社区代码"),
}


def _field(row: Mapping[str, Any], name: str) -> Any:
    wanted = ALIASES[name]
    for key, value in row.items():
        if str(key).strip().lower().replace(" ", "") in wanted:
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        out = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _columns_present(
    rows: list[tuple[int, dict[str, Any]]], required: tuple[str, ...]
) -> list[str]:
    if not rows:
        return []
    seen = {str(k).strip().lower().replace(" ", "") for _i, r in rows for k in r}
    return [f for f in required if not (set(ALIASES[f]) & seen)]


@dataclass(frozen=True)
class FacilityRow:
    row: int
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    capacity: int | None
    opening_hours: str


def kind_aliases() -> dict[str, str]:
    """Accepted spellings of each facility kind → ``places.Facility.Kind`` value."""
    from zhili.places.models import Facility

    values = set(Facility.Kind.values)
    out = {v: v for v in values}
    out.update({str(label).lower(): v for v, label in Facility.Kind.choices})
    chinese = {
        "文化站": "cultural_station",
        "综合文化站": "cultural_station",
        "文化服务中心": "cultural_station",
        "图书馆": "library",
        "分馆": "library_branch",
        "图书馆分馆": "library_branch",
        "自助图书馆": "self_service_library",
        "24小时自助图书馆": "self_service_library",
        "城市书房": "self_service_library",
        "志愿服务站": "volunteer_station",
        "志愿站": "volunteer_station",
        "学雷锋志愿服务站": "volunteer_station",
        "志愿服务岗": "volunteer_post",
        "志愿岗": "volunteer_post",
        "志愿服务点": "volunteer_point",
        "志愿点": "volunteer_point",
        # 志愿服务室 (a room in a community centre) has no kind of its own in
        # the registry yet; it serves like a point.
        "志愿服务室": "volunteer_room" if "volunteer_room" in values else "volunteer_point",
        "志愿室": "volunteer_room" if "volunteer_room" in values else "volunteer_point",
    }
    out.update({k: v for k, v in chinese.items() if v in values})
    return out


def parse_facilities(
    rows: list[tuple[int, dict[str, Any]]], *, source: str = ""
) -> list[FacilityRow]:
    """Check facility rows (code, name, kind, lon, lat[, capacity, opening_hours])."""
    missing = _columns_present(rows, ("code", "name", "kind", "lon", "lat"))
    if missing:
        raise AccessFileError(
            _("%(src)s: missing columns: %(cols)s")
            % {"src": source or _("file"), "cols": ", ".join(missing)}
        )
    if not rows:
        raise AccessFileError(_("%(src)s has no rows.") % {"src": source or _("file")})
    kinds = kind_aliases()
    errors: list[str] = []
    out: list[FacilityRow] = []
    seen: dict[str, int] = {}
    for i, row in rows:
        where = _("row %(n)d") % {"n": i}
        code = _text(_field(row, "code"))
        name = _text(_field(row, "name"))
        kind_raw = _text(_field(row, "kind"))
        kind = kinds.get(kind_raw) or kinds.get(kind_raw.lower())
        lon = _number(_field(row, "lon"))
        lat = _number(_field(row, "lat"))
        cap_raw = _field(row, "capacity")
        cap = _number(cap_raw)
        problems = []
        if not code:
            problems.append(_("no code"))
        elif len(code) > 32:
            problems.append(_("code longer than 32 characters"))
        elif code in seen:
            problems.append(_("code %(c)s already on row %(r)d") % {"c": code, "r": seen[code]})
        if not name:
            problems.append(_("no name"))
        elif len(name) > 100:
            problems.append(_("name longer than 100 characters"))
        if kind is None:
            problems.append(_("unknown kind %(k)r") % {"k": kind_raw})
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(_("longitude/latitude missing or out of range"))
        if _text(cap_raw) and (cap is None or cap < 0 or not float(cap).is_integer()):
            problems.append(
                _("capacity must be a whole number ≥ 0, not %(v)r") % {"v": _text(cap_raw)}
            )
        hours = _text(_field(row, "opening_hours"))
        if len(hours) > 100:
            problems.append(_("opening hours longer than 100 characters"))
        if problems:
            errors.append(f"{where}" + (f" ({code})" if code else "") + ": " + "; ".join(problems))
            continue
        seen[code] = i
        assert kind is not None and lon is not None and lat is not None
        out.append(
            FacilityRow(
                i,
                code,
                name,
                kind,
                float(lon),
                float(lat),
                int(cap) if cap is not None else None,
                hours,
            )
        )
    if errors:
        raise AccessFileError(errors)
    return out


@dataclass
class PopulationPoints:
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray  # float64: people (may be fractional after spreading)
    community_code: np.ndarray  # '<U12', '' when unknown

    def __len__(self) -> int:
        return int(self.lon.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "lon": self.lon,
            "lat": self.lat,
            "weight": self.weight,
            "community_code": self.community_code,
        }


def parse_population(
    rows: list[tuple[int, dict[str, Any]]], *, source: str = ""
) -> PopulationPoints:
    """Check population points (lon, lat, weight[, community_code])."""
    missing = _columns_present(rows, ("lon", "lat", "weight"))
    if missing:
        raise AccessFileError(
            _("%(src)s: missing columns: %(cols)s")
            % {"src": source or _("file"), "cols": ", ".join(missing)}
        )
    if not rows:
        raise AccessFileError(_("%(src)s has no rows.") % {"src": source or _("file")})
    errors: list[str] = []
    lon, lat, weight, comm = [], [], [], []
    for i, row in rows:
        x, y, w = (
            _number(_field(row, "lon")),
            _number(_field(row, "lat")),
            _number(_field(row, "weight")),
        )
        code = _text(_field(row, "community_code"))
        problems = []
        if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
            problems.append(_("longitude/latitude missing or out of range"))
        if w is None or w < 0:
            problems.append(_("weight must be a number ≥ 0"))
        if code and (not code.isdigit() or len(code) != 12):
            problems.append(_("community code must have 12 digits, not %(c)r") % {"c": code})
        if problems:
            errors.append(_("row %(n)d") % {"n": i} + ": " + "; ".join(problems))
            continue
        lon.append(x)
        lat.append(y)
        weight.append(w)
        comm.append(code)
    if errors:
        raise AccessFileError(errors)
    total = float(np.sum(weight))
    if total <= 0:
        raise AccessFileError(
            _("%(src)s: the weights add up to zero.") % {"src": source or _("file")}
        )
    return PopulationPoints(
        lon=np.array(lon, dtype=float),
        lat=np.array(lat, dtype=float),
        weight=np.array(weight, dtype=float),
        community_code=np.array(comm, dtype="<U12"),
    )
