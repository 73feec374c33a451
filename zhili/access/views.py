"""Pages for ten-minute service circles.  Thin: the work is in services/compute."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhili.places.access import can_view_places
from zhili.places.models import Facility
from zhili.places.services import current_extent

from . import exports, services
from .charts import coverage_bars
from .forms import ImportForm, WhatIfForm
from .models import Analysis
from .permissions import access_analysis, can_import, can_run, can_view


def _kind_label(kind: str) -> str:
    return str(Facility.Kind(kind).label) if kind in Facility.Kind.values else kind


def _require_view(request: HttpRequest) -> None:
    if not can_view(request.user):
        raise Http404


@login_required
def index(request: HttpRequest) -> HttpResponse:
    from .forms import AnalysisForm

    _require_view(request)
    form = AnalysisForm(request.POST or None)
    if request.method == "POST":
        if not can_run(request.user):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                a = services.analysis_start(
                    actor=request.user,
                    kind=d["kind"],
                    facility_kinds=d["facility_kinds"],
                    minutes=d["minutes"],
                    speed_kmh=d["speed_kmh"],
                    network=d["network"],
                    population=d["population"],
                    params=form.params(),
                    title=d.get("title") or "",
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("access:analysis", pk=a.pk)
    analyses = list(
        Analysis.objects.select_related("created_by").defer(
            "arrays", "isochrones", "communities", "facilities"
        )[:30]
    )
    latest = next(
        (
            a
            for a in analyses
            if a.status == Analysis.Status.DONE and a.kind == Analysis.Kind.COVERAGE
        ),
        None,
    )
    return render(
        request,
        "access/index.html",
        {
            "form": form,
            "analyses": analyses,
            "latest": latest,
            "networks": services.networks(),
            "populations": services.populations(),
            "can_run": can_run(request.user),
            "can_import": can_import(request.user),
        },
    )


@login_required
def analysis_page(request: HttpRequest, pk: int) -> HttpResponse:
    a = access_analysis(request.user, pk)
    if not a.is_finished or a.status == Analysis.Status.FAILED:
        return render(request, "access/progress.html", {"a": a})
    base = a.base if a.base_id and a.base and a.base.status == Analysis.Status.DONE else None
    delta = None
    if base is not None:
        delta = {
            "covered": a.summary.get("covered", 0) - base.summary.get("covered", 0),
            "pct": round(a.summary.get("covered_pct", 0) - base.summary.get("covered_pct", 0), 1),
        }
    for f in a.facilities:
        f["kind_label"] = _kind_label(f["kind"])
    extent = current_extent()
    if a.facilities:
        lons = [f["lon"] for f in a.facilities]
        lats = [f["lat"] for f in a.facilities]
        if extent is None:
            extent = (min(lons), min(lats), max(lons), max(lats))
    return render(
        request,
        "access/analysis.html",
        {
            "a": a,
            "base": base,
            "delta": delta,
            "extent": json.dumps(extent),
            "chart": coverage_bars(a.communities, title=_("Coverage by community"))
            if a.communities
            else "",
            "can_run": can_run(request.user),
            "can_view_places": can_view_places(request.user),
            "whatif_form": WhatIfForm(),
            "changes": a.changes,
            "kinds": [(k, Facility.Kind(k).label) for k in a.facility_kinds],
        },
    )


@login_required
@require_GET
def analysis_status(request: HttpRequest, pk: int) -> JsonResponse:
    a = access_analysis(request.user, pk)
    return JsonResponse(
        {
            "status": a.status,
            "progress": a.progress,
            "stage": a.stage,
            "finished": a.is_finished,
            "error": a.error if a.status == Analysis.Status.FAILED else "",
            "url": reverse("access:analysis", args=[a.pk]),
        }
    )


@login_required
@require_GET
def analysis_layers(request: HttpRequest, pk: int) -> JsonResponse:
    """Everything the result map draws, in one response."""
    a = access_analysis(request.user, pk)
    if a.status != Analysis.Status.DONE:
        raise Http404
    iso = (
        json.loads(a.isochrones) if a.isochrones else {"type": "FeatureCollection", "features": []}
    )
    return JsonResponse(
        {
            "facilities": [{**f, "kind_label": _kind_label(f["kind"])} for f in a.facilities],
            "recommended": a.recommendations,
            "reach": {
                "type": "FeatureCollection",
                "features": [f for f in iso["features"] if f["properties"].get("layer") == "reach"],
            },
            "isochrones": {
                "type": "FeatureCollection",
                "features": [
                    f for f in iso["features"] if f["properties"].get("layer") == "isochrone"
                ],
            },
            "points": services.point_layer(a),
            "hotspots": a.summary.get("hotspots", []),
        }
    )


@login_required
@require_GET
def analysis_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    a = access_analysis(request.user, pk)
    if a.status != Analysis.Status.DONE:
        raise Http404
    stem = f"service-circle-{a.pk}"
    if fmt == "xlsx":
        resp = HttpResponse(
            exports.analysis_xlsx(a),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return resp
    if fmt == "geojson":
        resp = HttpResponse(
            json.dumps(exports.analysis_geojson(a), ensure_ascii=False),
            content_type="application/geo+json; charset=utf-8",
        )
        resp["Content-Disposition"] = f'attachment; filename="{stem}.geojson"'
        return resp
    raise Http404


@login_required
@require_POST
def analysis_whatif(request: HttpRequest, pk: int) -> HttpResponse:
    a = access_analysis(request.user, pk)
    if not can_run(request.user) or a.status != Analysis.Status.DONE:
        raise Http404
    form = WhatIfForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        variant = services.analysis_whatif(actor=request.user, base=a, change=form.change())
    except (ValidationError, PermissionDenied) as exc:
        return JsonResponse(
            {"errors": {"__all__": [{"message": m} for m in getattr(exc, "messages", [str(exc)])]}},
            status=400,
        )
    url = reverse("access:analysis", args=[variant.pk])
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"url": url, "id": variant.pk})
    return redirect(url)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    from django.core.files.storage import default_storage

    from .tasks import import_file

    if not can_import(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Keep the double suffix (.osm.pbf, .osm.bz2): the reader goes by it.
        suffix = "".join(Path(upload.name.lower()).suffixes[-2:])
        stored = default_storage.save(f"imports/access{suffix}", upload)
        result = import_file.enqueue(
            stored_name=stored,
            what=form.cleaned_data["what"],
            name=form.cleaned_data.get("name") or "",
            actor_id=request.user.pk,
            commit=form.cleaned_data["commit"],
            replace=form.cleaned_data["replace"],
            options={},
        )
        return redirect("access:import_status", result_id=result.id)
    return render(request, "access/import.html", {"form": form})


@login_required
def import_status(request: HttpRequest, result_id: str) -> HttpResponse:
    from django_tasks.exceptions import TaskResultDoesNotExist

    from .tasks import import_file

    if not can_import(request.user):
        raise Http404
    try:
        result = import_file.get_result(result_id)
    except (TaskResultDoesNotExist, ValueError):
        raise Http404 from None
    if result.kwargs.get("actor_id") != request.user.pk:
        raise Http404
    report = result.return_value if result.status == "SUCCESSFUL" else None
    return render(request, "access/import_status.html", {"result": result, "report": report})
