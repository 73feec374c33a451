"""Named actions of action-plan supervision, the clock handlers and the command line."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from tests.test_plans_domain import StubDeadline, StubDoc, StubNode
from zhili.core.models import AuditEntry
from zhili.plans import actions
from zhili.plans.assessment import assess, assessment_xlsx
from zhili.plans.models import (
    Milestone,
    NodeHistory,
    NodeUnit,
    Plan,
    PlanNode,
    ProgressReport,
    SupervisionNotice,
)
from zhili.plans.projects import ProjectImportError

TZ = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parent / "data" / "plans"
GAOMING = DATA / "gaoming.txt"


def at(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def gaoming(office_sun) -> Plan:
    result = actions.plan_import(actor=office_sun, path_or_text=GAOMING, commit=True)
    return result.plan


@pytest.fixture
def zjj_handler(make_user, org):
    return make_user("wu.zhujian", "handler", org_unit=org["zjj"], first_name="吴住建")


@pytest.fixture
def cgj_leader(make_user, org):
    return make_user("he.chengguan", "dept_leader", org_unit=org["cgj"], first_name="何城管")


def node(plan: Plan, code: str) -> PlanNode:
    return PlanNode.objects.get(plan=plan, code=code)


# --- import ------------------------------------------------------------------------
def test_preview_saves_nothing(office_sun):
    result = actions.plan_import(actor=office_sun, path_or_text=GAOMING)
    assert not result.committed and result.plan is None
    assert result.preview.title == "佛山市高明区城市治理三年行动计划"
    assert len(result.preview.nodes) == 93
    assert (
        Plan.objects.count() == 0
        and PlanNode.objects.count() == 0
        and AuditEntry.objects.count() == 0
    )


def test_import_gaoming(gaoming, office_sun):
    plan = gaoming
    assert (plan.doc_number, plan.issued_on) == ("明府字〔2017〕37号", date(2017, 8, 7))
    assert (plan.start, plan.end) == (date(2017, 8, 7), date(2019, 12, 31))  # "2017年至2019年"
    assert plan.nodes.count() == 93
    assert [(n.code, n.weight) for n in plan.nodes.filter(parent=None).order_by("position")] == [
        ("1", 0), ("2", 0), ("3", 1), ("4", 1),
    ]  # fmt: skip
    area = node(plan, "3.1")
    assert (area.kind, area.number, area.heading) == ("area", "（一）", "规划建设科学化")
    assert [c.code for c in area.children.order_by("position")] == [
        "3.1.1",
        "3.1.2",
        "3.1.3",
        "3.1.4",
    ]
    # Every node starts its history at the import; the plan ran to 2019, so all is red now.
    assert NodeHistory.objects.filter(node__plan=plan, action="import").count() == 93
    assert plan.colour == "red" and node(plan, "3.1.4").colour == "red"
    assert node(plan, "1").colour == "grey"
    # The document names two bodies that are not organisation units: kept for review.
    assert node(plan, "4.1").unmatched_units == [
        {"name": "区城市治理工作领导小组", "role": "lead"}, {"name": "领导小组办公室", "role": "lead"},
    ]  # fmt: skip
    entry = AuditEntry.objects.get(action="plans.plan_import")
    assert entry.actor == office_sun and entry.object_id == str(plan.pk)


def test_preview_of_the_huizhou_article(office_sun):
    p = actions.plan_import(actor=office_sun, path_or_text=DATA / "huizhou.txt").preview
    assert p.title.startswith("融深行动方案35条之品质城市")
    planning = next(n for n in p.nodes if n.heading == "城市规划")
    assert (planning.kind, planning.planned_end, planning.lead_units) == (
        "keyword",
        date(2022, 3, 31),
        ["市自然资源局"],
    )
    assert "市自然资源局" in p.unmatched  # the demo organisation has no such unit
    volunteers = next(n for n in p.nodes if n.heading == "文明形象")
    assert volunteers.targets[0]["text"] == "达122万人"
    assert Plan.objects.count() == 0


def test_import_errors_save_nothing(office_sun):
    with pytest.raises(actions.PlanImportError):
        actions.plan_import(actor=office_sun, path_or_text="   ", commit=True)
    with pytest.raises(actions.PlanImportError):
        actions.plan_import(
            actor=office_sun, path_or_text="一段没有编号的文字。\n第二行。", commit=True
        )
    with pytest.raises(actions.PlanImportError):
        actions.plan_import(
            actor=office_sun,
            path_or_text=GAOMING,
            commit=True,
            start=date(2019, 1, 1),
            end=date(2018, 1, 1),
        )
    assert Plan.objects.count() == 0


def test_only_the_supervision_group_imports(handler_chen, leader_zhou):
    for user in (handler_chen, leader_zhou):
        with pytest.raises(PermissionDenied):
            actions.plan_import(actor=user, path_or_text=GAOMING)


def stub_plan(monkeypatch, office_sun, org, **kw) -> Plan:
    """A small plan from a stub of the parser's output (units, deadlines)."""
    from zhili.plans import parser

    doc = StubDoc(
        title="示范区城市治理行动计划",
        nodes=[
            StubNode("section", "一、", "重点任务", children=[
                StubNode("task", "1.", "编制规划", level=2, lead_units=["区住建局"], supporting_units=["区城管执法局", "区规划委"],
                         deadlines=[StubDeadline("2026年3月底前", date(2026, 3, 31)), StubDeadline("2026年6月底前", date(2026, 6, 30))]),
                StubNode("task", "2.", "违建整治", level=2, lead_units=["区城管执法局"],
                         deadlines=[StubDeadline("2026年6月底前", date(2026, 6, 30))]),
            ]),
        ],
    )  # fmt: skip
    monkeypatch.setattr(parser, "parse_plan", lambda text, today=None: doc)
    kw.setdefault("start", date(2026, 1, 1))
    kw.setdefault("end", date(2026, 12, 31))
    return actions.plan_import(actor=office_sun, path_or_text="（桩）", commit=True, **kw).plan


