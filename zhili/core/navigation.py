"""The platform's capabilities, for the navigation and the home page.

Capabilities not built yet are listed (so the shell shows the whole platform)
but marked unavailable rather than linked to an empty page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Capability:
    key: str
    title: str
    summary: str
    url_name: str | None

    @property
    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


def capabilities() -> list[Capability]:
    return [
        Capability("places", _("Places and grids"), _("Divisions, unit grids, responsibility grids, the grid map"), "places:map"),
        Capability("calendar", _("Working calendar"), _("Statutory holidays, adjusted working days, office hours"), "workcal:index"),
        Capability("cases", _("Grid city management"), _("Cases from report to closure, dispatch, hotline, evaluation"), "cases:inbox"),
        Capability("open311", _("Public reporting"), _("Resident report pages and the Open311 GeoReport v2 API"), "report:new"),
        Capability("plans", _("Action-plan supervision"), _("Plans, tasks, five fixes, progress, warnings, assessment"), "plans:index"),
        Capability("civility", _("Civilized-city monitoring"), _("Sampled inspections and civility indices"), "civility:index"),
        Capability("access", _("Ten-minute service circles"), _("Walking coverage, gaps and siting of facilities"), "access:index"),
        Capability("environment", _("Environmental supervision"), _("Double-random inspections, enterprise credit"), "environment:index"),
        Capability("fleet", _("Sanitation fleet"), _("GPS tracks and road-cleaning coverage"), "fleet:index"),
        Capability("planning", _("Planning one map"), _("Plan layers, parcels, approvals, conflict checks"), "planning:index"),
        Capability("cockpit", _("Leaders' cockpit"), _("Volunteers and indicators against peer cities"), "cockpit:index"),
    ]
