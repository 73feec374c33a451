"""Running service-circle analyses: inputs from the database, the engine in
between, results stored on the :class:`~zhili.access.models.Analysis` row.

Writes are named functions (``analysis_start``, ``analysis_whatif``,
``analysis_execute``) that record their audit entry.  An analysis runs in the
task worker (``zhili db_worker``) or, from the command line, in-process; the
row's ``progress``/``stage`` are updated outside the result transaction so
the progress page sees them while it runs.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.models import record
from zhili.places.models import Dataset, Division, Facility

from . import compute
from .models import Analysis
from .permissions import RUN_PERM

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


class AnalysisInputError(ValueError):
    """The inputs cannot give a meaningful result (told to the user as such)."""


_net_lock = threading.Lock()
_net_cache: dict[tuple, Any] = {}
# Per-facility isochrones only up to this many facilities (the union is always drawn).
MAX_FACILITY_ISOCHRONES = 400
DEFAULT_KINDS = ["volunteer_station", "volunteer_post", "volunteer_point"]
KIND_GROUPS = {
    "volunteer": DEFAULT_KINDS,
    "library": ["library", "library_branch", "self_service_library"],
    "culture": ["cultural_station"],
}


def resolve_kinds(spec: str | list[str]) -> list[str]:
    """Facility kinds from a comma list of kinds or groups (volunteer, library, culture)."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        for k in KIND_GROUPS.get(item, [item]):
            if k not in Facility.Kind.values:
                raise ValidationError(
                    _("Unknown facility kind %(k)s; use one of %(all)s")
                    % {"k": k, "all": ", ".join([*Facility.Kind.values, *KIND_GROUPS])}
                )
            if k not in out:
                out.append(k)
    if not out:
        raise ValidationError(_("Choose at least one kind of facility."))
    return out


def networks():
    return (
        Dataset.objects.filter(kind=Dataset.Kind.NETWORK)
        .defer("data")
        .order_by("-created_at", "-id")
    )


def populations():
    return (
        Dataset.objects.filter(kind=Dataset.Kind.POPULATION)
        .defer("data")
        .order_by("-created_at", "-id")
    )


_bbox_cache: dict[tuple[int, int], tuple[float, float, float, float]] = {}


