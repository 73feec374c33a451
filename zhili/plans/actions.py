"""Writes of action-plan supervision: each a named function in a transaction.

Every function takes the acting user explicitly (``actor``; None for the
command line and the clock), checks what the actor may do, locks the plan
row (so two reports on one plan recompute one after the other), writes an
audit entry and, for nodes, a ``NodeHistory`` row, then recomputes the
plan's roll-up and warnings so pages never show stale colours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.models import record
from zhili.workcal.clock import WorkingCalendar, default_calendar

from . import access, domain
from .domain import Colour, Status
from .importing import ImportPreview, build_preview
from .models import (
    Milestone,
    NodeHistory,
    NodeUnit,
    Plan,
    PlanNode,
    ProgressReport,
    ReportAttachment,
    SupervisionNotice,
)

MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_FIGURES = 30


class PlanImportError(ValidationError):
    """The document could not be imported; nothing was saved."""


def _require(actor: Any, check: Callable[[Any], bool], message: str) -> None:
    # actor None: the command line or the clock, which run as the operator.
    if actor is not None and not check(actor):
        raise PermissionDenied(message)


def working_calendar() -> WorkingCalendar:
    """The platform's calendar; years without data fall back inside ``domain``."""
    return default_calendar()


def _dec(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    # Half up, as people round percentages (3.125 → 3.13), not to even.
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _lock(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().get(pk=plan.pk)


def _who(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    return actor.get_full_name() or actor.username


# --- recompute -----------------------------------------------------------------
@dataclass
class RecomputeResult:
    plan_id: int
    changed: int = 0
    colours: dict[str, int] = field(default_factory=dict)


def thresholds(plan: Plan) -> domain.Thresholds:
    return domain.Thresholds(
        yellow_lag=float(plan.yellow_lag),
        red_lag=float(plan.red_lag),
        milestone_red_days=plan.milestone_red_days,
    )


def effective_schedules(
    plan: Plan, nodes: Sequence[PlanNode]
) -> dict[int, tuple[date | None, date | None]]:
    """Each node's schedule: its own dates, else its parent's, else the plan's."""
    by_id = {n.pk: n for n in nodes}
    out: dict[int, tuple[date | None, date | None]] = {}

    def get(n: PlanNode) -> tuple[date | None, date | None]:
        chain = []
        cur: PlanNode | None = n
        while cur is not None and cur.pk not in out:
            chain.append(cur)
            cur = by_id.get(cur.parent_id) if cur.parent_id else None
        start, end = out[cur.pk] if cur is not None else (plan.start, plan.end)
        for c in reversed(chain):
            start = c.planned_start or start
            end = c.planned_end or end
            if start and end and start > end and not c.planned_start:
                # An own deadline before the inherited start (a date earlier
                # than the plan's issue): the schedule shrinks to that day.
                start = end
            out[c.pk] = (start, end)
        return out[n.pk]

    for n in nodes:
        get(n)
    return out


def plan_recompute(
    *,
    plan: Plan,
    actor: Any = None,
    today: date | None = None,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
    action: str = "recompute",
    touched: Mapping[int, str] | None = None,
) -> RecomputeResult:
    """Recompute roll-up, statuses and warnings of a plan and cache them on the rows.

    Writes a ``NodeHistory`` row for every node whose progress, status or
    colour changed, and for every node in ``touched`` (node id → note).
    Call inside the transaction of the action that changed something.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    cal = calendar if calendar is not None else working_calendar()
    touched = touched or {}
    nodes = list(PlanNode.objects.filter(plan=plan).order_by("position", "id"))
    stones: dict[int, list[domain.MilestoneState]] = {}
    for nid, due, done in Milestone.objects.filter(node__plan=plan).values_list(
        "node_id", "due", "done_on"
    ):
        stones.setdefault(nid, []).append(domain.MilestoneState(due, done))
    tree = [
        domain.TreeNode(n.pk, n.parent_id, float(n.weight), float(n.progress), n.status)
        for n in nodes
    ]
    rolled = domain.rollup(tree)
    kids = domain.children_of(tree)
    schedules = effective_schedules(plan, nodes)
    by_id = {n.pk: n for n in nodes}
    limits = thresholds(plan)
    new_status: dict[int, str] = {}
    warnings: dict[int, domain.Warning] = {}
    for t in domain.post_order(tree, kids):
        n = by_id[t.id]
        counted = [c for c in kids.get(t.id, ()) if domain.counted(c)]
        progress = rolled[t.id]
        if counted:
            status = domain.parent_status([new_status[c.id] for c in counted], progress, n.status)
        else:
            status = domain.Status(n.status)
        new_status[t.id] = status
        start, end = schedules[t.id]
        own = domain.warning(
            progress=progress,
            status=status,
            start=start,
            end=end,
            milestones=stones.get(t.id, ()),
            today=today,
            calendar=cal,
            thresholds=limits,
            weight=float(n.weight),
        )
        warnings[t.id] = domain.with_children(own, (warnings[c.id].colour for c in counted))
    result = RecomputeResult(plan.pk)
    history = []
    changed_nodes = []
    for n in nodes:
        w = warnings[n.pk]
        progress = _dec(rolled[n.pk])
        status = str(new_status[n.pk])
        expected = _dec(w.expected)
        reasons = list(w.reasons)
        actual_start = n.actual_start or (today if progress and progress > 0 else None)
        if status == Status.COMPLETED:
            actual_end = n.actual_end or today
        else:
            actual_end = None
        moved = (progress, status, str(w.colour)) != (n.progress, n.status, n.colour)
        if moved or (expected, reasons, actual_start, actual_end) != (
            n.expected,
            n.colour_reasons,
            n.actual_start,
            n.actual_end,
        ):
            n.progress, n.status, n.colour, n.expected = progress, status, str(w.colour), expected
            n.colour_reasons, n.actual_start, n.actual_end = reasons, actual_start, actual_end
            changed_nodes.append(n)
        if moved or n.pk in touched:
            start, end = schedules[n.pk]
            history.append(
                NodeHistory(
                    node=n,
                    at=now,
                    actor=actor if getattr(actor, "pk", None) else None,
                    action=action
                    if n.pk in touched or action in ("recompute", "warning")
                    else "rollup",
                    progress=progress,
                    expected=expected,
                    status=status,
                    colour=str(w.colour),
                    planned_start=start,
                    planned_end=end,
                    note=touched.get(n.pk, "")[:300],
                )
            )
        result.colours[str(w.colour)] = result.colours.get(str(w.colour), 0) + 1
    if changed_nodes:
        PlanNode.objects.bulk_update(
            changed_nodes,
            [
                "progress",
                "status",
                "colour",
                "expected",
                "colour_reasons",
                "actual_start",
                "actual_end",
            ],
            batch_size=500,
        )
    if history:
        NodeHistory.objects.bulk_create(history, batch_size=500)
    result.changed = len(changed_nodes)
    roots = [t for t in kids.get(None, ()) if domain.counted(t)]
    plan_warning = domain.with_children(
        domain.warning(
            progress=rolled[None],  # type: ignore[index]
            status=Status.IN_PROGRESS,
            start=plan.start,
            end=plan.end,
            today=today,
            calendar=cal,
            thresholds=limits,
        ),
        (warnings[t.id].colour for t in roots),
    )
    Plan.objects.filter(pk=plan.pk).update(
        progress=_dec(rolled[None]),
        colour=str(plan_warning.colour),
        computed_at=now,  # type: ignore[index]
    )
    plan.progress, plan.colour, plan.computed_at = _dec(rolled[None]), str(plan_warning.colour), now  # type: ignore[index]
    return result


def plans_recompute_all(*, now: datetime | None = None, force: bool = False) -> dict[str, Any]:
    """The clock's pass: time moves expected progress, so colours change by themselves.

    Every change recomputes its plan at once, so only the date matters
    here: a plan already computed today is skipped unless ``force``.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    cal = working_calendar()
    totals: dict[str, int] = {}
    count = skipped = 0
    for plan in Plan.objects.filter(status=Plan.PlanStatus.ACTIVE).order_by("pk"):
        if not force and plan.computed_at and timezone.localdate(plan.computed_at) == today:
            skipped += 1
            continue
        with transaction.atomic():
            locked = _lock(plan)
            res = plan_recompute(plan=locked, now=now, calendar=cal, action="warning")
        count += 1
        for colour, n in res.colours.items():
            totals[colour] = totals.get(colour, 0) + n
    return {"plans": count, "skipped": skipped, "nodes": totals}


# --- import --------------------------------------------------------------------
@dataclass
class PlanImportResult:
    preview: ImportPreview
    text: str
    filename: str
    plan: Plan | None = None
    committed: bool = False


def _parser():
    from . import parser

    return parser


def unit_rows() -> list[tuple[int, str, str]]:
    from zhili.accounts.models import OrgUnit

    return list(
        OrgUnit.objects.filter(active=True).order_by("code").values_list("id", "name", "short_name")
    )


def _matcher():
    parser = _parser()
    match = getattr(parser, "match_units", None)
    if match is None:
        return None
    return lambda names, units: match(names, units)


def read_source(path_or_text: str | bytes | Path, filename: str | None = None) -> tuple[str, str]:
    """The document's text and file name.

    Bytes and paths go through the parser's reader (encodings, Word, HTML);
    a string that is not the path of an existing file is the text itself.
    """
    parser = _parser()
    if isinstance(path_or_text, bytes):
        return parser.read_text(path_or_text, filename=filename), filename or ""
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str)
        and "\n" not in path_or_text
        and len(path_or_text) < 1024
        and Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
        return parser.read_text(str(path), filename=filename or path.name), filename or path.name
    return str(path_or_text), filename or ""


def plan_import(
    *,
    actor: Any,
    path_or_text: str | bytes | Path,
    commit: bool = False,
    filename: str | None = None,
    title: str | None = None,
    start: date | None = None,
    end: date | None = None,
    report_frequency: str | None = None,
    unit_map: Mapping[str, int | None] | None = None,
    today: date | None = None,
) -> PlanImportResult:
    """Parse a plan document and, with ``commit``, save it as a plan.

    Without ``commit`` nothing is written: the result's ``preview`` is what
    would be saved, for review.  Raises ``PlanImportError`` when the text
    cannot be parsed or lacks what a plan needs; nothing is saved then.
    """
    _require(actor, access.can_import, _("You may not import plans."))
    parser = _parser()
    try:
        text, name = read_source(path_or_text, filename)
    except (OSError, ValueError) as exc:
        raise PlanImportError(_("Cannot read the document: %(err)s") % {"err": exc}) from None
    if not text.strip():
        raise PlanImportError(_("The document is empty."))
    try:
        doc = parser.parse_plan(text, today=today)
    except parser.PlanParseError as exc:
        raise PlanImportError(_("Cannot read the plan: %(err)s") % {"err": exc}) from None
    preview = build_preview(
        doc,
        units=unit_rows(),
        matcher=_matcher(),
        unit_map=unit_map,
        start=start,
        end=end,
        today=today or timezone.localdate(),
        full_text=text,
    )
    if title:
        preview.title = title.strip()
    errors = []
    if not preview.title:
        errors.append(_("The document has no title: enter one."))
    if not preview.nodes:
        errors.append(_("No numbered outline (一、（一）1.) was found in the document."))
    if preview.start and preview.end and preview.end < preview.start:
        errors.append(_("The plan ends before it starts."))
    if errors:
        raise PlanImportError(errors)
    result = PlanImportResult(preview=preview, text=text, filename=name)
    if not commit:
        return result
    with transaction.atomic():
        plan = _save_plan(actor, preview, text, name, report_frequency)
        plan_recompute(
            plan=plan, actor=actor, action="import", touched={n.pk: "" for n in plan.nodes.all()}
        )
        record(
            actor=actor,
            action="plans.plan_import",
            obj=plan,
            summary=_("Imported “%(title)s”: %(n)d nodes, %(u)d unmatched unit names")
            % {"title": plan.title[:100], "n": len(preview.nodes), "u": len(preview.unmatched)},
            after={
                "title": plan.title,
                "source": name,
                "counts": preview.counts(),
                "unmatched": preview.unmatched,
            },
        )
    result.plan = plan
    result.committed = True
    return result


def _save_plan(
    actor: Any, preview: ImportPreview, text: str, name: str, frequency: str | None
) -> Plan:
    plan = Plan.objects.create(
        title=preview.title[:300],
        issuer=preview.issuer[:200],
        doc_number=preview.doc_number[:100],
        issued_on=preview.issued_on,
        addressees=preview.addressees,
        source_name=name[:200],
        source_text=text,
        parse_warnings=preview.warnings,
        start=preview.start,
        end=preview.end,
        report_frequency=frequency or Plan.FrequencyChoices.MONTHLY,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    saved: dict[str, PlanNode] = {}
    by_depth: dict[int, list] = {}
    for position, pn in enumerate(preview.nodes, 1):
        by_depth.setdefault(pn.depth, []).append((position, pn))
    for depth in sorted(by_depth):
        rows = []
        for position, pn in by_depth[depth]:
            rows.append(
                PlanNode(
                    plan=plan,
                    parent=saved[pn.parent_code] if pn.parent_code else None,
                    kind=pn.kind,
                    level=pn.level,
                    position=position,
                    code=pn.code,
                    number=pn.number,
                    heading=pn.heading,
                    text=pn.text,
                    source_line=pn.line,
                    source_start=pn.source_start,
                    source_end=pn.source_end,
                    weight=Decimal(str(pn.weight)),
                    planned_end=pn.planned_end,
                    deadline_text=pn.deadline_text,
                    targets=pn.targets,
                    unmatched_units=[
                        {"name": u, "role": role}
                        for role, names in (
                            ("lead", pn.lead_units),
                            ("support", pn.supporting_units),
                        )
                        for u in names
                        if preview.units[u].unit_id is None
                    ],
                )
            )
        PlanNode.objects.bulk_create(rows, batch_size=500)
        for row in rows:
            saved[row.code] = row
    links: dict[tuple[int, int], str] = {}
    stones = []
    for pn in preview.nodes:
        node = saved[pn.code]
        for role, names in (("support", pn.supporting_units), ("lead", pn.lead_units)):
            for u in names:
                uid = preview.units[u].unit_id
                if uid is not None and links.get((node.pk, uid)) != "lead":
                    links[(node.pk, uid)] = role
        stones.extend(
            Milestone(node=node, title=m.title, due=m.due, source_text=m.text)
            for m in pn.milestones
        )
    NodeUnit.objects.bulk_create(
        [NodeUnit(node_id=n, unit_id=u, role=r) for (n, u), r in links.items()]
    )
    Milestone.objects.bulk_create(stones)
    return plan


# --- plan and node edits ------------------------------------------------------------
PLAN_FIELDS = (
    "title", "status", "public", "start", "end", "report_frequency", "report_due_days", "notice_days",
    "due_soon_days", "yellow_lag", "red_lag", "milestone_red_days",
)  # fmt: skip
NODE_FIELDS = (
    "heading", "planned_start", "planned_end", "weight", "status", "internal_note", "public", "plan_reference",
    "land_status", "budget_total", "funding_sources", "amount_spent", "responsible_person",
    "responsible_person_name", "progress",
)  # fmt: skip


def _snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(obj, name)
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, date | Decimal):
            value = str(value)
        out[name] = value
    return out


def plan_update(*, actor: Any, plan: Plan, **changes: Any) -> Plan:
    """Change a plan's settings (period, reporting, thresholds, public page)."""
    _require(actor, access.can_supervise, _("You may not change this plan."))
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"unknown plan fields: {sorted(unknown)}")
    with transaction.atomic():
        plan = _lock(plan)
        before = _snapshot(plan, changes)
        for k, v in changes.items():
            setattr(plan, k, v)
        if plan.start and plan.end and plan.end < plan.start:
            raise ValidationError(_("The plan ends before it starts."))
        plan.full_clean()
        plan.save()
        plan_recompute(plan=plan, actor=actor, action="plan_update")
        record(
            actor=actor,
            action="plans.plan_update",
            obj=plan,
            before=before,
            after=_snapshot(plan, changes),
        )
    return plan


def node_update(*, actor: Any, node: PlanNode, note: str = "", **changes: Any) -> PlanNode:
    """Change a node's schedule, weight, status, five fixes or notes.

    ``progress`` may be set on a node without counted children only: a
    parent's progress is always its children's weighted mean.
    """
    _require(actor, access.can_supervise, _("You may not change this task."))
    unknown = set(changes) - set(NODE_FIELDS)
    if unknown:
        raise ValueError(f"unknown node fields: {sorted(unknown)}")
    with transaction.atomic():
        plan = _lock(node.plan)
        node = PlanNode.objects.get(pk=node.pk)
        if "progress" in changes:
            if _has_counted_children(node):
                raise ValidationError(_("A task with sub-tasks takes its progress from them."))
            changes["progress"] = _percent(changes["progress"])
            if "status" not in changes:
                changes["status"] = domain.leaf_status(float(changes["progress"]), node.status)
        elif changes.get("status") == Status.COMPLETED and not _has_counted_children(node):
            # Completed implies done (Decidim's statuses carry a progress too).
            changes["progress"] = Decimal(100)
        if "funding_sources" in changes:
            changes["funding_sources"] = _clean_sources(changes["funding_sources"])
        before = _snapshot(node, changes)
        for k, v in changes.items():
            setattr(node, k, v)
        if node.planned_start and node.planned_end and node.planned_end < node.planned_start:
            raise ValidationError(_("The task ends before it starts."))
        node.full_clean(exclude=["plan", "parent", "code"])
        node.save()
        plan_recompute(
            plan=plan, actor=actor, action="update", touched={node.pk: note or _("edited")}
        )
        record(
            actor=actor,
            action="plans.node_update",
            obj=node,
            before=before,
            after=_snapshot(node, changes),
        )
    return node


def _has_counted_children(node: PlanNode) -> bool:
    return node.children.filter(weight__gt=0).exclude(status=Status.CANCELLED).exists()


def _percent(value: Any) -> Decimal:
    try:
        d = Decimal(str(value))
    except Exception:  # noqa: BLE001
        raise ValidationError(_("Progress must be a number from 0 to 100.")) from None
    if not (0 <= d <= 100):
        raise ValidationError(_("Progress must be a number from 0 to 100."))
    return d.quantize(Decimal("0.01"))


def _clean_sources(sources: Any) -> list[dict[str, Any]]:
    out = []
    for s in sources or []:
        name = str(s.get("source", "")).strip()
        if not name:
            continue
        amount = s.get("amount")
        out.append(
            {"source": name[:100], "amount": float(amount) if amount not in (None, "") else None}
        )
    return out


# --- responsible units ---------------------------------------------------------------
def node_assign_unit(
    *,
    actor: Any,
    node: PlanNode,
    unit: Any,
    role: str = NodeUnit.Role.LEAD,
    person: Any = None,
    resolves: str | None = None,
) -> NodeUnit:
    """Make ``unit`` a lead or supporting unit of ``node``.

    ``resolves`` names an unmatched unit name from the document that this
    assignment stands for; it is struck from the node's list for review.
    """
    _require(actor, access.can_supervise, _("You may not assign units."))
    if role not in NodeUnit.Role.values:
        raise ValidationError(_("Unknown role of a unit: %(role)s") % {"role": role})
    with transaction.atomic():
        plan = _lock(node.plan)
        node = PlanNode.objects.get(pk=node.pk)
        link, created = NodeUnit.objects.get_or_create(
            node=node, unit=unit, defaults={"role": role}
        )
        before = None if created else {"role": link.role}
        if not created and link.role != role:
            link.role = role
            link.save(update_fields=["role"])
        fields = []
        if resolves:
            kept = [u for u in node.unmatched_units if u.get("name") != resolves]
            if kept != node.unmatched_units:
                node.unmatched_units = kept
                fields.append("unmatched_units")
        if person is not None:
            node.responsible_person = person
            fields.append("responsible_person")
        if fields:
            node.save(update_fields=[*fields, "updated_at"])
        label = str(NodeUnit.Role(role).label)
        plan_recompute(
            plan=plan, actor=actor, action="assign", touched={node.pk: f"{unit.name} · {label}"}
        )
        record(
            actor=actor,
            action="plans.node_assign_unit",
            obj=node,
            summary=f"{unit.name} · {label}",
            before=before,
            after={
                "unit": unit.pk,
                "role": role,
                "person": getattr(person, "pk", None),
                "resolves": resolves,
            },
        )
    return link


def node_unassign_unit(*, actor: Any, node: PlanNode, unit: Any) -> None:
    _require(actor, access.can_supervise, _("You may not assign units."))
    with transaction.atomic():
        plan = _lock(node.plan)
        deleted, _n = NodeUnit.objects.filter(node=node, unit=unit).delete()
        if not deleted:
            return
        plan_recompute(plan=plan, actor=actor, action="unassign", touched={node.pk: unit.name})
        record(actor=actor, action="plans.node_unassign_unit", obj=node, before={"unit": unit.pk})


def plan_resolve_unit_name(*, actor: Any, plan: Plan, name: str, unit: Any) -> int:
    """Assign ``unit`` to every node of ``plan`` that names ``name`` without a match."""
    _require(actor, access.can_supervise, _("You may not assign units."))
    count = 0
    with transaction.atomic():
        plan = _lock(plan)
        touched = {}
        for node in plan.nodes.all():
            roles = [u.get("role", "lead") for u in node.unmatched_units if u.get("name") == name]
            if not roles:
                continue
            role = NodeUnit.Role.LEAD if "lead" in roles else NodeUnit.Role.SUPPORT
            link, created = NodeUnit.objects.get_or_create(
                node=node, unit=unit, defaults={"role": role}
            )
            if not created and role == NodeUnit.Role.LEAD and link.role != role:
                link.role = role
                link.save(update_fields=["role"])
            node.unmatched_units = [u for u in node.unmatched_units if u.get("name") != name]
            node.save(update_fields=["unmatched_units", "updated_at"])
            touched[node.pk] = f"{name} → {unit.name}"
            count += 1
        if count:
            plan_recompute(plan=plan, actor=actor, action="assign", touched=touched)
            record(
                actor=actor,
                action="plans.resolve_unit_name",
                obj=plan,
                summary=f"{name} → {unit.name} ({count})",
                after={"name": name, "unit": unit.pk, "nodes": list(touched)},
            )
    return count


# --- milestones -----------------------------------------------------------------------
def milestone_save(
    *,
    actor: Any,
    node: PlanNode,
    title: str,
    due: date,
    done_on: date | None = None,
    milestone: Milestone | None = None,
) -> Milestone:
    _require(actor, access.can_supervise, _("You may not change milestones."))
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("A milestone needs a title."))
    with transaction.atomic():
        plan = _lock(node.plan)
        before = None
        if milestone is None:
            milestone = Milestone(node=node)
        else:
            if milestone.node_id != node.pk:
                raise ValidationError(_("The milestone belongs to another task."))
            before = {
                "title": milestone.title,
                "due": str(milestone.due),
                "done_on": str(milestone.done_on),
            }
        milestone.title, milestone.due, milestone.done_on = title[:300], due, done_on
        milestone.save()
        plan_recompute(
            plan=plan, actor=actor, action="milestone", touched={node.pk: f"{due} {title}"[:300]}
        )
        record(
            actor=actor,
            action="plans.milestone_save",
            obj=milestone,
            before=before,
            after={"node": node.pk, "title": title, "due": str(due), "done_on": str(done_on)},
        )
    return milestone


