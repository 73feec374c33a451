"""Every change to organisation units and people.

Each function runs in one transaction, checks the acting user's permission
itself, and writes its audit entry in the same transaction, so a change and
its record land together or not at all.  Views, commands and the demo call
these; nothing else writes ``OrgUnit`` or ``User`` rows (the Django admin
back office writes its own audit entries, see ``admin.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core.models import record

from .models import OrgUnit, User
from .roles import Role, sync_roles


def _require(actor: Any, perm: str, message: str) -> None:
    if not (actor is not None and actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied(message)


def unit_state(unit: OrgUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent_id else None,
        "division_code": unit.division_code,
        "active": unit.active,
    }


def user_state(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.get_full_name(),
        "org_unit": user.org_unit.code if user.org_unit_id else None,
        "roles": sorted(r.value for r in user.roles),
        "active": user.is_active,
    }


def parse_roles(roles: Iterable[Role | str]) -> set[Role]:
    parsed: set[Role] = set()
    for role in roles:
        value = role.value if isinstance(role, Role) else str(role)
        if value not in Role.values:
            raise ValidationError(_("Unknown role: %(role)s") % {"role": value})
        parsed.add(Role(value))
    return parsed


def _forget_cached_permissions(user: User) -> None:
    for attr in ("_roles_cache", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)
    prefetched = getattr(user, "_prefetched_objects_cache", None)
    if prefetched:
        prefetched.pop("groups", None)


def _apply_roles(user: User, roles: set[Role]) -> None:
    wanted = {r.value for r in roles}
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    if not wanted <= groups.keys():
        # Groups come from roles.py after every migrate; a database restored
        # from before a role was added may lack one, so create them now.
        sync_roles()
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    # Only role groups are touched: other groups an operator made stay.
    user.groups.remove(*[g for name, g in groups.items() if name not in wanted])
    user.groups.add(*[groups[name] for name in wanted])
    _forget_cached_permissions(user)


# --- organisation units -----------------------------------------------------


@transaction.atomic
def org_unit_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    division_code: str = "",
) -> OrgUnit:
    _require(actor, "accounts.add_orgunit", _("You may not create organisation units."))
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent, division_code=division_code)
    unit.full_clean()
    unit.save()
    record(
        actor=actor,
        action="org_unit.create",
        obj=unit,
        summary=f"{unit.code} {unit.name}",
        after=unit_state(unit),
    )
    return unit


@transaction.atomic
def org_unit_move(*, actor: User, unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    _require(actor, "accounts.change_orgunit", _("You may not change organisation units."))
    # Lock the unit and the new parent's chain up to the root.  Two moves that
    # together would close a loop both need a row the other one locks, so
    # they run one after the other and the second one sees the loop.
    chain: list[int] = []
    node = new_parent
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    list(OrgUnit.objects.select_for_update().filter(pk__in=[unit.pk, *chain]).order_by("pk"))
    unit = OrgUnit.objects.select_related("parent").get(pk=unit.pk)
    if new_parent is not None:
        new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    if unit.parent_id == (new_parent.pk if new_parent else None):
        return unit
    if unit.creates_cycle(new_parent):
        raise ValidationError(
            _(
                "Cannot move “%(unit)s” under “%(parent)s”: “%(parent)s” is “%(unit)s” "
                "itself or one of its sub-units, which would make a loop in the tree."
            )
            % {"unit": unit.name, "parent": new_parent.name if new_parent else ""}
        )
    before = unit_state(unit)
    unit.parent = new_parent
    unit.save(update_fields=["parent"])
    record(
        actor=actor,
        action="org_unit.move",
        obj=unit,
        summary=f"{unit.code}: {before['parent'] or '-'} → {new_parent.code if new_parent else '-'}",
        before=before,
        after=unit_state(unit),
    )
    return unit


# --- people -----------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    display_name: str,
    org_unit: OrgUnit | None,
    roles: Iterable[Role | str] = (),
    phone: str = "",
    post: str = "",
) -> User:
    _require(actor, "accounts.add_user", _("You may not create user accounts."))
    wanted = parse_roles(roles)
    if wanted:
        _require(actor, "accounts.manage_roles", _("You may not assign roles."))
    # Chinese names are not split into given and family name: the whole name
    # goes into first_name, which get_full_name() then returns as is.
    user = User(
        username=username, first_name=display_name, org_unit=org_unit, phone=phone, post=post
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    _apply_roles(user, wanted)
    record(
        actor=actor,
        action="user.create",
        obj=user,
        summary=f"{user.username} {display_name}",
        after=user_state(user),
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[Role | str]) -> User:
    _require(actor, "accounts.manage_roles", _("You may not assign roles."))
    wanted = parse_roles(roles)
    if actor.pk == user.pk and Role.SYSADMIN in user.roles and Role.SYSADMIN not in wanted:
        # Otherwise the last administrator can lock everyone out of role
        # management with one click.
        raise ValidationError(_("You cannot remove your own system administrator role."))
    before = user_state(user)
    _apply_roles(user, wanted)
    after = user_state(user)
    record(
        actor=actor,
        action="user.set_roles",
        obj=user,
        summary=f"{user.username}: {', '.join(before['roles']) or '-'} → {', '.join(after['roles']) or '-'}",
        before=before,
        after=after,
    )
    return user


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    """Set a new password; people change their own, administrators anyone's.

    A change of one's own password must have been confirmed with the old one
    by the caller (the profile page uses Django's ``PasswordChangeForm``).
    """
    if actor.pk != user.pk:
        _require(actor, "accounts.change_user", _("You may not change other people's passwords."))
    elif not actor.is_active:
        raise PermissionDenied(_("This account is deactivated."))
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(
        actor=actor,
        action="user.set_password",
        obj=user,
        summary=user.username,
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Switch an account off; its sessions stop working at the next request."""
    _require(actor, "accounts.change_user", _("You may not deactivate user accounts."))
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not user.is_active:
        return user
    before = user_state(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="user.deactivate",
        obj=user,
        summary=user.username,
        before=before,
        after=user_state(user),
    )
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Lift a login lockout before its cool-off ends; returns attempts cleared."""
    from axes.utils import reset

    _require(actor, "accounts.change_user", _("You may not unlock user accounts."))
    cleared = reset(username=user.username)
    record(
        actor=actor,
        action="user.unlock",
        obj=user,
        summary=f"{user.username} ({cleared})",
    )
    return cleared