def dataset_bbox(ds: Dataset) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a dataset's points or nodes."""
    key = (ds.pk, ds.rows)
    box = _bbox_cache.get(key)
    if box is None:
        arr = Dataset.objects.get(pk=ds.pk).arrays()
        lon, lat = arr["lon"], arr["lat"]
        box = (
            (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
            if len(lon)
            else (0.0, 0.0, 0.0, 0.0)
        )
        _bbox_cache[key] = box
    return box


def matching_network(population: Dataset | None) -> Dataset | None:
    """The newest network whose extent contains most of the population's
    extent: a district's people are not analysed on another city's streets."""
    nets = list(networks())
    if population is None or not nets:
        return nets[0] if nets else None
    px0, py0, px1, py1 = dataset_bbox(population)
    cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
    for n in nets:
        x0, y0, x1, y1 = dataset_bbox(n)
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            return n
    return nets[0]


def dataset_by_name(name: str | None, kind: str, *, near: Dataset | None = None) -> Dataset:
    qs = networks() if kind == Dataset.Kind.NETWORK else populations()
    if name:
        ds = qs.filter(name=name).first()
    elif kind == Dataset.Kind.NETWORK and near is not None:
        ds = matching_network(near)
    else:
        ds = qs.first()
    if ds is None:
        what = _("walking network") if kind == Dataset.Kind.NETWORK else _("population dataset")
        if name:
            raise ValidationError(_("No %(what)s named %(name)s.") % {"what": what, "name": name})
        raise ValidationError(_("No %(what)s is stored yet: import one first.") % {"what": what})
    return ds


def cached_network(ds: Dataset):
    """The dataset's walking graph, built once per process and data version.

    The version is the archive's size as the database reports it, so a hit
    costs one small query instead of reading the archive."""
    from django.db.models.functions import Length

    size = (
        Dataset.objects.filter(pk=ds.pk)
        .annotate(n=Length("data"))
        .values_list("n", flat=True)
        .first()
    )
    key = (ds.pk, ds.rows, ds.source, size)
    with _net_lock:
        net = _net_cache.get(key)
        if net is None:
            net = compute.network_from_arrays(Dataset.objects.get(pk=ds.pk).arrays())
            for old in [k for k in _net_cache if k[0] == ds.pk]:
                del _net_cache[old]
            if len(_net_cache) >= 3:
                _net_cache.pop(next(iter(_net_cache)))
            _net_cache[key] = net
    return net


# --- starting analyses --------------------------------------------------------------


def _require_run(actor: Any) -> None:
    if actor is not None and not actor.has_perm(RUN_PERM):
        raise PermissionDenied(_("You may not run service-circle analyses."))


def analysis_start(
    *,
    actor: Any,
    kind: str = Analysis.Kind.COVERAGE,
    facility_kinds: list[str],
    minutes: float = 10.0,
    speed_kmh: float = 4.5,
    network: Dataset,
    population: Dataset,
    params: dict[str, Any] | None = None,
    base: Analysis | None = None,
    title: str = "",
    enqueue: bool = True,
) -> Analysis:
    """Create a queued analysis and hand it to the worker once committed."""
    _require_run(actor)
    if not (0 < minutes <= 120 and 0 < speed_kmh <= 20):
        raise ValidationError(
            _("Walking time and speed must be positive (at most 120 minutes, 20 km/h).")
        )
    if network.kind != Dataset.Kind.NETWORK or population.kind != Dataset.Kind.POPULATION:
        raise ValidationError(_("Choose a walking network and a population dataset."))
    if kind not in Analysis.Kind.values:
        raise ValidationError(_("Unknown analysis kind %(k)s") % {"k": kind})
    params = dict(params or {})
    if kind == Analysis.Kind.SITING:
        p = int(params.get("p") or 5)
        if not 1 <= p <= 500:
            raise ValidationError(_("The number of new sites must be between 1 and 500."))
        params["p"] = p
        params.setdefault("mode", Analysis.Mode.HEURISTIC)
        params.setdefault("objective", Analysis.Objective.MCLP)
        if (
            params["mode"] not in Analysis.Mode.values
            or params["objective"] not in Analysis.Objective.values
        ):
            raise ValidationError(_("Unknown siting method or objective."))
    with transaction.atomic():
        a = Analysis.objects.create(
            title=title[:200],
            kind=kind,
            facility_kinds=resolve_kinds(facility_kinds),
            minutes=float(minutes),
            speed_kmh=float(speed_kmh),
            network=network,
            population=population,
            network_name=network.name,
            population_name=population.name,
            params=params,
            base=base,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record(
            actor=actor,
            action="access.analysis_start",
            obj=a,
            summary=f"{a.kind} {','.join(a.facility_kinds)} {a.minutes:g} min @ {a.speed_kmh:g} km/h",
            after={"params": params, "network": network.name, "population": population.name},
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(a.pk))
    return a


def _enqueue(pk: int) -> None:
    from .tasks import run_analysis

    result = run_analysis.enqueue(analysis_id=pk)
    Analysis.objects.filter(pk=pk).update(task_id=str(result.id)[:64])


def analysis_whatif(
    *, actor: Any, base: Analysis, change: dict[str, Any], enqueue: bool = True
) -> Analysis:
    """A variant of ``base`` with one more facility added, moved or closed.

    The registry is not touched: a what-if is a scenario, compared with its base.
    """
    if base.network is None or base.population is None:
        raise ValidationError(_("The datasets of this analysis were removed; run a new analysis."))
    op = change.get("op")
    if op not in ("add", "move", "close"):
        raise ValidationError(_("Unknown change %(op)s") % {"op": op})
    changes = [*base.changes, dict(change)]
    if op in ("move", "close"):
        known = {f["code"]: f for f in base.facilities}
        if change.get("code") not in known:
            raise ValidationError(
                _("No facility %(code)s in this analysis.") % {"code": change.get("code")}
            )
        changes[-1]["name"] = known[change["code"]]["name"]
    if op == "add":
        kind = change.get("kind") or base.facility_kinds[0]
        if kind not in base.facility_kinds:
            raise ValidationError(_("A new facility must be of a kind in this analysis."))
        n = sum(1 for c in changes if c["op"] == "add")
        changes[-1].update(
            {
                "kind": kind,
                "code": f"NEW-{n}",
                "name": change.get("name") or _("New site %(n)d") % {"n": n},
            }
        )
    params = {k: v for k, v in (base.params or {}).items() if k != "changes"}
    params["changes"] = changes
    return analysis_start(
        actor=actor,
        kind=Analysis.Kind.COVERAGE,
        facility_kinds=base.facility_kinds,
        minutes=base.minutes,
        speed_kmh=base.speed_kmh,
        network=base.network,
        population=base.population,
        params={"changes": changes},
        base=base,
        title=_("What-if: %(title)s") % {"title": describe_changes(changes)},
        enqueue=enqueue,
    )


def describe_changes(changes: list[dict[str, Any]]) -> str:
    words = {"add": _("add %(x)s"), "move": _("move %(x)s"), "close": _("close %(x)s")}
    return "; ".join(words[c["op"]] % {"x": c.get("name") or c.get("code") or ""} for c in changes)[
        :180
    ]


# --- running ------------------------------------------------------------------------------


def facility_rows(kinds: list[str], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [
        {**r, "proposed": False}
        for r in Facility.objects.filter(kind__in=kinds)
        .order_by("code")
        .values("code", "name", "kind", "lon", "lat", "capacity")
    ]
    by_code = {r["code"]: r for r in rows}
    for c in changes:
        if c["op"] == "close":
            r = by_code.pop(c.get("code", ""), None)
            if r is not None:
                rows.remove(r)
        elif c["op"] == "move" and c.get("code") in by_code:
            by_code[c["code"]].update({"lon": c["lon"], "lat": c["lat"], "proposed": True})
        elif c["op"] == "add":
            r = {
                "code": c["code"],
                "name": c["name"],
                "kind": c["kind"],
                "lon": c["lon"],
                "lat": c["lat"],
                "capacity": None,
                "proposed": True,
            }
            rows.append(r)
            by_code[r["code"]] = r
    return rows


def analyses_fail_stale(*, now: datetime | None = None, minutes: int | None = None) -> dict[str, int]:
    """Mark as failed the running analyses whose worker has not reported for
    ``minutes`` (``ZHILI_ACCESS_STALE_MINUTES``): a worker killed mid-run
    (deploy, out of memory) leaves its analysis "running" for ever, and the
    page would show a progress bar that never moves.  The longest silent
    stage, an exact siting solve, is bounded by its time limit, far below
    the default 30 minutes.  If the worker was only slow, its result still
    replaces the failure when it arrives."""
    now = now or timezone.now()
    minutes = settings.ZHILI_ACCESS_STALE_MINUTES if minutes is None else minutes
    cutoff = now - timedelta(minutes=minutes)
    stale = Analysis.objects.filter(status=Analysis.Status.RUNNING, heartbeat_at__lt=cutoff)
    failed = 0
    for a in stale.only("pk", "title", "kind", "heartbeat_at"):
        with transaction.atomic():
            done = Analysis.objects.filter(pk=a.pk, status=Analysis.Status.RUNNING, heartbeat_at__lt=cutoff).update(
                status=Analysis.Status.FAILED,
                error=_(
                    "The background worker stopped reporting %(minutes)s minutes ago (it was probably "
                    "restarted or ran out of memory). Run the analysis again."
                )
                % {"minutes": int((now - a.heartbeat_at).total_seconds() // 60)},
                finished_at=now,
            )
            if done:
                record(actor=None, action="access.analysis_lost", obj=a, summary=f"last report {a.heartbeat_at:%Y-%m-%d %H:%M}")
                failed += done
    return {"failed": failed}


def analysis_execute(analysis_id: int, progress: Progress | None = None) -> str:
    """Claim a queued analysis, run it and store its results (or its error)."""
    now = timezone.now()
    claimed = Analysis.objects.filter(pk=analysis_id, status=Analysis.Status.QUEUED).update(
        status=Analysis.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0.0, stage=_("starting")
    )
    if not claimed:
        return "not queued"

    def report(fraction: float, message: str) -> None:
        Analysis.objects.filter(pk=analysis_id).update(
            progress=round(min(max(fraction, 0.0), 1.0), 3), stage=message[:200], heartbeat_at=timezone.now()
        )
        if progress:
            progress(fraction, message)

    a = Analysis.objects.get(pk=analysis_id)
    try:
        results = run(a, report)
    except Exception as exc:  # noqa: BLE001 - the error is the analysis's result
        if isinstance(exc, AnalysisInputError):
            log.info("analysis %s refused: %s", analysis_id, exc)
        else:
            log.exception("analysis %s failed", analysis_id)
        Analysis.objects.filter(pk=analysis_id).update(
            status=Analysis.Status.FAILED,
            error=str(exc)[:2000] or exc.__class__.__name__,
            finished_at=timezone.now(),
        )
        return "failed"
    with transaction.atomic():
        for k, v in results.items():
            setattr(a, k, v)
        a.status = Analysis.Status.DONE
        a.progress = 1.0
        a.stage = _("done")
        a.finished_at = timezone.now()
        a.save()
        s = a.summary
        record(
            actor=None,
            action="access.analysis_done",
            obj=a,
            summary=f"{s.get('covered_pct', 0)}% of {s.get('population', 0)} covered",
        )
    return "done"


def run(a: Analysis, report: Progress) -> dict[str, Any]:
    """Compute an analysis's results (no writes except progress)."""
    from .engine.catchment import catchments
    from .engine.coverage import compute_coverage
    from .engine.network import WalkParams
    from .engine.snapping import DEFAULT_TOLERANCE_M

    network = Dataset.objects.defer("data").filter(pk=a.network_id).first()
    population = Dataset.objects.filter(pk=a.population_id).first()
    if network is None or population is None:
        raise AnalysisInputError(
            _("The walking network or population dataset of this analysis was removed.")
        )
    report(0.02, _("loading the walking network"))
    net = cached_network(network)
    epsg = int(net.epsg)
    walk = WalkParams(minutes=a.minutes, speed_kmh=a.speed_kmh)
    report(0.10, _("loading facilities and population"))
    fac = compute.FacilitySet.from_rows(facility_rows(a.facility_kinds, a.changes))
    demand = compute.Demand.from_arrays(population.arrays())
    fx, fy = compute.project(fac.lon, fac.lat, epsg)
    dx, dy = compute.project(demand.lon, demand.lat, epsg)
    report(0.20, _("snapping to the network and measuring walks"))
    fs = compute.snap(net, (fx, fy))
    ds = compute.snap(net, (dx, dy))
    if len(fac) and not fs.ok.any():
        raise AnalysisInputError(
            _(
                "No facility lies within %(m)d m of the walking network %(net)s: do the network and the facilities cover the same area?"
            )
            % {"m": DEFAULT_TOLERANCE_M, "net": a.network_name}
        )
    if not ds.ok.any():
        raise AnalysisInputError(
            _(
                "No population point lies within %(m)d m of the walking network %(net)s: do the network and the population cover the same area?"
            )
            % {"m": DEFAULT_TOLERANCE_M, "net": a.network_name}
        )
    cov = compute_coverage(net, fs, ds, demand.weight, walk)
    covered = cov.covered
    nearest = np.where(covered, cov.facility, -1)
    report(0.30, _("catchments"))
    capacity = np.where(np.isnan(fac.capacity), 0.0, fac.capacity)
    catch = catchments(net, fs, ds, demand.weight, capacity, walk)
    report(0.40, _("isochrones"))
    polys: list = [None] * len(fac)
    if len(fac) <= MAX_FACILITY_ISOCHRONES:
        polys = compute.facility_isochrones(
            net, fs, walk.limit_m, progress=lambda f, _m: report(0.40 + 0.35 * f, _("isochrones"))
        )
    report(0.78, _("drawing the service area"))
    # Within the limit of some facility = within the limit of the nearest:
    # the union of the catchment areas is the area served.
    done = [p for p in polys if p is not None]
    if len(done) == int(fs.ok.sum()) and done:
        union = shapely.union_all(done)
    else:
        union = compute.reach_polygon(net, cov.node_dist, walk.limit_m)
    served = np.bincount(
        nearest[nearest >= 0], weights=demand.weight[nearest >= 0], minlength=len(fac)
    )
    features = []
    if union is not None:
        features.append(_feature(compute.geometry_to_lonlat(union, epsg), {"layer": "reach"}))
    for i, poly in enumerate(polys):
        if poly is not None:
            features.append(
                _feature(
                    compute.geometry_to_lonlat(poly, epsg),
                    {"layer": "isochrone", "code": fac.code[i]},
                )
            )
    names = dict(
        Division.objects.current()
        .filter(code__in=list(np.unique(demand.community)))
        .values_list("code", "name")
    )
    dist_m = np.where(covered, cov.dist_m, np.inf)
    table = compute.community_table(demand, covered, dist_m, walk.speed_mps, names)
    total = float(demand.weight.sum())
    covered_pop = float(demand.weight[covered].sum())
    demand_ok, facility_ok = ds.ok, fs.ok
    unsnapped_pop = float(demand.weight[~demand_ok].sum())
    has_capacity = ~np.isnan(fac.capacity)
    facilities = [
        {
            "code": fac.code[i],
            "name": fac.name[i],
            "kind": fac.kind[i],
            "lon": round(float(fac.lon[i]), 7),
            "lat": round(float(fac.lat[i]), 7),
            "capacity": None if np.isnan(fac.capacity[i]) else int(fac.capacity[i]),
            "proposed": bool(fac.proposed[i]),
            "snapped": bool(facility_ok[i]),
            "served": round(float(served[i])),
            "reach": round(float(catch.population[i])),
            # 2SFCA step 1: places per 1,000 residents within reach.
            "ratio_per_1000": round(float(catch.ratio[i]) * 1000, 2)
            if has_capacity[i] and catch.population[i] > 0
            else None,
        }
        for i in range(len(fac))
    ]
    summary = {
        "population": round(total),
        "covered": round(covered_pop),
        "uncovered": round(total - covered_pop),
        "covered_pct": round(100.0 * covered_pop / total, 1) if total > 0 else 0.0,
        "facilities": len(fac),
        "facilities_unsnapped": int((~facility_ok).sum()),
        "points": int(len(demand.lon)),
        "points_unsnapped": int((~demand_ok).sum()),
        "population_unsnapped": round(unsnapped_pop),
        "limit_m": round(walk.limit_m, 1),
        "epsg": epsg,
        "network_nodes": net.n_nodes,
        "network_edges": net.n_edges,
        "communities_full": sum(1 for r in table if r["pct"] >= 99.95),
        "communities": len(table),
        "hotspots": compute.hotspots(dx, dy, demand.weight, covered, epsg),
    }
    minutes = np.where(covered, cov.dist_m / walk.speed_mps / 60.0, np.nan)
    recommendations: list[dict[str, Any]] = []
    if a.kind == Analysis.Kind.SITING:
        report(0.82, _("choosing new sites"))
        from .siting import recommend

        recommendations, extra = recommend(
            net,
            fac,
            fs,
            demand,
            (dx, dy),
            ds,
            cov,
            walk,
            a.params,
            progress=lambda f, _m: report(0.82 + 0.15 * f, _("choosing new sites")),
        )
        summary.update(extra)
        if recommendations:
            from zhili.places.services import locate_many

            rl = np.array([r["lon"] for r in recommendations])
            rt = np.array([r["lat"] for r in recommendations])
            comm = locate_many(rl, rt)["community"]
            cnames = dict(
                Division.objects.current()
                .filter(code__in=[str(c) for c in comm])
                .values_list("code", "name")
            )
            for r, c in zip(recommendations, comm, strict=True):
                r["community"] = str(c)
                r["community_name"] = cnames.get(str(c), "")
    report(0.98, _("saving results"))
    return {
        "summary": summary,
        "communities": table,
        "facilities": facilities,
        "recommendations": recommendations,
        "isochrones": json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False
        ),
        "arrays": Analysis.pack(
            lon=demand.lon,
            lat=demand.lat,
            weight=demand.weight,
            community=demand.community,
            covered=covered,
            snapped=demand_ok,
            minutes=minutes,
            nearest=nearest.astype(np.int32),
            access=catch.access,
            facility_code=np.array(fac.code, dtype=str),
        ),
    }


def _feature(geom: shapely.Geometry, props: dict[str, Any]) -> dict[str, Any]:
    # 1e-5 degree is about a metre: finer than the 40 m buffer deserves.
    g = shapely.set_precision(geom, 1e-5)
    return {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(g))}


# --- imports from files ------------------------------------------------------------------


def import_path(
    what: str,
    path: Path,
    *,
    actor: Any,
    name: str = "",
    commit: bool = True,
    replace: bool = False,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Read and import one file; raises AccessFileError / ValidationError."""
    from . import imports, readers

    options = options or {}
    if what == "network":
        walk = readers.WalkFilter.parse(options.get("highways"), options.get("exclude"))
        net = readers.read_network(path, walk, progress)
        r = imports.network_import(
            actor=actor, name=name, network=net, source=path.name, replace=replace, commit=commit
        )
        return {
            "what": what,
            "name": r.name,
            "rows": r.rows,
            "committed": r.committed,
            "replaced": r.replaced,
            **r.stats,
        }
    if what == "facilities":
        rows = readers.parse_facilities(readers.read_table(path), source=path.name)
        fr = imports.facilities_import(actor=actor, rows=rows, commit=commit)
        return {
            "what": what,
            "rows": len(rows),
            "created": len(fr.created),
            "updated": len(fr.updated),
            "unchanged": len(fr.unchanged),
            "committed": fr.committed,
        }
    if what == "population":
        points = readers.parse_population(readers.read_table(path), source=path.name)
        r = imports.population_import(
            actor=actor, name=name, points=points, source=path.name, replace=replace, commit=commit
        )
        return {
            "what": what,
            "name": r.name,
            "rows": r.rows,
            "committed": r.committed,
            "replaced": r.replaced,
            **r.stats,
        }
    raise ValidationError(_("Unknown import %(w)s") % {"w": what})


def point_layer(a: Analysis, max_points: int = 20000) -> dict[str, Any]:
    """Demand points for the map; above ``max_points`` they are merged into
    cells (covered and uncovered apart) so the browser stays responsive."""
    arr = a.point_arrays()
    if not arr:
        return {"type": "FeatureCollection", "features": []}
    lon, lat, w, cov = arr["lon"], arr["lat"], arr["weight"], arr["covered"]
    minutes = arr["minutes"]
    codes = arr["facility_code"]
    nearest = arr["nearest"]
    feats = []
    if len(lon) <= max_points:
        for i in range(len(lon)):
            props: dict[str, Any] = {"w": round(float(w[i]), 1), "c": bool(cov[i])}
            if cov[i]:
                props["m"] = round(float(minutes[i]), 1)
                props["f"] = str(codes[nearest[i]]) if nearest[i] >= 0 else ""
            feats.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": feats}
    step = 0.002 * max(1.0, (len(lon) / max_points) ** 0.5)
    for flag in (True, False):
        m = cov == flag
        keys, inv = np.unique(
            np.column_stack([np.floor(lon[m] / step), np.floor(lat[m] / step)]),
            axis=0,
            return_inverse=True,
        )
        inv = inv.reshape(-1)
        ww = np.bincount(inv, weights=w[m], minlength=len(keys))
        cx = np.bincount(inv, weights=w[m] * lon[m], minlength=len(keys)) / np.maximum(ww, 1e-9)
        cy = np.bincount(inv, weights=w[m] * lat[m], minlength=len(keys)) / np.maximum(ww, 1e-9)
        for k in range(len(keys)):
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"w": round(float(ww[k]), 1), "c": flag},
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(float(cx[k]), 6), round(float(cy[k]), 6)],
                    },
                }
            )
    return {"type": "FeatureCollection", "features": feats}
