"""Who may use which endpoint, and which report sources each role may claim.

The rules are the pages' rules: cases through ``visible_cases``/
``access_case_by_number`` (same 404 for missing and forbidden), moves
through the action functions (role and unit checks), places through
``zhili.places.access``.  This module only adds the gate in front of the
whole API and the table of report sources.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from zhili.accounts.roles import Role
from zhili.cases.models import Source

# Which sources a role may give a report.  Inspectors' reports count as valid
# without verification (GB/T 30428.8), so nobody else may claim that source;
# resident and Open311 reports arrive through their own public channels, never
# through the staff API.
SOURCES_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.INSPECTOR: (Source.INSPECTOR,),
    # The centre types in what callers and other inspections bring.
    Role.INTAKE: (Source.HOTLINE, Source.INSPECTION, Source.OTHER),
    Role.SHIFT_LEAD: (Source.HOTLINE, Source.INSPECTION, Source.OTHER),
    Role.DISPATCHER: (Source.HOTLINE, Source.INSPECTION, Source.OTHER),
    # Accounts of connected systems (sensors, the 12345 interface) are set up
    # by the office or the administrators.
    Role.OFFICE_STAFF: (Source.SENSOR, Source.HOTLINE, Source.INSPECTION, Source.OTHER),
    Role.SYSADMIN: (Source.SENSOR, Source.HOTLINE, Source.OTHER),
    Role.DISTRICT_LEADER: (Source.INSPECTION, Source.OTHER),
    Role.HANDLER: (Source.OTHER,),
    Role.DEPT_LEADER: (Source.OTHER,),
}
# Used when a report names no source: the first of these the user may claim.
DEFAULT_SOURCE_ORDER: tuple[str, ...] = (Source.INSPECTOR, Source.SENSOR, Source.OTHER)
_SUPERUSER_SOURCES = (Source.SENSOR, Source.HOTLINE, Source.INSPECTION, Source.OTHER)


def allowed_sources(
    roles: frozenset[Role] | set[Role], *, superuser: bool = False
) -> tuple[str, ...]:
    """The sources a user with ``roles`` may give a report, in a stable order."""
    found: set[str] = set(_SUPERUSER_SOURCES) if superuser else set()
    for role in roles:
        found.update(SOURCES_BY_ROLE.get(role, ()))
    return tuple(s for s in Source.values if s in found)


def default_source(roles: frozenset[Role] | set[Role], *, superuser: bool = False) -> str | None:
    allowed = allowed_sources(roles, superuser=superuser)
    return next((s for s in DEFAULT_SOURCE_ORDER if s in allowed), None)


def user_sources(user) -> tuple[str, ...]:
    return allowed_sources(user.roles, superuser=user.is_superuser)


class IsGovernmentStaff(BasePermission):
    """The API is an internal one: staff of some role, or a superuser.

    An anonymous request gets 401 (DRF turns a refusal without a successful
    authenticator into NotAuthenticated); a resident gets 403.
    """

    message = _("This API is for government staff; residents report through the public pages.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_government_staff)


class CanViewCategories(BasePermission):
    message = _("You may not read the catalogue.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user.has_perm("cases.view_category"))


class CanViewPlaces(BasePermission):
    message = _("You may not read grids and divisions.")

    def has_permission(self, request, view) -> bool:
        from zhili.places.access import can_view_places

        return can_view_places(request.user)
