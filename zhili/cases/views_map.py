"""The map of open cases, clustered on the server.

With a million cases in the database the browser cannot be sent the
points.  The data endpoint groups the open cases inside the requested box
into square cells sized to the zoom (about 64 screen pixels), in SQL
(``GROUP BY floor(lon / cell), floor(lat / cell)`` with COUNT and the mean
position), so the answer holds at most ``MAX_CELLS_PER_SIDE``² clusters
whatever the table size.  Zoomed in far enough that few cases are in view,
it returns the cases themselves.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, F, Min, Q, QuerySet
from django.db.models.functions import Floor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import visible_cases
from .forms import CaseFilterForm
from .lifecycle import OPEN_STATES, STATE_LABELS, State
from .models import Case
from .views import OPEN_SHARE, Likely, _areas, _require_staff, apply_filters

# A cluster cell is about this many screen pixels wide at the requested zoom.
CELL_PX = 64
# However large a box a client asks for, at most this many cells per side.
MAX_CELLS_PER_SIDE = 20
# At this zoom and above, and when no more than SINGLE_LIMIT cases are in
# view, the cases themselves are returned instead of clusters.
SINGLE_ZOOM = 15
SINGLE_LIMIT = 300
MAX_ZOOM = 22

OPEN_ORDERED = [s for s in State if s in OPEN_STATES]


class MapRequestError(ValueError):
    """A bbox or zoom that cannot be used; the message says why."""


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def parse_bbox(text: str) -> BBox:
    """``min_lon,min_lat,max_lon,max_lat`` in degrees (Leaflet's toBBoxString)."""
    parts = (text or "").split(",")
    if len(parts) != 4:
        raise MapRequestError(_("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat."))
    try:
        a, b, c, d = (float(p) for p in parts)
    except ValueError:
        raise MapRequestError(
            _("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat.")
        ) from None
    if not all(math.isfinite(v) for v in (a, b, c, d)):
        raise MapRequestError(_("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat."))
    # Leaflet reports longitudes beyond ±180 after panning round the world.
    a, c = max(a, -180.0), min(c, 180.0)
    b, d = max(b, -90.0), min(d, 90.0)
    if a >= c or b >= d:
        raise MapRequestError(_("bbox is empty: its minimum must be below its maximum."))
    return BBox(a, b, c, d)


def parse_zoom(text: str) -> int:
    try:
        zoom = int(text)
    except (TypeError, ValueError):
        raise MapRequestError(
            _("zoom must be a whole number from 0 to %(max)d.") % {"max": MAX_ZOOM}
        ) from None
    if not 0 <= zoom <= MAX_ZOOM:
        raise MapRequestError(
            _("zoom must be a whole number from 0 to %(max)d.") % {"max": MAX_ZOOM}
        )
    return zoom


def cell_size(zoom: int, bbox: BBox) -> float:
    """Degrees per cluster cell: ``CELL_PX`` pixels at ``zoom`` (the world is
    256·2^zoom pixels wide), but never more than ``MAX_CELLS_PER_SIDE`` cells
    across the box."""
    cell = 360.0 * CELL_PX / (256.0 * 2**zoom)
    return max(
        cell,
        (bbox.max_lon - bbox.min_lon) / MAX_CELLS_PER_SIDE,
        (bbox.max_lat - bbox.min_lat) / MAX_CELLS_PER_SIDE,
    )


def open_cases_in(qs: QuerySet[Case], bbox: BBox) -> QuerySet[Case]:
    return qs.filter(
        Likely(Q(state__in=[s.value for s in OPEN_ORDERED]), OPEN_SHARE * len(OPEN_ORDERED)),
        lon__gte=bbox.min_lon,
        lon__lte=bbox.max_lon,
        lat__gte=bbox.min_lat,
        lat__lte=bbox.max_lat,
    )


def clusters(qs: QuerySet[Case], cell: float, *, now: datetime) -> list[dict[str, Any]]:
    """One row per non-empty cell: count, overdue count, mean position, and
    the smallest case number (the case itself when the cell holds one)."""
    rows = (
        qs.annotate(cx=Floor(F("lon") / cell), cy=Floor(F("lat") / cell))
        .values("cx", "cy")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=Q(step_deadline__lt=now)),
            lon_avg=Avg("lon"),
            lat_avg=Avg("lat"),
            first=Min("number"),
        )
        .order_by()
    )
    return list(rows)


def _feature(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": props,
    }


@login_required
def case_map(request: HttpRequest) -> HttpResponse:
    from zhili.places.services import current_extent

    _require_staff(request.user)
    form = CaseFilterForm(request.GET or None, states=OPEN_ORDERED, areas=_areas(), max_page=1)
    if form.is_bound:
        form.is_valid()
    params = request.GET.copy()
    for key in ("bbox", "zoom", "page", "sort"):
        params.pop(key, None)
    return render(
        request,
        "cases/map.html",
        {"form": form, "extent": json.dumps(current_extent()), "query": params.urlencode()},
    )


@login_required
def case_map_data(request: HttpRequest) -> HttpResponse:
    """GeoJSON of clusters (or single cases) of the open cases in a box."""
    _require_staff(request.user)
    try:
        bbox = parse_bbox(request.GET.get("bbox", ""))
        zoom = parse_zoom(request.GET.get("zoom", ""))
    except MapRequestError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    # The filter selects come from the database; only the ones in use are
    # checked, so the endpoint does not pay for the lists it does not show.
    form = CaseFilterForm(
        request.GET, states=OPEN_ORDERED, areas=_used_area(request.GET.get("area", "")), max_page=1
    )
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return JsonResponse({"error": errors}, status=400)
    now = timezone.now()
    qs = apply_filters(open_cases_in(visible_cases(request.user), bbox), form.cleaned_data, now=now)
    detail = reverse("cases:detail", kwargs={"number": "000000"}).removesuffix("000000/")
    if zoom >= SINGLE_ZOOM:
        points = list(
            qs.order_by().values(
                "number",
                "lon",
                "lat",
                "state",
                "step_deadline",
                "category__code",
                "category__minor_name",
            )[: SINGLE_LIMIT + 1]
        )
        if len(points) <= SINGLE_LIMIT:
            features = [
                _feature(
                    p["lon"],
                    p["lat"],
                    {
                        "count": 1,
                        "number": p["number"],
                        "url": f"{detail}{p['number']}/",
                        "state": str(STATE_LABELS[State(p["state"])]),
                        "category": f"{p['category__code']} {p['category__minor_name']}"
                        if p["category__code"]
                        else "",
                        "overdue": 1
                        if p["step_deadline"] is not None and p["step_deadline"] < now
                        else 0,
                    },
                )  # fmt: skip
                for p in points
            ]
            return JsonResponse(
                {
                    "type": "FeatureCollection",
                    "clustered": False,
                    "total": len(features),
                    "features": features,
                }
            )
    cell = cell_size(zoom, bbox)
    features = []
    total = 0
    for row in clusters(qs, cell, now=now):
        total += row["n"]
        props: dict[str, Any] = {"count": row["n"], "overdue": row["overdue"]}
        if row["n"] == 1:
            props["number"] = row["first"]
            props["url"] = f"{detail}{row['first']}/"
        features.append(_feature(row["lon_avg"], row["lat_avg"], props))
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "clustered": True,
            "cell": cell,
            "total": total,
            "features": features,
        }
    )


def _used_area(code: str) -> list[tuple[str, str, str]]:
    if not code:
        return []
    from zhili.places.models import Division

    return list(
        Division.objects.current()
        .filter(code=code, level__in=["street", "community"])
        .values_list("code", "name", "level")
    )
