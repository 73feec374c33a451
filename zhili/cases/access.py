"""Who may see which cases: one place for the rule, the same 404 for missing and forbidden."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from zhili.accounts.roles import Role

from .models import Case

# The command centre sees every case: it receives, files and dispatches them.
CENTRE_ROLES = frozenset({Role.INTAKE, Role.SHIFT_LEAD, Role.DISPATCHER})


def visible_cases(user) -> QuerySet[Case]:
    if not (user and user.is_authenticated and user.is_active):
        return Case.objects.none()
    if user.is_superuser or user.reads_all or user.roles & CENTRE_ROLES:
        return Case.objects.all()
    q = Q(reporter=user)
    roles = user.roles
    if Role.INSPECTOR in roles:
        from zhili.places.models import ResponsibilityGridMember

        grids = ResponsibilityGridMember.objects.filter(responsibility_grid__inspector=user).values("grid_code")
        q |= Q(grid_code__in=grids)
    if roles & {Role.HANDLER, Role.DEPT_LEADER} and user.org_unit_id:
        q |= Q(assigned_unit_id__in=user.org_unit.descendant_ids())
    return Case.objects.filter(q)


def access_case(user, pk: int | str) -> Case:
    try:
        return visible_cases(user).get(pk=pk)
    except (Case.DoesNotExist, ValueError):
        raise Http404 from None


def access_case_by_number(user, number: str) -> Case:
    try:
        return visible_cases(user).get(number=number)
    except Case.DoesNotExist:
        raise Http404 from None
