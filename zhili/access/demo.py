"""Service-circle analyses of the demo district, so its pages show results
from the first visit.  Called by the demo loader after its datasets and
facilities are in (see the report to the lead); runs in-process (~10 s)."""

from __future__ import annotations

from typing import Any

from zhili.places.models import Dataset

from .models import Analysis
from .services import analysis_execute, analysis_start

DEMO_ANALYSES: list[dict[str, Any]] = [
    # Huizhou's 10-minute volunteer service circle (站、岗、点).
    {
        "title": "志愿服务站点十分钟步行覆盖（示范）",
        "kind": "coverage",
        "facility_kinds": ["volunteer"],
        "minutes": 10,
    },
    # Gaoming's cultural circle: libraries and self-service libraries.
    {
        "title": "图书馆与自助图书馆十五分钟步行覆盖（示范）",
        "kind": "coverage",
        "facility_kinds": ["library"],
        "minutes": 15,
    },
    {
        "title": "新增 5 个志愿服务站的选址建议（示范）",
        "kind": "siting",
        "facility_kinds": ["volunteer"],
        "minutes": 10,
        "params": {"p": 5, "objective": "mclp", "mode": "heuristic"},
    },
]


def load_demo_analyses(district_code: str = "440699") -> list[Analysis]:
    network = Dataset.objects.filter(name=f"{district_code}-walk-network").first()
    population = Dataset.objects.filter(name=f"{district_code}-population").first()
    if network is None or population is None:
        return []
    out = []
    for spec in DEMO_ANALYSES:
        a = analysis_start(
            actor=None,
            kind=spec["kind"],
            facility_kinds=spec["facility_kinds"],
            minutes=spec["minutes"],
            network=network,
            population=population,
            params=spec.get("params"),
            title=spec["title"],
            enqueue=False,
        )
        analysis_execute(a.pk)
        a.refresh_from_db()
        out.append(a)
    return out


def remove_demo_analyses() -> int:
    """Analyses run on the demo's datasets (call before the datasets are deleted)."""
    deleted, _ = Analysis.objects.filter(network__synthetic=True).delete()
    return deleted