def test_import_assigns_matched_units_and_makes_milestones(monkeypatch, office_sun, org):
    plan = stub_plan(monkeypatch, office_sun, org, unit_map={"区城管执法局": None})
    t1, t2 = node(plan, "1.1"), node(plan, "1.2")
    assert {(a.unit.code, a.role) for a in t1.assignments.all()} == {("ZJJ", "lead")}
    assert t1.unmatched_units == [
        {"name": "区城管执法局", "role": "support"},
        {"name": "区规划委", "role": "support"},
    ]
    assert t1.planned_end == date(2026, 6, 30)
    assert [(m.due, m.title) for m in t1.milestones.all()] == [
        (date(2026, 3, 31), "2026年3月底前"), (date(2026, 6, 30), "2026年6月底前"),
    ]  # fmt: skip
    assert (
        t2.assignments.count() == 0 and t2.milestones.count() == 0
    )  # one date: the end, no milestone
    # Resolving the name once assigns the unit wherever the document used it.
    assert (
        actions.plan_resolve_unit_name(
            actor=office_sun, plan=plan, name="区城管执法局", unit=org["cgj"]
        )
        == 2
    )
    assert {(a.node.code, a.role) for a in NodeUnit.objects.filter(unit=org["cgj"])} == {
        ("1.1", "support"),
        ("1.2", "lead"),
    }
    assert node(plan, "1.1").unmatched_units == [{"name": "区规划委", "role": "support"}]


