"""Named import actions for service-circle data: walking networks, facilities
and population.  Each runs in one transaction and writes its audit entry;
files are checked whole first (:mod:`zhili.access.readers`), so a bad file
stores nothing.  ``commit=False`` checks and rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core.models import record
from zhili.places.models import Dataset, Division, Facility, UnitGrid

from .readers import AccessFileError, FacilityRow, PopulationPoints, RawNetwork

IMPORT_PERM = "access.import_access_data"


def _require(actor: Any) -> None:
    # actor None: the command line, run by whoever runs the server.
    if actor is not None and not actor.has_perm(IMPORT_PERM):
        raise PermissionDenied(_("You may not import service-circle data."))


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("A dataset name of 1 to 100 characters is needed."))
    return name


def _store_dataset(
    *, name: str, kind: str, rows: int, arrays: dict[str, np.ndarray], source: str, replace: bool
) -> tuple[Dataset, bool]:
    existing = Dataset.objects.select_for_update().filter(name=name).first()
    if existing is not None and not replace:
        raise ValidationError(
            _("A dataset named %(name)s exists already; choose another name or replace it.")
            % {"name": name}
        )
    if existing is not None and existing.kind != kind:
        raise ValidationError(
            _("The dataset %(name)s holds %(kind)s, not this kind of data.")
            % {"name": name, "kind": existing.get_kind_display()}
        )
    data = Dataset.pack(**arrays)
    if existing is not None:
        existing.rows, existing.data, existing.source = rows, data, source[:200]
        existing.save(update_fields=["rows", "data", "source"])
        return existing, True
    return Dataset.objects.create(
        name=name, kind=kind, rows=rows, data=data, source=source[:200]
    ), False


@dataclass
class DatasetReport:
    name: str
    kind: str
    rows: int
    replaced: bool = False
    committed: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    dataset_id: int | None = None


def network_import(
    *,
    actor: Any,
    name: str,
    network: RawNetwork,
    source: str = "",
    replace: bool = False,
    commit: bool = True,
) -> DatasetReport:
    """Store a walking network (largest component, lengths in metres) for analyses to reuse."""
    _require(actor)
    name = _check_name(name)
    with transaction.atomic():
        ds, replaced = _store_dataset(
            name=name,
            kind=Dataset.Kind.NETWORK,
            rows=network.n_edges,
            arrays=network.arrays(),
            source=source,
            replace=replace,
        )
        stats = {
            "nodes": network.n_nodes,
            "edges": network.n_edges,
            "epsg": network.epsg,
            **network.stats,
        }
        stats["length_km"] = round(float(network.length_m.sum()) / 1000.0, 1)
        record(
            actor=actor,
            action="access.import_network",
            obj=ds,
            summary=_("network %(name)s: %(n)d nodes, %(e)d edges")
            % {"name": name, "n": network.n_nodes, "e": network.n_edges},
            after={"source": source[:200], **stats},
        )
        report = DatasetReport(
            name=name,
            kind="network",
            rows=network.n_edges,
            replaced=replaced,
            stats=stats,
            dataset_id=ds.pk,
        )
        if not commit:
            transaction.set_rollback(True)
            report.dataset_id = None
        report.committed = commit
    return report


def _communities_for(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    from zhili.places.services import locate_many

    if not len(lon) or not UnitGrid.objects.current().exists():
        return np.full(len(lon), "", dtype="<U12")
    return np.asarray(locate_many(lon, lat)["community"], dtype="<U12")


def population_import(
    *,
    actor: Any,
    name: str,
    points: PopulationPoints,
    source: str = "",
    replace: bool = False,
    commit: bool = True,
) -> DatasetReport:
    """Store population points; points without a community code get the one
    of the unit grid they fall in (when boundaries are loaded)."""
    _require(actor)
    name = _check_name(name)
    comm = points.community_code.copy()
    blank = comm == ""
    if blank.any():
        comm[blank] = _communities_for(points.lon[blank], points.lat[blank])
    with transaction.atomic():
        arrays = {**points.arrays(), "community_code": comm}
        ds, replaced = _store_dataset(
            name=name,
            kind=Dataset.Kind.POPULATION,
            rows=len(points),
            arrays=arrays,
            source=source,
            replace=replace,
        )
        stats = {
            "points": len(points),
            "population": round(float(points.weight.sum()), 1),
            "without_community": int((comm == "").sum()),
        }
        record(
            actor=actor,
            action="access.import_population",
            obj=ds,
            summary=_("population %(name)s: %(n)d points") % {"name": name, "n": len(points)},
            after=stats,
        )
        report = DatasetReport(
            name=name,
            kind="population",
            rows=len(points),
            replaced=replaced,
            stats=stats,
            dataset_id=ds.pk,
        )
        if not commit:
            transaction.set_rollback(True)
            report.dataset_id = None
        report.committed = commit
    return report


@dataclass
class FacilityReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    committed: bool = False


def facilities_import(
    *, actor: Any, rows: list[FacilityRow], commit: bool = True
) -> FacilityReport:
    """Create or update registry facilities by code, all or nothing."""
    _require(actor)
    if not rows:
        raise ValidationError(_("No facilities to import."))
    from zhili.places.services import locate_many

    lon = np.array([r.lon for r in rows])
    lat = np.array([r.lat for r in rows])
    grids = (
        locate_many(lon, lat)["grid"]
        if UnitGrid.objects.current().exists()
        else np.full(len(rows), "")
    )
    report = FacilityReport()
    fields = ("name", "kind", "lon", "lat", "capacity", "opening_hours", "grid_code")
    with transaction.atomic():
        existing = {
            f.code: f
            for f in Facility.objects.select_for_update().filter(code__in=[r.code for r in rows])
        }
        new, changed = [], []
        for i, r in enumerate(rows):
            values = {
                "name": r.name,
                "kind": r.kind,
                "lon": r.lon,
                "lat": r.lat,
                "capacity": r.capacity,
                "opening_hours": r.opening_hours,
                "grid_code": str(grids[i]),
            }
            old = existing.get(r.code)
            if old is None:
                new.append(Facility(code=r.code, **values))
                report.created.append(r.code)
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                changed.append(old)
                report.updated.append(r.code)
            else:
                report.unchanged.append(r.code)
        Facility.objects.bulk_create(new, batch_size=500)
        if changed:
            Facility.objects.bulk_update(changed, fields, batch_size=500)
        record(
            actor=actor,
            action="access.import_facilities",
            object_type="places.facility",
            object_id=f"{len(rows)}",
            summary=_("%(c)d new, %(u)d updated, %(s)d unchanged facilities")
            % {"c": len(report.created), "u": len(report.updated), "s": len(report.unchanged)},
            after={"created": report.created[:200], "updated": report.updated[:200]},
        )
        if not commit:
            transaction.set_rollback(True)
        report.committed = commit
    return report


# --- spreading community populations ---------------------------------------------------


def _community_rows() -> list[tuple[str, int, shapely.Geometry]]:
    rows = [
        (d.code, int(d.population), d.geometry)
        for d in Division.objects.current()
        .filter(level="community", population__gt=0)
        .only("code", "population", "geom_wkb")
    ]
    if not rows:
        raise ValidationError(
            _("No community has a population: import divisions with a population first.")
        )
    return rows


def spread_over_grids() -> PopulationPoints:
    """Each community's population over its unit grids, by area, one point per grid."""
    lon, lat, weight, comm = [], [], [], []
    grids: dict[str, list[UnitGrid]] = {}
    for g in UnitGrid.objects.current().only("code", "community_code", "geom_wkb", "area_m2"):
        grids.setdefault(g.community_code, []).append(g)
    for code, pop, geom in _community_rows():
        members = grids.get(code) or []
        areas = np.array([max(g.area_m2, 0.0) for g in members])
        if not members or areas.sum() <= 0:
            p = geom.representative_point()
            lon.append(p.x), lat.append(p.y), weight.append(float(pop)), comm.append(code)
            continue
        for g, share in zip(members, areas / areas.sum(), strict=True):
            p = g.geometry.representative_point()
            (
                lon.append(p.x),
                lat.append(p.y),
                weight.append(float(pop) * float(share)),
                comm.append(code),
            )
    return PopulationPoints(
        np.array(lon), np.array(lat), np.array(weight), np.array(comm, dtype="<U12")
    )


