"""Parse a Chinese government plan (行动计划、实施方案、通知) into a tree of tasks.

Pure Python, no Django: ``read_text`` gets the text out of a file (.txt/.md in
UTF-8, UTF-16 or GBK/GB18030; .docx; .html; .pdf when pypdf is installed),
``parse_plan`` turns it into a ``PlanDocument`` and ``plan_to_json`` prints it.

The outline follows the numbering of official documents, outermost first:
``第一部分`` → ``一、`` → ``（一）`` → ``1.``/``1、`` → ``（1）`` → ``①``. A node's
``level`` is its depth in the tree, so skipped levels (``一、`` then ``1.``) just
nest one deeper. Inside a paragraph, ``一是…二是…`` are items; a paragraph that
starts with ``——`` is a bullet; newspaper write-ups of a plan have ``关键词``
sections whose ``《行动方案》提出，…`` quotes are split into measures (one per
sentence). Item, bullet and measure nodes hold one paragraph at most; a later
plain paragraph goes back to the enclosing outline node.

Offsets: ``start``/``end`` of a node span its whole block in the normalised
text (``PlanDocument.source_text``), children included; ``text`` is the node's
own text without its children's and without its number. ``heading`` is the
run-in heading: the text up to the first ``。`` (or a heading line).

Annotations are read from a node's own text: units (``（牵头单位：X；配合单位：Y、Z）``,
``责任单位：``, ``（X负责）``, ``由X牵头，Y配合``; for 关键词 sections, the units
whose officials are quoted), deadlines (``完成时限：2026年6月底前``, ``今年7月前``,
``2022年初``, ``到2019年``) and quantitative targets (``80%以上``, ``122万人``,
``覆盖区内所有镇（街道）``). A unit list at the end of a paragraph's last item,
when the other items carry none, belongs to the paragraph's task.

Deadline dates are the last day the text allows: ``6月底前`` → 30 June, ``7月前``
(before July) → 30 June, ``到2019年`` → 31 December 2019, ``2022年初`` → 31 March
2022 (precision "early"), ``年中`` → 30 June ("mid"), ``上旬/中旬/下旬`` → the
10th/20th/last day. ``今年``/``明年`` and a month without a year count from the
document's date, else from ``today``; with neither, their date is ``None``.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import html.parser
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .textnorm import (
    DATE_LINE_RE,
    DOC_TYPE_END_RE,
    ITEM_RE,
    PlanParseError,
    cn_to_int,
    decode_bytes,
    match_marker,
    normalise,
)
from .units import clean_unit_name, looks_like_unit
from .units import match_units as _match_units

__all__ = [
    "Deadline",
    "Node",
    "PlanDocument",
    "PlanParseError",
    "Target",
    "match_units",
    "parse_file",
    "parse_plan",
    "plan_to_json",
    "read_text",
]


# =========================================================================== data


@dataclass
class Deadline:
    text: str
    date: datetime.date | None
    # "day" | "month" | "quarter" | "year" | "early" | "mid" | "late" | "" (unreadable)
    precision: str


@dataclass
class Target:
    text: str
    value: float | None
    unit: str
    comparator: str  # "≥" ">" "≤" "<" "≈" "="
    kind: str = "number"  # "number" | "percent" | "coverage"


@dataclass
class Node:
    kind: str  # section area task subtask item bullet keyword measure part
    level: int
    number: str
    heading: str
    text: str
    start: int
    end: int
    line: int
    lead_units: list[str] = field(default_factory=list)
    supporting_units: list[str] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    ordinal: int | None = None  # the number's value: 三、 → 3, （2） → 2, 四是 → 4

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "level": self.level,
            "number": self.number,
            "ordinal": self.ordinal,
            "heading": self.heading,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "lead_units": list(self.lead_units),
            "supporting_units": list(self.supporting_units),
            "deadlines": [
                {
                    "text": d.text,
                    "date": d.date.isoformat() if d.date else None,
                    "precision": d.precision,
                }
                for d in self.deadlines
            ],
            "targets": [
                {
                    "text": t.text,
                    "value": t.value,
                    "unit": t.unit,
                    "comparator": t.comparator,
                    "kind": t.kind,
                }
                for t in self.targets
            ],
            "children": [c.to_dict() for c in self.children],
        }


@dataclass
class PlanDocument:
    title: str
    issuer: str
    doc_number: str
    date: datetime.date | None
    addressees: list[str]
    nodes: list[Node]
    source_text: str
    warnings: list[str]
    plan_title: str = ""  # the plan a notice sends out (关于印发《X》的通知 → X)
    attachments: list[str] = field(default_factory=list)
    preamble: str = ""  # text before the first node that is not a header field
    removed_lines: list[str] = field(default_factory=list)  # web chrome dropped while normalising

    def walk(self) -> Iterator[Node]:
        for node in self.nodes:
            yield from node.walk()

    def unit_names(self) -> list[str]:
        """Every unit named in the tree, once, in order of appearance (for matching)."""
        seen: dict[str, None] = {}
        for node in self.walk():
            for name in (*node.lead_units, *node.supporting_units):
                seen.setdefault(name, None)
        return list(seen)

    def to_dict(self, *, include_source: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "plan_title": self.plan_title,
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "date": self.date.isoformat() if self.date else None,
            "addressees": list(self.addressees),
            "attachments": list(self.attachments),
            "preamble": self.preamble,
            "warnings": list(self.warnings),
            "nodes": [n.to_dict() for n in self.nodes],
        }
        if include_source:
            out["source_text"] = self.source_text
            out["removed_lines"] = list(self.removed_lines)
        return out


def plan_to_json(doc: PlanDocument, *, indent: int | None = 2, include_source: bool = False) -> str:
    return json.dumps(doc.to_dict(include_source=include_source), ensure_ascii=False, indent=indent)


def match_units(
    names: Iterable[str],
    units: Sequence[tuple[int, str, str]],
    *,
    threshold: float = 0.8,
    regions: Iterable[str] = (),
) -> dict[str, tuple[int | None, float]]:
    """Fuzzy-match written unit names to ``(id, name, short_name)``; see ``zhili.plans.units``."""
    return _match_units(names, units, threshold=threshold, regions=regions)


# =========================================================================== reading files

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_text(path_or_bytes: str | os.PathLike[str] | bytes, filename: str | None = None) -> str:
    """The text of a plan file: .txt/.md/.html (encoding detected), .docx, .pdf.

    A ``str`` is a path. ``filename`` gives the type when bytes are passed; the
    content is sniffed as well (a .docx or PDF under another name still reads)."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data = bytes(path_or_bytes)
        name = filename or ""
    else:
        path = Path(path_or_bytes)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PlanParseError(
                f"无法读取文件 {path}（{exc.strerror}）(cannot read {path}: {exc.strerror})"
            ) from exc
    ext = Path(name).suffix.lower()
    if not data or not data.strip():
        raise PlanParseError("文件为空 (the file is empty)")
    if data.startswith(b"PK\x03\x04") or ext == ".docx":
        return _read_docx(data)
    if data.startswith(b"%PDF-") or ext == ".pdf":
        return _read_pdf(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or ext in (".doc", ".wps"):
        raise PlanParseError(
            "不支持旧版 Word/WPS 格式（.doc/.wps），请另存为 .docx (old binary .doc/.wps files are not supported: save as .docx)"
        )
    text, _encoding = decode_bytes(data)
    if ext in (".html", ".htm") or (not ext and re.match(r"\s*<(?:!doctype|html)", text, re.I)):
        return _html_to_text(text)
    if ext in (".md", ".markdown"):
        return _markdown_to_text(text)
    return text


def _markdown_to_text(text: str) -> str:
    lines = []
    for ln in text.splitlines():
        ln = re.sub(r"^\s{0,3}(?:#{1,6}\s+|>\s?)", "", ln)
        ln = re.sub(r"^\s*[-*+]\s+(?=\S)", "", ln)
        ln = re.sub(r"\*\*|__|`", "", ln)
        ln = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", ln)
        if re.fullmatch(r"\s*(?:[-*_]\s*){3,}", ln):  # a thematic break
            ln = ""
        lines.append(ln)
    return "\n".join(lines)


class _HTMLText(html.parser.HTMLParser):
    _BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "table",
        "title",
    }
    _SKIP = {"script", "style", "nav", "header", "footer", "noscript", "button", "select", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK or tag == "td":
            self.parts.append("\n" if tag != "td" else " ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data.replace("\n", " "))


def _html_to_text(text: str) -> str:
    p = _HTMLText()
    p.feed(text)
    p.close()
    return "".join(p.parts)


def _read_pdf(data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise PlanParseError(
            "读取 PDF 需要安装 pypdf (reading PDF files needs the pypdf package)"
        ) from exc
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PlanParseError("PDF 已加密，无法读取 (the PDF is encrypted)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PlanParseError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PlanParseError(
            f"PDF 文件已损坏或无法读取 (damaged or unreadable PDF: {exc})"
        ) from exc
    text = "\n".join(pages)
    if not text.strip():
        raise PlanParseError(
            "PDF 中没有文字（可能是扫描件，需先做文字识别）(the PDF has no text layer: a scan needs OCR first)"
        )
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    gaps = len(re.findall(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", text))
    if cjk and gaps > cjk * 0.3:  # extraction put a space between every two characters
        text = re.sub(
            r"(?<=[\u4e00-\u9fff，。、；：“”（）]) (?=[\u4e00-\u9fff，。、；：“”（）])", "", text
        )
    return text


def _docx_counter(fmt: str, n: int) -> str:
    if fmt in ("decimal", "decimalFullWidth", "decimalHalfWidth", "decimalZero"):
        return str(n).zfill(2) if fmt == "decimalZero" else str(n)
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "ideographTraditional",
    ):
        return _int_to_cn(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("lowerLetter", "upperLetter"):
        c = chr(ord("a") + (n - 1) % 26)
        return c.upper() if fmt == "upperLetter" else c
    if fmt in ("lowerRoman", "upperRoman"):
        vals = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
        out, k = "", n
        for v, s in vals:
            while k >= v:
                out, k = out + s, k - v
        return out.upper() if fmt == "upperRoman" else out
    return ""


def _int_to_cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def _docx_numbering(
    zf: zipfile.ZipFile,
) -> tuple[dict[str, dict[int, tuple[str, str, int]]], dict[str, tuple[str, int]]]:
    """numId → {ilvl: (numFmt, lvlText, start)}, and styleId → (numId, ilvl) for list styles."""
    levels: dict[str, dict[int, tuple[str, str, int]]] = {}
    styles: dict[str, tuple[str, int]] = {}
    try:
        root = ET.fromstring(zf.read("word/numbering.xml"))
    except (KeyError, ET.ParseError):
        root = None
    if root is not None:
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.iter(f"{_W}abstractNum"):
            lv: dict[int, tuple[str, str, int]] = {}
            for lvl in an.iter(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                fmt_el, text_el, start_el = (
                    lvl.find(f"{_W}numFmt"),
                    lvl.find(f"{_W}lvlText"),
                    lvl.find(f"{_W}start"),
                )
                lv[ilvl] = (
                    fmt_el.get(f"{_W}val", "decimal") if fmt_el is not None else "decimal",
                    text_el.get(f"{_W}val", "") if text_el is not None else "",
                    int(start_el.get(f"{_W}val", "1")) if start_el is not None else 1,
                )
            abstract[an.get(f"{_W}abstractNumId", "")] = lv
        for num in root.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                levels[num.get(f"{_W}numId", "")] = abstract.get(ref.get(f"{_W}val", ""), {})
    try:
        sroot = ET.fromstring(zf.read("word/styles.xml"))
    except (KeyError, ET.ParseError):
        sroot = None
    if sroot is not None:
        for st in sroot.iter(f"{_W}style"):
            num_pr = st.find(f"{_W}pPr/{_W}numPr")
            if num_pr is not None:
                nid, il = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
                if nid is not None:
                    styles[st.get(f"{_W}styleId", "")] = (
                        nid.get(f"{_W}val", ""),
                        int(il.get(f"{_W}val", "0")) if il is not None else 0,
                    )
    return levels, styles


def _read_docx(data: bytes) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        xml = zf.read("word/document.xml")
        root = ET.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, ET.ParseError) as exc:
        raise PlanParseError("不是有效的 .docx 文件 (not a valid .docx file)") from exc
    levels, styles = _docx_numbering(zf)
    counters: dict[str, list[int]] = {}
    lines: list[str] = []

    def para_text(p: ET.Element) -> str:
        out: list[str] = []
        for el in p.iter():
            if el.tag == f"{_W}t" and el.text:
                out.append(el.text)
            elif el.tag == f"{_W}tab":
                out.append(" ")
            elif el.tag in (f"{_W}br", f"{_W}cr"):
                out.append("\n")
            elif el.tag == f"{_W}noBreakHyphen":
                out.append("-")
        return "".join(out)

    def number_of(p: ET.Element) -> str:
        ppr = p.find(f"{_W}pPr")
        if ppr is None:
            return ""
        num_id, ilvl = "", 0
        num_pr = ppr.find(f"{_W}numPr")
        style = ppr.find(f"{_W}pStyle")
        if style is not None and style.get(f"{_W}val", "") in styles:
            num_id, ilvl = styles[style.get(f"{_W}val", "")]
        if num_pr is not None:
            nid, il = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
            if nid is not None:
                num_id = nid.get(f"{_W}val", "")
            if il is not None:
                ilvl = int(il.get(f"{_W}val", "0"))
        lv = levels.get(num_id)
        if not lv or num_id == "0" or ilvl not in lv:
            return ""
        count = counters.setdefault(num_id, [0] * 10)
        fmt, text, start = lv[ilvl]
        count[ilvl] = (count[ilvl] or start - 1) + 1
        for deeper in range(ilvl + 1, 10):
            count[deeper] = 0
        if fmt in ("bullet", "none"):
            return ""

        def repl(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            f = lv.get(k, (fmt, "", 1))[0]
            return _docx_counter(f, count[k] or lv.get(k, (fmt, "", 1))[2])

        return re.sub(r"%(\d)", repl, text)

    def walk(el: ET.Element) -> None:
        for child in el:
            if child.tag == f"{_W}p":
                lines.append(number_of(child) + para_text(child))
            elif child.tag == f"{_W}tbl":
                for row in child.iter(f"{_W}tr"):
                    cells = [
                        " ".join(para_text(p) for p in tc.iter(f"{_W}p"))
                        for tc in row.iter(f"{_W}tc")
                    ]
                    lines.append(" ".join(c for c in cells if c.strip()))
            elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}body"):
                walk(child)

    body = root.find(f"{_W}body")
    if body is None:
        raise PlanParseError("不是有效的 .docx 文件 (not a valid .docx file)")
    walk(body)
    text = "\n".join(lines)
    if not text.strip():
        raise PlanParseError("文件为空 (the file is empty)")
    return text


def parse_file(
    path_or_bytes: str | os.PathLike[str] | bytes,
    filename: str | None = None,
    *,
    today: datetime.date | None = None,
) -> PlanDocument:
    """``read_text`` then ``parse_plan``."""
    return parse_plan(read_text(path_or_bytes, filename), today=today)


# =========================================================================== annotations

_LEAD_LABELS = "牵头单位|牵头部门|责任单位|责任部门|主责单位|主办单位|实施单位|承办单位|责任主体"
_SUPPORT_LABELS = "配合单位|配合部门|协办单位|协办部门|参与单位|参与部门|协助单位|协同单位|协作单位"
_UNIT_LABEL_RE = re.compile(rf"(?P<label>{_LEAD_LABELS}|{_SUPPORT_LABELS})[：:]\s*")
_ANY_LABEL_RE = re.compile(
    rf"(?:{_LEAD_LABELS}|{_SUPPORT_LABELS}|完成时限|完成时间|时间节点|时限要求|时限)[：:]"
)
_DEADLINE_LABEL_RE = re.compile(
    r"(?:完成时限|完成时间|时间节点|时限要求|时限|截止时间|完成期限)[：:]\s*"
)
_SPEAKER_RE = re.compile(
    r"(?:^|(?<=[，。；：”\n]))\s*(?P<unit>[\u4e00-\u9fff]{2,16}?(?:局|委|办|部|院|中心|政府|厅|集团|公司|医院|区委|县委|市委))"
    r"(?:党组书记|党委书记|党委副书记|党组成员|副书记|书记|局长|副局长|主任|副主任|相关负责人|主要负责人|负责人|"
    r"院长|副院长|区长|副区长|县长|副县长|部长|副部长|董事长|总经理)"
    r"(?:[、，](?:局长|区长|院长|主任|部长|县长|副局长|副区长|副院长|副主任))?"
    r"[\u4e00-\u9fff]{0,3}(?:表示|介绍|指出|说|称)"
)


def _inside_quotes(text: str, pos: int) -> bool:
    return text.count("“", 0, pos) > text.count("”", 0, pos)


def _split_units(value: str) -> list[tuple[str, bool]]:
    """Split ``区城管局（牵头）、区住建局`` at depth 0 → [(name, marked as lead)]."""
    parts, depth, cur = [], 0, ""
    for ch in value:
        if ch == "（":
            depth += 1
        elif ch == "）":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,/ ；;":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for part in parts:
        marked = "（牵头）" in part
        name = clean_unit_name(part)
        if name:
            out.append((name, marked))
    return out


def _label_value(text: str, pos: int) -> str:
    """The value after a label: up to ；。or a line end, an unbalanced ）or the next label."""
    depth, i = 0, pos
    while i < len(text):
        ch = text[i]
        if ch == "（":
            depth += 1
        elif ch == "）":
            if depth == 0:
                break
            depth -= 1
        elif ch in "；;。\n" and depth == 0:
            break
        elif depth == 0 and _ANY_LABEL_RE.match(text, i):
            break
        i += 1
    return text[pos:i].strip("，, ")


def _scan_back(text: str, pos: int) -> str:
    """The phrase before ``pos`` up to the previous clause break, skipping (…) remarks."""
    i = pos - 1
    while i >= 0:
        ch = text[i]
        if ch == "）":
            depth = 1
            i -= 1
            while i >= 0 and depth:
                if text[i] == "）":
                    depth += 1
                elif text[i] == "（":
                    depth -= 1
                i -= 1
            continue
        if ch in "，。；：！？\n“”（,;":
            break
        i -= 1
    return text[i + 1 : pos]


def _units_before(text: str, pos: int) -> list[str]:
    phrase = _scan_back(text, pos)
    if "由" in phrase:
        phrase = phrase[phrase.rindex("由") + 1 :]
    phrase = re.sub(r"(?:具体|主要|统一|共同|分别|全面|要|将|应|须|必须|牵头)$", "", phrase)
    return [n for n, _ in _split_units(phrase) if looks_like_unit(n)]


def extract_units(text: str, *, speakers: bool = False) -> tuple[list[str], list[str]]:
    """→ (lead units, supporting units) named in ``text``."""
    lead: dict[str, None] = {}
    support: dict[str, None] = {}
    for m in _UNIT_LABEL_RE.finditer(text):
        names = _split_units(_label_value(text, m.end()))
        if m.group("label") in _SUPPORT_LABELS.split("|"):
            support.update((n, None) for n, _ in names)
        elif any(marked for _, marked in names):
            lead.update((n, None) for n, marked in names if marked)
            support.update((n, None) for n, marked in names if not marked)
        else:
            lead.update((n, None) for n, _ in names)
    for m in re.finditer(r"负责(?!人|同志|的|任)", text):
        if _inside_quotes(text, m.start()):
            continue
        phrase = _scan_back(text, m.start())
        if "会同" in phrase:
            head, _, tail = phrase.rpartition("会同")
            lead.update((n, None) for n in _units_before(head + "负责", len(head)))
            support.update((n, None) for n, _ in _split_units(tail) if looks_like_unit(n))
            continue
        lead.update((n, None) for n in _units_before(text, m.start()))
    for m in re.finditer(r"牵头(?!单位|部门|抓总的)", text):
        if _inside_quotes(text, m.start()):
            continue
        leads = _units_before(text, m.start())
        lead.update((n, None) for n in leads)
        if leads:
            after = re.match(
                r"[，,]?\s*([^。；，\n]{2,80}?)(?:配合|参与|协助|协同|协办)", text[m.end() :]
            )
            if after:
                support.update(
                    (n, None) for n, _ in _split_units(after.group(1)) if looks_like_unit(n)
                )
    if speakers:
        for m in _SPEAKER_RE.finditer(text):
            if not _inside_quotes(text, m.start("unit")):
                lead.setdefault(m.group("unit"), None)
    for n in lead:
        support.pop(n, None)
    return list(lead), list(support)


_DL_RE = re.compile(
    r"(?P<pre>截止到|截止至|截止|到|至|力争(?:在|到|于)?|争取(?:在|到|于)?|确保(?:在|到|于)?|计划(?:在|到|于)|于|在)?"
    r"(?:(?:(?P<y>\d{4}|[〇零一二三四五六七八九]{4})|(?P<ry>今|本|明|次|后))年|(?P<bare>年)(?=[初中底末内]))?"
    r"(?:(?P<q>第?[一二三四1-4])季度|(?P<half>上半年|下半年)"
    r"|(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月份?(?:(?P<d>3[01]|[12]\d|0?[1-9])[日号])?)?"
    r"(?P<part>上旬|中旬|下旬|底|末|初(?![步期次级始心中衷])|中(?=前|[，。；]))?"
    r"(?P<post>之前|以前|前|止|内(?![容涵部外地需]))?"
    r"(?:(?P<verb>)(?=完成|实现|建成|基本|全面|初步|达到|投入|投产|开工|竣工|启用))?"
)


def _month_end(y: int, m: int) -> datetime.date:
    return datetime.date(y, m, calendar.monthrange(y, m)[1])


def _resolve(m: re.Match[str], ref: datetime.date | None) -> tuple[datetime.date | None, str]:
    year: int | None
    if m.group("y"):
        year = cn_to_int(m.group("y"))
    elif m.group("ry") or m.group("bare") or m.group("m") or m.group("q") or m.group("half"):
        offset = {"明": 1, "次": 1, "后": 2}.get(m.group("ry") or "", 0)
        year = ref.year + offset if ref else None
    else:
        year = None
    part, post = m.group("part") or "", m.group("post") or ""
    before = post in ("前", "之前", "以前") and part not in ("底", "末")
    precision: str
    if m.group("q"):
        q = cn_to_int(m.group("q").lstrip("第")) or 1
        return (_month_end(year, q * 3) if year else None), "quarter"
    if m.group("half"):
        if m.group("half") == "上半年":
            return (datetime.date(year, 6, 30) if year else None), "mid"
        return (datetime.date(year, 12, 31) if year else None), "late"
    if m.group("m"):
        month = cn_to_int(m.group("m")) or 1
        if year is None:
            return None, "day" if m.group("d") else "month"
        if m.group("d"):
            day = min(int(m.group("d")), calendar.monthrange(year, month)[1])
            return datetime.date(year, month, day), "day"
        if part in ("上旬", "初"):
            return datetime.date(year, month, 10), "early"
        if part in ("中旬", "中"):
            return datetime.date(year, month, 20), "mid"
        if part == "下旬":
            return _month_end(year, month), "late"
        if before:
            prev = datetime.date(year, month, 1) - datetime.timedelta(days=1)
            return prev, "month"
        return _month_end(year, month), "month"
    if year is None:
        return None, "year"
    if part == "初":
        return datetime.date(year, 3, 31), "early"
    if part == "中":
        return datetime.date(year, 6, 30), "mid"
    if before:
        return datetime.date(year - 1, 12, 31), "year"
    precision = "year"
    return datetime.date(year, 12, 31), precision


def extract_deadlines(text: str, ref: datetime.date | None) -> list[Deadline]:
    out: list[Deadline] = []
    labelled: list[tuple[int, int]] = []
    for lm in _DEADLINE_LABEL_RE.finditer(text):
        value = _label_value(text, lm.end())
        if value:
            labelled.append((lm.end(), lm.end() + len(value)))
            if not any(
                mm.group("y")
                or mm.group("ry")
                or mm.group("m")
                or mm.group("q")
                or mm.group("half")
                or mm.group("bare")
                for mm in _DL_RE.finditer(value)
            ):
                out.append(Deadline(value, None, ""))
    seen: set[tuple[int, int]] = set()
    for m in _DL_RE.finditer(text):
        core = (
            m.group("y")
            or m.group("ry")
            or m.group("bare")
            or m.group("m")
            or m.group("q")
            or m.group("half")
        )
        if not core:
            continue
        start, end = m.start(), m.end()
        if m.group("bare") or (m.group("m") and not (m.group("y") or m.group("ry"))):
            prev = text[start - 1 : start] if not m.group("pre") else ""
            if prev and (prev.isdigit() or prev in "〇零一二三四五六七八九十两每个几半"):
                continue  # 三年内, 12个月: a duration, not a date
        pre, post, part = m.group("pre") or "", m.group("post") or "", m.group("part") or ""
        weak_pre = pre in ("于", "在")
        in_label = any(a <= start < b for a, b in labelled)
        cue = (
            in_label
            or (pre and not weak_pre)
            or post
            or part
            or m.group("q")
            or m.group("half")
            or (m.group("verb") is not None and (m.group("y") or m.group("ry")))
            or (weak_pre and (post or part))
        )
        if not cue:
            continue
        if re.match(r"以来|至今|开始|起|来", text[end : end + 2]):
            continue
        if weak_pre:
            start += len(pre)
        # a range 2017年至2019年 reads as one deadline
        rng = re.search(r"(\d{4}年(?:\d{1,2}月)?)$", text[max(0, start - 10) : start])
        if pre == "至" and rng:
            start -= len(rng.group(1))
        elif pre in ("至",) and not rng:
            start += len(pre)
        key = (start, end)
        if key in seen:
            continue
        seen.add(key)
        date, precision = _resolve(m, ref)
        out.append(Deadline(text[start:end], date, precision))
    return out


_CMP = {
    "≥": (
        "以上",
        "不低于",
        "不少于",
        "不小于",
        "至少",
        "达到",
        "达",
        "提高到",
        "提升到",
        "提高至",
        "提升至",
        "增加到",
        "增加至",
        "增长到",
        "多",
    ),
    ">": ("超过", "高于", "多于"),
    "≤": (
        "以下",
        "以内",
        "不超过",
        "不高于",
        "不大于",
        "控制在",
        "降低到",
        "降低至",
        "降到",
        "降至",
        "下降到",
    ),
    "<": ("低于", "少于"),
    "≈": ("约", "近", "左右"),
}
_CMP_OF = {w: sym for sym, words in _CMP.items() for w in words}
_CMP_PRE = "|".join(
    sorted(
        (w for w in _CMP_OF if w not in ("以上", "以下", "以内", "左右", "多")),
        key=len,
        reverse=True,
    )
)
_TARGET_UNITS = (
    "平方公里|平方千米|平方米|立方米|公里|千米|千瓦时|千瓦|兆瓦|千伏|公顷|万元|亿元|人次|公斤|千克|"
    "个|家|所|米|亩|户|辆|座|条|项|宗|台|套|吨|元|人|名|张|间|栋|幢|处|床|株|棵|盏"
)
_NUM_RE = re.compile(
    rf"(?P<pre>{_CMP_PRE}|保持在|稳定在)?(?P<num>\d+(?:\.\d+)?)(?P<pct>%)?(?P<mag>万|亿|千)?(?P<unit>{_TARGET_UNITS})?"
    r"(?P<post>以上|以下|以内|左右|多)?"
)
_COVER_RE = re.compile(
    r"覆盖[^，。；：\n]{0,12}?(?:所有|全部)[^，。；：\n]{1,20}"
    r"|[^，。；：\n“”]{1,30}?(?:全覆盖|全域覆盖)(?=[。，；：\n]|$)"
)


def extract_targets(text: str) -> list[Target]:
    out: list[Target] = []
    for m in _NUM_RE.finditer(text):
        pct, mag, unit = m.group("pct"), m.group("mag"), m.group("unit")
        if not (pct or mag or unit):
            continue
        ns = m.start("num")
        before = text[ns - 1 : ns] if not m.group("pre") else ""
        if before and (before.isascii() and before.isalnum() or before in ".~-—第"):
            continue
        after = text[m.end() : m.end() + 2]
        if after[:1] and after[0] in "之号年月日届期线级岁周天时秒代批轮版" and not pct:
            continue
        if unit == "个" and re.match(r"月|小时|工作日|百分点", after):
            continue
        pre = m.group("pre") or ""
        start = m.start()
        if pre and text[start - 1 : start] in "下传送表转抵到" and text[start - 1 : start]:
            pre, start = "", m.start("num")  # 下达、到达: a verb, not "at least"
        value = float(m.group("num")) * {"万": 1e4, "亿": 1e8, "千": 1e3}.get(mag or "", 1)
        comparator = _CMP_OF.get(m.group("post") or "") or _CMP_OF.get(pre) or "="
        out.append(
            Target(
                text=text[start : m.end()],
                value=value,
                unit="%" if pct else (unit or ""),
                comparator=comparator,
                kind="percent" if pct else "number",
            )
        )
    for m in _COVER_RE.finditer(text):
        phrase = m.group(0).strip()
        # a headline and its paragraph often say the same thing twice
        if not any(t.kind == "coverage" and (phrase in t.text or t.text in phrase) for t in out):
            out.append(Target(text=phrase, value=100.0, unit="%", comparator="=", kind="coverage"))
    return out


# =========================================================================== header

_DOCNUM_RE = re.compile(
    r"(?P<org>[\u4e00-\u9fff]{1,8}?)\s*[〔\[【（﹝［]\s*(?P<year>\d{4})\s*[〕\]】）﹞］]\s*(?P<no>\d{1,5})\s*号"
)
_ORG_RE = re.compile(
    r"(?:人民政府|政府|委员会|办公室|委|办|局|厅|部|院|中心|管委会|办事处|街道|公司|集团|小组|领导小组)$"
)
_FULL_DATE_RE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_ISO_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
_CLOSING_RE = re.compile(
    r"^(?:附件|附表|抄送|主送|公开方式|（此件|（本件|（此页|（联系人|联系人|信息公开选项)"
)


def _date_of(m: re.Match[str]) -> datetime.date | None:
    g = m.groupdict()
    try:
        if g.get("y"):
            return datetime.date(int(g["y"]), int(g["m"]), int(g["d"]))
        if g.get("cy"):
            y, mo, d = cn_to_int(g["cy"]), cn_to_int(g["cm"]), cn_to_int(g["cd"])
            if y and mo and d:
                return datetime.date(y, mo, d)
        if g.get("iy"):
            return datetime.date(int(g["iy"]), int(g["im"]), int(g["id"]))
    except ValueError:
        return None
    return None


@dataclass
class _Para:
    idx: int
    start: int
    end: int
    text: str


# =========================================================================== parse


_HEADING_STOP = "。！？"
_MEASURE_CUE_RE = re.compile(r"《[^》]{2,30}》中?(?:提出|明确|指出|要求|强调|部署)[，,：:]")
_ANN_TAIL_RE = re.compile(r"（[^（）]*(?:单位|部门|负责|牵头|时限)[^（）]*）[。；]?\s*$")
_ANN_ANY_RE = re.compile(r"（[^（）]*(?:单位|部门|负责|牵头|时限)[^（）]*）")


def _heading(text: str) -> str:
    first = text.split("\n", 1)[0].strip()
    if not first:
        return ""
    cut = len(first)
    for i, ch in enumerate(first):
        if ch in _HEADING_STOP:
            cut = i
            break
    colon = first.find("：")
    if 0 < colon < cut and colon <= 15:
        cut = colon
    h = _ANN_ANY_RE.sub("", first[:cut]) or first[:cut]
    comma = h.find("，")
    if len(h) > 40 and comma >= 4:  # a long first sentence: its first clause names it
        h = h[:comma]
    sp = h.find(" ")
    if 2 <= sp <= 20 and re.match(r"[\u4e00-\u9fff]", h[sp + 1 : sp + 2]):
        h = h[:sp]  # "一、总体要求 坚持…": a heading pasted onto its body with a space
    return h.strip("，；、 ")


class _Builder:
    def __init__(self, src: str, article: bool, warnings: list[str]) -> None:
        self.src = src
        self.article = article
        self.warnings = warnings
        self.root = Node("document", 0, "", "", "", 0, len(src), 1)
        self.stack: list[tuple[float, Node]] = []
        self.segs: dict[int, list[tuple[int, int, int]]] = {}
        self.last_item: dict[int, int] = {}
        self.groups: dict[int, str] = {}
        self.line_starts = [0] + [i + 1 for i, c in enumerate(src) if c == "\n"]

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos)

    def owner(self) -> Node:
        return self.stack[-1][1] if self.stack else self.root

    def seg(self, node: Node, s: int, e: int, pidx: int) -> None:
        if e > s:
            self.segs.setdefault(id(node), []).append((s, e, pidx))

    def new(self, parent: Node, kind: str, number: str, start: int, ordinal: int | None) -> Node:
        node = Node(
            kind,
            parent.level + 1,
            number,
            "",
            "",
            start,
            start,
            self.line_of(start),
            ordinal=ordinal,
        )
        parent.children.append(node)
        return node

    def close_all(self) -> None:
        self.stack.clear()

    def open(
        self,
        para: _Para,
        group: str,
        kind: str,
        rank: float,
        number: str,
        ordinal: int | None,
        body: int,
    ) -> None:
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        parent = self.owner()
        same = [c for c in parent.children if self.groups.get(id(c)) == group]
        if ordinal is not None and kind != "keyword":
            prev = same[-1].ordinal if same else 0
            if prev is not None and ordinal != prev + 1:
                self.warnings.append(
                    f"第{self.line_of(para.start)}行：编号「{number}」不连续（上一个是第{prev}项）"
                    f" (line {self.line_of(para.start)}: numbering {number} does not follow item {prev})"
                )
        node = self.new(parent, kind, number, para.start, ordinal)
        self.groups[id(node)] = group
        if group != "bullet":
            self.stack.append((rank, node))
        self.content(node, body, para.end, para.idx)

    def content(self, owner: Node, s: int, e: int, pidx: int) -> None:
        src = self.src
        while s < e and src[s] == " ":
            s += 1
        items = self.items(owner, s, e)
        if items:
            self.seg(owner, s, items[0][0], pidx)
            tail = _ANN_TAIL_RE.search(src, items[-1][0], e)
            if tail and not any(_ANN_ANY_RE.search(src, a, b) for a, _, _, b in items[:-1]):
                a, m_end, n, _ = items[-1]
                items[-1] = (a, m_end, n, tail.start())
                self.seg(owner, tail.start(), e, pidx)
            for a, m_end, n, b in items:
                node = self.new(owner, "item", src[a:m_end], a, n)
                self.seg(node, m_end, b, pidx)
            self.last_item[id(owner)] = items[-1][2]
            return
        if self.article:
            cue = _MEASURE_CUE_RE.search(src, s, e)
            if cue:
                self.seg(owner, s, cue.end(), pidx)
                for a, b in _sentences(src, cue.end(), e):
                    node = self.new(owner, "measure", "", a, None)
                    self.seg(node, a, b, pidx)
                return
        self.seg(owner, s, e, pidx)

    def items(self, owner: Node, s: int, e: int) -> list[tuple[int, int, int, int]]:
        """Inline items 一是…二是… in [s, e): (start, end of marker, number, end)."""
        cands = []
        for m in ITEM_RE.finditer(self.src, s, e):
            n = cn_to_int(m.group("num"))
            if n:
                cands.append((m.start(), m.end(), n))
        if not cands:
            return []
        last = self.last_item.get(id(owner), 0)
        at_start = cands[0][0] == s
        expected = last + 1 if at_start and last and cands[0][2] == last + 1 else 1
        chain = []
        for a, b, n in cands:
            if n == expected:
                chain.append((a, b, n))
                expected += 1
        if not chain:
            return []
        if len(chain) == 1:
            a = chain[0][0]
            if not (a == s or self.src[a - 1 : a] == "：" or (at_start and last)):
                return []
        out = []
        for i, (a, b, n) in enumerate(chain):
            end = chain[i + 1][0] if i + 1 < len(chain) else e
            out.append((a, b, n, end))
        return out

    def finish(self, node: Node) -> None:
        pieces: list[tuple[int, str]] = []
        end = node.start
        for s, e, pidx in self.segs.get(id(node), []):
            end = max(end, e)
            t = self.src[s:e].strip()
            if not t:
                continue
            if pieces and pieces[-1][0] == pidx:
                pieces[-1] = (pidx, pieces[-1][1] + t)
            else:
                pieces.append((pidx, t))
        node.text = "\n".join(t for _, t in pieces)
        for child in node.children:
            self.finish(child)
            end = max(end, child.end)
        node.end = end
        if node.kind == "keyword":
            node.heading = node.text.split("\n", 1)[0].strip()
        elif node.kind != "document":
            node.heading = _heading(node.text)


def _sentences(src: str, s: int, e: int) -> list[tuple[int, int]]:
    out, start, i = [], s, s
    while i < e:
        if src[i] in "。！？":
            j = i + 1
            while j < e and src[j] in "”’」』":
                j += 1
            if src[start:j].strip():
                out.append((start, j))
            start = i = j
            continue
        i += 1
    if src[start:e].strip():
        out.append((start, e))
    return out


def parse_plan(text: str, *, today: datetime.date | None = None) -> PlanDocument:
    """Parse the text of a plan (any of the forms ``read_text`` returns) into a ``PlanDocument``."""
    if not text or not text.strip():
        raise PlanParseError("文件为空 (the file is empty)")
    norm = normalise(text)
    src = norm.text
    warnings: list[str] = []
    if not src.strip():
        raise PlanParseError(
            "去掉网页导航等内容后没有正文 (no document text left after removing web-page furniture)"
        )
    if norm.split_lines:
        warnings.append(
            f"有 {norm.split_lines} 行包含多个段落，已按编号拆分 ({norm.split_lines} run-on lines were split at outline markers)"
        )
    paras: list[_Para] = []
    pos = 0
    for i, ln in enumerate(src.split("\n")):
        paras.append(_Para(i, pos, pos + len(ln), ln))
        pos += len(ln) + 1

    markers = [match_marker(p.text) for p in paras]
    first_marker = next(
        (i for i, mk in enumerate(markers) if mk and mk.group not in ("bullet",)),
        len(paras),
    )
    article = any(mk and mk.group == "keyword" for mk in markers) or all(
        not mk or mk.group == "bullet" for mk in markers
    )

    # ------------------------------------------------------------- header fields
    header_idx: set[int] = set()
    head = paras[:first_marker]
    title = issuer = doc_number = plan_title = ""
    doc_date: datetime.date | None = None
    addressees: list[str] = []
    attachments: list[str] = []

    head_text = "\n".join(p.text for p in head)
    cut = head_text.find("。")
    lead_text = head_text if cut < 0 else head_text[:cut]
    for m in _DOCNUM_RE.finditer(lead_text):
        if lead_text[max(0, m.start() - 2) : m.start()].endswith(("》", "》（")):
            continue
        doc_number = f"{m.group('org')}〔{m.group('year')}〕{m.group('no')}号"
        break
    if head:
        t0 = head[0].text
        if "。" not in t0 and len(t0) <= 150 and not DATE_LINE_RE.match(t0):
            title = t0
            header_idx.add(0)
        else:
            tm = re.match(
                r"^(.{4,80}?关于.{2,80}?的(?:通知|意见|决定|批复|报告|函|通报))", t0
            ) or re.match(r"^(.{4,60}?(?:行动计划|实施方案|工作方案|方案|计划|规划|意见|办法))", t0)
            if tm:
                title = tm.group(1)
        if title:
            # a title line that also carries the document number
            stripped = _DOCNUM_RE.sub("", title).strip("（）() ")
            if not stripped or (stripped != title and DOC_TYPE_END_RE.search(stripped)):
                title = stripped
    for p in head:
        if p.idx in header_idx:
            continue
        t = p.text
        if t == title or (
            p.idx < 4
            and "。" not in t
            and DOC_TYPE_END_RE.search(t)
            and len(t) <= 80
            and title
            and t in title
        ):
            header_idx.add(p.idx)
        elif (
            doc_number
            and doc_number[:-1].split("〔")[0] in t
            and _DOCNUM_RE.search(t)
            and len(t) <= len(doc_number) + 6
        ):
            header_idx.add(p.idx)
    # addressees: the first "X、Y：" before the first sentence, possibly wrapped over lines
    for cm in re.finditer("：", lead_text):
        before = lead_text[: cm.start()]
        pieces: list[str] = []
        for ln in reversed(before[before.rfind("）") + 1 :].split("\n")):
            if pieces and (
                DOC_TYPE_END_RE.search(ln)
                or DATE_LINE_RE.match(ln)
                or _DOCNUM_RE.search(ln)
                or "：" in ln
            ):
                break
            pieces.insert(0, ln.strip())
        chunk = "".join(pieces)
        if chunk.startswith("主送"):
            chunk = chunk[2:].strip("：: ")
        if (
            chunk
            and len(chunk) <= 200
            and (chunk.startswith("各") or "、" in chunk)
            and not chunk.startswith("附件")
        ):
            addressees = [a.strip() for a in re.split(r"[、，,]", chunk) if a.strip()]
            consumed = ""
            for p in reversed(head[: len(lead_text[: cm.end()].split("\n"))]):
                if len(consumed) >= len(chunk):
                    break
                consumed = p.text.rstrip("：") + consumed
                header_idx.add(p.idx)
            break
    # the date: a line of its own, in the header or at the end
    date_para: _Para | None = None
    for p in head + paras[first_marker:]:
        dm = DATE_LINE_RE.match(p.text)
        if dm:
            doc_date, date_para = _date_of(dm), p
            if doc_date:
                break
    if doc_date is None:
        # a run-on header: "…反映。佛山市高明区人民政府2017年8月7日佛山市…"
        fm = _FULL_DATE_RE.search(head_text)
        if fm:
            doc_date = _date_of(fm)
            sig = re.search(r"[。\s]([^。\s]{2,30}?)\s*$", head_text[: fm.start()])
            if not issuer and sig and _ORG_RE.search(sig.group(1)):
                issuer = sig.group(1)
    if doc_date is None:
        for ln in norm.removed:
            im = _ISO_DATE_RE.search(ln)
            if im:
                doc_date = _date_of(im)
                break
    if date_para is not None:
        header_idx.add(date_para.idx)
        if date_para.idx > 0:
            prev = paras[date_para.idx - 1]
            if len(prev.text) <= 40 and "。" not in prev.text and _ORG_RE.search(prev.text):
                issuer = prev.text
                header_idx.add(prev.idx)
    if not issuer and title:
        im2 = re.match(r"^(.{2,40}?)关于", title)
        if im2 and _ORG_RE.search(im2.group(1)):
            issuer = im2.group(1)
    # the plan a notice sends out
    pm = re.search(r"关于印发《?(.+?)》?的通知", title)
    for p in head:
        t = p.text
        if (
            p.idx not in header_idx
            and "。" not in t
            and len(t) <= 60
            and DOC_TYPE_END_RE.search(t)
            and not t.endswith("通知")
        ):
            plan_title = t
            header_idx.add(p.idx)
    if not plan_title and pm:
        plan_title = pm.group(1)
    if not plan_title:
        plan_title = title

    # ------------------------------------------------------------- outline
    b = _Builder(src, article, warnings)
    in_attachments = False
    for p in paras:
        if p.idx in header_idx:
            continue
        t = p.text
        if p.idx >= first_marker:
            if _CLOSING_RE.match(t):
                b.close_all()
                if t.startswith(("附件", "附表")):
                    name = re.sub(r"^(?:附件|附表)\s*\d*\s*[：:.、]?\s*", "", t)
                    name = re.sub(r"[\s\-—_]+$", "", name)
                    if name:
                        attachments.append(name)
                    in_attachments = True
                continue
            if DATE_LINE_RE.match(t):
                b.close_all()
                continue
            if (
                p.idx + 1 < len(paras)
                and DATE_LINE_RE.match(paras[p.idx + 1].text)
                and len(t) <= 40
                and "。" not in t
                and _ORG_RE.search(t)
            ):
                b.close_all()
                if not issuer:
                    issuer = t
                continue
            if in_attachments and len(t) <= 60 and "。" not in t:
                attachments.append(re.sub(r"^\d+\s*[.、：:]\s*", "", t))
                continue
            in_attachments = False
        mk = markers[p.idx]
        if mk is None:
            b.content(b.owner(), p.start, p.end, p.idx)
        elif mk.group == "bullet":
            b.open(p, "bullet", "bullet", 99, mk.number, None, p.start + mk.end)
        else:
            b.open(p, mk.group, mk.kind, mk.rank, mk.number, mk.ordinal, p.start + mk.end)
    b.finish(b.root)

    ref = doc_date or today
    if ref is None and any(True for _ in re.finditer(r"今年|明年|本年", src)):
        warnings.append(
            "文件没有日期，“今年”等相对时间无法换算 (no document date: relative deadlines are left without a date)"
        )
    nodes = b.root.children
    for node in (n for top in nodes for n in top.walk()):
        node.lead_units, node.supporting_units = extract_units(
            node.text, speakers=node.kind == "keyword"
        )
        node.deadlines = extract_deadlines(node.text, ref)
        node.targets = extract_targets(node.text)
    if not nodes:
        warnings.append("没有找到任何编号条目 (no numbered items found)")

    return PlanDocument(
        title=title,
        issuer=issuer,
        doc_number=doc_number,
        date=doc_date,
        addressees=addressees,
        nodes=nodes,
        source_text=src,
        warnings=warnings,
        plan_title=plan_title,
        attachments=attachments,
        preamble=b.root.text,
        removed_lines=norm.removed,
    )


def _main(argv: list[str] | None = None) -> int:  # pragma: no cover - a debugging aid
    import argparse
    import sys

    ap = argparse.ArgumentParser(
        description="Parse a Chinese government plan and print it as JSON."
    )
    ap.add_argument("file")
    args = ap.parse_args(argv)
    try:
        doc = parse_file(args.file)
    except PlanParseError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(plan_to_json(doc))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
