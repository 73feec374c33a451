"""Roll-up, warnings, periods and assessment on hand-computed cases (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from zhili.plans import domain
from zhili.plans.charts import Series, line_chart
from zhili.plans.domain import (
    AssessmentWeights,
    Colour,
    DueDate,
    MilestoneState,
    Status,
    TaskState,
    TreeNode,
    UnitInput,
)
from zhili.plans.importing import build_preview, match_names, plan_period
from zhili.workcal.clock import build_calendar, library_data

TZ = ZoneInfo("Asia/Shanghai")
# The chinesecalendar schedule (2004-2026), without the database.
CAL = build_calendar(library=library_data())


# --- roll-up ----------------------------------------------------------------------
def test_weighted_mean_of_children_and_plan():
    nodes = [
        TreeNode(1, None, weight=1),  # A
        TreeNode(2, None, weight=2),  # B
        TreeNode(3, None, weight=0, progress=0),  # a section of general requirements
        TreeNode(11, 1, weight=1, progress=30),
        TreeNode(12, 1, weight=3, progress=70),
        TreeNode(21, 2, weight=1, progress=100),
        TreeNode(22, 2, weight=1, progress=0, status=Status.CANCELLED),
    ]
    out = domain.rollup(nodes)
    assert out[1] == pytest.approx((30 * 1 + 70 * 3) / 4)  # 60
    assert out[2] == pytest.approx(100.0)  # the cancelled child does not count
    assert out[None] == pytest.approx((60 * 1 + 100 * 2) / 3)  # 86.67; weight 0 left out
    assert out[11] == 30 and out[12] == 70


def test_parent_with_only_untracked_children_keeps_its_own_progress():
    nodes = [TreeNode(1, None, progress=40), TreeNode(2, 1, weight=0, progress=90)]
    assert domain.rollup(nodes)[1] == 40


def test_leaf_progress_is_clamped_and_deep_trees_do_not_recurse():
    assert domain.rollup([TreeNode(1, None, progress=130)])[1] == 100
    deep = (
        [TreeNode(1, None)]
        + [TreeNode(i, i - 1) for i in range(2, 3000)]
        + [TreeNode(3000, 2999, progress=42)]
    )
    assert domain.rollup(deep)[1] == 42


def test_statuses():
    assert domain.leaf_status(0) == Status.NOT_STARTED
    assert domain.leaf_status(50) == Status.IN_PROGRESS
    assert domain.leaf_status(100) == Status.COMPLETED
    assert domain.leaf_status(100, Status.SUSPENDED) == Status.SUSPENDED
    assert (
        domain.parent_status([Status.COMPLETED, Status.COMPLETED], 100, Status.NOT_STARTED)
        == Status.COMPLETED
    )
    assert (
        domain.parent_status([Status.COMPLETED, Status.NOT_STARTED], 50, Status.NOT_STARTED)
        == Status.IN_PROGRESS
    )
    assert domain.parent_status([Status.NOT_STARTED], 0, Status.IN_PROGRESS) == Status.NOT_STARTED
    assert domain.parent_status([Status.COMPLETED], 100, Status.CANCELLED) == Status.CANCELLED


# --- expected progress on the working calendar ----------------------------------------
def test_expected_progress_counts_working_days():
    # Mon 2 March - Fri 13 March 2026: ten working days; by Fri 6 March five have passed.
    assert domain.expected_progress(date(2026, 3, 2), date(2026, 3, 13), date(2026, 3, 6), CAL) == (
        50.0,
        False,
    )
    assert domain.expected_progress(date(2026, 3, 2), date(2026, 3, 13), date(2026, 3, 1), CAL) == (
        0.0,
        False,
    )
    assert domain.expected_progress(
        date(2026, 3, 2), date(2026, 3, 13), date(2026, 3, 13), CAL
    ) == (100.0, False)
    assert domain.expected_progress(None, date(2026, 3, 13), date(2026, 3, 6), CAL) == (None, False)


def test_expected_progress_skips_the_qingming_holiday():
    # 30 March - 10 April 2026: 5 + 4 working days (Mon 6 April is 清明节).
    # By Mon 6 April (a rest day) five have passed: 5 / 9.
    value, approx = domain.expected_progress(
        date(2026, 3, 30), date(2026, 4, 10), date(2026, 4, 6), CAL
    )
    assert value == pytest.approx(100 * 5 / 9) and not approx


def test_expected_progress_falls_back_to_natural_days_without_calendar_data():
    # 2027 is not in the calendar: 1 Dec 2026 - 31 Jan 2027 is 62 days, 16 passed by 16 Dec.
    value, approx = domain.expected_progress(
        date(2026, 12, 1), date(2027, 1, 31), date(2026, 12, 16), CAL
    )
    assert value == pytest.approx(100 * 16 / 62) and approx


# --- warning colours ---------------------------------------------------------------------
def warn(
    progress,
    today,
    *,
    start=date(2026, 3, 2),
    end=date(2026, 3, 13),
    status=Status.IN_PROGRESS,
    **kw,
):
    return domain.warning(
        progress=progress, status=status, start=start, end=end, today=today, calendar=CAL, **kw
    )


def test_colour_from_schedule_against_progress():
    today = date(2026, 3, 6)  # expected 50
    assert warn(45, today).colour == Colour.GREEN  # 5 points behind
    w = warn(40, today)  # 10 behind: yellow from 10
    assert (w.colour, w.lag, w.reasons) == (Colour.YELLOW, 10.0, ("behind_yellow",))
    assert warn(25, today).colour == Colour.RED  # 25 behind: red from 25
    assert warn(26, today).colour == Colour.YELLOW
    assert warn(80, today).colour == Colour.GREEN  # ahead


def test_past_end_unfinished_is_red_and_completed_is_green():
    w = warn(90, date(2026, 3, 16))
    assert (w.colour, w.reasons) == (Colour.RED, ("overdue",))
    assert warn(100, date(2026, 3, 16)).colour == Colour.GREEN
    assert warn(10, date(2026, 3, 16), status=Status.COMPLETED).colour == Colour.GREEN


def test_thresholds_are_configurable():
    today = date(2026, 3, 6)
    strict = domain.Thresholds(yellow_lag=3, red_lag=8)
    assert warn(45, today, thresholds=strict).colour == Colour.YELLOW
    assert warn(42, today, thresholds=strict).colour == Colour.RED


def test_missed_milestones_in_working_days():
    # Schedule all of April; progress on track, so only the milestone decides.
    kw = {"start": date(2026, 4, 1), "end": date(2026, 5, 29)}
    due = date(2026, 4, 13)  # a Monday
    # 14-17, 20-24, 27 April: ten working days late: still yellow.
    w = warn(60, date(2026, 4, 27), milestones=[MilestoneState(due)], **kw)
    assert (w.colour, w.reasons) == (Colour.YELLOW, ("milestone_missed",))
    # ... and 28 April is the eleventh: red.
    w = warn(60, date(2026, 4, 28), milestones=[MilestoneState(due)], **kw)
    assert (w.colour, w.reasons) == (Colour.RED, ("milestone_missed_long",))
    # Reached, even late, it no longer counts; not yet due, neither.
    assert (
        warn(
            60, date(2026, 4, 28), milestones=[MilestoneState(due, date(2026, 4, 20))], **kw
        ).colour
        == Colour.GREEN
    )
    assert (
        warn(60, date(2026, 4, 13), milestones=[MilestoneState(due)], **kw).colour == Colour.GREEN
    )


def test_a_deadline_without_a_start_still_turns_red():
    assert warn(50, date(2026, 3, 13), start=None).colour == Colour.GREEN
    w = warn(50, date(2026, 3, 16), start=None)
    assert (w.colour, w.reasons, w.expected) == (Colour.RED, ("overdue",), None)


def test_grey_when_not_tracked():
    assert warn(0, date(2026, 3, 6), status=Status.SUSPENDED).colour == Colour.GREY
    assert warn(0, date(2026, 3, 6), weight=0).reasons == ("not_tracked",)
    w = warn(0, date(2026, 3, 6), start=None, end=None)
    assert (w.colour, w.reasons) == (Colour.GREY, ("no_schedule",))
    # Without a schedule a missed milestone still warns.
    w = warn(
        0, date(2026, 3, 6), start=None, end=None, milestones=[MilestoneState(date(2026, 3, 4))]
    )
    assert w.colour == Colour.YELLOW


def test_a_red_child_turns_a_green_parent_yellow():
    green = domain.Warning(Colour.GREEN, 50, 0, ())
    assert domain.with_children(green, [Colour.GREEN, Colour.RED]).colour == Colour.YELLOW
    assert domain.with_children(green, [Colour.YELLOW]).colour == Colour.GREEN
    red = domain.Warning(Colour.RED, 50, 30, ("behind_red",))
    assert domain.with_children(red, [Colour.GREEN]).colour == Colour.RED
    assert domain.worst([Colour.GREY, Colour.YELLOW, Colour.GREEN]) == Colour.YELLOW


# --- due dates and deadlines -----------------------------------------------------------------
def test_due_state_in_working_days():
    fri = date(2026, 3, 6)
    assert domain.due_state(fri, fri, 10, CAL) == domain.DueState("due_soon", 0)
    assert domain.due_state(date(2026, 3, 9), fri, 10, CAL) == domain.DueState(
        "due_soon", 1
    )  # Monday
    assert domain.due_state(date(2026, 3, 5), fri, 10, CAL) == domain.DueState("overdue", -1)
    assert domain.due_state(date(2026, 4, 30), fri, 10, CAL).state is None


def test_deadline_after_skips_national_day():
    start = datetime(2026, 9, 30, 10, 0, tzinfo=TZ)
    # 1-7 October are rest days, Saturday 10 October is worked (调休):
    # 8, 9, 10, 12, 13 October.
    assert domain.deadline_after(start, 5, CAL) == (
        datetime(2026, 10, 13, 17, 30, tzinfo=TZ),
        False,
    )


def test_deadline_after_counts_weekdays_without_next_years_schedule():
    start = datetime(2026, 12, 30, 10, 0, tzinfo=TZ)
    # 31 Dec, then Mon-Fri of 2027 (no schedule yet): 1, 4, 5, 6 January.
    assert domain.deadline_after(start, 5, CAL) == (datetime(2027, 1, 6, 17, 30, tzinfo=TZ), True)


# --- reporting periods ---------------------------------------------------------------------
def test_periods():
    p = domain.period_of(date(2026, 11, 23), "monthly")
    assert (p.key, p.start, p.end) == ("2026-11", date(2026, 11, 1), date(2026, 11, 30))
    q = domain.period_of(date(2026, 11, 23), "quarterly")
    assert (q.key, q.start, q.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert domain.parse_period("2026-Q1") == domain.Period(
        date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"
    )
    assert domain.previous_period(domain.parse_period("2026-Q1"), "quarterly").key == "2025-Q4"
    assert domain.parse_period("2024-02").end == date(2024, 2, 29)
    assert [x.key for x in domain.periods_between(date(2026, 1, 15), date(2026, 3, 2), "monthly")] == [
        "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        domain.parse_period("2026-13")


def test_report_due_after_the_period_in_working_days():
    assert domain.report_due(domain.parse_period("2026-09"), 5, CAL) == date(2026, 10, 13)


# --- assessment --------------------------------------------------------------------------
START, END = date(2026, 1, 1), date(2026, 6, 30)


def test_components_by_hand():
    tasks = [
        TaskState(1, expected=50, progress=50),  # attained: 100
        TaskState(1, expected=80, progress=40),  # half: 50
        TaskState(1, expected=0, progress=0),  # not yet expected to start: left out
        TaskState(1, expected=None, progress=0),  # no schedule: left out
    ]
    assert domain.completion_score(tasks) == pytest.approx(75.0)
    dues = [
        DueDate(date(2026, 3, 1), date(2026, 2, 28)),  # early: met
        DueDate(date(2026, 4, 1), date(2026, 4, 1)),  # on the day: met
        DueDate(date(2026, 5, 1), date(2026, 5, 3)),  # late: missed
        DueDate(date(2026, 7, 15), None),  # outside the period
    ]
    assert domain.timeliness_score(dues, START, END, END) == pytest.approx(200 / 3)
    # A future due date counts only once met.
    future = [DueDate(date(2026, 6, 20), None), DueDate(date(2026, 6, 25), date(2026, 6, 5))]
    assert domain.timeliness_score(future, START, END, date(2026, 6, 10)) == 100.0
    assert domain.quality_score([80, 100]) == 90
    assert domain.quality_score([]) is None


def test_scores_and_ranking_by_hand():
    a = UnitInput(
        1, "A局",
        tasks=[TaskState(1, 50, 50), TaskState(1, 80, 40)],
        dues=[DueDate(date(2026, 3, 1), date(2026, 2, 28)), DueDate(date(2026, 4, 1), date(2026, 4, 1)),
              DueDate(date(2026, 5, 1), date(2026, 5, 3))],
        marks=[80, 100], escalations=1, late_reports=1,
    )  # fmt: skip
    b = UnitInput(2, "B局", tasks=[TaskState(2, 100, 100)], missing_reports=2)
    c = UnitInput(3, "C局")
    d = UnitInput(
        4, "D局", tasks=a.tasks, dues=a.dues, marks=a.marks, escalations=1, late_reports=1
    )
    scores = domain.score_units([c, a, d, b], START, END, END, AssessmentWeights())
    by_name = {s.name: s for s in scores}
    # A: (75×50 + 66.67×30 + 90×20) / 100 = 75.5, less 2 (escalation) and 1 (late report).
    assert by_name["A局"].score == 72.5 and by_name["A局"].penalty == 3
    assert (by_name["A局"].completion, by_name["A局"].timeliness, by_name["A局"].quality) == (
        75.0,
        66.67,
        90.0,
    )
    # B: completion only (the other weights fall away): 100, less 2 × 2 missing reports.
    assert by_name["B局"].score == 96
    assert by_name["C局"].score is None
    assert [(s.rank, s.name) for s in scores] == [(1, "B局"), (2, "A局"), (2, "D局"), (4, "C局")]


def test_weights_change_the_score():
    a = UnitInput(1, "A", tasks=[TaskState(1, 100, 50)], marks=[100])
    only_quality = AssessmentWeights(completion=0, timeliness=0, quality=1)
    assert domain.score_units([a], START, END, END, only_quality)[0].score == 100
    assert domain.score_units([a], START, END, END, AssessmentWeights())[0].score == pytest.approx(
        (50 * 50 + 100 * 20) / 70, abs=0.01
    )


# --- charts and series ------------------------------------------------------------------------
def test_step_series_and_sampling():
    points = [(date(2026, 1, 1), 10.0), (date(2026, 1, 10), 50.0)]
    days = [
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 5),
        date(2026, 1, 10),
        date(2026, 1, 20),
    ]
    assert domain.series_at(points, days) == [None, 10.0, 10.0, 50.0, 50.0]
    sampled = domain.sample_days(date(2026, 1, 1), date(2026, 12, 31), 12)
    assert (
        sampled[0] == date(2026, 1, 1)
        and sampled[-1] == date(2026, 12, 31)
        and 12 <= len(sampled) <= 14
    )


def test_svg_chart_escapes_labels():
    svg = line_chart(
        [Series("<script>x</script>", [None, 10, 20]), Series("plan", [0, 50, 100], dashed=True)],
        ["a", "b", "c"],
        title="t&t",
    )
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<polyline") == 2 and 'stroke-dasharray="6 4"' in svg and "t&amp;t" in svg


# --- from a parsed document to import rows (with a stub of the parser's output) ----------------
@dataclass
class StubDeadline:
    text: str
    date: date | None
    precision: str = "day"


@dataclass
class StubNode:
    kind: str
    number: str
    heading: str
    text: str = ""
    level: int = 1
    start: int = 0
    end: int = 0
    line: int = 1
    lead_units: list = field(default_factory=list)
    supporting_units: list = field(default_factory=list)
    deadlines: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    children: list = field(default_factory=list)


@dataclass
class StubDoc:
    title: str
    nodes: list
    issuer: str = "示范区人民政府"
    doc_number: str = "示府〔2026〕1号"
    date: date | None = date(2026, 3, 2)
    addressees: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    plan_title: str = ""


UNITS = [(1, "示范区住房和城乡建设局", "区住建局"), (2, "示范区城市管理和综合执法局", "区城管局")]


def stub_doc() -> StubDoc:
    return StubDoc(
        title="关于印发示范区三年行动计划的通知",
        plan_title="示范区城市治理三年行动计划",
        nodes=[
            StubNode("section", "一、", "总体要求"),
            StubNode("section", "二、", "重点任务", children=[
                StubNode("area", "（一）", "规划建设", level=2, children=[
                    StubNode("task", "1.", "编制规划", level=3, lead_units=["区住建局"], supporting_units=["区城管局", "区规划委"],
                             deadlines=[StubDeadline("2026年6月底前", date(2026, 6, 30)), StubDeadline("2027年底", date(2027, 12, 31))]),
                    StubNode("task", "2.", "违建整治", level=3, lead_units=["区城管局"],
                             deadlines=[StubDeadline("2026年9月底前", date(2026, 9, 30))]),
                ]),
                StubNode("bullet", "——", "坚持规划引领", level=2),
            ]),
        ],
    )  # fmt: skip


def test_preview_codes_weights_schedules_and_units():
    p = build_preview(
        stub_doc(), units=UNITS, today=date(2026, 3, 2), full_text="2026年至2028年，……"
    )
    assert p.title == "示范区城市治理三年行动计划"  # the plan, not the notice
    assert [(n.code, n.kind, n.weight) for n in p.nodes] == [
        ("1", "section", 0.0),  # general requirements: not tracked
        ("2", "section", 1.0),
        ("2.1", "area", 1.0),
        ("2.1.1", "task", 1.0),
        ("2.1.2", "task", 1.0),
        ("2.2", "bullet", 0.0),
    ]
    task = p.nodes[3]
    assert task.planned_end == date(2027, 12, 31)
    assert [(m.due, m.title) for m in task.milestones] == [
        (date(2026, 6, 30), "2026年6月底前"),
        (date(2027, 12, 31), "2027年底"),
    ]
    assert (
        p.nodes[4].planned_end == date(2026, 9, 30) and p.nodes[4].milestones == []
    )  # one date: the end only
    assert {n: m.unit_id for n, m in p.units.items()} == {
        "区住建局": 1,
        "区城管局": 2,
        "区规划委": None,
    }
    assert p.unmatched == ["区规划委"]
    assert (p.start, p.end) == (date(2026, 3, 2), date(2028, 12, 31))
    tree = p.to_dict()
    assert tree["nodes"][1]["children"][0]["children"][0]["lead_units"][0] == {
        "name": "区住建局", "unit_id": 1, "unit_name": "示范区住房和城乡建设局", "score": 1.0,
    }  # fmt: skip


def test_unit_map_overrides_and_matcher_fills_in():
    calls = []

    def matcher(names, units):
        calls.append(list(names))
        return {"区规划委": (2, 0.85)}

    m = match_names(
        ["区住建局", "区规划委", "区城管局"], UNITS, matcher=matcher, unit_map={"区城管局": None}
    )
    assert (m["区住建局"].unit_id, m["区规划委"].unit_id, m["区城管局"].unit_id) == (1, 2, None)
    assert calls == [["区规划委"]]  # exact names never reach the fuzzy matcher


def test_plan_period_rules():
    issued = date(2017, 8, 7)
    assert plan_period(text="2017年至2019年，通过", title="", issued_on=issued) == (
        issued,
        date(2019, 12, 31),
    )
    assert plan_period(text="", title="城市治理三年行动计划", issued_on=issued) == (
        issued,
        date(2019, 12, 31),
    )
    assert plan_period(text="", title="方案", issued_on=issued, deadlines=[date(2018, 6, 30)]) == (
        issued,
        date(2018, 6, 30),
    )
    assert plan_period(text="", title="方案", issued_on=issued) == (issued, date(2017, 12, 31))
    assert plan_period(text="", title="方案", issued_on=None) == (None, None)
