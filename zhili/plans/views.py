"""Pages of action-plan supervision.  Thin: access decides, actions write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.accounts.models import OrgUnit

from . import access, actions, charts, domain
from .assessment import assess, assessment_xlsx
from .due import by_unit, due_rows
from .forms import (
    AssessmentForm,
    AssignForm,
    ImportConfirmForm,
    ImportUploadForm,
    MilestoneForm,
    NodeEditForm,
    NoticeActionForm,
    NoticeForm,
    NoticeRespondForm,
    PlanSettingsForm,
    ProjectsImportForm,
    ReportForm,
    ResolveUnitForm,
    ReviewForm,
)
from .models import (
    NodeHistory,
    NodeUnit,
    Plan,
    PlanNode,
    ProgressReport,
    ReportAttachment,
    SupervisionNotice,
)
from .projects import XLSX, ProjectFileError, ProjectImportError

REASON_LABELS: dict[str, Callable[[], str]] = {
    "not_tracked": lambda: _("not tracked (weight 0)"),
    "suspended": lambda: _("suspended"),
    "cancelled": lambda: _("cancelled"),
    "no_schedule": lambda: _("no schedule"),
    "completed": lambda: _("completed"),
    "overdue": lambda: _("past its end and unfinished"),
    "behind_red": lambda: _("far behind schedule"),
    "behind_yellow": lambda: _("behind schedule"),
    "milestone_missed": lambda: _("a milestone was missed"),
    "milestone_missed_long": lambda: _("a milestone was missed long ago"),
    "child_red": lambda: _("a sub-task is red"),
}


HISTORY_LABELS: dict[str, Callable[[], str]] = {
    "import": lambda: _("Imported"),
    "report": lambda: _("Progress report"),
    "review": lambda: _("Review"),
    "assign": lambda: _("Unit assigned"),
    "unassign": lambda: _("Unit removed"),
    "update": lambda: _("Edited"),
    "plan_update": lambda: _("Plan settings"),
    "milestone": lambda: _("Milestone"),
    "notice": lambda: _("Supervision notice"),
    "excel": lambda: _("Project table"),
    "rollup": lambda: _("Sub-task changed"),
    "warning": lambda: _("Daily warning check"),
    "recompute": lambda: _("Recomputed"),
}


def reason_text(codes: list[str]) -> str:
    return "；".join(REASON_LABELS[c]() if c in REASON_LABELS else c for c in codes)


def _require_plans(request: HttpRequest) -> None:
    if not access.can_use_plans(request.user):
        raise Http404


def _post_only(request: HttpRequest) -> None:
    if request.method != "POST":
        raise Http404


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- tree --------------------------------------------------------------------------
@dataclass
class TreeItem:
    node: PlanNode
    units: list[tuple[str, str]] = field(default_factory=list)  # (name, role)
    children: list[TreeItem] = field(default_factory=list)
    linked: bool = True
    reasons: str = ""


def build_tree(
    plan: Plan,
    *,
    visible: set[int] | None = None,
    only: str | None = None,
    max_depth: int | None = None,
    public: bool = False,
) -> list[TreeItem]:
    """The plan's nodes as a tree, in three queries whatever the size.

    ``visible`` (None: all) marks which nodes link to their page; others are
    kept only as the path to a visible node.  ``only`` keeps nodes of one
    colour and their ancestors.
    """
    qs = PlanNode.objects.filter(plan=plan).order_by("position", "id")
    if public:
        qs = qs.filter(public=True).only(
            "id", "parent_id", "kind", "number", "heading", "text", "progress", "status", "planned_start",
            "planned_end", "weight", "code", "position",
        )  # fmt: skip
    nodes = list(qs)
    units: dict[int, list[tuple[str, str]]] = {}
    for nid, name, role in (
        NodeUnit.objects.filter(node__plan=plan)
        .order_by("role", "unit__code")
        .values_list("node_id", "unit__name", "role")
    ):
        units.setdefault(nid, []).append((name, role))
    items = {
        n.pk: TreeItem(
            n, units.get(n.pk, []), reasons=reason_text(n.colour_reasons) if not public else ""
        )
        for n in nodes
    }
    roots: list[TreeItem] = []
    for n in nodes:
        item = items[n.pk]
        item.linked = visible is None or n.pk in visible
        parent = items.get(n.parent_id) if n.parent_id else None
        if n.parent_id and parent is None:
            continue  # under a hidden (non-public) node
        (parent.children if parent else roots).append(item)

    def keep(item: TreeItem, depth: int) -> bool:
        item.children = [c for c in item.children if keep(c, depth + 1)]
        if max_depth is not None and depth >= max_depth:
            item.children = []
        own = (visible is None or item.node.pk in visible) and (
            only is None or item.node.colour == only
        )
        return own or bool(item.children)

    return [r for r in roots if keep(r, 0)]


def _colour_counts(plan: Plan) -> dict[str, int]:
    counts = {c.value: 0 for c in domain.Colour}
    for row in (
        PlanNode.objects.filter(plan=plan, weight__gt=0).values("colour").annotate(n=Count("id"))
    ):
        counts[row["colour"]] = row["n"]
    return counts


# --- index and import -------------------------------------------------------------------
@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_plans(request)
    plans = list(access.visible_plans(request.user).order_by("-created_at"))
    user = request.user
    return render(
        request,
        "plans/index.html",
        {
            "plans": plans,
            "can_import": access.can_import(user),
            "can_supervise": access.can_supervise(user),
            "can_assess": access.can_assess(user),
            "pending_reports": access.visible_reports(user)
            .filter(status=ProgressReport.ReportStatus.SUBMITTED)
            .count()
            if access.can_supervise(user)
            else None,
            "open_notices": access.visible_notices(user)
            .filter(status=SupervisionNotice.NoticeStatus.OPEN)
            .count(),
        },
    )


def _read_upload(form: ImportUploadForm) -> tuple[str | bytes, str]:
    upload = form.cleaned_data.get("file")
    if upload:
        return upload.read(), upload.name
    return form.cleaned_data["text"], ""


@login_required
def import_plan(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing saved) → confirm (saved)."""
    if not access.can_import(request.user):
        raise Http404
    upload = ImportUploadForm()
    confirm = None
    preview = None
    if request.method == "POST" and request.POST.get("step") == "confirm":
        confirm = ImportConfirmForm(request.POST, unit_names=_posted_names(request))
        if confirm.is_valid():
            data = confirm.cleaned_data
            try:
                result = actions.plan_import(
                    actor=request.user,
                    path_or_text=data["source_text"],
                    filename=data["filename"] or None,
                    commit=True,
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    report_frequency=data["report_frequency"],
                    unit_map=confirm.unit_map(),
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                assert result.plan is not None
                messages.success(
                    request, _("Plan imported: %(n)d nodes.") % {"n": len(result.preview.nodes)}
                )
                return redirect("plans:plan", pk=result.plan.pk)
        # Show the preview again with the errors.
        try:
            preview = actions.plan_import(
                actor=request.user,
                path_or_text=request.POST.get("source_text", ""),
                filename=request.POST.get("filename") or None,
                unit_map=confirm.unit_map(),
            ).preview
        except ValidationError:
            preview = None
    elif request.method == "POST":
        upload = ImportUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            source, name = _read_upload(upload)
            try:
                result = actions.plan_import(
                    actor=request.user, path_or_text=source, filename=name or None
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                preview = result.preview
                names = list(preview.units)
                initial = {
                    "source_text": result.text,
                    "filename": result.filename,
                    "title": preview.title,
                    "start": preview.start,
                    "end": preview.end,
                    "report_frequency": Plan.FrequencyChoices.MONTHLY,
                }
                for i, nm in enumerate(names):
                    match = preview.units[nm]
                    initial[f"unit_name_{i}"] = nm
                    initial[f"unit_{i}"] = str(match.unit_id) if match.unit_id else ""
                confirm = ImportConfirmForm(initial=initial, unit_names=names)
    return render(
        request,
        "plans/import.html",
        {"upload": upload, "confirm": confirm, "preview": preview},
    )


def _posted_names(request: HttpRequest) -> list[str]:
    names = []
    i = 0
    while f"unit_name_{i}" in request.POST:
        names.append(request.POST[f"unit_name_{i}"])
        i += 1
    return names


# --- plan --------------------------------------------------------------------------
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    only = request.GET.get("only")
    if only not in domain.Colour.__members__.values():
        only = None
    visible = access.visible_node_ids(request.user, plan)
    tree = build_tree(plan, visible=visible, only=only)
    supervise = access.can_supervise(request.user)
    unmatched: dict[str, int] = {}
    if supervise:
        for entries in plan.nodes.exclude(unmatched_units=[]).values_list(
            "unmatched_units", flat=True
        ):
            for e in entries:
                unmatched[e["name"]] = unmatched.get(e["name"], 0) + 1
    return render(
        request,
        "plans/plan.html",
        {
            "plan": plan,
            "tree": tree,
            "only": only,
            "counts": _colour_counts(plan),
            "can_supervise": supervise,
            "can_assess": access.can_assess(request.user),
            "reads_all": access.reads_all(request.user),
            "unmatched": [
                (name, n, ResolveUnitForm(initial={"name": name}))
                for name, n in sorted(unmatched.items())
            ],
        },
    )


@login_required
def plan_settings(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk, for_change=True)
    form = PlanSettingsForm(request.POST or None, instance=Plan.objects.get(pk=plan.pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.plan_update(
                actor=request.user, plan=plan, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("plans:plan", pk=plan.pk)
    return render(request, "plans/settings.html", {"plan": plan, "form": form})


@login_required
@require_POST
def resolve_unit_name(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk, for_change=True)
    form = ResolveUnitForm(request.POST)
    if form.is_valid():
        n = actions.plan_resolve_unit_name(
            actor=request.user,
            plan=plan,
            name=form.cleaned_data["name"],
            unit=form.cleaned_data["unit"],
        )
        messages.success(
            request,
            _("%(n)d tasks assigned to %(unit)s.")
            % {"n": n, "unit": form.cleaned_data["unit"].name},
        )
    return redirect("plans:plan", pk=plan.pk)


# --- node -------------------------------------------------------------------------
def _history_chart(
    node: PlanNode, history: list[NodeHistory], schedule: tuple[date | None, date | None]
):
    """Planned (expected) beside actual progress of one node, from its first record to today."""
    if not history:
        return None
    end = timezone.localdate()
    start = timezone.localdate(history[0].at)
    if schedule[0] and schedule[0] < start:
        start = schedule[0]
    if (end - start).days < 7:
        start = end - timedelta(days=7)
    days = domain.sample_days(start, end, 30)
    points = [(timezone.localdate(h.at), float(h.progress)) for h in history]
    cal = actions.working_calendar()
    expected = [domain.expected_progress(schedule[0], schedule[1], d, cal)[0] for d in days]
    return charts.line_chart(
        [
            charts.Series(_("Planned"), expected, colour="#5f6b7a", dashed=True),
            charts.Series(_("Actual"), domain.series_at(points, days), colour="#1f5fa8"),
        ],
        [d.strftime("%Y-%m") for d in days],
        title=_("Plan and actual progress of %(node)s") % {"node": node},
        chart_id="node-chart",
    )


@login_required
def node_detail(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.access_node(request.user, pk)
    plan = node.plan
    user = request.user
    supervise = access.can_supervise(user)
    unit_id, lead = access.reporting_unit(user, node)
    children = list(node.children.order_by("position"))
    leaf = not any(c.weight > 0 and c.status != domain.Status.CANCELLED for c in children)
    nodes = list(
        PlanNode.objects.filter(plan=plan).only("id", "parent_id", "planned_start", "planned_end")
    )
    schedule = actions.effective_schedules(plan, nodes)[node.pk]
    ancestors = []
    cur = node.parent
    while cur is not None:
        ancestors.append(cur)
        cur = cur.parent
    ancestors.reverse()
    history = list(node.history.select_related("actor").order_by("at", "id"))
    for h in history:
        label = HISTORY_LABELS.get(h.action)
        h.label = label() if label else h.action  # type: ignore[attr-defined]
    report_form = ReportForm(node=node, lead=lead, leaf=leaf) if unit_id is not None else None
    reports = (
        access.visible_reports(user)
        .filter(node=node)
        .select_related("unit", "author", "reviewer")
        .prefetch_related("attachments", "milestones_reached")
    )
    context = {
        "node": node,
        "plan": plan,
        "ancestors": ancestors,
        "children": children,
        "leaf": leaf,
        "schedule": schedule,
        "reasons": reason_text(node.colour_reasons),
        "assignments": list(node.assignments.select_related("unit")),
        "milestones": list(node.milestones.all()),
        "reports": list(reports),
        "notices": list(access.visible_notices(user).filter(node=node).select_related("unit")),
        "history": list(reversed(history)),
        "chart": _history_chart(node, history, schedule),
        "report_form": report_form,
        "reporting_unit": OrgUnit.objects.filter(pk=unit_id).first() if unit_id else None,
        "lead": lead,
        "can_supervise": supervise,
        "is_project": node.kind == PlanNode.Kind.PROJECT,
        "today": timezone.localdate(),
    }
    if supervise:
        lead_link = next((a for a in context["assignments"] if a.role == NodeUnit.Role.LEAD), None)
        context.update(
            assign_form=AssignForm(),
            edit_form=NodeEditForm(instance=node),
            milestone_form=MilestoneForm(),
            notice_form=NoticeForm(
                initial={
                    "unit": lead_link.unit_id if lead_link else None,
                    "working_days": plan.notice_days,
                    "subject": _("Supervision of %(node)s") % {"node": node.heading[:80]},
                }
            ),
        )
    return render(request, "plans/node.html", context)


@login_required
@require_POST
def node_assign(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.access_node(request.user, pk, for_change=True)
    form = AssignForm(request.POST)
    if form.is_valid():
        actions.node_assign_unit(
            actor=request.user,
            node=node,
            unit=form.cleaned_data["unit"],
            role=form.cleaned_data["role"],
            person=form.cleaned_data["person"],
            resolves=form.cleaned_data["resolves"] or None,
        )
        messages.success(
            request, _("%(unit)s is now responsible.") % {"unit": form.cleaned_data["unit"].name}
        )
    else:
        messages.error(request, _("Choose a unit."))
    return redirect("plans:node", pk=node.pk)


@login_required
@require_POST
def node_unassign(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    node = access.access_node(request.user, pk, for_change=True)
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    actions.node_unassign_unit(actor=request.user, node=node, unit=unit)
    return redirect("plans:node", pk=node.pk)


@login_required
@require_POST
def node_edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.access_node(request.user, pk, for_change=True)
    form = NodeEditForm(request.POST, instance=PlanNode.objects.get(pk=node.pk))
    if form.is_valid():
        try:
            actions.node_update(actor=request.user, node=node, **form.changes())
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
    else:
        for field_name, errs in form.errors.items():
            for e in errs:
                messages.error(
                    request,
                    f"{form.fields[field_name].label if field_name in form.fields else ''} {e}",
                )
    return redirect("plans:node", pk=node.pk)


@login_required
@require_POST
def node_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.access_node(request.user, pk, for_change=True)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        milestone = None
        if request.POST.get("milestone"):
            milestone = node.milestones.filter(pk=request.POST["milestone"]).first()
            if milestone is None:
                raise Http404
        actions.milestone_save(
            actor=request.user, node=node, milestone=milestone, **form.cleaned_data
        )
        messages.success(request, _("Milestone saved."))
    else:
        messages.error(request, _("A milestone needs a title and a due date."))
    return redirect("plans:node", pk=node.pk)


@login_required
@require_POST
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.access_node(request.user, pk)
    unit_id, lead = access.reporting_unit(request.user, node)
    if unit_id is None:
        raise PermissionDenied(_("Your unit is not responsible for this task."))
    leaf = not node.children.filter(weight__gt=0).exclude(status=domain.Status.CANCELLED).exists()
    form = ReportForm(request.POST, request.FILES, node=node, lead=lead, leaf=leaf)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.progress_report_file(
                actor=request.user,
                node=node,
                text=data["text"],
                period=data["period"],
                figures=actions.parse_figures(data.get("figures") or ""),
                progress=data.get("progress"),
                milestones_reached=[m.pk for m in data.get("milestones") or []],
                files=data.get("attachments") or [],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Report filed."))
    else:
        for field_name, errs in form.errors.items():
            label = form.fields[field_name].label if field_name in form.fields else ""
            for e in errs:
                messages.error(request, f"{label} {e}".strip())
    return redirect("plans:node", pk=node.pk)


# --- reports ------------------------------------------------------------------------
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_plans(request)
    status = request.GET.get("status", ProgressReport.ReportStatus.SUBMITTED)
    if status not in ProgressReport.ReportStatus.values:
        status = ProgressReport.ReportStatus.SUBMITTED
    reports = (
        access.visible_reports(request.user)
        .filter(status=status)
        .select_related("node", "plan", "unit", "author")
        .annotate(files=Count("attachments"))
        .order_by("submitted_at", "id")[:500]
    )
    return render(
        request,
        "plans/reviews.html",
        {
            "reports": reports,
            "status": status,
            "statuses": ProgressReport.ReportStatus.choices,
            "can_supervise": access.can_supervise(request.user),
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.access_report(request.user, pk)
    supervise = access.can_supervise(request.user)
    form = None
    if supervise and report.status == ProgressReport.ReportStatus.SUBMITTED:
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                actions.progress_report_review(
                    actor=request.user,
                    report=report,
                    accept=data["decision"] == "accept",
                    mark=int(data["mark"]) if data["mark"] else None,
                    comment=data["comment"],
                    corrected_progress=data["corrected_progress"],
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Review saved."))
                return redirect(reverse("plans:reviews"))
    elif request.method == "POST":
        raise PermissionDenied(_("You may not review reports."))
    return render(
        request,
        "plans/report.html",
        {
            "report": report,
            "form": form,
            "attachments": list(report.attachments.all()),
            "milestones": list(report.milestones_reached.all()),
        },
    )


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    att = ReportAttachment.objects.filter(pk=pk).first()
    if att is None:
        raise Http404
    access.access_report(request.user, att.report_id)
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=att.name)


# --- notices ---------------------------------------------------------------------------
@login_required
@require_POST
def notice_new(request: HttpRequest, pk: int) -> HttpResponse:
    node = access.access_node(request.user, pk, for_change=True)
    form = NoticeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            notice = actions.notice_issue(
                actor=request.user,
                node=node,
                unit=data["unit"],
                subject=data["subject"],
                text=data["text"],
                working_days=data["working_days"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Notice %(n)s issued.") % {"n": notice.number})
            return redirect("plans:notice", pk=notice.pk)
    else:
        messages.error(request, _("A notice needs a unit, a subject, requirements and a deadline."))
    return redirect("plans:node", pk=node.pk)


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    _require_plans(request)
    status = request.GET.get("status", "")
    qs = access.visible_notices(request.user).select_related("unit", "node", "plan")
    if status in SupervisionNotice.NoticeStatus.values:
        qs = qs.filter(status=status)
    now = timezone.now()
    notices = list(qs.order_by("deadline")[:500])
    for n in notices:
        n.overdue = n.is_overdue(now)
    return render(
        request,
        "plans/notices.html",
        {"notices": notices, "status": status, "statuses": SupervisionNotice.NoticeStatus.choices},
    )


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access.access_notice(request.user, pk)
    user = request.user
    if request.method == "POST":
        what = request.POST.get("action")
        try:
            if what == "respond":
                form = NoticeRespondForm(request.POST)
                if form.is_valid():
                    actions.notice_respond(
                        actor=user, notice=notice, text=form.cleaned_data["text"]
                    )
                    messages.success(request, _("Answer sent."))
                else:
                    messages.error(request, _("Write the answer."))
            elif what in ("close", "escalate"):
                notice = access.access_notice(user, pk, for_change=True)
                form2 = NoticeActionForm(request.POST)
                note = form2.cleaned_data["note"] if form2.is_valid() else ""
                if what == "close":
                    actions.notice_close(actor=user, notice=notice, comment=note)
                    messages.success(request, _("Notice closed."))
                else:
                    actions.notice_escalate(actor=user, notice=notice, reason=note)
                    messages.success(request, _("Notice escalated."))
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("plans:notice", pk=notice.pk)
    now = timezone.now()
    return render(
        request,
        "plans/notice.html",
        {
            "notice": notice,
            "overdue": notice.is_overdue(now),
            "can_answer": access.can_answer(user, notice),
            "can_supervise": access.can_supervise(user),
            "respond_form": NoticeRespondForm(),
            "action_form": NoticeActionForm(),
            "events": _events(notice),
        },
    )


EVENT_LABELS: dict[str, Callable[[], str]] = {
    "issued": lambda: _("Issued"),
    "answered": lambda: _("Answered"),
    "closed": lambda: _("Closed"),
    "escalated": lambda: _("Escalated"),
}


def _events(notice: SupervisionNotice) -> list[dict[str, Any]]:
    levels = dict(SupervisionNotice.Level.choices)
    out = []
    for e in notice.events:
        try:
            when = datetime.fromisoformat(e["at"])
        except (KeyError, ValueError):
            when = None
        label = EVENT_LABELS.get(e.get("event", ""))
        out.append(
            {
                **e,
                "when": when,
                "label": label() if label else e.get("event", ""),
                "level_label": levels.get(e.get("level"), ""),
            }
        )
    return out


# --- due list ------------------------------------------------------------------------
@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    _require_plans(request)
    user = request.user
    plans = list(access.visible_plans(user).filter(status=Plan.PlanStatus.ACTIVE))
    unit_ids: set[int] | None
    chosen = None
    if access.reads_all(user):
        unit_ids = None
        raw = request.GET.get("unit", "")
        if raw.isdigit():
            chosen = int(raw)
            unit_ids = {chosen}
    else:
        unit_ids = access.user_unit_ids(user)
    rows = due_rows(plans, unit_ids=unit_ids)
    units = []
    if access.reads_all(user):
        units = list(
            OrgUnit.objects.filter(plan_assignments__node__plan__in=plans)
            .distinct()
            .order_by("code")
            .values_list("pk", "name")
        )
    return render(
        request,
        "plans/due.html",
        {"groups": by_unit(rows), "units": units, "chosen": chosen, "total": len(rows)},
    )


# --- assessment and leaders -------------------------------------------------------------
@login_required
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    if not access.can_assess(request.user):
        raise Http404
    today = timezone.localdate()
    initial = {"start": date(today.year, 1, 1), "end": today}
    form = AssessmentForm(request.GET or None, plan=plan, initial=initial)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = assess(plan, data["start"], data["end"], rule=data["rule"])
    elif not form.is_bound:
        result = assess(plan, initial["start"], initial["end"])
    if result is not None and request.GET.get("format") == "xlsx":
        response = HttpResponse(assessment_xlsx(result), content_type=XLSX)
        name = f"assessment-{plan.pk}-{result.start:%Y%m%d}-{result.end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if result is not None and request.GET.get("format") == "json":
        return JsonResponse(result.to_dict(), json_dumps_params={"ensure_ascii": False})
    query = request.GET.copy()
    query["format"] = "xlsx"
    if not form.is_bound:
        query.update({"start": initial["start"].isoformat(), "end": initial["end"].isoformat()})
    return render(
        request,
        "plans/assessment.html",
        {"plan": plan, "form": form, "result": result, "xlsx_query": query.urlencode()},
    )


def work_areas(plan: Plan) -> list[PlanNode]:
    areas = list(
        PlanNode.objects.filter(plan=plan, kind=PlanNode.Kind.AREA, weight__gt=0).order_by(
            "position"
        )
    )
    if not areas:
        areas = list(
            PlanNode.objects.filter(plan=plan, parent__isnull=True, weight__gt=0).order_by(
                "position"
            )
        )
    return areas


def areas_chart(plan: Plan, areas: list[PlanNode]):
    if not areas:
        return None
    history: dict[int, list[tuple[date, float]]] = {a.pk: [] for a in areas}
    for nid, at, progress in (
        NodeHistory.objects.filter(node__in=areas)
        .order_by("at", "id")
        .values_list("node_id", "at", "progress")
    ):
        history[nid].append((timezone.localdate(at), float(progress)))
    firsts = [pts[0][0] for pts in history.values() if pts]
    today = timezone.localdate()
    start = min(firsts) if firsts else today
    if plan.start and plan.start < start:
        start = plan.start
    end = max(today, start + timedelta(days=7))
    days = domain.sample_days(start, end, 36)
    cal = actions.working_calendar()
    series = [
        charts.Series(_("Plan (expected)"), [domain.expected_progress(plan.start, plan.end, d, cal)[0] for d in days],
                      colour="#5f6b7a", dashed=True)
    ]  # fmt: skip
    for a in areas:
        series.append(
            charts.Series(f"{a.number}{a.heading}", domain.series_at(history[a.pk], days))
        )
    return charts.line_chart(
        series,
        [d.strftime("%Y-%m") for d in days],
        title=_("Progress of the work areas over time"),
        chart_id="areas-chart",
    )


@login_required
def leaders(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    if not access.reads_all(request.user):
        raise Http404
    areas = work_areas(plan)
    return render(
        request,
        "plans/leaders.html",
        {
            "plan": plan,
            "counts": _colour_counts(plan),
            "areas": areas,
            "chart": areas_chart(plan, areas),
            "tree": build_tree(plan, max_depth=2),
            "open_notices": plan.notices.filter(status=SupervisionNotice.NoticeStatus.OPEN).count(),
            "pending_reports": plan.reports.filter(
                status=ProgressReport.ReportStatus.SUBMITTED
            ).count(),
        },
    )


# --- project table ----------------------------------------------------------------------
@login_required
def projects_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk)
    if not access.reads_all(request.user):
        raise Http404
    response = HttpResponse(actions.projects_export_xlsx(plan=plan), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="projects-{plan.pk}.xlsx"'
    return response


@login_required
def projects_import(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.access_plan(request.user, pk, for_change=True)
    form = ProjectsImportForm(request.POST or None, request.FILES or None)
    report = None
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            report = actions.projects_import_xlsx(
                actor=request.user,
                plan=plan,
                file=form.cleaned_data["file"],
                commit=form.cleaned_data["commit"],
            )
        except ProjectImportError as exc:
            errors = exc.row_errors
        except ProjectFileError as exc:
            errors = exc.messages
        else:
            if report.committed:
                messages.success(
                    request,
                    _("%(c)d new, %(u)d updated, %(s)d unchanged projects saved.")
                    % {
                        "c": len(report.created),
                        "u": len(report.updated),
                        "s": len(report.unchanged),
                    },
                )
                return redirect("plans:plan", pk=plan.pk)
    return render(
        request,
        "plans/projects_import.html",
        {"plan": plan, "form": form, "report": report, "errors": errors},
    )


# --- public page --------------------------------------------------------------------------
def public_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """What the plan's publicity section asks for: tree, progress, milestones; nothing internal."""
    plan = access.access_public_plan(pk)
    tree = build_tree(plan, public=True)
    milestones: dict[int, list] = {}
    from .models import Milestone

    for m in Milestone.objects.filter(node__plan=plan, node__public=True).order_by("due"):
        milestones.setdefault(m.node_id, []).append(m)

    def attach(items: list[TreeItem]) -> None:
        for it in items:
            it.milestones = milestones.get(it.node.pk, [])  # type: ignore[attr-defined]
            it.units = [(name, role) for name, role in it.units]
            attach(it.children)

    attach(tree)
    return render(
        request, "plans/public.html", {"plan": plan, "tree": tree, "today": timezone.localdate()}
    )
