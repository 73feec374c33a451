"""Performance assessment (绩效考核) of responsible units for a period.

Gathers each unit's tasks, due dates, report marks, late and missing
reports and notices from the database, as they stood at the end of the
period (progress from ``NodeHistory``), and scores them with the pure
``domain.score_units``.  The rule (weights and deductions) is an
``AssessmentRule``: the plan's own, else the default, else the built-in one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from . import domain
from .actions import effective_schedules, working_calendar
from .models import (
    AssessmentRule,
    Milestone,
    NodeHistory,
    NodeUnit,
    Plan,
    PlanNode,
    ProgressReport,
    SupervisionNotice,
)

TZ = domain.TZ


@dataclass
class Assessment:
    plan: Plan
    start: date
    end: date
    as_of: date
    rule_name: str
    weights: domain.AssessmentWeights
    include_supporting: bool
    scores: list[domain.UnitScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": {"id": self.plan.pk, "title": self.plan.title},
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "rule": self.rule_name,
            "weights": self.weights.__dict__,
            "include_supporting": self.include_supporting,
            "units": [
                {
                    "rank": s.rank,
                    "unit_id": s.unit_id,
                    "unit": s.name,
                    "tasks": s.tasks,
                    "completion": s.completion,
                    "timeliness": s.timeliness,
                    "quality": s.quality,
                    "penalty": s.penalty,
                    "score": s.score,
                    **s.detail,
                }
                for s in self.scores
            ],
        }


def rules_for(plan: Plan) -> list[AssessmentRule]:
    return list(
        AssessmentRule.objects.filter(Q(plan=plan) | Q(plan__isnull=True), active=True).order_by(
            "-plan_id", "name"
        )
    )


def weights_of(rule: AssessmentRule | None) -> domain.AssessmentWeights:
    if rule is None:
        return domain.AssessmentWeights()
    return domain.AssessmentWeights(
        completion=float(rule.weight_completion),
        timeliness=float(rule.weight_timeliness),
        quality=float(rule.weight_quality),
        penalty_late_report=float(rule.penalty_late_report),
        penalty_missing_report=float(rule.penalty_missing_report),
        penalty_escalation=float(rule.penalty_escalation),
        penalty_overdue_notice=float(rule.penalty_overdue_notice),
    )


def assess(
    plan: Plan,
    start: date,
    end: date,
    *,
    rule: AssessmentRule | None = None,
    today: date | None = None,
) -> Assessment:
    """Score every responsible unit of ``plan`` for [start, end]."""
    if end < start:
        start, end = end, start
    today = today or timezone.localdate()
    as_of = min(end, today)
    if rule is None:
        rules = rules_for(plan)
        rule = rules[0] if rules else None
    weights = weights_of(rule)
    include_supporting = bool(rule and rule.include_supporting)
    cal = working_calendar()
    cutoff = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=TZ)
    nodes = list(PlanNode.objects.filter(plan=plan))
    by_id = {n.pk: n for n in nodes}
    schedules = effective_schedules(plan, nodes)
    progress_at: dict[int, float] = {}
    if as_of >= today:
        progress_at = {n.pk: float(n.progress) for n in nodes}
    else:
        for nid, progress in (
            NodeHistory.objects.filter(node__plan=plan, at__lt=cutoff)
            .order_by("at", "id")
            .values_list("node_id", "progress")
        ):
            progress_at[nid] = float(progress)
    roles = (
        [NodeUnit.Role.LEAD, NodeUnit.Role.SUPPORT] if include_supporting else [NodeUnit.Role.LEAD]
    )
    links = (
        NodeUnit.objects.filter(node__plan=plan, role__in=roles)
        .select_related("unit")
        .order_by("unit__code", "node_id")
    )
    units: dict[int, domain.UnitInput] = {}
    unit_nodes: dict[int, list[tuple[int, date]]] = {}
    for link in links:
        node = by_id[link.node_id]
        if node.weight <= 0 or node.status == domain.Status.CANCELLED:
            continue
        u = units.setdefault(link.unit_id, domain.UnitInput(link.unit_id, link.unit.name))
        unit_nodes.setdefault(link.unit_id, []).append(
            (node.pk, timezone.localdate(link.assigned_at))
        )
        s, e = schedules[node.pk]
        expected, _approx = domain.expected_progress(s, e, as_of, cal)
        u.tasks.append(
            domain.TaskState(float(node.weight), expected, progress_at.get(node.pk, 0.0))
        )
        if e is not None and start <= e <= end:
            u.dues.append(domain.DueDate(e, node.actual_end))
    stones: dict[int, list[Milestone]] = {}
    for m in Milestone.objects.filter(node__plan=plan, due__gte=start, due__lte=end):
        stones.setdefault(m.node_id, []).append(m)
    reports = list(
        ProgressReport.objects.filter(plan=plan, period_end__gte=start, period_end__lte=end).values(
            "unit_id", "node_id", "period", "quality_mark", "late"
        )
    )
    filed = {(r["unit_id"], r["node_id"], r["period"]) for r in reports}
    periods = [
        p
        for p in domain.periods_between(start, end, plan.report_frequency)
        if start <= p.end <= end
    ]
    dues = {p.key: domain.report_due(p, plan.report_due_days, cal) for p in periods}
    notices = list(
        SupervisionNotice.objects.filter(
            plan=plan, issued_at__date__gte=start, issued_at__date__lte=end
        ).values("unit_id", "level", "status", "deadline")
    )
    now_cut = min(cutoff, timezone.now())
    for uid, u in units.items():
        for nid, assigned_on in unit_nodes[uid]:
            for m in stones.get(nid, ()):
                u.dues.append(domain.DueDate(m.due, m.done_on))
            node = by_id[nid]
            s, e = schedules[nid]
            for p in periods:
                # A report is owed for a period the unit was responsible
                # in, once it is due, while the task was running.
                if (
                    dues[p.key] > as_of
                    or p.end < assigned_on
                    or (s and s > p.end)
                    or (node.actual_end and node.actual_end < p.start)
                ):
                    continue
                if (uid, nid, p.key) not in filed:
                    u.missing_reports += 1
        mine = [r for r in reports if r["unit_id"] == uid]
        u.marks = [float(r["quality_mark"]) for r in mine if r["quality_mark"] is not None]
        u.late_reports = sum(1 for r in mine if r["late"])
        for n in notices:
            if n["unit_id"] != uid:
                continue
            u.escalations += max(0, n["level"] - 1)
            if n["status"] == SupervisionNotice.NoticeStatus.OPEN and n["deadline"] < now_cut:
                u.overdue_notices += 1
    scores = domain.score_units(units.values(), start, end, as_of, weights)
    return Assessment(
        plan=plan,
        start=start,
        end=end,
        as_of=as_of,
        rule_name=rule.name if rule else _("Built-in rule"),
        weights=weights,
        include_supporting=include_supporting,
        scores=scores,
    )


def assessment_xlsx(a: Assessment) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Ranking")[:31]
    ws.append([a.plan.title])
    ws.append([_("Period"), f"{a.start.isoformat()} – {a.end.isoformat()}", _("Rule"), a.rule_name])
    w = a.weights
    ws.append(
        [
            _("Weights"),
            f"{_('completion')} {w.completion:g} · {_('timeliness')} {w.timeliness:g} · {_('report quality')} {w.quality:g}",
            _("Deductions"),
            f"{_('late report')} {w.penalty_late_report:g} · {_('missing report')} {w.penalty_missing_report:g} · "
            f"{_('escalation')} {w.penalty_escalation:g} · {_('overdue notice')} {w.penalty_overdue_notice:g}",
        ]
    )
    ws.append([])
    header = [
        _("Rank"), _("Unit"), _("Tasks"), _("Completion"), _("Timeliness"), _("Report quality"), _("Late reports"),
        _("Missing reports"), _("Escalations"), _("Overdue notices"), _("Deduction"), _("Score"),
    ]  # fmt: skip
    ws.append(header)
    for cell in ws[5]:
        cell.font = Font(bold=True)
    for s in a.scores:
        ws.append(
            [
                s.rank, s.name, s.tasks, s.completion, s.timeliness, s.quality, s.detail["late_reports"],
                s.detail["missing_reports"], s.detail["escalations"], s.detail["overdue_notices"], s.penalty, s.score,
            ]
        )  # fmt: skip
    ws.column_dimensions["B"].width = 28
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
