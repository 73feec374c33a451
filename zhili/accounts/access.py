"""Who may see and change organisation units and people.

Every read of an ``OrgUnit`` or ``User`` on behalf of someone goes through
this module.  Missing and forbidden objects raise the same ``Http404``, so a
page never tells a visitor that something they may not see exists.

The rules:

* government staff (every role but resident, and superusers) see the whole
  organisation tree; residents and anonymous visitors see none of it;
* everyone sees their own account;
* a department leader (部门领导) also sees the people of his unit and of
  every unit below it;
* the read-all roles (区领导, 治理办, 值班长, system administrator) see
  every account;
* changing units needs ``accounts.change_orgunit``; changing people needs
  ``accounts.change_user`` (system administrators).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import OrgUnit, User
from .roles import Role


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_see_org_tree(user: Any) -> bool:
    return _active(user) and user.is_government_staff


def can_manage_org_units(user: Any) -> bool:
    return _active(user) and user.has_perm("accounts.change_orgunit")


def can_manage_users(user: Any) -> bool:
    return _active(user) and user.has_perm("accounts.change_user")


def can_manage_roles(user: Any) -> bool:
    return _active(user) and user.has_perm("accounts.manage_roles")


def visible_org_units(user: Any) -> QuerySet[OrgUnit]:
    if can_see_org_tree(user):
        return OrgUnit.objects.all()
    return OrgUnit.objects.none()


def visible_users(user: Any) -> QuerySet[User]:
    if not _active(user):
        return User.objects.none()
    if user.reads_all:
        return User.objects.all()
    rule = Q(pk=user.pk)
    if user.has_role(Role.DEPT_LEADER) and user.org_unit_id is not None:
        rule |= Q(org_unit_id__in=user.org_unit.descendant_ids())
    return User.objects.filter(rule)


def access_org_unit(user: Any, pk: int | str, *, for_change: bool = False) -> OrgUnit:
    """The unit ``pk`` if ``user`` may see it, else ``Http404``.

    With ``for_change``, a unit the user may see but not change raises
    ``PermissionDenied`` (its existence is no secret to them).
    """
    try:
        unit = visible_org_units(user).select_related("parent").get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such organisation unit.")) from None
    if for_change and not can_manage_org_units(user):
        raise PermissionDenied(_("You may not change organisation units."))
    return unit


def access_user(user: Any, pk: int | str, *, for_change: bool = False) -> User:
    """The account ``pk`` if ``user`` may see it, else ``Http404``.

    With ``for_change``, an account the user may see but not change raises
    ``PermissionDenied``.
    """
    try:
        target = visible_users(user).select_related("org_unit").get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such user.")) from None
    if for_change and not can_manage_users(user):
        raise PermissionDenied(_("You may not change user accounts."))
    return target