# --- units and reports --------------------------------------------------------------------
def test_assign_unit_and_resolve_a_name(gaoming, office_sun, org, handler_chen):
    n = node(gaoming, "4.1")
    link = actions.node_assign_unit(
        actor=office_sun, node=n, unit=org["office"], resolves="领导小组办公室"
    )
    assert link.role == "lead"
    n.refresh_from_db()
    assert n.unmatched_units == [{"name": "区城市治理工作领导小组", "role": "lead"}]
    assert NodeHistory.objects.filter(node=n, action="assign").count() == 1
    assert AuditEntry.objects.filter(action="plans.node_assign_unit", object_id=str(n.pk)).exists()
    # Same unit again as supporting: the role changes, no duplicate.
    actions.node_assign_unit(actor=office_sun, node=n, unit=org["office"], role="support")
    assert NodeUnit.objects.get(node=n).role == "support"
    with pytest.raises(PermissionDenied):
        actions.node_assign_unit(actor=handler_chen, node=n, unit=org["cgj"])


def test_report_sets_progress_and_rolls_up(gaoming, office_sun, org, zjj_handler):
    leaf = node(gaoming, "3.1.4")  # 深入推进城市更新三年行动计划: no sub-tasks
    actions.node_assign_unit(actor=office_sun, node=leaf, unit=org["zjj"])
    report = actions.progress_report_file(
        actor=zjj_handler,
        node=leaf,
        text="三洲旧区改造完成。",
        figures={"完成投资（万元）": 1200},
        progress=100,
        files=[SimpleUploadedFile("现场照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")],
        now=at(2026, 11, 23),
    )
    assert (report.period, report.unit_id, report.progress, report.late) == (
        "2026-11",
        org["zjj"].pk,
        100,
        False,
    )
    assert report.attachments.get().name == "现场照片.jpg"
    leaf.refresh_from_db()
    assert (leaf.progress, leaf.status, leaf.colour, leaf.actual_end) == (
        100,
        "completed",
        "green",
        date(2026, 11, 23),
    )
    # (一) has four tasks of weight 1: 25.  三、 has eight areas: 3.125.
    # The plan: 三、 and 四、 (一、二、 are not tracked): 1.5625.
    assert node(gaoming, "3.1").progress == 25
    assert node(gaoming, "3").progress == Decimal("3.13")
    gaoming.refresh_from_db()
    assert gaoming.progress == Decimal("1.56")
    assert NodeHistory.objects.filter(node=leaf, action="report").get().progress == 100
    assert (
        NodeHistory.objects.filter(node=node(gaoming, "3.1"), action="rollup").get().progress == 25
    )


def test_report_rules(gaoming, office_sun, org, zjj_handler, cgj_leader, handler_chen):
    parent = node(gaoming, "3.1.1")  # has 一是/二是
    leaf = node(gaoming, "3.1.4")
    actions.node_assign_unit(actor=office_sun, node=node(gaoming, "3.1"), unit=org["zjj"])
    actions.node_assign_unit(actor=office_sun, node=leaf, unit=org["cgj"], role="support")
    now = at(2026, 11, 23)
    # Not responsible (handler_chen is of 城管执法局, which supports 3.1.4 only).
    with pytest.raises(PermissionDenied):
        actions.progress_report_file(actor=handler_chen, node=parent, text="x", now=now)
    # A supporting unit reports text, not progress.
    with pytest.raises(ValidationError):
        actions.progress_report_file(
            actor=cgj_leader, node=leaf, text="配合完成", progress=50, now=now
        )
    actions.progress_report_file(actor=cgj_leader, node=leaf, text="配合完成", now=now)
    # A task with sub-tasks takes its progress from them (the area's unit reports under it).
    with pytest.raises(ValidationError):
        actions.progress_report_file(actor=zjj_handler, node=parent, text="x", progress=50, now=now)
    with pytest.raises(ValidationError):
        actions.progress_report_file(
            actor=zjj_handler, node=leaf, text="x", period="2026-12", now=now
        )
    late = actions.progress_report_file(
        actor=zjj_handler, node=leaf, text="补报九月", period="2026-09", progress=30, now=now
    )
    assert late.late and late.due_on == date(
        2026, 10, 13
    )  # five working days after September, past 国庆节
    with pytest.raises(ValidationError):
        actions.progress_report_file(actor=zjj_handler, node=leaf, text="  ", now=now)


