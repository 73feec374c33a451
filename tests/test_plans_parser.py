"""The plan-document parser (zhili.plans.parser): both seeds, every numbering
style and annotation form, web-pasted text, and broken input."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest

from zhili.plans.parser import (
    Node,
    PlanDocument,
    PlanParseError,
    extract_deadlines,
    extract_targets,
    match_units,
    parse_file,
    parse_plan,
    plan_to_json,
    read_text,
)

DATA = Path(__file__).parent / "data" / "plans"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
GAOMING = SEEDS / "002_26e9cc011f85d189.txt"
HUIZHOU = SEEDS / "000_e9d7f7bfdeec88b4.txt"


# copies of the seeds kept beside the fixtures, for a checkout without shared/
_SEED_COPIES = {GAOMING.name: DATA / "gaoming.txt", HUIZHOU.name: DATA / "huizhou.txt"}


def _seed(path: Path) -> str:
    for candidate in (path, _SEED_COPIES[path.name]):
        if candidate.exists():
            return candidate.read_text(encoding="utf-8")
    pytest.skip(f"seed {path.name} not present")


def _count(node: Node | PlanDocument, kind: str) -> int:
    return sum(1 for n in node.walk() if n.kind == kind)


def _by_number(nodes: list[Node], number: str) -> Node:
    return next(n for n in nodes if n.number == number)


# ============================================================ seed 002: 高明区城市治理三年行动计划

# Counted by hand from the seed: for each work area under 三、, the numbered
# tasks (1. 2. …) and, per task, its 一是/二是 items.
GAOMING_AREAS = [
    # (number, heading, items per numbered task)
    ("（一）", "规划建设科学化", [2, 2, 2, 0]),  # 4 tasks, 6 items
    ("（二）", "人居环境绿色化", [4, 3, 5]),  # 3 tasks, 12 items
    ("（三）", "城市形象特色化", [0, 0, 0, 0, 0]),  # 5 tasks, no items
    ("（四）", "基础设施一体化", [3, 2, 2, 0]),  # 4 tasks, 7 items
    ("（五）", "镇村发展现代化", [5, 3, 3, 2]),  # 4 tasks, 13 items
    ("（六）", "城市管理精细化", [0, 0, 0, 0, 0]),  # 5 tasks, no items
    ("（七）", "公共服务优质化", [3, 5]),  # 2 tasks, 8 items
    ("（八）", "城市发展国际化", [0, 0]),  # 2 tasks, no items
]
# 29 tasks and 46 items under 三、; 四、 has four areas and two items
# (（二）'s 一是工作经费方面 / 二是项目投资方面), which sit directly under the area.
GAOMING_TASKS = 29
GAOMING_ITEMS_IN_THREE = 46


@pytest.fixture(scope="module")
def gaoming() -> PlanDocument:
    return parse_plan(_seed(GAOMING))


def test_gaoming_header(gaoming):
    assert gaoming.title == "佛山市高明区人民政府关于印发佛山市高明区城市治理三年行动计划的通知"
    assert gaoming.issuer == "佛山市高明区人民政府"
    assert gaoming.doc_number == "明府字〔2017〕37号"
    assert gaoming.date == datetime.date(2017, 8, 7)
    assert gaoming.addressees == [
        "各镇政府",
        "街道办",
        "西江新城管委会",
        "区政府各部门",
        "直属各单位",
    ]
    assert gaoming.plan_title == "佛山市高明区城市治理三年行动计划"
    assert gaoming.attachments == ["佛山市高明区城市治理三年行动计划项目表（略）"]
    assert gaoming.preamble.startswith("现将《佛山市高明区城市治理三年行动计划》印发给你们")
    assert gaoming.warnings == []


def test_gaoming_top_level_sections(gaoming):
    assert [(n.kind, n.number, n.heading) for n in gaoming.nodes] == [
        ("section", "一、", "总体要求"),
        ("section", "二、", "工作目标"),
        ("section", "三、", "重点工作任务"),
        ("section", "四、", "实施保障机制"),
    ]
    assert [n.ordinal for n in gaoming.nodes] == [1, 2, 3, 4]
    assert all(n.level == 1 for n in gaoming.nodes)


def test_gaoming_work_areas_tasks_and_items(gaoming):
    three = gaoming.nodes[2]
    areas = three.children
    assert [(a.kind, a.number, a.heading) for a in areas] == [
        ("area", n, h) for n, h, _ in GAOMING_AREAS
    ]
    for area, (_, _, items_per_task) in zip(areas, GAOMING_AREAS, strict=True):
        tasks = [c for c in area.children if c.kind == "task"]
        assert len(tasks) == len(items_per_task), area.heading
        assert [t.number for t in tasks] == [f"{i}." for i in range(1, len(tasks) + 1)]
        assert [sum(1 for c in t.children if c.kind == "item") for t in tasks] == items_per_task, (
            area.heading
        )
        for t in tasks:
            assert t.level == 3
            assert [c.ordinal for c in t.children] == list(range(1, len(t.children) + 1))
            assert all(c.kind == "item" and c.level == 4 for c in t.children)
    assert _count(three, "task") == GAOMING_TASKS
    assert _count(three, "item") == GAOMING_ITEMS_IN_THREE


def test_gaoming_section_four(gaoming):
    four = gaoming.nodes[3]
    assert [a.heading for a in four.children] == [
        "统一思想认识，加强组织领导",
        "拓宽融资渠道，完善资金保障",
        "落实责任，加强监督检查",
        "加强宣传引导，确保舆论导向",
    ]
    funding = four.children[1]
    assert [(i.number, i.heading, i.level) for i in funding.children] == [
        ("一是", "工作经费方面", 3),
        ("二是", "项目投资方面", 3),
    ]
    # the paragraph broken by a page break ("调动\n\n社会各界…") is joined
    assert funding.children[1].text.endswith("调动社会各界共同参与城市建设发展的积极性。")
    assert four.children[0].lead_units == ["区城市治理工作领导小组", "领导小组办公室"]


def test_gaoming_run_in_headings_and_text(gaoming):
    area1 = gaoming.nodes[2].children[0]
    task1 = area1.children[0]
    assert task1.heading == "加强规划编制工作，强化规划的统筹力"
    assert task1.text == "加强规划编制工作，强化规划的统筹力。"  # the items are children
    assert task1.children[0].text.startswith("加快形成“多规合一”的机制")
    assert task1.children[1].heading == "健全城乡规划编制体系"
    assert area1.text.startswith("规划建设科学化。\n通过加强规划编制工作")
    task4 = area1.children[3]
    assert task4.text.startswith("深入推进城市更新三年行动计划") and task4.children == []


def test_gaoming_positions(gaoming):
    src = gaoming.source_text
    lines = src.split("\n")
    for node in gaoming.walk():
        block = src[node.start : node.end]
        assert block.startswith(node.number), node
        assert lines[node.line - 1].find(node.number) >= 0
        for child in node.children:
            assert node.start <= child.start and child.end <= node.end
        # the own text is in the block (paragraph pieces joined by a newline)
        assert all(piece in block for piece in node.text.split("\n"))


def test_gaoming_annotations(gaoming):
    two, three = gaoming.nodes[1], gaoming.nodes[2]
    assert [(d.text, d.date, d.precision) for d in two.deadlines] == [
        ("2017年至2019年", datetime.date(2019, 12, 31), "year")
    ]
    culture = three.children[2].children[2]  # （三）3. 打造“城乡十分钟文化圈”
    assert [(t.text, t.kind, t.value) for t in culture.targets] == [
        ("覆盖区内所有镇（街道）", "coverage", 100.0)
    ]
    services = three.children[6].children[0].children[2]  # （七）1. 三是
    assert services.number == "三是"
    assert [(d.text, d.date, d.precision) for d in services.deadlines] == [
        ("到2019年", datetime.date(2019, 12, 31), "year")
    ]
    sewage = three.children[1].children[0].children[1]  # （二）1. 二是 … 全覆盖
    assert [t.text for t in sewage.targets] == ["推进农村分散式生活污水处理全覆盖"]
    # "全覆盖、高水平的…体系" describes a system, it is not a target
    assert three.children[6].targets == []


def test_gaoming_on_one_line_gives_the_same_tree():
    raw = _seed(GAOMING)
    for sep in ("", " "):
        doc = parse_plan(sep.join(raw.split("\n")))
        assert doc.doc_number == "明府字〔2017〕37号"
        assert doc.date == datetime.date(2017, 8, 7)
        assert doc.issuer == "佛山市高明区人民政府"
        assert [n.number for n in doc.nodes] == ["一、", "二、", "三、", "四、"]
        areas = doc.nodes[2].children
        assert [
            [sum(1 for c in t.children if c.kind == "item") for t in a.children] for a in areas
        ] == [items for _, _, items in GAOMING_AREAS]
        assert len(doc.nodes[3].children) == 4
        assert _count(doc.nodes[3], "item") == 2
        assert any("拆分" in w for w in doc.warnings)
    spaced = parse_plan(" ".join(raw.split("\n")))
    assert [n.heading for n in spaced.nodes] == [
        "总体要求",
        "工作目标",
        "重点工作任务",
        "实施保障机制",
    ]


def test_gaoming_hard_wrapped_gives_the_same_tree(gaoming):
    # as copied out of a PDF viewer: every paragraph cut into lines of 28 characters
    lines = []
    for ln in _seed(GAOMING).split("\n"):
        ln = ln.strip()
        lines.extend(ln[i : i + 28] for i in range(0, len(ln), 28))
    doc = parse_plan("\n".join(lines))
    assert (doc.title, doc.issuer, doc.doc_number, doc.date, doc.addressees) == (
        gaoming.title,
        gaoming.issuer,
        gaoming.doc_number,
        gaoming.date,
        gaoming.addressees,
    )
    assert doc.preamble == gaoming.preamble
    assert _outline(doc.nodes) == _outline(gaoming.nodes)
    assert [n.text for n in doc.walk()] == [n.text for n in gaoming.walk()]


def test_gaoming_json(gaoming):
    data = json.loads(plan_to_json(gaoming))
    assert data["doc_number"] == "明府字〔2017〕37号"
    assert data["date"] == "2017-08-07"
    assert len(data["nodes"]) == 4
    assert len(data["nodes"][2]["children"]) == 8
    assert "source_text" not in data
    assert "source_text" in gaoming.to_dict(include_source=True)


# ============================================================ seed 000: 惠州 融深行动方案 品质城市

# Counted by hand: four 关键词 sections; the sentences quoted after
# "《行动方案》提出，" are measures: one in the introduction, then 2, 3, 2 and 3
# in the sections' 摘要. The 解读 of 城市首位度 lists 六大聚焦行动 (一是…六是)
# and that of 文明形象 three items (一是…三是).
HUIZHOU_KEYWORDS = ["城市首位度", "城市规划", "公共服务", "文明形象"]
HUIZHOU_MEASURES = [2, 3, 2, 3]
HUIZHOU_ITEMS = [6, 0, 0, 3]


@pytest.fixture(scope="module")
def huizhou() -> PlanDocument:
    return parse_plan(_seed(HUIZHOU), today=datetime.date(2021, 5, 10))


def test_huizhou_keyword_sections(huizhou):
    assert huizhou.title == "融深行动方案35条之品质城市：对标先进打造品质城市"
    keywords = [n for n in huizhou.nodes if n.kind == "keyword"]
    assert [k.heading for k in keywords] == HUIZHOU_KEYWORDS
    assert all(k.number == "关键词" and k.level == 1 for k in keywords)
    assert [sum(1 for c in k.children if c.kind == "measure") for k in keywords] == HUIZHOU_MEASURES
    assert [sum(1 for c in k.children if c.kind == "item") for k in keywords] == HUIZHOU_ITEMS
    assert keywords[0].text.split("\n")[1] == "提升中心城区首位度实现产城人深度融合"


def test_huizhou_quoted_measures(huizhou):
    intro = huizhou.nodes[0]
    assert intro.kind == "measure" and intro.level == 1
    assert intro.text.startswith("树立一流城市建设管理理念") and intro.text.endswith(
        "打造大湾区品质城市。"
    )
    assert _count(huizhou, "measure") == 11
    first = [c for c in huizhou.nodes[1].children if c.kind == "measure"]
    assert first[0].text.startswith("实施中心城区品质升级工程")
    assert first[1].heading.startswith("统筹推进西湖景区建设与周边区域更新优化")
    civility = [c for c in huizhou.nodes[4].children if c.kind == "measure"]
    assert [m.heading for m in civility][0] == "共树大湾区文明形象"
    items = [c for c in huizhou.nodes[1].children if c.kind == "item"]
    assert [i.heading for i in items][:2] == [
        "聚焦“双区”建设、深圳都市圈，对标一流",
        "聚焦平台突破，产业进阶",
    ]


def test_huizhou_annotations(huizhou):
    planning, civility = huizhou.nodes[2], huizhou.nodes[4]
    assert [(d.text, d.date, d.precision) for d in planning.deadlines] == [
        ("今年7月前", datetime.date(2021, 6, 30), "month"),
        ("2022年初", datetime.date(2022, 3, 31), "early"),
    ]
    assert [(t.value, t.unit, t.comparator) for t in civility.targets] == [(1_220_000.0, "人", "≥")]
    assert [t.text for t in planning.targets] == ["总体规划层面实现国土空间全域覆盖"]  # said twice
    # the units whose officials the article quotes on each area
    assert [k.lead_units for k in huizhou.nodes[1:]] == [
        ["惠城区委"],
        ["市自然资源局"],
        ["市教育局"],
        ["市委宣传部"],
    ]


def test_huizhou_web_chrome_dropped(huizhou):
    src = huizhou.source_text
    for chrome in (
        "分享到",
        "报料热线",
        "查看所有评论",
        "今日惠州网微信",
        "编辑：小丽",
        "供图",
        "采写",
    ):
        assert chrome not in src
    assert "分享到：" in huizhou.removed_lines
    assert huizhou.doc_number == "" and huizhou.date is None


def test_relative_deadline_without_any_date():
    doc = parse_plan(_seed(HUIZHOU))
    planning = doc.nodes[2]
    assert [(d.text, d.date) for d in planning.deadlines] == [
        ("今年7月前", None),
        ("2022年初", datetime.date(2022, 3, 31)),
    ]
    assert any("相对时间" in w for w in doc.warnings)


# ============================================================ synthetic documents


@pytest.fixture(scope="module")
def styles() -> PlanDocument:
    return parse_file(DATA / "synthetic_all_styles.txt")


def test_synthetic_header_and_split_title(styles):
    assert styles.title == "示范区人民政府办公室关于印发示范区市容环境提升工作方案的通知"
    assert styles.issuer == "示范区人民政府办公室"
    assert styles.doc_number == "示府办〔2025〕12号"
    assert styles.date == datetime.date(2025, 3, 15)
    assert styles.addressees == ["各镇人民政府", "街道办事处", "区政府各部门"]
    assert styles.plan_title == "示范区市容环境提升工作方案"
    assert styles.attachments == ["示范区市容环境提升任务清单"]


def _outline(nodes: list[Node]) -> list[tuple]:
    return [(n.level, n.kind, n.number, n.heading) for top in nodes for n in top.walk()]


def test_synthetic_every_numbering_style(styles):
    assert _outline(styles.nodes) == [
        (1, "section", "一、", "工作目标"),
        (2, "bullet", "——", "坚持以人为本"),
        (2, "bullet", "——", "坚持问题导向"),
        (1, "section", "二、", "主要任务"),
        (2, "area", "（一）", "整治街面秩序"),
        (3, "task", "1.", "规范占道经营"),
        (3, "task", "2.", "整治户外广告"),  # written 2．
        (3, "task", "3、", "清理乱张贴"),
        (4, "subtask", "（1）", "建立台账"),
        (4, "subtask", "（2）", "落实考核"),
        (5, "subtask", "①", "每月通报"),
        (5, "subtask", "②", "每季度排名"),
        (2, "area", "（二）", "提升环卫水平"),  # written with half-width (二)
        (3, "task", "1.", "推进垃圾分类"),
        (3, "task", "2.", "补齐公厕短板"),
        (3, "task", "3.", "加强作业监管"),
        (4, "item", "一是", "推行机械化清扫，主干道机械化清扫率达到90%以上"),
        (4, "item", "二是", "实行网格化管理"),
        (4, "item", "三是", "开展星级评比"),
        (3, "task", "4.", "开展专项整治"),
        (2, "area", "（三）", "完善长效机制"),
        (3, "subtask", "（1）", "健全考评体系"),  # ⑴ under （三）: a skipped level
        (3, "subtask", "（2）", "加强队伍建设"),
        (1, "section", "三、", "保障措施"),
        (2, "task", "1.", "加强组织领导"),  # 1. straight under 三、
        (2, "task", "2.", "强化资金保障"),
    ]
    assert styles.warnings == []


def _node(doc: PlanDocument, *path: str) -> Node:
    nodes, node = doc.nodes, None
    for number in path:
        node = _by_number(nodes, number)
        nodes = node.children
    assert node is not None
    return node


def test_synthetic_unit_annotations(styles):
    cases = {
        ("二、", "（一）", "1."): (
            ["区城管局"],
            ["区市场监管局", "各镇（街道）"],
        ),  # （牵头单位：X；配合单位：Y、Z）
        ("二、", "（一）", "2."): (["区城管局"], ["区住建局", "区交通局"]),  # 由X牵头，Y、Z配合
        ("二、", "（一）", "3、", "（1）"): (
            ["区城管局"],
            ["区公安分局"],
        ),  # 责任单位：X（牵头）、Y
        ("二、", "（二）", "2."): (["区住建局"], []),  # （X局负责）
        ("二、", "（二）", "4."): (["区城管局", "区交通局"], []),  # （责任单位：X、Y）
        ("三、", "1."): (["区城市治理办"], []),  # 由X负责
        ("三、", "2."): (["区财政局"], ["区发改局"]),  # X会同Y负责
    }
    for path, (lead, support) in cases.items():
        node = _node(styles, *path)
        assert (node.lead_units, node.supporting_units) == (lead, support), path


def test_synthetic_trailing_unit_note_belongs_to_the_task(styles):
    task = _node(styles, "二、", "（二）", "3.")
    assert task.lead_units == ["区城管局"]
    assert task.children[-1].lead_units == []
    assert task.children[-1].text == "开展星级评比"


def test_synthetic_deadlines(styles):
    cases = {
        ("一、",): [("到2027年", datetime.date(2027, 12, 31), "year")],
        ("二、", "（一）", "1."): [
            ("今年7月前", datetime.date(2025, 6, 30), "month")
        ],  # document date 2025
        ("二、", "（一）", "2."): [("2026年6月底前", datetime.date(2026, 6, 30), "month")],
        ("二、", "（二）", "1."): [("2022年初", datetime.date(2022, 3, 31), "early")],
        ("二、", "（三）", "（1）"): [("到2026年底前", datetime.date(2026, 12, 31), "year")],
        ("三、", "2."): [("年内", datetime.date(2025, 12, 31), "year")],
    }
    for path, expected in cases.items():
        node = _node(styles, *path)
        assert [(d.text, d.date, d.precision) for d in node.deadlines] == expected, path


def test_synthetic_targets(styles):
    goal = _node(styles, "一、")
    assert [(t.text, t.value, t.unit, t.comparator) for t in goal.targets] == [
        ("达到35%以上", 35.0, "%", "≥"),
        ("不低于42%", 42.0, "%", "≥"),
    ]
    sorting = _node(styles, "二、", "（二）", "1.")
    assert [(t.value, t.unit, t.kind) for t in sorting.targets] == [
        (122.0, "个", "number"),
        (100.0, "%", "coverage"),
    ]
    money = _node(styles, "三、", "2.")
    assert [(t.text, t.value, t.unit, t.comparator) for t in money.targets] == [
        ("122万元", 1_220_000.0, "元", "=")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("完成时限：2026年6月底前", [("2026年6月底前", datetime.date(2026, 6, 30), "month")]),
        ("计划今年7月前实现", [("今年7月前", datetime.date(2024, 6, 30), "month")]),
        ("2022年初实现规划建设管得住", [("2022年初", datetime.date(2022, 3, 31), "early")]),
        ("到2019年，建立起服务体系", [("到2019年", datetime.date(2019, 12, 31), "year")]),
        ("力争明年底前全面建成", [("力争明年底前", datetime.date(2025, 12, 31), "year")]),
        ("2025年第三季度完成验收", [("2025年第三季度", datetime.date(2025, 9, 30), "quarter")]),
        ("于2025年9月中旬前完工", [("2025年9月中旬前", datetime.date(2025, 9, 20), "mid")]),
        ("2025年6月30日前完成", [("2025年6月30日前", datetime.date(2025, 6, 30), "day")]),
        ("上半年完成摸底", [("上半年", datetime.date(2024, 6, 30), "mid")]),
        ("完成时限：长期坚持", [("长期坚持", None, "")]),
        # not deadlines: an event date, a period looking back, a duration
        ("4月22日，市中心人民医院接受授牌", []),
        ("2017年以来，累计完成改造", []),
        ("力争三年内完成", []),
        ("2017年8月7日印发", []),
    ],
)
def test_deadline_forms(text, expected):
    got = extract_deadlines(text, datetime.date(2024, 3, 1))
    assert [(d.text, d.date, d.precision) for d in got] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("优良天数比例达到80%以上", [("达到80%以上", 80.0, "%", "≥")]),
        ("注册志愿者达122万", [("达122万", 1_220_000.0, "", "≥")]),
        ("空置率控制在5%以内", [("控制在5%以内", 5.0, "%", "≤")]),
        ("新建公园3个，绿道12.5公里", [("3个", 3.0, "个", "="), ("12.5公里", 12.5, "公里", "=")]),
        (
            "实现自助图书借阅服务覆盖区内所有镇（街道）。",
            [("覆盖区内所有镇（街道）", 100.0, "%", "=")],
        ),
        # not targets: line numbers, ordinals, years, durations, document numbers
        ("佛山地铁2号线二期，第3批，2019年，用3~5年时间，明府〔2017〕37号", []),
        ("融深行动方案35条之品质城市", []),
    ],
)
def test_target_forms(text, expected):
    assert [(t.text, t.value, t.unit, t.comparator) for t in extract_targets(text)] == expected


# ============================================================ web-pasted text


def test_web_pasted_page():
    doc = parse_file(DATA / "web_pasted.txt")
    assert (
        doc.title == "示范区人民政府关于印发示范区城市治理三年行动计划的通知"
    )  # split across two lines
    assert doc.doc_number == "示府〔2025〕8号"
    assert doc.issuer == "示范区人民政府"
    assert doc.date == datetime.date(2025, 4, 1)  # no signature: the page's 发布时间
    assert doc.plan_title == "示范区城市治理三年行动计划"
    for chrome in ("首页 > 政务公开", "分享到", "QQ空间", "打印本页", "扫一扫", "【字体"):
        assert chrome not in doc.source_text
    assert len(doc.removed_lines) == 11
    assert [n.heading for n in doc.nodes] == ["总体要求", "主要任务", "保障措施"]
    assert _count(doc, "task") == 3 and _count(doc, "item") == 2
    assert (doc.nodes[2].lead_units, doc.nodes[2].supporting_units) == (
        ["区城市治理办"],
        ["各镇（街道）"],
    )


def test_whole_body_on_one_line():
    text = (
        "示范区城市治理三年行动计划 一、总体要求 坚持精细管理，提升治理水平。二、主要任务 （一）美化市容环境。"
        "1.整治背街小巷。一是清理杂物；二是修补路面。2.推进垃圾分类。（二）畅通城市交通。1.打通断头路。"
        "三、保障措施 由区城市治理办负责统筹协调。"
    )
    doc = parse_plan(text)
    assert doc.title == "示范区城市治理三年行动计划"
    assert _outline(doc.nodes) == [
        (1, "section", "一、", "总体要求"),
        (1, "section", "二、", "主要任务"),
        (2, "area", "（一）", "美化市容环境"),
        (3, "task", "1.", "整治背街小巷"),
        (4, "item", "一是", "清理杂物"),
        (4, "item", "二是", "修补路面"),
        (3, "task", "2.", "推进垃圾分类"),
        (2, "area", "（二）", "畅通城市交通"),
        (3, "task", "1.", "打通断头路"),
        (1, "section", "三、", "保障措施"),
    ]
    assert doc.nodes[2].lead_units == ["区城市治理办"]


def test_inline_items_need_a_sequence():
    doc = parse_plan(
        "一、任务\n坚持统一是前提，唯一是标准，完成三是。\n二、要求\n第一，加强领导。一是明确职责。二是落实考核。"
    )
    assert _count(doc, "item") == 2
    assert [i.heading for i in doc.nodes[1].children] == ["明确职责", "落实考核"]


def test_items_continue_across_paragraphs():
    doc = parse_plan("一、任务\n1.加强管理。\n一是建立台账。\n二是定期通报。\n三是严格考核。")
    task = doc.nodes[0].children[0]
    assert [(i.number, i.ordinal) for i in task.children] == [("一是", 1), ("二是", 2), ("三是", 3)]


def test_numbering_gap_is_warned():
    doc = parse_plan("一、目标\n提升水平。\n三、措施\n加强领导。")
    assert [n.number for n in doc.nodes] == ["一、", "三、"]
    assert any("不连续" in w for w in doc.warnings)


# ============================================================ file formats and broken input


def test_markdown_file():
    doc = parse_file(DATA / "plan.md")
    assert doc.title == "示范区社区治理工作方案"
    assert _outline(doc.nodes) == [
        (1, "section", "一、", "工作目标"),
        (1, "section", "二、", "主要任务"),
        (2, "area", "（一）", "完善服务设施"),
        (3, "task", "1.", "建设社区服务中心"),
        (3, "task", "2.", "推广智慧社区平台"),
        (2, "area", "（二）", "加强队伍建设"),
        (3, "bullet", "——", "坚持专业化"),
        (3, "bullet", "——", "坚持职业化"),
    ]
    assert doc.nodes[0].targets[0].text == "覆盖全区所有社区"


def test_html_file():
    page = (
        "<html><head><title>通知</title><script>var x = '一、假的';</script></head><body>"
        "<nav>首页 | 政务公开</nav><h1>示范区工作方案</h1><p>一、工作目标</p><p>提升治理水平。</p>"
        "<p>二、主要任务</p><p>1.整治街面（区城管局负责）。</p><footer>版权所有</footer></body></html>"
    )
    text = read_text(page.encode("utf-8"), "plan.html")
    doc = parse_plan(text)
    assert [n.heading for n in doc.nodes] == ["工作目标", "主要任务"]
    assert doc.nodes[1].children[0].lead_units == ["区城管局"]
    assert "假的" not in doc.source_text and "版权所有" not in doc.source_text


def test_gbk_file_is_detected_and_converted(tmp_path):
    text = (DATA / "synthetic_all_styles.txt").read_text(encoding="utf-8")
    path = tmp_path / "plan.txt"
    path.write_bytes(text.encode("gbk"))
    assert read_text(path) == text
    assert parse_file(path).doc_number == "示府办〔2025〕12号"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "gb18030"])
def test_other_encodings(encoding):
    text = "示范区工作方案\n一、工作目标\n提升治理水平。\n"
    assert read_text(text.encode(encoding), "plan.txt") == text


@pytest.mark.parametrize("data", [b"", b"   \r\n\t ", b"\n\n"])
def test_empty_file(tmp_path, data):
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    with pytest.raises(PlanParseError, match=r"文件为空 \(the file is empty\)"):
        read_text(path)
    with pytest.raises(PlanParseError, match="文件为空"):
        parse_plan(data.decode())


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes((i * 7919) % 256 for i in range(2000)),
        b"\xff\xfe\xfd" * 300,
    ],
)
def test_binary_garbage_is_refused(data):
    with pytest.raises(PlanParseError, match="无法识别的文件"):
        read_text(data, "plan.txt")


def test_old_word_and_bad_docx_are_refused():
    with pytest.raises(PlanParseError, match=r"\.doc"):
        read_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "plan.doc")
    with pytest.raises(PlanParseError, match="docx"):
        read_text(b"not a zip at all", "plan.docx")
    with pytest.raises(PlanParseError, match="cannot read"):
        read_text("/nonexistent/plan.txt")


def test_page_of_only_chrome_is_an_error():
    with pytest.raises(PlanParseError, match="no document text"):
        parse_plan("分享到：\n【打印本页】【关闭窗口】\n- -\n")


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_NUMBERING = (
    f'<w:numbering xmlns:w="{_W_NS}">'
    '<w:abstractNum w:abstractNumId="0">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>'
    "</w:abstractNum>"
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    "</w:numbering>"
)


def _docx(paragraphs: list[tuple[str, int | None]]) -> bytes:
    """A minimal .docx as Word writes it: runs split mid-word, a tab, automatic numbering."""
    body = []
    for text, level in paragraphs:
        ppr = (
            f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
            if level is not None
            else ""
        )
        half = len(text) // 2
        runs = f"<w:r><w:t>{text[:half]}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>{text[half:]}</w:t></w:r>"
        body.append(f"<w:p>{ppr}{runs}</w:p>")
    body.append(
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>附件</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>任务清单</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    document = f'<w:document xmlns:w="{_W_NS}"><w:body>{"".join(body)}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", _DOCX_TYPES)
        zf.writestr("word/document.xml", document)
        zf.writestr("word/numbering.xml", _DOCX_NUMBERING)
    return buf.getvalue()


def test_docx_with_automatic_numbering():
    data = _docx(
        [
            ("示范区城市治理工作方案", None),
            ("工作目标", 0),
            ("到2027年，绿化覆盖率不低于42%。", None),
            ("主要任务", 0),
            ("整治街面秩序（区城管局负责）。", 1),
            ("推进垃圾分类。", 1),
        ]
    )
    text = read_text(data, "plan.docx")
    assert text.split("\n")[:5] == [
        "示范区城市治理工作方案",
        "一、工作目标",
        "到2027年，绿化覆盖率不低于42%。",
        "二、主要任务",
        "1.整治街面秩序（区城管局负责）。",
    ]
    doc = parse_plan(text)
    assert _outline(doc.nodes) == [
        (1, "section", "一、", "工作目标"),
        (1, "section", "二、", "主要任务"),
        (2, "task", "1.", "整治街面秩序"),
        (2, "task", "2.", "推进垃圾分类"),
    ]
    assert doc.attachments == ["任务清单"]
    # sniffed by content, whatever the name
    assert read_text(data, "plan.bin") == text


def test_docx_from_python_docx():
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("示范区城市治理工作方案")
    d.add_paragraph("一、工作目标")
    d.add_paragraph("整治街面秩序（区城管局负责）。", style="List Number")
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_plan(read_text(buf.getvalue(), "plan.docx"))
    assert _outline(doc.nodes) == [
        (1, "section", "一、", "工作目标"),
        (2, "task", "1.", "整治街面秩序"),
    ]


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text is UTF-16BE codes mapped by a ToUnicode CMap (no fonts needed)."""
    content = (
        "BT /F1 12 Tf 14 TL 50 800 Td\n"
        + "".join(f"<{ln.encode('utf-16-be').hex().upper()}> Tj T*\n" for ln in lines)
        + "ET"
    )
    chars = sorted({ord(c) for ln in lines for c in ln})
    bfchar = "".join(
        f"{len(chars[i : i + 100])} beginbfchar\n"
        + "".join(f"<{c:04X}> <{c:04X}>\n" for c in chars[i : i + 100])
        + "endbfchar\n"
        for i in range(0, len(chars), 100)
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{bfchar}endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    stream, cmap_b = content.encode(), cmap.encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap_b), cmap_b),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_text_layer_with_wrapped_lines():
    pytest.importorskip("pypdf")
    data = _pdf(
        [
            "示范区城市治理工作方案",
            "一、工作目标",
            "到2027年，绿化覆盖率不低于42%。",
            "二、主要任务",
            "1.整治户外广告，建立健全长效管理机制，确保主次干道",
            "无违规广告（区城管局负责）。",
            "- 1 -",
        ]
    )
    doc = parse_plan(read_text(data, "plan.pdf"))
    assert _outline(doc.nodes) == [
        (1, "section", "一、", "工作目标"),
        (1, "section", "二、", "主要任务"),
        (2, "task", "1.", "整治户外广告，建立健全长效管理机制，确保主次干道无违规广告"),
    ]
    task = doc.nodes[1].children[0]
    assert (
        task.text == "整治户外广告，建立健全长效管理机制，确保主次干道无违规广告（区城管局负责）。"
    )
    assert task.lead_units == ["区城管局"]
    assert "- 1 -" in doc.removed_lines


