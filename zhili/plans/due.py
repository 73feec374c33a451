"""The due-soon and overdue list per unit: task ends, milestones, reports, notices.

Computed on request from the stored plan (a handful of queries per plan),
on the working calendar: "due soon" means within the plan's
``due_soon_days`` working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from . import domain
from .actions import effective_schedules, working_calendar
from .models import Milestone, NodeUnit, Plan, PlanNode, ProgressReport, SupervisionNotice


@dataclass
class DueRow:
    unit_id: int
    unit_name: str
    plan: Plan
    kind: str  # "task", "milestone", "report", "notice"
    kind_label: str
    title: str
    node: PlanNode | None
    due: date
    state: str  # "overdue" or "due_soon"
    days_left: int
    notice_id: int | None = None

    @property
    def days_late(self) -> int:
        return -self.days_left


_LABELS = {
    "task": lambda: _("Task end"),
    "milestone": lambda: _("Milestone"),
    "report": lambda: _("Progress report"),
    "notice": lambda: _("Supervision notice"),
}


def due_rows(
    plans: Iterable[Plan], *, unit_ids: set[int] | None = None, today: date | None = None
) -> list[DueRow]:
    """Overdue and due-soon items of the lead units (all units when ``unit_ids`` is None)."""
    today = today or timezone.localdate()
    cal = working_calendar()
    rows: list[DueRow] = []
    for plan in plans:
        if plan.status != Plan.PlanStatus.ACTIVE:
            continue
        window = plan.due_soon_days
        nodes = {n.pk: n for n in PlanNode.objects.filter(plan=plan)}
        schedules = effective_schedules(plan, list(nodes.values()))
        links = NodeUnit.objects.filter(node__plan=plan, role=NodeUnit.Role.LEAD).select_related(
            "unit"
        )
        if unit_ids is not None:
            links = links.filter(unit_id__in=unit_ids)
        stones: dict[int, list[Milestone]] = {}
        for m in Milestone.objects.filter(node__plan=plan, done_on__isnull=True):
            stones.setdefault(m.node_id, []).append(m)
        current = domain.period_of(today, plan.report_frequency)
        previous = domain.previous_period(current, plan.report_frequency)
        filed = set(
            ProgressReport.objects.filter(
                plan=plan, period__in=[current.key, previous.key]
            ).values_list("unit_id", "node_id", "period")
        )
        report_due = {
            p.key: domain.report_due(p, plan.report_due_days, cal) for p in (current, previous)
        }

        def add(
            link: NodeUnit,
            kind: str,
            title: str,
            node: PlanNode | None,
            due: date,
            plan: Plan = plan,
            window: int = window,
        ) -> None:
            st = domain.due_state(due, today, window, cal)
            if st.state:
                rows.append(
                    DueRow(
                        link.unit_id, link.unit.name, plan, kind, _LABELS[kind](), title, node, due, st.state,
                        st.days_left,
                    )
                )  # fmt: skip

        for link in links:
            node = nodes[link.node_id]
            if node.weight <= 0 or node.status in (
                domain.Status.COMPLETED, domain.Status.CANCELLED, domain.Status.SUSPENDED,
            ):  # fmt: skip
                continue
            start, end = schedules[node.pk]
            if end is not None:
                add(link, "task", str(node), node, end)
            for m in stones.get(node.pk, ()):
                add(link, "milestone", m.title, node, m.due)
            assigned_on = timezone.localdate(link.assigned_at)
            for p in (previous, current):
                # No report is owed for a period before the unit took the task on.
                if (start is not None and start > p.end) or p.end < assigned_on:
                    continue
                if (link.unit_id, node.pk, p.key) not in filed:
                    add(
                        link,
                        "report",
                        _("Report for %(p)s: %(node)s") % {"p": p.key, "node": node},
                        node,
                        report_due[p.key],
                    )
        notices = SupervisionNotice.objects.filter(
            plan=plan, status=SupervisionNotice.NoticeStatus.OPEN
        ).select_related("unit", "node")
        if unit_ids is not None:
            notices = notices.filter(unit_id__in=unit_ids)
        for n in notices:
            st = domain.due_state(timezone.localdate(n.deadline), today, window, cal)
            if st.state:
                rows.append(
                    DueRow(
                        n.unit_id, n.unit.name, plan, "notice", _LABELS["notice"](), f"{n.number} {n.subject}",
                        n.node, timezone.localdate(n.deadline), st.state, st.days_left, notice_id=n.pk,
                    )
                )  # fmt: skip
    rows.sort(key=lambda r: (r.unit_name, r.state != "overdue", r.due, r.kind))
    return rows


def by_unit(rows: list[DueRow]) -> list[tuple[str, list[DueRow], list[DueRow]]]:
    """(unit name, overdue rows, due-soon rows) per unit, in name order."""
    groups: dict[str, tuple[list[DueRow], list[DueRow]]] = {}
    for r in rows:
        over, soon = groups.setdefault(r.unit_name, ([], []))
        (over if r.state == "overdue" else soon).append(r)
    return [(name, over, soon) for name, (over, soon) in sorted(groups.items())]
