"""Pages and JSON for places. Views stay thin: logic lives in services/access."""

from __future__ import annotations

import json
from datetime import date

import shapely
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import services
from .access import access_division, access_grid, can_view_places, visible_divisions
from .models import Division, Level, ResponsibilityGridMember, UnitGrid


def _at(request: HttpRequest) -> date | None:
    raw = request.GET.get("at")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None


def _require_view(request: HttpRequest) -> None:
    if not can_view_places(request.user):
        raise Http404


@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    extent = services.current_extent()
    return render(request, "places/map.html", {"extent": json.dumps(extent)})


@login_required
def division_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    rows = list(
        visible_divisions(request.user)
        .current()
        .order_by("code")
        .values("code", "name", "level", "parent_code", "population", "area_m2")
    )
    grid_counts: dict[str, int] = {}
    for community_code in UnitGrid.objects.current().values_list("community_code", flat=True):
        grid_counts[community_code] = grid_counts.get(community_code, 0) + 1
    children: dict[str, list[dict]] = {}
    for row in rows:
        row["grids"] = grid_counts.get(row["code"], 0)
        children.setdefault(row["parent_code"], []).append(row)
    for row in rows:
        kids = children.get(row["code"], [])
        row["children"] = kids
    # Roll grid counts and population up the tree for districts and streets.
    for row in sorted(rows, key=lambda r: -len(r["code"])):
        if row["children"]:
            row["grids"] = sum(k["grids"] for k in row["children"])
            if row["population"] is None:
                row["population"] = sum(k["population"] or 0 for k in row["children"]) or None
    roots = [r for r in rows if r["level"] == Level.DISTRICT or r["parent_code"] not in {x["code"] for x in rows}]
    return render(request, "places/division_list.html", {"roots": roots})


@login_required
def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    at = _at(request)
    division = access_division(request.user, code, at=at)
    ancestors = []
    for prefix_len in (6, 9):
        if len(code) > prefix_len:
            parent = Division.objects.valid_at(at).filter(code=code[:prefix_len]).first()
            if parent:
                ancestors.append(parent)
    children = Division.objects.valid_at(at).filter(parent_code=code).order_by("code")
    grids = UnitGrid.objects.valid_at(at).filter(community_code=code).order_by("code") if division.level == Level.COMMUNITY else None
    grid_count = UnitGrid.objects.valid_at(at).filter(**{f"{division.level}_code": code}).count()
    history = Division.objects.filter(code=code).order_by("-valid_from")
    return render(
        request,
        "places/division_detail.html",
        {
            "division": division,
            "ancestors": ancestors,
            "children": children,
            "grids": grids,
            "grid_count": grid_count,
            "history": history,
            "geojson": shapely.to_geojson(division.geometry),
        },
    )


@login_required
@require_GET
def divisions_geojson(request: HttpRequest) -> JsonResponse:
    _require_view(request)
    level = request.GET.get("level", "street")
    if level not in Level.values:
        return JsonResponse({"error": _("unknown level %(l)s") % {"l": level}}, status=400)
    rows = visible_divisions(request.user).valid_at(_at(request)).filter(level=level).order_by("code")
    return _feature_collection(
        (r.geometry, {"code": r.code, "name": r.name, "level": r.level, "population": r.population}) for r in rows
    )


@login_required
@require_GET
def grids_geojson(request: HttpRequest) -> JsonResponse:
    _require_view(request)
    qs = UnitGrid.objects.valid_at(_at(request)).order_by("code")
    bbox = request.GET.get("bbox")
    if bbox:
        try:
            x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
        except ValueError:
            return JsonResponse({"error": _("bbox must be minLon,minLat,maxLon,maxLat")}, status=400)
        qs = qs.filter(max_lon__gte=x0, min_lon__lte=x1, max_lat__gte=y0, min_lat__lte=y1)
    if request.GET.get("community"):
        qs = qs.filter(community_code=request.GET["community"])
    rows = qs.only("code", "name", "geom_wkb")
    return _feature_collection((r.geometry, {"code": r.code}) for r in rows)


