"""From a parsed plan document to the rows an import would create.

Pure: takes the parser's ``PlanDocument`` (or anything shaped like it) and
the list of organisation units, returns an ``ImportPreview`` that the import
page shows for review and ``actions.plan_import`` saves on confirmation.
The parser itself (``parser.py``) reads and splits the text; this module
decides codes, weights, schedules, milestones and unit matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

UnitRow = tuple[int, str, str]  # (id, name, short_name)
Matcher = Callable[[list[str], list[UnitRow]], Mapping[str, tuple[int | None, float]]]

KINDS = ("section", "area", "task", "subtask", "item", "bullet", "keyword", "measure", "project")
# Kinds that carry no work of their own: a section of general requirements,
# a dash bullet stating a principle.  They are tracked only when something
# actionable lies below them.
PASSIVE_KINDS = frozenset({"section", "bullet"})
# The parser's kinds that have no node kind of their own here.
KIND_MAP = {"part": "section"}

_SPAN_RE = re.compile(r"(20\d{2})\s*年?\s*(?:至|到|—|－|-|~|～)\s*(20\d{2})\s*年")
_YEARS_IN_TITLE = {"一年": 0, "两年": 1, "二年": 1, "三年": 2, "四年": 3, "五年": 4}


@dataclass
class UnitMatch:
    name: str
    unit_id: int | None
    unit_name: str = ""
    score: float = 0.0


@dataclass
class PreviewMilestone:
    title: str
    due: date
    text: str = ""


@dataclass
class PreviewNode:
    code: str
    parent_code: str | None
    kind: str
    level: int
    number: str
    heading: str
    text: str
    line: int | None
    source_start: int | None
    source_end: int | None
    weight: float
    lead_units: list[str] = field(default_factory=list)
    supporting_units: list[str] = field(default_factory=list)
    planned_end: date | None = None
    deadline_text: str = ""
    milestones: list[PreviewMilestone] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    children: list[PreviewNode] = field(default_factory=list, repr=False)

    @property
    def depth(self) -> int:
        return self.code.count(".")


@dataclass
class ImportPreview:
    title: str
    issuer: str
    doc_number: str
    issued_on: date | None
    addressees: list[str]
    warnings: list[str]
    start: date | None
    end: date | None
    nodes: list[PreviewNode]  # document order
    units: dict[str, UnitMatch]

    @property
    def roots(self) -> list[PreviewNode]:
        return [n for n in self.nodes if n.parent_code is None]

    @property
    def unmatched(self) -> list[str]:
        return [name for name, m in self.units.items() if m.unit_id is None]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.kind] = out.get(n.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        def node(n: PreviewNode) -> dict[str, Any]:
            d = {k: v for k, v in asdict(n).items() if k != "children"}
            d["planned_end"] = _iso(n.planned_end)
            d["milestones"] = [
                {"title": m.title, "due": m.due.isoformat(), "text": m.text} for m in n.milestones
            ]
            d["lead_units"] = [self._unit_dict(u) for u in n.lead_units]
            d["supporting_units"] = [self._unit_dict(u) for u in n.supporting_units]
            d["children"] = [node(c) for c in n.children]
            return d

        return {
            "title": self.title,
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "issued_on": _iso(self.issued_on),
            "addressees": self.addressees,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "warnings": self.warnings,
            "counts": self.counts(),
            "units": [self._unit_dict(name) for name in self.units],
            "nodes": [node(n) for n in self.roots],
        }

    def _unit_dict(self, name: str) -> dict[str, Any]:
        m = self.units.get(name) or UnitMatch(name, None)
        return {
            "name": name,
            "unit_id": m.unit_id,
            "unit_name": m.unit_name,
            "score": round(m.score, 3),
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _names(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if str(v).strip()]


def _walk(
    nodes: Iterable[Any], parent_code: str | None = None
) -> Iterable[tuple[Any, str, str | None]]:
    stack = [
        (n, f"{parent_code}.{i}" if parent_code else str(i), parent_code)
        for i, n in enumerate(nodes, 1)
    ]
    stack.reverse()
    while stack:
        n, code, parent = stack.pop()
        yield n, code, parent
        kids = list(getattr(n, "children", None) or [])
        for i, c in reversed(list(enumerate(kids, 1))):
            stack.append((c, f"{code}.{i}", code))


def build_preview(
    doc: Any,
    *,
    units: Sequence[UnitRow],
    matcher: Matcher | None = None,
    unit_map: Mapping[str, int | None] | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    full_text: str = "",
) -> ImportPreview:
    """The rows an import of ``doc`` would create (nothing is saved here).

    ``unit_map`` overrides the matcher for the names it lists (the import
    page lets the reviewer correct a match, or clear it with None).
    """
    built: list[PreviewNode] = []
    by_code: dict[str, PreviewNode] = {}
    for n, code, parent_code in _walk(getattr(doc, "nodes", []) or []):
        kind = str(getattr(n, "kind", "item") or "item")
        kind = KIND_MAP.get(kind, kind if kind in KINDS else "item")
        deadlines = [d for d in (getattr(n, "deadlines", None) or [])]
        dated = sorted((d for d in deadlines if getattr(d, "date", None)), key=lambda d: d.date)
        heading = str(getattr(n, "heading", "") or "").strip()
        text = str(getattr(n, "text", "") or "")
        pn = PreviewNode(
            code=code,
            parent_code=parent_code,
            kind=kind,
            level=int(getattr(n, "level", 0) or code.count(".") + 1),
            number=str(getattr(n, "number", "") or "")[:20],
            heading=(heading or text[:60] or code)[:500],
            text=text,
            line=getattr(n, "line", None),
            source_start=getattr(n, "start", None),
            source_end=getattr(n, "end", None),
            weight=1.0,
            lead_units=_names(getattr(n, "lead_units", None)),
            supporting_units=_names(getattr(n, "supporting_units", None)),
            planned_end=dated[-1].date if dated else None,
            deadline_text="；".join(str(getattr(d, "text", "")) for d in deadlines)[:300],
            milestones=[
                PreviewMilestone(
                    title=_milestone_title(d, heading),
                    due=d.date,
                    text=str(getattr(d, "text", ""))[:300],
                )
                for d in dated
            ]
            if len(dated) > 1
            else [],
            targets=[_target_dict(t) for t in (getattr(n, "targets", None) or [])],
        )
        built.append(pn)
        by_code[code] = pn
        if parent_code is not None and parent_code in by_code:
            by_code[parent_code].children.append(pn)
    _set_weights(built)
    names = list(
        dict.fromkeys(name for pn in built for name in (*pn.lead_units, *pn.supporting_units))
    )
    matches = match_names(names, units, matcher=matcher, unit_map=unit_map)
    issued_on = getattr(doc, "date", None)
    # A notice that sends out a plan (关于印发《X》的通知) names the plan X.
    title = str(getattr(doc, "plan_title", "") or getattr(doc, "title", "") or "").strip()
    auto_start, auto_end = plan_period(
        text=full_text,
        title=title,
        issued_on=issued_on,
        deadlines=[pn.planned_end for pn in built],
        today=today,
    )
    return ImportPreview(
        title=title,
        issuer=str(getattr(doc, "issuer", "") or ""),
        doc_number=str(getattr(doc, "doc_number", "") or ""),
        issued_on=issued_on,
        addressees=_names(getattr(doc, "addressees", None)),
        warnings=[str(w) for w in (getattr(doc, "warnings", None) or [])],
        start=start or auto_start,
        end=end or auto_end,
        nodes=built,
        units=matches,
    )


def _milestone_title(deadline: Any, heading: str) -> str:
    text = str(getattr(deadline, "text", "") or "").strip()
    return (text or heading)[:300]


def _target_dict(t: Any) -> dict[str, Any]:
    if isinstance(t, dict):
        return dict(t)
    value = getattr(t, "value", None)
    return {
        "text": str(getattr(t, "text", "")),
        "value": float(value) if isinstance(value, int | float) else value,
        "unit": getattr(t, "unit", None),
        "comparator": getattr(t, "comparator", None),
    }


def _set_weights(nodes: list[PreviewNode]) -> None:
    """Weight 0 for passive nodes with nothing actionable below them."""
    for pn in reversed(nodes):  # children come after their parent
        if pn.kind in PASSIVE_KINDS and not any(c.weight > 0 for c in pn.children):
            pn.weight = 0.0


def match_names(
    names: Sequence[str],
    units: Sequence[UnitRow],
    *,
    matcher: Matcher | None = None,
    unit_map: Mapping[str, int | None] | None = None,
) -> dict[str, UnitMatch]:
    """Each name's organisation unit: exact name, short name or code first, then ``matcher``."""
    by_id = {u[0]: u for u in units}
    exact: dict[str, int] = {}
    for uid, name, short in units:
        for key in (name, short):
            if key:
                exact.setdefault(key.strip(), uid)
    out: dict[str, UnitMatch] = {}
    rest = []
    for name in names:
        if unit_map is not None and name in unit_map:
            uid = unit_map[name]
            out[name] = UnitMatch(
                name, uid if uid in by_id else None, by_id[uid][1] if uid in by_id else "", 1.0
            )
        elif name.strip() in exact:
            uid = exact[name.strip()]
            out[name] = UnitMatch(name, uid, by_id[uid][1], 1.0)
        else:
            rest.append(name)
    if rest and matcher is not None and units:
        found = matcher(rest, list(units))
        for name in rest:
            uid, score = found.get(name, (None, 0.0))
            out[name] = UnitMatch(
                name,
                uid if uid in by_id else None,
                by_id[uid][1] if uid in by_id else "",
                float(score or 0),
            )
    for name in rest:
        out.setdefault(name, UnitMatch(name, None))
    return {name: out[name] for name in names}


def plan_period(
    *,
    text: str,
    title: str,
    issued_on: date | None,
    deadlines: Iterable[date | None] = (),
    today: date | None = None,
) -> tuple[date | None, date | None]:
    """The plan's period: "2017年至2019年" in the text, else "三年" in the title, else the deadlines.

    The start is the issue date when it falls inside the first year (a plan
    cannot be behind before it was issued), else 1 January of that year.
    """
    base = issued_on or today
    m = _SPAN_RE.search(text or "")
    if m:
        y1, y2 = int(m.group(1)), int(m.group(2))
        if y2 >= y1:
            start = base if base is not None and base.year == y1 else date(y1, 1, 1)
            return start, date(y2, 12, 31)
    for word, extra in _YEARS_IN_TITLE.items():
        if word in (title or "") and base is not None:
            return base, date(base.year + extra, 12, 31)
    dates = [d for d in deadlines if d is not None]
    if dates and base is not None and max(dates) > base:
        return base, max(dates)
    if base is not None:
        return base, date(base.year, 12, 31)
    return None, None
