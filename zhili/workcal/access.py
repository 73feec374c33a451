"""Who may see and change the working calendar.

* staff roles hold ``workcal.view_holidayday`` and see the calendar page;
* ``workcal.manage_calendar`` (system administrators) enters and deletes
  years.  Residents see neither: the page is an internal tool.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_calendar(user: Any) -> bool:
    return _active(user) and (
        user.has_perm("workcal.view_holidayday") or user.has_perm("workcal.manage_calendar")
    )


def can_manage_calendar(user: Any) -> bool:
    return _active(user) and user.has_perm("workcal.manage_calendar")


def require_view_calendar(user: Any) -> None:
    if not can_view_calendar(user):
        raise PermissionDenied(_("You may not see the working calendar."))


def require_manage_calendar(user: Any) -> None:
    if not can_manage_calendar(user):
        raise PermissionDenied(_("You may not change the working calendar."))
