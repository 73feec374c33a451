"""Service-circle analyses (十分钟服务圈) and their stored results.

Inputs are not copied here.  Walking networks and population points are
``places.Dataset`` rows (kind ``network`` / ``population``): the demo loader
already stores its network that way, every analysis reads the same arrays in
one query, and a network imported once is reused by every later analysis.
Facilities are the registry rows (``places.Facility``).

An :class:`Analysis` is a parameter set (facility kinds, walking minutes,
speed; for siting the number of new sites and the method; for a what-if the
facilities added, moved or closed) with its status and progress while the
worker runs it, and its results once done: the summary, the per-community
table, per-facility catchments and siting picks as JSON, the isochrone
polygons as GeoJSON text, and per-demand-point arrays as a compressed NumPy
archive, so the result pages reload from one row without re-running anything.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Analysis(models.Model):
    class Kind(models.TextChoices):
        COVERAGE = "coverage", _("Coverage analysis")
        SITING = "siting", _("Siting recommendation")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        HEURISTIC = "heuristic", _("Fast heuristic (greedy)")
        EXACT = "exact", _("Exact (integer programme)")

    class Objective(models.TextChoices):
        MCLP = "mclp", _("Cover the most people with p new sites")
        SET_COVER = "set_cover", _("Fewest sites that cover everyone")
        P_MEDIAN = "p_median", _("Shortest total walk with p new sites")

    title = models.CharField(_("title"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COVERAGE)
    facility_kinds = models.JSONField(_("facility kinds"), default=list)
    minutes = models.FloatField(_("walking minutes"), default=10.0)
    speed_kmh = models.FloatField(_("walking speed (km/h)"), default=4.5)
    network = models.ForeignKey(
        "places.Dataset",
        verbose_name=_("walking network"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    population = models.ForeignKey(
        "places.Dataset",
        verbose_name=_("population"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept beside the foreign keys so a result still says what it was run on
    # after a dataset is replaced or removed.
    network_name = models.CharField(max_length=100, blank=True)
    population_name = models.CharField(max_length=100, blank=True)
    # Siting: {"p": 5, "mode": "heuristic", "objective": "mclp"}.
    # What-if: {"changes": [{"op": "add"|"move"|"close", "code": ..., "lon": ..., "lat": ..., "name": ...}]}.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    base = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.FloatField(_("progress"), default=0.0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    summary = models.JSONField(_("summary"), default=dict, blank=True)
    communities = models.JSONField(_("per community"), default=list, blank=True)
    facilities = models.JSONField(_("per facility"), default=list, blank=True)
    recommendations = models.JSONField(_("recommended sites"), default=list, blank=True)
    isochrones = models.TextField(_("isochrones (GeoJSON)"), blank=True)
    arrays = models.BinaryField(_("per demand point (npz)"), blank=True, default=b"")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The worker's last sign of life (each progress report): a running
    # analysis that stops reporting was lost with its worker (see ticks.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("service-circle analysis")
        verbose_name_plural = _("service-circle analyses")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("run_analysis", "Can run service-circle analyses"),
            ("import_access_data", "Can import walking networks, facilities and population"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def limit_m(self) -> float:
        """The walking distance reached in ``minutes`` at ``speed_kmh``."""
        return self.minutes * self.speed_kmh * 1000.0 / 60.0

    @property
    def facility_kind_labels(self) -> list[str]:
        from zhili.places.models import Facility

        return [
            str(Facility.Kind(k).label) if k in Facility.Kind.values else k
            for k in self.facility_kinds
        ]

    @property
    def siting_label(self) -> str:
        s = self.summary or {}
        parts = []
        if s.get("siting_objective") in self.Objective.values:
            parts.append(str(self.Objective(s["siting_objective"]).label))
        if s.get("siting_mode") in self.Mode.values:
            parts.append(str(self.Mode(s["siting_mode"]).label))
        return " · ".join(parts)

    @property
    def changes(self) -> list[dict[str, Any]]:
        return list((self.params or {}).get("changes") or [])

    def point_arrays(self) -> dict[str, np.ndarray]:
        if not self.arrays:
            return {}
        with np.load(io.BytesIO(bytes(self.arrays)), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}

    @staticmethod
    def pack(**arrays: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()
