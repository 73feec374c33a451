"""Unit names in plan documents, and matching them to the organisation's units.

Plans name units loosely: ``区城管局`` for 佛山市高明区城市管理和综合执法局,
``区住建局`` for 高明区住房和城乡建设局, ``区府办`` for 区人民政府办公室. Both sides
are reduced to a canonical form before comparing:

1. parenthetical remarks and spaces go (``领导小组办公室（简称区治理办）``);
2. the region chain at the front goes (``广东省佛山市高明区``, or a bare ``区``/``市``):
   known Guangdong regions, plus any ``XX市``/``XX区``/``XX县`` that starts at least
   two of the given units' names; the level it named (省/市/区/县) is kept, so
   ``市交通局`` does not quietly match the district's 交通运输局;
3. long official words become the usual abbreviations (城市管理和综合执法 → 城管,
   住房和城乡建设 → 住建, 生态环境/环境保护 → 环保, 文化广电旅游体育 → 文广旅体 …);
4. the unit type at the end (局、委、办、中心、部门 …) is split off.

Scores: 1.0 for the same written name, 0.97 for the same canonical form, else a
``difflib`` ratio raised when one core contains the other, times 0.6 when the
levels differ. Names below the threshold, or with two different units tied at
the top, map to ``None``: the import shows them for review. Pure Python is
plenty for a district's few hundred units, so no rapidfuzz.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

DEFAULT_REGIONS: tuple[str, ...] = (
    "广东省",
    "广州市",
    "深圳市",
    "珠海市",
    "汕头市",
    "佛山市",
    "韶关市",
    "河源市",
    "梅州市",
    "惠州市",
    "汕尾市",
    "东莞市",
    "中山市",
    "江门市",
    "阳江市",
    "湛江市",
    "茂名市",
    "肇庆市",
    "清远市",
    "潮州市",
    "揭阳市",
    "云浮市",
    "禅城区",
    "南海区",
    "顺德区",
    "三水区",
    "高明区",
    "惠城区",
    "惠阳区",
    "博罗县",
    "惠东县",
    "龙门县",
)

#: (official wording, usual abbreviation), longest first so that the longer wording wins.
ABBREVIATIONS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            ("城市管理和综合执法", "城管"),
            ("城市管理综合执法", "城管"),
            ("城市管理和综合行政执法", "城管"),
            ("综合行政执法", "城管"),
            ("城管执法", "城管"),
            ("城市管理", "城管"),
            ("住房和城乡建设", "住建"),
            ("住房城乡建设", "住建"),
            ("住房和建设", "住建"),
            ("生态环境", "环保"),
            ("环境保护", "环保"),
            ("交通运输", "交通"),
            ("文化广电旅游体育", "文广旅体"),
            ("文化广电新闻出版旅游体育", "文广旅体"),
            ("文化广电旅游", "文广旅"),
            ("文化广电新闻出版", "文广新"),
            ("发展和改革", "发改"),
            ("发展改革", "发改"),
            ("卫生健康", "卫健"),
            ("卫生和计划生育", "卫计"),
            ("人力资源和社会保障", "人社"),
            ("人力资源社会保障", "人社"),
            ("市场监督管理", "市监"),
            ("市场监管", "市监"),
            ("工业和信息化", "工信"),
            ("经济和信息化", "经信"),
            ("经济和科技促进", "经科"),
            ("科学技术", "科技"),
            ("国土资源", "自然资源"),
            ("国土规划", "自然资源"),
            ("农业农村", "农业"),
            ("应急管理", "应急"),
            ("退役军人事务", "退役军人"),
            ("医疗保障", "医保"),
            ("政务服务和数据管理", "政数"),
            ("政务服务数据管理", "政数"),
            ("国有资产监督管理", "国资"),
            ("机构编制委员会办公室", "编办"),
            ("人民政府办公室", "府办"),
            ("政府办公室", "府办"),
            ("精神文明建设委员会办公室", "文明办"),
            ("精神文明建设办公室", "文明办"),
            ("管理委员会", "管委会"),
            ("城市治理行动计划领导小组办公室", "城市治理办"),
            ("城市治理工作领导小组办公室", "城市治理办"),
            ("城市治理办公室", "城市治理办"),
            ("城市治理办", "城市治理办"),
            ("治理办", "城市治理办"),
        ),
        key=lambda p: -len(p[0]),
    )
)

_ABBR_MAP = dict(ABBREVIATIONS)
# one pass, longest wording first, so an abbreviation is never expanded twice
_ABBR_RE = re.compile("|".join(re.escape(full) for full, _ in ABBREVIATIONS))

UNIT_SUFFIXES: tuple[str, ...] = (
    "委员会办公室",
    "办事处",
    "管委会",
    "委员会",
    "办公室",
    "领导小组",
    "人民政府",
    "政府",
    "部门",
    "中心",
    "分局",
    "支队",
    "大队",
    "集团",
    "公司",
    "小组",
    "单位",
    "医院",
    "学校",
    "街道",
    "镇街",
    "局",
    "委",
    "办",
    "部",
    "院",
    "所",
    "队",
    "站",
    "厅",
    "处",
    "会",
    "组",
    "镇",
    "馆",
    "社",
)
_GENERIC_SUFFIXES = {"部门", "单位", ""}

_UNIT_END_RE = re.compile(f"(?:{'|'.join(UNIT_SUFFIXES)})$")
_PAREN_RE = re.compile(r"（[^（）]*）|\([^()]*\)")
_NOT_UNIT_START = ("有关", "相关", "其他", "其它", "以上", "上述")


def looks_like_unit(name: str) -> bool:
    """Whether a phrase reads as the name of a unit (ends with 局、委、办、中心、镇 …)."""
    core = _PAREN_RE.sub("", name).strip()
    if not 2 <= len(core) <= 30 or core in ("部门", "单位", "各部门", "各单位"):
        return False
    if any(c in core for c in "。，；：！？“”《》"):
        return False
    if core.startswith(_NOT_UNIT_START):
        return False
    return bool(_UNIT_END_RE.search(core))


def clean_unit_name(name: str) -> str:
    """Trim a unit name taken from running text: remarks such as（简称区治理办，设在区府办）,
    role marks such as（牵头）, and trailing 等."""
    name = re.sub(r"\s+", "", name)
    name = re.sub(r"（(?:牵头|配合|协办|主办|负责|排名第一为牵头单位)）", "", name)
    name = re.sub(r"（[^（）]*(?:，|简称|设在|下同|以下)[^（）]*）", "", name)
    name = re.sub(r"(?:等(?:单位|部门)?|负责|牵头)$", "", name)
    return name.strip("、，,；;：: ")


def _learned_regions(names: Iterable[str]) -> set[str]:
    counts: Counter[str] = Counter()
    for name in names:
        rest = name
        for _ in range(3):
            m = re.match(r"[\u4e00-\u9fff]{2,3}?[省市区县]", rest)
            if not m:
                break
            counts[m.group(0)] += 1
            rest = rest[m.end() :]
    return {r for r, c in counts.items() if c >= 2}


_BARE_PREFIX_EXCEPTIONS = ("市场", "市政", "市容", "市民", "区域", "县域", "市级", "区级")


def _canonical(name: str, regions: set[str]) -> tuple[str, str, str]:
    """→ (level, core, suffix), e.g. 佛山市高明区城市管理和综合执法局 → ("区", "城管", "局")."""
    s = _PAREN_RE.sub("", re.sub(r"\s+", "", name))
    level = ""
    changed = True
    while changed:
        changed = False
        for r in regions:
            if s.startswith(r) and len(s) > len(r):
                level, s, changed = r[-1], s[len(r) :], True
                break
    if (
        not level
        and len(s) > 2
        and s[0] in "省市区县"
        and not s.startswith(_BARE_PREFIX_EXCEPTIONS)
    ):
        level, s = s[0], s[1:]
    s = _ABBR_RE.sub(lambda m: _ABBR_MAP[m.group(0)], s)
    branch = re.fullmatch(r"(.+?局)[\u4e00-\u9fff]{2,3}分局", s)
    if branch:  # 生态环境局高明分局: the city bureau's branch in the district
        s, level = branch.group(1), "区"
    for suf in UNIT_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            return level, s[: -len(suf)], suf
    return level, s, ""


def _score(q: tuple[str, str, str], c: tuple[str, str, str]) -> float:
    ql, qcore, qsuf = q
    cl, ccore, csuf = c
    suf_ok = (
        qsuf == csuf
        or qsuf in _GENERIC_SUFFIXES
        or csuf in _GENERIC_SUFFIXES
        or {qsuf, csuf} == {"局", "分局"}
    )
    if qcore == ccore:
        score = 0.97 if suf_ok else 0.8
    else:
        score = SequenceMatcher(None, qcore + qsuf, ccore + csuf).ratio()
        short, long_ = sorted((qcore, ccore), key=len)
        if len(short) >= 2 and short in long_ and suf_ok:
            score = max(score, 0.75 + 0.2 * len(short) / len(long_))
    if ql and cl and ql != cl:
        score *= 0.6
    return score


def match_units(
    names: Iterable[str],
    units: Sequence[tuple[int, str, str]],
    *,
    threshold: float = 0.8,
    regions: Iterable[str] = (),
) -> dict[str, tuple[int | None, float]]:
    """Match unit names written in a plan to org units ``(id, name, short_name)``.

    Returns ``{written name: (unit id or None, score)}``; ``None`` when the best
    score is under ``threshold`` or two units tie for it (a person decides)."""
    names = list(dict.fromkeys(n for n in names if n))
    region_set = set(DEFAULT_REGIONS) | set(regions) | _learned_regions(u[1] for u in units)
    cands: list[tuple[int, str, tuple[str, str, str]]] = []
    for uid, uname, ushort in units:
        for written in (uname, ushort):
            if written:
                cands.append((uid, written, _canonical(written, region_set)))
    result: dict[str, tuple[int | None, float]] = {}
    for name in names:
        q = _canonical(clean_unit_name(name), region_set)
        best: dict[int, float] = {}
        for uid, written, canon in cands:
            s = 1.0 if written == name else _score(q, canon)
            if s > best.get(uid, -1.0):
                best[uid] = s
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        if not ranked:
            result[name] = (None, 0.0)
            continue
        uid, score = ranked[0]
        tied = len(ranked) > 1 and ranked[1][1] >= score - 1e-9 and score < 1.0
        result[name] = (uid if score >= threshold and not tied else None, round(score, 3))
    return result
