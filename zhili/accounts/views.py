"""Pages for the organisation tree, a unit, and one's own profile."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import actions
from .access import (
    access_org_unit,
    can_manage_users,
    can_see_org_tree,
    visible_org_units,
    visible_users,
)
from .models import OrgUnit


@dataclass
class TreeNode:
    unit: OrgUnit
    children: list[TreeNode] = field(default_factory=list)


_KIND_ORDER = {kind: i for i, kind in enumerate(OrgUnit.Kind.values)}


def build_tree(units: list[OrgUnit]) -> list[TreeNode]:
    """Nest units under their parents; units whose parent is not in the list
    become roots, so a partial list still renders.  Siblings come in the
    order of the kinds (office, departments, streets, ...), then by code."""
    units = sorted(units, key=lambda u: (_KIND_ORDER.get(u.kind, 99), u.code))
    nodes = {u.pk: TreeNode(u) for u in units}
    roots: list[TreeNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.pk])
    return roots


def _with_member_counts(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    return qs.annotate(member_count=Count("members", filter=Q(members__is_active=True)))


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    if not can_see_org_tree(request.user):
        # Residents get the answer of every internal page: not found.
        raise Http404(_("No such page."))
    units = list(_with_member_counts(visible_org_units(request.user)))
    return render(request, "accounts/org_tree.html", {"roots": build_tree(units)})


@login_required
def org_unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_org_unit(request.user, pk)
    members = list(
        visible_users(request.user)
        .filter(org_unit=unit)
        .prefetch_related("groups")
        .order_by("-is_active", "username")
    )
    context = {
        "unit": unit,
        "ancestors": unit.ancestors(),
        "children": [n.unit for n in build_tree(list(_with_member_counts(unit.children.all())))],
        "members": members,
        "member_total": unit.members.filter(is_active=True).count(),
        "can_manage_users": can_manage_users(request.user),
    }
    return render(request, "accounts/org_unit.html", context)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PasswordChangeForm(user, request.POST)
        if form.is_valid():
            actions.user_set_password(
                actor=user, user=user, password=form.cleaned_data["new_password1"]
            )
            # Keep this session signed in; other sessions of the account end.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts_me")
    else:
        form = PasswordChangeForm(user)
    return render(request, "accounts/me.html", {"form": form, "profile": user})
