"""An action plan for the demo district, so the supervision pages show a
plan being run from the first visit.

The plan is a synthetic document in the form of the Gaoming three-year plan
(notice header, 一、/（一）/1. outline, 一是/二是 items, 牵头单位 notes, "X月底前"
deadlines), dated around today, naming the demo's own units.  It goes in
through the real import path (parser, unit matching, save), then the demo's
unit staff file progress reports over the past months and the governance
office reviews them and issues a supervision notice, all through the named
actions: what a district would have after half a year of use.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from zhili.accounts.models import User

from .models import NodeUnit, Plan, PlanNode

DEMO_SOURCE = "明湖区城市治理三年行动计划（示范）.txt"


def _month(today: date, offset: int) -> tuple[int, int]:
    """(year, month) ``offset`` months from ``today``'s month."""
    k = today.year * 12 + today.month - 1 + offset
    return k // 12, k % 12 + 1


def demo_plan_text(today: date) -> str:
    """The document, dated so that the plan stands the same way whenever the
    demo is loaded: issued eight months ago, one deadline just missed, the
    others ahead."""
    iy, im = _month(today, -8)
    y = iy

    def by(offset: int) -> str:
        yy, mm = _month(today, offset)
        return f"{yy}年{mm}月底前"

    return f"""明湖区人民政府关于印发明湖区城市治理三年行动计划（{y}—{y + 2}年）的通知
明府字〔{y}〕12号
各镇人民政府、街道办事处，区直各单位：
现将《明湖区城市治理三年行动计划（{y}—{y + 2}年）》印发给你们，请认真贯彻执行。
明湖区人民政府
{iy}年{im}月2日
明湖区城市治理三年行动计划（{y}—{y + 2}年）
一、总体目标
到{y + 2}年底，城市运行管理服务平台覆盖区内所有镇（街道），群众对城市管理满意度达到90%以上。
二、工作原则
坚持问题导向，坚持共建共治共享，坚持常态长效。
三、主要任务
（一）提升数字城管水平
1.建设城市运行管理服务平台。{by(2)}完成平台升级，覆盖区内所有镇（街道）。（牵头单位：区城市治理办公室；配合单位：区城市管理和综合执法局）
2.完成单元网格部件普查。{by(8)}完成全区1500个单元网格的部件普查。（牵头单位：区城市管理和综合执法局）
（二）整治市容环境
1.开展占道经营专项整治。一是{by(-2)}清理主干道占道经营；二是建立早晚高峰巡查机制。（牵头单位：区城市管理和综合执法局；配合单位：明湖街道办事处）
2.推进生活垃圾分类。{by(14)}生活垃圾分类覆盖率达到80%以上。（牵头单位：区住房和城乡建设局）
3.整治城乡结合部环境卫生。{by(8)}完成。（由黄岸镇人民政府牵头，高头镇人民政府、山湾镇人民政府配合）
（三）建设十分钟文化圈和志愿服务圈
1.新建志愿服务站5个。{by(2)}建成。（牵头单位：区文化广电旅游体育局）
2.推进自助图书馆建设。{by(14)}每个镇（街道）至少建成1个自助图书馆。（区文化广电旅游体育局负责）
（四）改善交通和排水
1.整治乱停乱放。{by(-1)}完成重点路段整治。（牵头单位：区交通运输局；配合单位：区城市管理和综合执法局）
2.完善排水防涝设施。{by(7)}完成易涝点改造12处。（牵头单位：区水利局；配合单位：区住房和城乡建设局）
四、保障措施
（一）加强组织领导。成立区城市治理工作领导小组，办公室设在区城市治理办公室。
（二）强化督查考核。各项任务完成情况纳入年度绩效考核，每月报送进展。
"""


# (task heading prefix, reporting persona, [(months ago, progress %, text)])
_REPORTS: list[tuple[str, str, list[tuple[int, int, str]]]] = [
    (
        "完成单元网格部件普查",
        "lingdao.cgj",
        [(3, 15, "完成普查方案和外业培训。"), (1, 40, "已普查 600 个单元网格。")],
    ),
    (
        "开展占道经营专项整治",
        "chuzhi.cgj1",
        [(4, 30, "主干道摸排完毕。"), (2, 60, "清理占道摊点 214 处。")],
    ),
    (
        "推进生活垃圾分类",
        "lingdao.zjj",
        [(3, 20, "12 个小区试点分类投放。"), (1, 45, "覆盖率达到 45%。")],
    ),
    ("推进生活垃圾分类", "chuzhi.zjj2", [(0, 55, "新增 8 个小区分类投放点。")]),
]


def _at(today: date, months_ago: int) -> datetime:
    if months_ago == 0:
        return timezone.now()
    day = today - timedelta(days=30 * months_ago)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def load_demo_plan(today: date | None = None) -> Plan | None:
    """Import and run the demo plan; ``None`` when the demo's people are missing."""
    from .actions import (
        notice_issue,
        plan_import,
        progress_report_file,
        progress_report_review,
    )

    today = today or timezone.localdate()
    office = User.objects.filter(username="zhiliban1").first()
    if office is None:
        return None
    result = plan_import(
        actor=office,
        path_or_text=demo_plan_text(today),
        filename=DEMO_SOURCE,
        commit=True,
        report_frequency="monthly",
        today=today,
    )
    plan = result.plan
    tasks = list(plan.nodes.filter(kind="task"))

    def task(prefix: str) -> PlanNode:
        return next(n for n in tasks if n.heading.startswith(prefix))

    for prefix, username, reports in _REPORTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        node = task(prefix)
        # A task split into 一是/二是 items takes its progress from them:
        # the unit reports on the first item.
        node = node.children.order_by("position").first() or node
        for months_ago, progress, text in reports:
            at = _at(today, months_ago)
            report = progress_report_file(
                actor=user, node=node, text=text, progress=progress, now=at
            )
            progress_report_review(
                actor=office,
                report=report,
                accept=True,
                mark=85,
                now=min(at + timedelta(days=2), timezone.now()),
            )
    # The main-road clearance deadline has passed short of the goal: a notice.
    parent = task("开展占道经营专项整治")
    stalls = parent.children.order_by("position").first()
    if stalls is not None and stalls.planned_end and stalls.planned_end < today:
        notice_issue(
            actor=office,
            node=stalls,
            unit=NodeUnit.objects.get(node=parent, role=NodeUnit.Role.LEAD).unit,
            subject="占道经营专项整治逾期督办",
            text="主干道占道经营清理未按期完成，请于期限内报送整改措施和完成时间。",
            working_days=5,
        )
    return plan


def remove_demo_plan() -> None:
    """Before the demo's units and people go (they are protected references)."""
    Plan.objects.filter(source_name=DEMO_SOURCE).delete()