def spread_over_h3(resolution: int = 9) -> PopulationPoints:
    """Each community's population spread evenly over the H3 cells whose
    centres fall inside it (resolution 9: cells of about 0.1 km², 170 m edge)."""
    import h3

    if not 5 <= resolution <= 12:
        raise ValidationError(_("H3 resolution must be between 5 and 12."))
    lon, lat, weight, comm = [], [], [], []
    for code, pop, geom in _community_rows():
        cells: list[str] = []
        for poly in getattr(geom, "geoms", [geom]):
            cells.extend(h3.geo_to_cells(poly.__geo_interface__, resolution))
        if not cells:
            p = geom.representative_point()
            lon.append(p.x), lat.append(p.y), weight.append(float(pop)), comm.append(code)
            continue
        for cell in cells:
            y, x = h3.cell_to_latlng(cell)
            lon.append(x), lat.append(y), weight.append(float(pop) / len(cells)), comm.append(code)
    return PopulationPoints(
        np.array(lon), np.array(lat), np.array(weight), np.array(comm, dtype="<U12")
    )


def spread_over_buildings(
    buildings: list[tuple[int, dict[str, Any]]], footprints: list[float]
) -> PopulationPoints:
    """Each community's population over its residential buildings, in
    proportion to floor area (footprint × floors; 1 floor when unknown).

    ``buildings`` are rows from :func:`~zhili.access.readers.read_table` of a
    GeoJSON file (``lon``/``lat`` = a point inside the building) with their
    footprint areas in m² (0 for points: then each counts as one unit).
    """
    if not buildings:
        raise ValidationError(_("The buildings file has no buildings."))
    lon = np.array([float(r["lon"]) for _i, r in buildings])
    lat = np.array([float(r["lat"]) for _i, r in buildings])
    floors = []
    for _i, r in buildings:
        raw = r.get("floors") or r.get("building:levels") or r.get("levels") or r.get("层数")
        try:
            floors.append(max(float(raw), 1.0))
        except (TypeError, ValueError):
            floors.append(1.0)
    size = np.array([a if a > 0 else 1.0 for a in footprints]) * np.array(floors)
    comm = _communities_for(lon, lat)
    out_lon, out_lat, out_w, out_c = [], [], [], []
    for code, pop, _geom in _community_rows():
        mine = np.flatnonzero(comm == code)
        if not len(mine):
            continue
        share = size[mine] / size[mine].sum()
        (
            out_lon.extend(lon[mine]),
            out_lat.extend(lat[mine]),
            out_w.extend(pop * share),
            out_c.extend([code] * len(mine)),
        )
    if not out_lon:
        raise AccessFileError(_("No building lies in a community with a population."))
    return PopulationPoints(
        np.array(out_lon), np.array(out_lat), np.array(out_w), np.array(out_c, dtype="<U12")
    )