def _feature_collection(items) -> JsonResponse:
    # Six decimals is ~0.1 m: plenty for display, a third of the bytes.
    features = []
    for geom, props in items:
        g = shapely.set_precision(geom, 1e-6)
        features.append({"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(g))})
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_GET
def grid_info(request: HttpRequest, code: str) -> JsonResponse:
    at = _at(request)
    grid = access_grid(request.user, code, at=at)
    names = services.division_names([grid.community_code, grid.street_code, grid.district_code], at=at)
    member = (
        ResponsibilityGridMember.objects.filter(grid_code=code)
        .select_related("responsibility_grid__inspector")
        .first()
    )
    resp = None
    if member:
        rg = member.responsibility_grid
        resp = {
            "code": rg.code,
            "name": rg.name,
            "inspector": (rg.inspector.get_full_name() or rg.inspector.username) if rg.inspector else None,
        }
    return JsonResponse(
        {
            "code": grid.code,
            "name": grid.name,
            "area_m2": round(grid.area_m2, 1),
            "valid_from": grid.valid_from.isoformat(),
            "valid_to": grid.valid_to.isoformat() if grid.valid_to else None,
            "community": {"code": grid.community_code, "name": names.get(grid.community_code, "")},
            "street": {"code": grid.street_code, "name": names.get(grid.street_code, "")},
            "district": {"code": grid.district_code, "name": names.get(grid.district_code, "")},
            "responsibility_grid": resp,
        }
    )


@login_required
@require_GET
def locate_view(request: HttpRequest) -> JsonResponse:
    _require_view(request)
    try:
        lon = float(request.GET["lon"])
        lat = float(request.GET["lat"])
    except (KeyError, ValueError):
        return JsonResponse({"error": _("lon and lat are required numbers")}, status=400)
    datum = request.GET.get("datum", "wgs84")
    if datum not in ("wgs84", "cgcs2000", "gcj02", "bd09"):
        return JsonResponse({"error": _("unknown datum %(d)s") % {"d": datum}}, status=400)
    if datum in ("gcj02", "bd09"):
        from .coords import convert

        lon, lat = (float(v) for v in convert(lon, lat, datum, "wgs84"))
    hit = services.locate(lon, lat, at=_at(request))
    if hit is None:
        return JsonResponse({"found": False, "lon": lon, "lat": lat})
    return JsonResponse({"found": True, "lon": lon, "lat": lat, "grid": hit.grid, "community": hit.community, "street": hit.street, "district": hit.district})


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    from pathlib import Path

    from django.core.files.storage import default_storage
    from django.shortcuts import redirect

    from .access import can_import_boundaries
    from .forms import BoundaryImportForm
    from .tasks import import_boundaries

    if not can_import_boundaries(request.user):
        raise Http404
    form = BoundaryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = default_storage.save(f"imports/boundaries{Path(upload.name).suffix.lower()}", upload)
        result = import_boundaries.enqueue(
            stored_name=stored,
            kind=form.cleaned_data["kind"],
            valid_from=form.cleaned_data["valid_from"].isoformat(),
            actor_id=request.user.pk,
            commit=form.cleaned_data["commit"],
        )
        return redirect("places:import_status", result_id=result.id)
    return render(request, "places/import.html", {"form": form})


@login_required
def import_status(request: HttpRequest, result_id: str) -> HttpResponse:
    from django_tasks.exceptions import TaskResultDoesNotExist

    from .access import can_import_boundaries
    from .tasks import import_boundaries

    if not can_import_boundaries(request.user):
        raise Http404
    try:
        result = import_boundaries.get_result(result_id)
    except (TaskResultDoesNotExist, ValueError):
        raise Http404 from None
    if result.kwargs.get("actor_id") != request.user.pk:
        raise Http404
    report = result.return_value if result.status == "SUCCESSFUL" else None
    return render(request, "places/import_status.html", {"result": result, "report": report})
