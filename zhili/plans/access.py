"""Who may see and do what in action-plan supervision: one place for the rules.

* The supervision group (督查督办组, the governance office's staff: role
  ``office_staff``) sees everything, imports plans, assigns units, reviews
  reports and issues and escalates supervision notices.
* District leaders (and the other read-all roles) read everything and see
  the assessment, but change nothing.
* Responsible units (department leaders and handlers) see the plans they
  have tasks in, the nodes assigned to their unit (or a unit below theirs)
  with everything under those nodes, file progress reports on them and
  answer the notices addressed to them.
* Anyone, without logging in, sees the public page of a public plan: the
  tree, progress and milestones, never notes, reports, notices or people.

Missing and forbidden objects raise the same ``Http404``.  Each capability
is a permission (``plans.supervise`` …); until ``accounts.roles`` grants
them, the roles named here stand in for them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.accounts.roles import Role

from .models import NodeUnit, Plan, PlanNode, ProgressReport, SupervisionNotice

SUPERVISION_ROLES = (Role.OFFICE_STAFF,)
ASSESS_ROLES = (Role.OFFICE_STAFF, Role.DISTRICT_LEADER)
UNIT_ROLES = (Role.DEPT_LEADER, Role.HANDLER)


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _allowed(user: Any, perm: str, roles: tuple[Role, ...]) -> bool:
    if not _active(user):
        return False
    return bool(user.is_superuser or user.has_perm(perm) or user.has_role(*roles))


def can_supervise(user: Any) -> bool:
    return _allowed(user, "plans.supervise", SUPERVISION_ROLES)


def can_import(user: Any) -> bool:
    return _allowed(user, "plans.import_plan", SUPERVISION_ROLES)


def can_assess(user: Any) -> bool:
    return _allowed(user, "plans.assess", ASSESS_ROLES)


def reads_all(user: Any) -> bool:
    return can_supervise(user) or (
        _active(user) and (user.reads_all or user.has_perm("plans.view_all_plans"))
    )


def can_report(user: Any) -> bool:
    return _allowed(user, "plans.report_progress", UNIT_ROLES) and user.org_unit_id is not None


def user_unit_ids(user: Any) -> set[int]:
    """The units a user acts for: his own and, as everywhere in Zhili, those below it."""
    if not _active(user) or user.org_unit_id is None or not user.is_government_staff:
        return set()
    cached = getattr(user, "_plans_unit_ids", None)
    if cached is None:
        cached = user.org_unit.descendant_ids()
        user._plans_unit_ids = cached
    return set(cached)


def can_use_plans(user: Any) -> bool:
    return reads_all(user) or bool(user_unit_ids(user))


def visible_plans(user: Any) -> QuerySet[Plan]:
    if reads_all(user):
        return Plan.objects.all()
    units = user_unit_ids(user)
    if not units:
        return Plan.objects.none()
    plan_ids = NodeUnit.objects.filter(unit_id__in=units).values("node__plan_id")
    return Plan.objects.filter(pk__in=plan_ids).exclude(status=Plan.PlanStatus.DRAFT)


def access_plan(user: Any, pk: int | str, *, for_change: bool = False) -> Plan:
    try:
        plan = visible_plans(user).get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such plan.")) from None
    if for_change and not can_supervise(user):
        raise PermissionDenied(_("You may not change this plan."))
    return plan


def unit_node_ids(user: Any, plan: Plan, parents: dict[int, int | None] | None = None) -> set[int]:
    """Nodes of ``plan`` the user's units are assigned to, and every node under them."""
    units = user_unit_ids(user)
    if not units:
        return set()
    assigned = set(
        NodeUnit.objects.filter(node__plan=plan, unit_id__in=units).values_list(
            "node_id", flat=True
        )
    )
    if not assigned:
        return set()
    if parents is None:
        parents = dict(plan.nodes.values_list("id", "parent_id"))
    out = set()
    for nid in parents:
        cur: int | None = nid
        while cur is not None:
            if cur in assigned:
                out.add(nid)
                break
            cur = parents.get(cur)
    return out


def visible_node_ids(
    user: Any, plan: Plan, parents: dict[int, int | None] | None = None
) -> set[int] | None:
    """None means every node of the plan."""
    if reads_all(user):
        return None
    return unit_node_ids(user, plan, parents)


def access_node(user: Any, pk: int | str, *, for_change: bool = False) -> PlanNode:
    try:
        node = PlanNode.objects.select_related("plan", "parent", "responsible_person").get(pk=pk)
    except (PlanNode.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such task.")) from None
    if not reads_all(user):
        if node.plan.status == Plan.PlanStatus.DRAFT or node.pk not in unit_node_ids(
            user, node.plan
        ):
            raise Http404(_("No such task."))
    if for_change and not can_supervise(user):
        raise PermissionDenied(_("You may not change this task."))
    return node


def reporting_unit(user: Any, node: PlanNode) -> tuple[int | None, bool]:
    """The unit the user reports for on ``node`` and whether it leads the node.

    The nearest assignment up the tree decides: a unit assigned to a work
    area reports on the tasks under it that have no units of their own.
    """
    if not can_report(user):
        return None, False
    units = user_unit_ids(user)
    parents = dict(node.plan.nodes.values_list("id", "parent_id"))
    assignments: dict[int, list[tuple[int, str]]] = {}
    for nid, uid, role in NodeUnit.objects.filter(node__plan=node.plan).values_list(
        "node_id", "unit_id", "role"
    ):
        assignments.setdefault(nid, []).append((uid, role))
    cur: int | None = node.pk
    while cur is not None:
        mine = [(uid, role) for uid, role in assignments.get(cur, []) if uid in units]
        if mine:
            mine.sort(key=lambda ur: ur[1] != NodeUnit.Role.LEAD)
            uid, role = mine[0]
            return uid, role == NodeUnit.Role.LEAD
        cur = parents.get(cur)
    return None, False


def visible_reports(user: Any) -> QuerySet[ProgressReport]:
    if reads_all(user):
        return ProgressReport.objects.all()
    units = user_unit_ids(user)
    if not units:
        return ProgressReport.objects.none()
    return ProgressReport.objects.filter(unit_id__in=units)


def access_report(user: Any, pk: int | str, *, for_review: bool = False) -> ProgressReport:
    try:
        report = visible_reports(user).select_related("node", "plan", "unit", "author").get(pk=pk)
    except (ProgressReport.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such report.")) from None
    if for_review and not can_supervise(user):
        raise PermissionDenied(_("You may not review reports."))
    return report


def visible_notices(user: Any) -> QuerySet[SupervisionNotice]:
    if reads_all(user):
        return SupervisionNotice.objects.all()
    units = user_unit_ids(user)
    if not units:
        return SupervisionNotice.objects.none()
    return SupervisionNotice.objects.filter(unit_id__in=units)


def access_notice(user: Any, pk: int | str, *, for_change: bool = False) -> SupervisionNotice:
    try:
        notice = visible_notices(user).select_related("plan", "node", "unit").get(pk=pk)
    except (SupervisionNotice.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such notice.")) from None
    if for_change and not can_supervise(user):
        raise PermissionDenied(_("You may not change supervision notices."))
    return notice


def can_answer(user: Any, notice: SupervisionNotice) -> bool:
    return (
        notice.unit_id in user_unit_ids(user)
        and notice.status == SupervisionNotice.NoticeStatus.OPEN
    )


def access_public_plan(pk: int | str) -> Plan:
    """A plan anyone may see: public and not a draft."""
    try:
        return Plan.objects.exclude(status=Plan.PlanStatus.DRAFT).get(pk=pk, public=True)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such plan.")) from None
