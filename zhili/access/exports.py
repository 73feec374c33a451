"""Analysis results as Excel workbooks and GeoJSON (pure over the stored row)."""

from __future__ import annotations

import io
import json
from typing import Any

from django.utils.translation import gettext as _

from .models import Analysis

# Excel's row limit is 1,048,576; leave room for the header.
MAX_POINT_ROWS = 1_000_000


def analysis_geojson(a: Analysis, *, points: bool = True) -> dict[str, Any]:
    """One FeatureCollection with a ``layer`` property on every feature:
    facility, recommended, reach (the area served), isochrone (per facility)
    and demand (population points with their coverage)."""
    feats: list[dict[str, Any]] = []
    for f in a.facilities:
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "layer": "facility",
                    **{k: v for k, v in f.items() if k not in ("lon", "lat")},
                },
                "geometry": {"type": "Point", "coordinates": [f["lon"], f["lat"]]},
            }
        )
    for r in a.recommendations:
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "layer": "recommended",
                    **{k: v for k, v in r.items() if k not in ("lon", "lat")},
                },
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            }
        )
    if a.isochrones:
        feats.extend(json.loads(a.isochrones).get("features", []))
    if points:
        arr = a.point_arrays()
        if arr:
            codes = arr["facility_code"]
            for i in range(len(arr["lon"])):
                cov = bool(arr["covered"][i])
                n = int(arr["nearest"][i])
                feats.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "layer": "demand",
                            "population": round(float(arr["weight"][i]), 2),
                            "community": str(arr["community"][i]),
                            "covered": cov,
                            "minutes": round(float(arr["minutes"][i]), 2) if cov else None,
                            "facility": str(codes[n]) if n >= 0 else None,
                            "snapped": bool(arr["snapped"][i]),
                        },
                        "geometry": {
                            "type": "Point",
                            "coordinates": [
                                round(float(arr["lon"][i]), 7),
                                round(float(arr["lat"][i]), 7),
                            ],
                        },
                    }
                )
    return {
        "type": "FeatureCollection",
        "properties": {
            "analysis": a.pk,
            "kind": a.kind,
            "facility_kinds": a.facility_kinds,
            "minutes": a.minutes,
            "speed_kmh": a.speed_kmh,
            "network": a.network_name,
            "population": a.population_name,
            "summary": a.summary,
        },
        "features": feats,
    }


def analysis_summary_json(a: Analysis) -> dict[str, Any]:
    return {
        "analysis": a.pk,
        "kind": a.kind,
        "status": a.status,
        "facility_kinds": a.facility_kinds,
        "minutes": a.minutes,
        "speed_kmh": a.speed_kmh,
        "network": a.network_name,
        "population": a.population_name,
        "params": a.params,
        "summary": a.summary,
        "communities": a.communities,
        "facilities": a.facilities,
        "recommendations": a.recommendations,
    }


def analysis_xlsx(a: Analysis) -> bytes:
    """Summary, communities, facilities, recommended sites and demand points, one sheet each."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(_("Summary"))
    s = a.summary
    rows = [
        (_("Analysis"), str(a)),
        (_("Facilities"), ", ".join(a.facility_kinds)),
        (_("Walking minutes"), a.minutes),
        (_("Walking speed (km/h)"), a.speed_kmh),
        (_("Walking distance (m)"), s.get("limit_m")),
        (_("Walking network"), a.network_name),
        (_("Population"), a.population_name),
        (_("Residents"), s.get("population")),
        (_("Covered"), s.get("covered")),
        (_("Not covered"), s.get("uncovered")),
        (_("Coverage (%)"), s.get("covered_pct")),
        (_("Population points off the network"), s.get("points_unsnapped")),
        (_("Facilities off the network"), s.get("facilities_unsnapped")),
    ]
    if a.kind == Analysis.Kind.SITING:
        rows += [
            (_("Siting objective"), s.get("siting_objective")),
            (_("Siting method"), s.get("siting_method")),
            (_("Solver status"), s.get("siting_status")),
            (_("Optimality gap"), s.get("gap")),
            (_("Covered with the new sites"), s.get("covered_after")),
            (_("Coverage with the new sites (%)"), s.get("covered_after_pct")),
        ]
    for r in rows:
        ws.append(list(r))
    ws = wb.create_sheet(_("Communities"))
    ws.append(
        [
            _("Code"),
            _("Community"),
            _("Residents"),
            _("Covered"),
            _("Not covered"),
            _("Coverage (%)"),
            _("Mean walk of the covered (min)"),
        ]
    )
    for r in a.communities:
        ws.append(
            [
                r["code"],
                r["name"],
                r["population"],
                r["covered"],
                r["uncovered"],
                r["pct"],
                r["mean_minutes"],
            ]
        )
    ws = wb.create_sheet(_("Facilities"))
    ws.append(
        [
            _("Code"),
            _("Name"),
            _("Kind"),
            _("Longitude"),
            _("Latitude"),
            _("Capacity"),
            _("Proposed"),
            _("On the network"),
            _("Residents served (nearest)"),
            _("Residents within reach"),
            _("Places per 1,000 within reach (2SFCA)"),
        ]
    )
    for f in a.facilities:
        ws.append(
            [
                f["code"],
                f["name"],
                f["kind"],
                f["lon"],
                f["lat"],
                f["capacity"],
                f["proposed"],
                f["snapped"],
                f["served"],
                f["reach"],
                f["ratio_per_1000"],
            ]
        )
    if a.recommendations:
        ws = wb.create_sheet(_("Recommended sites"))
        ws.append(
            [
                _("Rank"),
                _("Longitude"),
                _("Latitude"),
                _("Community"),
                _("Newly covered"),
                _("Residents within reach"),
            ]
        )
        for r in a.recommendations:
            ws.append(
                [
                    r["rank"],
                    r["lon"],
                    r["lat"],
                    r.get("community_name") or r.get("community", ""),
                    r["gain"],
                    r["reach"],
                ]
            )
    arr = a.point_arrays()
    if arr:
        ws = wb.create_sheet(_("Population points"))
        ws.append(
            [
                _("Longitude"),
                _("Latitude"),
                _("Residents"),
                _("Community"),
                _("Covered"),
                _("Minutes"),
                _("Nearest facility"),
            ]
        )
        codes = arr["facility_code"]
        for i in range(min(len(arr["lon"]), MAX_POINT_ROWS)):
            cov = bool(arr["covered"][i])
            n = int(arr["nearest"][i])
            ws.append(
                [
                    float(arr["lon"][i]),
                    float(arr["lat"][i]),
                    round(float(arr["weight"][i]), 2),
                    str(arr["community"][i]),
                    cov,
                    round(float(arr["minutes"][i]), 2) if cov else None,
                    str(codes[n]) if n >= 0 else None,
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