def test_reported_milestones_are_reached(monkeypatch, office_sun, org, zjj_handler):
    plan = stub_plan(monkeypatch, office_sun, org)
    t1 = node(plan, "1.1")
    first = t1.milestones.first()
    actions.progress_report_file(
        actor=zjj_handler,
        node=t1,
        text="规划初稿完成",
        progress=40,
        milestones_reached=[first.pk],
        now=at(2026, 3, 20),
    )
    first.refresh_from_db()
    assert first.done_on == date(2026, 3, 20)
    other = Milestone.objects.exclude(node=t1).first() or Milestone.objects.create(
        node=node(plan, "1.2"), title="x", due=date(2026, 5, 1)
    )
    with pytest.raises(ValidationError):
        actions.progress_report_file(
            actor=zjj_handler, node=t1, text="y", milestones_reached=[other.pk], now=at(2026, 3, 21)
        )


def test_review(gaoming, office_sun, org, zjj_handler, leader_zhou):
    leaf = node(gaoming, "3.1.4")
    actions.node_assign_unit(actor=office_sun, node=leaf, unit=org["zjj"])
    report = actions.progress_report_file(actor=zjj_handler, node=leaf, text="完成", progress=100)
    with pytest.raises(PermissionDenied):
        actions.progress_report_review(actor=leader_zhou, report=report, accept=True, mark=90)
    with pytest.raises(ValidationError):
        actions.progress_report_review(
            actor=office_sun, report=report, accept=False
        )  # a reason is needed
    actions.progress_report_review(
        actor=office_sun,
        report=report,
        accept=False,
        mark=40,
        comment="无现场照片，进度不实",
        corrected_progress=60,
    )
    report.refresh_from_db()
    assert (report.status, report.quality_mark, report.reviewer) == ("returned", 40, office_sun)
    leaf.refresh_from_db()
    assert (leaf.progress, leaf.status) == (60, "in_progress")
    with pytest.raises(ValidationError):
        actions.progress_report_review(actor=office_sun, report=report, accept=True, mark=90)


# --- notices ------------------------------------------------------------------------
def test_notice_lifecycle(gaoming, office_sun, org, cgj_leader, zjj_handler):
    leaf = node(gaoming, "3.1.4")
    actions.node_assign_unit(actor=office_sun, node=leaf, unit=org["cgj"])
    issued = at(2026, 9, 30)
    n = actions.notice_issue(
        actor=office_sun,
        node=leaf,
        subject="加快旧区改造",
        text="十月中旬前报送整改情况。",
        now=issued,
    )
    assert n.number == "督办〔2026〕1号" and n.unit == org["cgj"] and n.level == 1
    assert n.deadline == datetime(2026, 10, 13, 17, 30, tzinfo=TZ)  # five working days past 国庆节
    second = actions.notice_issue(
        actor=office_sun, node=leaf, subject="再督办", text="…", working_days=1, now=issued
    )
    assert second.number == "督办〔2026〕2号"
    with pytest.raises(PermissionDenied):
        actions.notice_respond(actor=zjj_handler, notice=n, text="不是我们")
    actions.notice_respond(actor=cgj_leader, notice=n, text="已完成整改。", now=at(2026, 10, 9))
    n.refresh_from_db()
    assert (n.status, n.responded_by) == ("answered", cgj_leader)
    # Not satisfied: escalated, open again with a new deadline.
    actions.notice_escalate(actor=office_sun, notice=n, reason="整改不到位", now=at(2026, 10, 12))
    n.refresh_from_db()
    assert (n.level, n.status) == (2, "open") and n.deadline == datetime(
        2026, 10, 19, 17, 30, tzinfo=TZ
    )
    assert [e["event"] for e in n.events] == ["issued", "answered", "escalated"]
    actions.notice_close(actor=office_sun, notice=n)
    with pytest.raises(ValidationError):
        actions.notice_escalate(actor=office_sun, notice=n)