# --- progress reports -------------------------------------------------------------------
_FIGURE_LINE = re.compile(r"^\s*([^:：=]{1,60}?)\s*[:：=]\s*(.+?)\s*$")


def parse_figures(text: str) -> dict[str, Any]:
    """``label: value`` lines into a dict; numbers become numbers."""
    out: dict[str, Any] = {}
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        m = _FIGURE_LINE.match(line)
        if not m:
            raise ValidationError(
                _("Figures, line %(n)d: write one “label: value” per line.") % {"n": number}
            )
        label, raw = m.group(1).strip(), m.group(2).strip()
        try:
            value: Any = (
                float(raw.replace(",", "")) if re.fullmatch(r"-?[\d,]+(\.\d+)?", raw) else raw
            )
        except ValueError:
            value = raw
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[label] = value
    return out


def progress_report_file(
    *,
    actor: Any,
    node: PlanNode,
    text: str,
    period: str | None = None,
    figures: Mapping[str, Any] | None = None,
    progress: Any = None,
    milestones_reached: Sequence[int] = (),
    files: Sequence[Any] = (),
    now: datetime | None = None,
) -> ProgressReport:
    """A responsible unit's progress report on one node for one period.

    The lead unit's reported progress on a node without sub-tasks becomes
    the node's progress at once (the unit answers for its figures; the
    supervision group checks them in review and may correct them).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    unit_id, lead = access.reporting_unit(actor, node)
    if unit_id is None:
        raise PermissionDenied(_("Your unit is not responsible for this task."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Describe the progress made."))
    plan = node.plan
    try:
        p = (
            domain.parse_period(period)
            if period
            else domain.period_of(today, plan.report_frequency)
        )
    except ValueError:
        raise ValidationError(_("Not a reporting period: %(p)s") % {"p": period}) from None
    if p.start > today:
        raise ValidationError(_("The period %(p)s has not begun.") % {"p": p.key})
    figures = dict(figures or {})
    if len(figures) > MAX_FIGURES or any(len(str(k)) > 60 for k in figures):
        raise ValidationError(
            _("At most %(n)d figures, each label at most 60 characters.") % {"n": MAX_FIGURES}
        )
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(_("At most %(n)d attachments.") % {"n": MAX_ATTACHMENTS})
    for f in files:
        if getattr(f, "size", 0) > MAX_ATTACHMENT_BYTES:
            raise ValidationError(_("“%(name)s” is larger than 20 MB.") % {"name": f.name})
    value = None
    if progress not in (None, ""):
        if not lead:
            raise ValidationError(_("Only the lead unit reports the progress of a task."))
        if _has_counted_children(node):
            raise ValidationError(_("A task with sub-tasks takes its progress from them."))
        value = _percent(progress)
    cal = working_calendar()
    due_on = domain.report_due(p, plan.report_due_days, cal)
    with transaction.atomic():
        plan = _lock(plan)
        node = PlanNode.objects.get(pk=node.pk)
        stones = list(Milestone.objects.filter(node=node, pk__in=list(milestones_reached)))
        if len(stones) != len(set(milestones_reached)):
            raise ValidationError(_("A milestone reported does not belong to this task."))
        report = ProgressReport.objects.create(
            plan=plan,
            node=node,
            unit_id=unit_id,
            author=actor,
            period=p.key,
            period_start=p.start,
            period_end=p.end,
            due_on=due_on,
            text=text,
            figures=figures,
            progress=value,
            submitted_at=now,
            late=today > due_on,
        )
        for f in files:
            ReportAttachment.objects.create(
                report=report, file=f, name=Path(f.name).name[:200], size=f.size or 0
            )
        for m in stones:
            if m.done_on is None:
                m.done_on = today
                m.save(update_fields=["done_on"])
        report.milestones_reached.set(stones)
        if value is not None:
            node.progress = value
            node.status = domain.leaf_status(float(value), node.status)
            node.save(update_fields=["progress", "status", "updated_at"])
        note = _("Report %(p)s") % {"p": p.key} + (f" · {value}%" if value is not None else "")
        plan_recompute(
            plan=plan, actor=actor, action="report", now=now, calendar=cal, touched={node.pk: note}
        )
        record(
            actor=actor,
            action="plans.report_file",
            obj=report,
            summary=f"{node.code} {p.key}",
            after={
                "node": node.pk,
                "unit": unit_id,
                "period": p.key,
                "progress": str(value) if value is not None else None,
                "late": report.late,
                "attachments": len(files),
                "milestones": [m.pk for m in stones],
            },
        )
    return report


def progress_report_review(
    *,
    actor: Any,
    report: ProgressReport,
    accept: bool,
    mark: int | None = None,
    comment: str = "",
    corrected_progress: Any = None,
    now: datetime | None = None,
) -> ProgressReport:
    """The supervision group accepts or returns a report and marks its quality (0-100)."""
    _require(actor, access.can_supervise, _("You may not review reports."))
    now = now or timezone.now()
    if mark is not None and not (0 <= int(mark) <= 100):
        raise ValidationError(_("The quality mark must be from 0 to 100."))
    if not accept and not (comment or "").strip():
        raise ValidationError(_("Say why the report is returned."))
    with transaction.atomic():
        plan = _lock(report.plan)
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ProgressReport.ReportStatus.SUBMITTED:
            raise ValidationError(_("This report has already been reviewed."))
        report.status = (
            ProgressReport.ReportStatus.ACCEPTED if accept else ProgressReport.ReportStatus.RETURNED
        )
        report.reviewer = actor if getattr(actor, "pk", None) else None
        report.reviewed_at = now
        report.review_comment = (comment or "").strip()
        report.quality_mark = int(mark) if mark is not None else None
        report.save()
        node = PlanNode.objects.get(pk=report.node_id)
        touched = {node.pk: _("Report %(p)s reviewed") % {"p": report.period}}
        if corrected_progress not in (None, ""):
            if _has_counted_children(node):
                raise ValidationError(_("A task with sub-tasks takes its progress from them."))
            node.progress = _percent(corrected_progress)
            node.status = domain.leaf_status(float(node.progress), node.status)
            node.save(update_fields=["progress", "status", "updated_at"])
            touched[node.pk] += f" · {node.progress}%"
        plan_recompute(plan=plan, actor=actor, action="review", now=now, touched=touched)
        record(
            actor=actor,
            action="plans.report_review",
            obj=report,
            summary=report.get_status_display(),
            after={
                "status": report.status,
                "mark": report.quality_mark,
                "corrected_progress": str(corrected_progress)
                if corrected_progress not in (None, "")
                else None,
            },
        )
    return report


# --- supervision notices ------------------------------------------------------------------
_NUMBER_RE = re.compile(r"〔(\d{4})〕(\d+)号$")


def _next_number(year: int) -> str:
    prefix = f"督办〔{year}〕"
    highest = 0
    for number in SupervisionNotice.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    ):
        m = _NUMBER_RE.search(number)
        if m:
            highest = max(highest, int(m.group(2)))
    return f"{prefix}{highest + 1}号"


def _event(notice: SupervisionNotice, event: str, actor: Any, at: datetime, note: str = "") -> None:
    notice.events = [
        *notice.events,
        {
            "at": at.isoformat(),
            "event": event,
            "level": notice.level,
            "by": _who(actor),
            "note": note[:500],
            "deadline": notice.deadline.isoformat() if notice.deadline else None,
        },
    ]


def notice_issue(
    *,
    actor: Any,
    node: PlanNode,
    subject: str,
    text: str,
    unit: Any = None,
    working_days: int | None = None,
    now: datetime | None = None,
) -> SupervisionNotice:
    """Issue a supervision notice (督办单) to a unit about a node, due in working days."""
    _require(actor, access.can_supervise, _("You may not issue supervision notices."))
    now = now or timezone.now()
    subject, text = (subject or "").strip(), (text or "").strip()
    if not subject or not text:
        raise ValidationError(_("A notice needs a subject and its requirements."))
    if unit is None:
        link = node.assignments.filter(role=NodeUnit.Role.LEAD).select_related("unit").first()
        if link is None:
            raise ValidationError(
                _("The task has no lead unit: choose the unit the notice goes to.")
            )
        unit = link.unit
    days = working_days or node.plan.notice_days
    if days < 1:
        raise ValidationError(_("A notice needs at least one working day."))
    deadline, approx = domain.deadline_after(now, days, working_calendar())
    with transaction.atomic():
        plan = _lock(node.plan)
        for attempt in range(5):
            notice = SupervisionNotice(
                plan=plan,
                node=node,
                unit=unit,
                number=_next_number(timezone.localdate(now).year),
                subject=subject[:200],
                text=text,
                issued_by=actor if getattr(actor, "pk", None) else None,
                issued_at=now,
                deadline=deadline,
                deadline_approximate=approx,
            )
            _event(notice, "issued", actor, now)
            try:
                with transaction.atomic():
                    notice.save()
                break
            except IntegrityError:
                # Two notices of different plans took the same number.
                if attempt == 4:
                    raise
        plan_recompute(
            plan=plan, actor=actor, action="notice", now=now, touched={node.pk: notice.number}
        )
        record(
            actor=actor,
            action="plans.notice_issue",
            obj=notice,
            summary=f"{notice.number} → {unit.name}",
            after={
                "node": node.pk,
                "unit": unit.pk,
                "deadline": deadline.isoformat(),
                "days": days,
            },
        )
    return notice


def notice_respond(
    *, actor: Any, notice: SupervisionNotice, text: str, now: datetime | None = None
) -> SupervisionNotice:
    """The unit answers a notice: what it did about it."""
    now = now or timezone.now()
    if not access.can_answer(actor, notice):
        raise PermissionDenied(_("Only the unit the notice is addressed to may answer it."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the answer."))
    with transaction.atomic():
        notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != SupervisionNotice.NoticeStatus.OPEN:
            raise ValidationError(_("This notice is not open."))
        notice.status = SupervisionNotice.NoticeStatus.ANSWERED
        notice.response, notice.responded_by, notice.responded_at = text, actor, now
        _event(notice, "answered", actor, now, text)
        notice.save()
        record(
            actor=actor,
            action="plans.notice_respond",
            obj=notice,
            after={"late": notice.deadline < now},
        )
    return notice


def notice_close(
    *, actor: Any, notice: SupervisionNotice, comment: str = "", now: datetime | None = None
) -> SupervisionNotice:
    """The supervision group is satisfied: the notice is closed."""
    _require(actor, access.can_supervise, _("You may not close supervision notices."))
    now = now or timezone.now()
    with transaction.atomic():
        notice = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status == SupervisionNotice.NoticeStatus.CLOSED:
            raise ValidationError(_("This notice is already closed."))
        notice.status = SupervisionNotice.NoticeStatus.CLOSED
        notice.closed_at = now
        _event(notice, "closed", actor, now, comment)
        notice.save()
        record(actor=actor, action="plans.notice_close", obj=notice, summary=comment[:300])
    return notice


def notice_escalate(
    *,
    actor: Any,
    notice: SupervisionNotice,
    reason: str = "",
    working_days: int | None = None,
    now: datetime | None = None,
) -> SupervisionNotice:
    """Raise a notice one level (督办 → 重点督办 → 挂牌督办) with a new deadline.

    An answered notice whose answer does not satisfy is escalated too: it
    opens again.
    """
    _require(actor, access.can_supervise, _("You may not escalate supervision notices."))
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            SupervisionNotice.objects.select_for_update().select_related("plan").get(pk=notice.pk)
        )
        if notice.status == SupervisionNotice.NoticeStatus.CLOSED:
            raise ValidationError(_("This notice is closed."))
        if notice.level >= SupervisionNotice.Level.LISTED:
            raise ValidationError(_("This notice is already at the highest level."))
        _escalate(notice, actor, reason, working_days, now)
    return notice


def _escalate(
    notice: SupervisionNotice, actor: Any, reason: str, working_days: int | None, now: datetime
) -> None:
    before = {
        "level": notice.level,
        "deadline": notice.deadline.isoformat(),
        "status": notice.status,
    }
    notice.level += 1
    notice.deadline, notice.deadline_approximate = domain.deadline_after(
        now, working_days or notice.plan.notice_days, working_calendar()
    )
    notice.status = SupervisionNotice.NoticeStatus.OPEN
    notice.escalated_at = now
    _event(notice, "escalated", actor, now, reason)
    notice.save()
    record(
        actor=actor,
        action="plans.notice_escalate",
        obj=notice,
        summary=f"{notice.number} → {notice.get_level_display()}",
        before=before,
        after={"level": notice.level, "deadline": notice.deadline.isoformat(), "reason": reason},
    )


def notices_escalate_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """The clock's pass: open notices past their deadline go up one level.

    Each escalation sets a new deadline, so a notice goes up at most once
    per missed deadline; at the highest level it stays overdue for people
    to act on.
    """
    now = now or timezone.now()
    escalated = at_top = 0
    with transaction.atomic():
        overdue = (
            SupervisionNotice.objects.select_for_update()
            .select_related("plan")
            .filter(status=SupervisionNotice.NoticeStatus.OPEN, deadline__lt=now)
            .order_by("pk")
        )
        for notice in overdue:
            if notice.level >= SupervisionNotice.Level.LISTED:
                at_top += 1
                continue
            _escalate(notice, None, _("Deadline missed"), None, now)
            escalated += 1
    return {"escalated": escalated, "overdue_at_highest_level": at_top}


# --- the project table -------------------------------------------------------------------
def projects_import_xlsx(*, actor: Any, plan: Plan, file: Any, commit: bool = False):
    """Import the annex project table (see ``projects.py``), all or nothing."""
    from .projects import ProjectImportError, apply_rows, check_rows, read_sheet

    _require(actor, access.can_supervise, _("You may not import projects."))
    rows = read_sheet(file)
    with transaction.atomic():
        plan = _lock(plan)
        checked = check_rows(plan, rows)
        if checked.errors:
            raise ProjectImportError(checked.errors)
        report = apply_rows(plan, checked, actor=actor)
        plan_recompute(
            plan=plan,
            actor=actor,
            action="excel",
            touched={pk: _("project table") for pk in report.node_ids},
        )
        record(
            actor=actor,
            action="plans.projects_import",
            obj=plan,
            summary=_("%(c)d new, %(u)d updated, %(s)d unchanged")
            % {"c": len(report.created), "u": len(report.updated), "s": len(report.unchanged)},
            after={"created": report.created[:200], "updated": report.updated[:200]},
        )
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    return report


def projects_export_xlsx(*, plan: Plan) -> bytes:
    from .projects import export_workbook

    return export_workbook(plan)


__all__ = [
    "PlanImportError",
    "plan_import",
    "plan_update",
    "plan_recompute",
    "plans_recompute_all",
    "node_update",
    "node_assign_unit",
    "node_unassign_unit",
    "plan_resolve_unit_name",
    "milestone_save",
    "progress_report_file",
    "progress_report_review",
    "notice_issue",
    "notice_respond",
    "notice_close",
    "notice_escalate",
    "notices_escalate_overdue",
    "projects_import_xlsx",
    "projects_export_xlsx",
    "parse_figures",
    "Colour",
]
