"""Roles of the platform and the Django permissions each one holds.

A role is a Django group of the same name.  The permission list per role is
declared here once; ``sync_roles`` (run after every migrate) makes the groups
match it.  Permissions of apps that are not installed are skipped, so later
capabilities add their codenames here without breaking earlier installs.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INSPECTOR = "inspector", _("Field inspector (监督员)")
    INTAKE = "intake", _("Intake operator (受理员)")
    SHIFT_LEAD = "shift_lead", _("Shift lead (值班长)")
    DISPATCHER = "dispatcher", _("Dispatcher (派遣员)")
    HANDLER = "handler", _("Handler (处置人员)")
    DEPT_LEADER = "dept_leader", _("Department leader (部门领导)")
    OFFICE_STAFF = "office_staff", _("Governance office staff (治理办)")
    DISTRICT_LEADER = "district_leader", _("District leader (区领导)")
    SYSADMIN = "sysadmin", _("System administrator")
    RESIDENT = "resident", _("Resident")


# Roles whose members work inside government and may see internal pages.
STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
# Roles that may read everything (but not necessarily change it).
READ_ALL_ROLES = frozenset(
    {Role.DISTRICT_LEADER, Role.OFFICE_STAFF, Role.SYSADMIN, Role.SHIFT_LEAD}
)

_VIEW_ACCESS = ["access.view_analysis", "places.view_facility"]

_VIEW_PLACES = [
    "cases.view_category",
    "cases.view_standardcondition",
    "cases.view_component",
    "places.view_division",
    "places.view_unitgrid",
    "places.view_responsibilitygrid",
    "accounts.view_orgunit",
    "workcal.view_holidayday",
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.INSPECTOR: [*_VIEW_PLACES],
    Role.INTAKE: [*_VIEW_PLACES, "open311.moderate_reports", "cases.export_cases"],
    Role.SHIFT_LEAD: [*_VIEW_PLACES, *_VIEW_ACCESS],
    Role.DISPATCHER: [*_VIEW_PLACES, "cases.export_cases"],
    Role.HANDLER: [*_VIEW_PLACES, "plans.report_progress"],
    Role.DEPT_LEADER: [*_VIEW_PLACES, *_VIEW_ACCESS, "cases.export_cases", "plans.report_progress"],
    Role.OFFICE_STAFF: [
        *_VIEW_PLACES,
        "places.change_unitgrid",
        "places.add_unitgrid",
        "places.change_division",
        "places.add_division",
        "places.import_boundaries",
        "places.add_responsibilitygrid",
        "places.change_responsibilitygrid",
        "accounts.add_orgunit",
        "accounts.change_orgunit",
        "cases.manage_catalogue",
        "cases.import_components",
        "cases.change_standardcondition",
        "cases.change_component",
        "cases.configure_dispatch",
        "cases.export_cases",
        "open311.moderate_reports",
        "open311.change_service",
        "plans.import_plan",
        "plans.supervise",
        "plans.view_all_plans",
        "plans.report_progress",
        "plans.assess",
        *_VIEW_ACCESS,
        "access.run_analysis",
        "access.import_access_data",
    ],
    Role.DISTRICT_LEADER: [*_VIEW_PLACES, *_VIEW_ACCESS, "accounts.view_user", "plans.view_all_plans", "plans.assess"],
    Role.SYSADMIN: [
        *_VIEW_PLACES,
        "places.change_unitgrid",
        "places.add_unitgrid",
        "places.change_division",
        "places.add_division",
        "places.import_boundaries",
        "places.add_responsibilitygrid",
        "places.change_responsibilitygrid",
        "places.delete_responsibilitygrid",
        "accounts.add_orgunit",
        "accounts.change_orgunit",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.manage_roles",
        "workcal.add_holidayday",
        "workcal.change_holidayday",
        "workcal.delete_holidayday",
        "workcal.manage_calendar",
        "core.view_auditentry",
        "cases.manage_catalogue",
        "cases.import_components",
        "cases.change_standardcondition",
        "cases.change_component",
        "cases.configure_dispatch",
        "cases.export_cases",
        "open311.moderate_reports",
        "open311.change_service",
        "open311.manage_api_keys",
        "plans.import_plan",
        "plans.supervise",
        "plans.view_all_plans",
        "plans.assess",
        "plans.change_assessmentrule",
        "plans.add_assessmentrule",
        *_VIEW_ACCESS,
        "access.run_analysis",
        "access.import_access_data",
        "access.delete_analysis",
    ],
    Role.RESIDENT: [],
}


def sync_roles(**_kwargs: object) -> None:
    """Create one group per role and give it exactly its declared permissions."""
    from django.contrib.auth.models import Group, Permission

    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        perms = []
        for name in perm_names:
            app_label, codename = name.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