def test_overdue_notices_escalate_once_per_deadline(gaoming, office_sun, org):
    leaf = node(gaoming, "3.1.4")
    n = actions.notice_issue(
        actor=office_sun,
        node=leaf,
        unit=org["cgj"],
        subject="s",
        text="t",
        working_days=1,
        now=at(2026, 11, 2),
    )
    assert n.deadline == datetime(2026, 11, 3, 17, 30, tzinfo=TZ)
    assert actions.notices_escalate_overdue(now=at(2026, 11, 3, 17)) == {
        "escalated": 0,
        "overdue_at_highest_level": 0,
    }
    assert actions.notices_escalate_overdue(now=at(2026, 11, 4)) == {
        "escalated": 1,
        "overdue_at_highest_level": 0,
    }
    n.refresh_from_db()
    # Five working days from Wednesday 4 November: 5, 6, 9, 10, 11 November.
    assert n.level == 2 and n.deadline == datetime(2026, 11, 11, 17, 30, tzinfo=TZ)
    assert (
        actions.notices_escalate_overdue(now=at(2026, 11, 11))["escalated"] == 0
    )  # new deadline not passed
    actions.notices_escalate_overdue(now=at(2026, 11, 12))
    n.refresh_from_db()
    assert n.level == 3
    assert actions.notices_escalate_overdue(now=at(2026, 11, 30)) == {
        "escalated": 0,
        "overdue_at_highest_level": 1,
    }
    assert AuditEntry.objects.filter(action="plans.notice_escalate", actor=None).count() == 2


def test_issue_needs_a_unit(gaoming, office_sun):
    with pytest.raises(ValidationError):
        actions.notice_issue(actor=office_sun, node=node(gaoming, "3.1.4"), subject="s", text="t")


# --- warnings over time ---------------------------------------------------------------
def test_time_alone_changes_the_colour(gaoming, office_sun):
    leaf = node(gaoming, "3.1.4")
    actions.node_update(
        actor=office_sun,
        node=leaf,
        planned_start=date(2026, 3, 2),
        planned_end=date(2026, 3, 13),
        progress=45,
    )
    # 6 March: 50% expected, 45% done: green.  16 March: past its end: red.
    assert actions.plans_recompute_all(now=at(2026, 3, 6))["plans"] == 1
    leaf.refresh_from_db()
    assert (leaf.colour, leaf.expected) == ("green", 50)
    assert (
        actions.plans_recompute_all(now=at(2026, 3, 6, 15))["skipped"] == 1
    )  # once a day is enough
    actions.plans_recompute_all(now=at(2026, 3, 16))
    leaf.refresh_from_db()
    assert leaf.colour == "red" and leaf.colour_reasons == ["overdue"]
    assert list(
        NodeHistory.objects.filter(node=leaf, action="warning").values_list("colour", flat=True)
    ) == ["green", "red"]
    # The area above holds a red task: at least yellow.
    assert node(gaoming, "3.1").colour in ("yellow", "red")


def test_completing_a_task_by_hand_completes_its_progress(gaoming, office_sun):
    leaf = actions.node_update(actor=office_sun, node=node(gaoming, "3.1.4"), status="completed")
    assert (leaf.progress, node(gaoming, "3.1.4").colour, node(gaoming, "3.1").progress) == (
        100,
        "green",
        25,
    )
    with pytest.raises(ValidationError):
        actions.node_update(actor=office_sun, node=node(gaoming, "3.1"), progress=50)


