"""Who may see and run service-circle analyses: one place for the checks.

Analyses are district planning material, not personal: whoever may view
analyses sees all of them; running and importing need their own permission.
Missing and forbidden give the same 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import Analysis

VIEW_PERM = "access.view_analysis"
RUN_PERM = "access.run_analysis"
IMPORT_PERM = "access.import_access_data"


def can_view(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(VIEW_PERM))


def can_run(user: Any) -> bool:
    return can_view(user) and user.has_perm(RUN_PERM)


def can_import(user: Any) -> bool:
    return can_view(user) and user.has_perm(IMPORT_PERM)


def access_analysis(user: Any, pk: int) -> Analysis:
    if not can_view(user):
        raise Http404
    row = Analysis.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


# What zhili.accounts.roles.ROLE_PERMISSIONS should grant (see the report
# to the lead); tests apply it with grant_suggested_permissions().
SUGGESTED_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "inspector": [],
    "intake": [],
    "shift_lead": [VIEW_PERM, "places.view_facility"],
    "dispatcher": [],
    "handler": [],
    "dept_leader": [VIEW_PERM, "places.view_facility"],
    "office_staff": [
        VIEW_PERM,
        RUN_PERM,
        IMPORT_PERM,
        "places.view_facility",
        "places.add_facility",
        "places.change_facility",
    ],
    "district_leader": [VIEW_PERM, "places.view_facility"],
    "sysadmin": [
        VIEW_PERM,
        RUN_PERM,
        IMPORT_PERM,
        "places.view_facility",
        "places.add_facility",
        "places.change_facility",
        "access.delete_analysis",
    ],
    "resident": [],
}


def grant_suggested_permissions() -> None:
    """Add the suggested permissions to the role groups (idempotent; a no-op
    once roles.py grants them itself)."""
    from django.contrib.auth.models import Group, Permission

    for role, names in SUGGESTED_ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for name in names:
            app_label, codename = name.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                group.permissions.add(perm)