def test_pdf_garbage_is_refused():
    pytest.importorskip("pypdf")
    with pytest.raises(PlanParseError, match="PDF"):
        read_text(b"%PDF-1.4\n garbage \x00\x01", "plan.pdf")


# ============================================================ matching unit names

UNITS = [
    (1, "佛山市高明区城市管理和综合执法局", "区城管局"),
    (2, "佛山市高明区住房城乡建设和水利局", "区住建水利局"),
    (3, "佛山市高明区交通运输局", "区交通局"),
    (4, "佛山市高明区人民政府办公室", "区府办"),
    (5, "佛山市高明区文化广电旅游体育局", "区文广旅体局"),
    (6, "佛山市生态环境局高明分局", ""),
    (7, "佛山市高明区财政局", ""),
    (8, "佛山市交通运输局", "市交通局"),
    (9, "佛山市高明区市场监督管理局", "区市场监管局"),
]


@pytest.mark.parametrize(
    ("name", "unit_id"),
    [
        ("区城管局", 1),
        ("高明区城市管理局", 1),
        ("区城管执法局", 1),
        ("佛山市高明区城市管理和综合执法局", 1),
        ("区住建局", 2),
        ("区环保局", 6),
        ("区文化广电旅游体育局", 5),
        ("区文广旅体局", 5),
        ("区府办", 4),
        ("区人民政府办公室", 4),
        ("区财政部门", 7),
        ("区交通运输局", 3),
        ("市交通局", 8),  # the city's bureau, not the district's
        ("区市监局", 9),
        ("交通局", None),  # district or city? a person decides
        ("区发改局", None),
        ("各镇（街道）", None),
    ],
)
def test_match_units(name, unit_id):
    got_id, score = match_units([name], UNITS)[name]
    assert got_id == unit_id, (name, score)
    assert 0.0 <= score <= 1.0


def test_match_units_feeds_a_review_list(styles):
    result = match_units(styles.unit_names(), UNITS)
    unmatched = sorted(name for name, (uid, _) in result.items() if uid is None)
    assert result["区城管局"] == (1, 1.0)
    assert unmatched == sorted(["各镇（街道）", "区公安分局", "区城市治理办", "区发改局"])