def test_tick_handlers_are_registered(gaoming):
    from zhili.core.ticks import handlers

    names = handlers()
    assert {"plans.warnings", "plans.notices"} <= set(names)
    assert names["plans.warnings"](at(2030, 1, 2))["plans"] == 1


# --- the project table -----------------------------------------------------------------
def project_sheet(rows: list[list], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "项目表"
    ws.append(header or ["项目编号", "项目名称", "上级编号", "规划依据", "用地情况", "总投资（万元）", "资金来源",
                         "已完成投资（万元）", "计划开始", "计划完成", "节点目标", "牵头单位", "配合单位", "责任人", "进度（%）"])  # fmt: skip
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = [
    ["GM-001", "沿江路以东旧区改造", "3.1.4", "高明区城市更新专项规划", "已供地", 5000, "区财政 3000；社会资本 2000", 800,
     "2017-09-01", date(2019, 6, 30), "2018-06-30 开工；2019-06-30 竣工", "区住建局", "荷城街道办", "吴住建", 20],
    ["GM-002", "三洲旧区改造", "3.1.4", "", "征地中", "3,200", "区财政", None, None, "2019-12-31", "", "区住建局", "", "", None],
]  # fmt: skip


def test_projects_import_is_all_or_nothing_and_round_trips(gaoming, office_sun, org, zjj_handler):
    sheet = project_sheet(ROWS)
    checked = actions.projects_import_xlsx(actor=office_sun, plan=gaoming, file=sheet)
    assert (checked.created, checked.committed) == (["GM-001", "GM-002"], False)
    assert not PlanNode.objects.filter(kind="project").exists()
    report = actions.projects_import_xlsx(actor=office_sun, plan=gaoming, file=sheet, commit=True)
    assert report.created == ["GM-001", "GM-002"] and report.committed
    p = node(gaoming, "GM-001")
    assert (p.kind, p.parent.code, p.plan_reference, p.land_status) == (
        "project",
        "3.1.4",
        "高明区城市更新专项规划",
        "已供地",
    )
    assert (p.budget_total, p.amount_spent, p.progress) == (5000, 800, 20)
    assert p.funding_sources == [
        {"source": "区财政", "amount": 3000.0},
        {"source": "社会资本", "amount": 2000.0},
    ]
    assert (p.planned_start, p.planned_end) == (date(2017, 9, 1), date(2019, 6, 30))
    assert [(m.due, m.title) for m in p.milestones.all()] == [
        (date(2018, 6, 30), "开工"),
        (date(2019, 6, 30), "竣工"),
    ]
    assert {(a.unit.code, a.role) for a in p.assignments.all()} == {
        ("ZJJ", "lead"),
        ("ST1", "support"),
    }
    assert (p.responsible_person_name, p.responsible_person) == ("吴住建", zjj_handler)
    assert node(gaoming, "GM-002").budget_total == 3200
    # The task above now rolls up its projects: (20 + 0) / 2.
    assert node(gaoming, "3.1.4").progress == 10
    # Export, import again: nothing changes.
    exported = actions.projects_export_xlsx(plan=gaoming)
    again = actions.projects_import_xlsx(actor=office_sun, plan=gaoming, file=exported, commit=True)
    assert (again.created, again.updated, again.unchanged) == ([], [], ["GM-001", "GM-002"])
    ws = load_workbook(io.BytesIO(exported)).active
    assert (
        ws["A1"].value == "项目编号"
        and ws["A2"].value == "GM-001"
        and ws["H2"].value == "区财政 3000；社会资本 2000"
    )
    # A change to one row updates only it.
    changed = project_sheet(
        [["GM-002", "三洲旧区改造", "3.1.4", "", "已供地"]],
        header=["项目编号", "项目名称", "上级编号", "规划依据", "用地情况"],
    )
    r = actions.projects_import_xlsx(actor=office_sun, plan=gaoming, file=changed, commit=True)
    assert (r.updated, node(gaoming, "GM-002").land_status) == (["GM-002"], "已供地")


def test_projects_import_reports_every_bad_row_and_saves_nothing(gaoming, office_sun, english):
    bad = project_sheet(
        [
            ROWS[0],  # fine on its own
            [
                "GM-003",
                "新项目",
                "9.9",
                "",
                "",
                "很多",
                "",
                None,
                "2019-13-01",
                None,
                "开工",
                "不存在局",
                "",
                "",
                150,
            ],
            ["GM-003", "重复", "3.1.4"],
            ["3.1.1", "改写任务", "3"],
            ["", "无编号"],
        ]
    )
    with pytest.raises(ProjectImportError) as exc:
        actions.projects_import_xlsx(actor=office_sun, plan=gaoming, file=bad, commit=True)
    errors = exc.value.row_errors
    text = "\n".join(errors)
    for needle in (
        "Row 3",
        "9.9",
        "很多",
        "2019-13-01",
        "开工",
        "不存在局",
        "from 0 to 100",
        "Row 4",
        "Row 5",
        "3.1.1",
        "Row 6",
    ):
        assert needle in text, needle
    assert not PlanNode.objects.filter(kind="project").exists()


# --- assessment ---------------------------------------------------------------------------
def test_assessment_of_two_units(monkeypatch, office_sun, org, zjj_handler, cgj_leader):
    plan = stub_plan(
        monkeypatch,
        office_sun,
        org,
        report_frequency="quarterly",
        unit_map={"区城管执法局": org["cgj"].pk},
    )
    t1, t2 = node(plan, "1.1"), node(plan, "1.2")
    # As if imported in January (a report is owed only from the assignment on).
    NodeUnit.objects.filter(node__plan=plan).update(assigned_at=at(2026, 1, 5))
    r1 = actions.progress_report_file(actor=zjj_handler, node=t1, text="初稿", period="2026-Q1", progress=40,
                                      milestones_reached=[t1.milestones.first().pk], now=at(2026, 3, 20))  # fmt: skip
    r2 = actions.progress_report_file(actor=zjj_handler, node=t1, text="完成", period="2026-Q2", progress=100,
                                      milestones_reached=[t1.milestones.last().pk], now=at(2026, 6, 15))  # fmt: skip
    actions.progress_report_review(actor=office_sun, report=r1, accept=True, mark=80)
    actions.progress_report_review(actor=office_sun, report=r2, accept=True, mark=100)
    notice = actions.notice_issue(
        actor=office_sun, node=t2, subject="s", text="t", now=at(2026, 5, 6)
    )
    actions.notice_escalate(actor=office_sun, notice=notice, now=at(2026, 5, 20))
    result = assess(plan, date(2026, 1, 1), date(2026, 6, 30), today=date(2026, 7, 1))
    zjj, cgj = result.scores
    # 住建局: on schedule (100 of 100 expected), both milestones and the end met on
    # time, marks 80 and 100: 100×50 + 100×30 + 90×20 = 98.  Q1 and nothing else
    # was due by 30 June (the Q2 report is due in July): no report missing.
    assert (zjj.name, zjj.rank, zjj.completion, zjj.timeliness, zjj.quality, zjj.score) == (
        "区住建局",
        1,
        100,
        100,
        90,
        98,
    )
    # 城管执法局: nothing done, its Q1 report missing, one escalation: 0.
    assert (cgj.name, cgj.rank, cgj.completion, cgj.timeliness, cgj.quality, cgj.score) == (
        "区城管执法局",
        2,
        0,
        0,
        None,
        0,
    )
    assert (cgj.detail["missing_reports"], cgj.detail["escalations"]) == (1, 1)
    # A unit that took its task on in April owed no report for the first quarter.
    NodeUnit.objects.filter(node=t2).update(assigned_at=at(2026, 4, 10))
    late_start = assess(plan, date(2026, 1, 1), date(2026, 6, 30), today=date(2026, 7, 1)).scores[1]
    assert (late_start.name, late_start.detail["missing_reports"]) == ("区城管执法局", 0)
    # A past period reads progress from history: 40% at the end of March.
    q1 = assess(plan, date(2026, 1, 1), date(2026, 3, 31), today=date(2026, 7, 1))
    from zhili.plans.domain import expected_progress
    from zhili.workcal.clock import default_calendar

    expected, _ = expected_progress(
        date(2026, 1, 1), date(2026, 6, 30), date(2026, 3, 31), default_calendar()
    )
    assert q1.scores[0].completion == pytest.approx(min(100, 100 * 40 / expected), abs=0.01)
    wb = load_workbook(io.BytesIO(assessment_xlsx(result)))
    ws = wb.active
    assert [c.value for c in ws[6]][:3] == [1, "区住建局", 1] and ws[6][11].value == 98


# --- command line -----------------------------------------------------------------------
def run(*args) -> str:
    out = io.StringIO()
    call_command("plans", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_import_json_prints_the_tree_and_saves_nothing(db):
    tree = json.loads(run("import", str(GAOMING), "--format", "json"))
    assert tree["title"] == "佛山市高明区城市治理三年行动计划" and tree["saved_plan_id"] is None
    assert [n["number"] for n in tree["nodes"]] == ["一、", "二、", "三、", "四、"]
    assert tree["nodes"][2]["children"][0]["heading"] == "规划建设科学化"
    assert Plan.objects.count() == 0
    assert "Saved as plan" in run("import", str(GAOMING), "--commit")
    assert Plan.objects.count() == 1


def test_cli_warnings_assess_and_projects(gaoming, office_sun, org, tmp_path):
    actions.node_assign_unit(actor=office_sun, node=node(gaoming, "3.1.4"), unit=org["zjj"])
    out = json.loads(run("warnings", "--format", "json"))
    assert out["plans"][0]["colour"] == "red"
    assert out["units"][0]["unit"] == "区住建局" and out["units"][0]["overdue"]
    ranking = json.loads(
        run("assess", "--from", "2017-08-07", "--to", "2019-12-31", "--format", "json")
    )
    assert ranking["units"][0]["unit"] == "区住建局"
    xlsx = tmp_path / "a.xlsx"
    run("assess", "--from", "2017-08-07", "--to", "2019-12-31", "--format", "xlsx", "-o", str(xlsx))
    assert load_workbook(xlsx).active["B6"].value == "区住建局"
    sheet = tmp_path / "projects.xlsx"
    sheet.write_bytes(project_sheet(ROWS))
    assert "Checked only" in run("import-projects", str(sheet))
    assert not PlanNode.objects.filter(kind="project").exists()
    run("import-projects", str(sheet), "--commit")
    run("export-projects", str(tmp_path / "out.xlsx"))
    assert load_workbook(tmp_path / "out.xlsx").active["A3"].value == "GM-002"


def test_history_keeps_plan_and_actual(gaoming, office_sun, org, zjj_handler):
    leaf = node(gaoming, "3.1.4")
    actions.node_assign_unit(actor=office_sun, node=leaf, unit=org["zjj"])
    start = at(2026, 11, 2)
    for i, pct in enumerate((20, 50, 80)):
        actions.progress_report_file(
            actor=zjj_handler,
            node=leaf,
            text=f"{pct}",
            progress=pct,
            now=start + timedelta(days=7 * i),
        )
    rows = list(
        NodeHistory.objects.filter(node=leaf, action="report").values_list(
            "progress", "expected", "planned_end"
        )
    )
    assert [r[0] for r in rows] == [20, 50, 80]
    assert all(r[1] == 100 and r[2] == date(2019, 12, 31) for r in rows)  # planned: done by 2019
    assert ProgressReport.objects.filter(node=leaf).count() == 3
    assert SupervisionNotice.objects.count() == 0
