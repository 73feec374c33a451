"""The annex project table (项目表) in Excel: the five fixes of every project.

One row per project, matched by its code (项目编号): a code the plan has
is updated, a new code creates a project under the node named in 上级编号.
The import is all or nothing: every row is checked first and the errors of
all rows are reported together; nothing is written while one row is wrong.

Cells: an absent column leaves its field alone; a blank cell clears the
field, except 进度 (blank keeps the progress) and 权重 (blank means 1).
资金来源 is ``source amount`` pairs separated by ；(区财政 3000；社会资本 2000),
节点目标 is ``date title`` pairs separated by ；(2018-06-30 开工；2019-12-31 竣工).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from . import domain
from .models import Milestone, NodeUnit, Plan, PlanNode, StatusChoices

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (field, Chinese header, label for messages); the headers are the annex
# table's own words, so the sheet reads like the document's 项目表.
COLUMNS: list[tuple[str, str]] = [
    ("code", "项目编号"),
    ("name", "项目名称"),
    ("parent", "上级编号"),
    ("content", "建设内容"),
    ("plan_reference", "规划依据"),
    ("land_status", "用地情况"),
    ("budget_total", "总投资（万元）"),
    ("funding_sources", "资金来源"),
    ("amount_spent", "已完成投资（万元）"),
    ("planned_start", "计划开始"),
    ("planned_end", "计划完成"),
    ("milestones", "节点目标"),
    ("lead_units", "牵头单位"),
    ("supporting_units", "配合单位"),
    ("person", "责任人"),
    ("weight", "权重"),
    ("progress", "进度（%）"),
    ("status", "状态"),
]
HEADER = dict(COLUMNS)
REQUIRED = ("code",)
_SPLIT = re.compile(r"[;；\n]+")
_UNIT_SPLIT = re.compile(r"[、,，;；/\n]+")
_DATE_RE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_MILESTONE_RE = re.compile(r"^\s*(\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?)\s*(.*?)\s*$")
_SOURCE_RE = re.compile(r"^\s*(.+?)\s*[:：]?\s*(-?[\d,]+(?:\.\d+)?)?\s*(?:万元)?\s*$")


class ProjectImportError(ValidationError):
    """The table was refused whole; one message per wrong cell."""

    def __init__(self, errors: list[str]):
        self.row_errors = errors
        super().__init__(errors)


class ProjectFileError(ValidationError):
    pass


@dataclass
class ProjectRow:
    number: int  # the Excel row number
    code: str
    values: dict[str, Any]  # field -> cleaned value, only for columns present
    node: PlanNode | None = None


@dataclass
class Checked:
    rows: list[ProjectRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)


@dataclass
class ProjectImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    node_ids: list[int] = field(default_factory=list)
    committed: bool = False

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def _norm(header: Any) -> str:
    s = str(header or "").strip().lower()
    return re.sub(r"\s+", "", s.replace("(", "（").replace(")", "）"))


_ALIASES = {_norm(h): f for f, h in COLUMNS} | {f: f for f, _h in COLUMNS}
_ALIASES |= {
    _norm("总投资"): "budget_total",
    _norm("已完成投资"): "amount_spent",
    _norm("进度"): "progress",
}


def read_sheet(file: Any) -> tuple[set[str], list[tuple[int, dict[str, Any]]]]:
    """The known columns and the non-empty rows of the project sheet."""
    try:
        if isinstance(file, bytes):
            wb = load_workbook(io.BytesIO(file), read_only=True, data_only=True)
        elif isinstance(file, str | Path):
            wb = load_workbook(str(file), read_only=True, data_only=True)
        else:
            if hasattr(file, "seek"):
                file.seek(0)
            wb = load_workbook(io.BytesIO(file.read()), read_only=True, data_only=True)
    except FileNotFoundError:
        raise ProjectFileError(_("File not found: %(path)s") % {"path": file}) from None
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many types for bad files)
        raise ProjectFileError(_("Cannot read the workbook: %(err)s") % {"err": exc}) from None
    ws = wb["项目表"] if "项目表" in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header: list[str | None] = []
    header_row = 0
    for n, cells in enumerate(rows, 1):
        if any(c not in (None, "") for c in cells):
            header = [_ALIASES.get(_norm(c)) for c in cells]
            header_row = n
            break
    if "code" not in header:
        wb.close()
        raise ProjectFileError(
            _("No header row with the column “%(col)s” was found.") % {"col": HEADER["code"]}
        )
    out = []
    for n, cells in enumerate(rows, header_row + 1):
        if not any(c not in (None, "") for c in cells):
            continue
        out.append((n, {f: v for f, v in zip(header, cells, strict=False) if f}))
    wb.close()
    return {f for f in header if f}, out


# --- cell readers: each returns a value or raises ValueError with a message ------------------
def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _number(v: Any) -> Decimal | None:
    s = _text(v).replace(",", "").replace("，", "")
    if not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(_("“%(v)s” is not a number.") % {"v": s}) from None
    if d < 0:
        raise ValueError(_("must not be negative"))
    return d.quantize(Decimal("0.01"))


def parse_day(v: Any) -> date | None:
    if v in (None, ""):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _text(v)
    m = _DATE_RE.match(s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(_("“%(v)s” is not a date (YYYY-MM-DD).") % {"v": s})


def parse_sources(v: Any) -> list[dict[str, Any]]:
    out = []
    for part in _SPLIT.split(_text(v)):
        if not part.strip():
            continue
        m = _SOURCE_RE.match(part)
        if not m:
            raise ValueError(_("cannot read the funding source “%(v)s”") % {"v": part})
        amount = m.group(2)
        out.append(
            {
                "source": m.group(1).strip()[:100],
                "amount": float(amount.replace(",", "")) if amount else None,
            }
        )
    return out


def parse_milestones(v: Any) -> list[tuple[date, str]]:
    out = []
    for part in _SPLIT.split(_text(v)):
        if not part.strip():
            continue
        m = _MILESTONE_RE.match(part)
        if not m:
            raise ValueError(
                _("“%(v)s” is not “date title”, such as 2018-06-30 开工") % {"v": part.strip()}
            )
        due = parse_day(m.group(1))
        assert due is not None
        out.append((due, (m.group(2) or due.isoformat())[:300]))
    return out


_STATUS_WORDS = {
    "未开始": "not_started", "推进中": "in_progress", "进行中": "in_progress", "已完成": "completed",
    "完成": "completed", "暂停": "suspended", "已暂停": "suspended", "取消": "cancelled", "已取消": "cancelled",
}  # fmt: skip


def parse_status(v: Any) -> str | None:
    s = _text(v)
    if not s:
        return None
    if s in StatusChoices.values:
        return s
    if s in _STATUS_WORDS:
        return _STATUS_WORDS[s]
    for value, label in StatusChoices.choices:
        if s.lower() == str(label).lower():
            return value
    raise ValueError(_("unknown status “%(v)s”") % {"v": s})


STATUS_ZH = {
    "not_started": "未开始", "in_progress": "推进中", "completed": "已完成", "suspended": "暂停", "cancelled": "已取消",
}  # fmt: skip


class UnitLookup:
    def __init__(self) -> None:
        from zhili.accounts.models import OrgUnit

        self.rows = list(
            OrgUnit.objects.filter(active=True).values_list("id", "name", "short_name", "code")
        )
        self.exact: dict[str, int] = {}
        for uid, name, short, code in self.rows:
            for key in (name, short, code):
                if key:
                    self.exact.setdefault(key, uid)
        self._fuzzy: dict[str, int | None] = {}

    def find(self, name: str) -> int | None:
        if name in self.exact:
            return self.exact[name]
        if name not in self._fuzzy:
            self._fuzzy[name] = None
            try:
                from .parser import match_units
            except ImportError:
                return None
            found = match_units([name], [(u, n, s) for u, n, s, _c in self.rows])
            self._fuzzy[name] = found.get(name, (None, 0))[0]
        return self._fuzzy[name]

    def units(self, v: Any) -> list[int]:
        ids = []
        for name in _UNIT_SPLIT.split(_text(v)):
            name = name.strip()
            if not name:
                continue
            uid = self.find(name)
            if uid is None:
                raise ValueError(_("no organisation unit is called “%(v)s”") % {"v": name})
            if uid not in ids:
                ids.append(uid)
        return ids


def check_rows(plan: Plan, sheet: tuple[set[str], list[tuple[int, dict[str, Any]]]]) -> Checked:
    """Clean every row against the plan; collect every error."""
    columns, rows = sheet
    checked = Checked(columns=columns)
    nodes = {n.code: n for n in PlanNode.objects.filter(plan=plan)}
    units = UnitLookup()
    seen: dict[str, int] = {}
    readers = {
        "budget_total": _number,
        "amount_spent": _number,
        "weight": _number,
        "progress": _number,
        "planned_start": parse_day,
        "planned_end": parse_day,
        "funding_sources": parse_sources,
        "milestones": parse_milestones,
        "lead_units": units.units,
        "supporting_units": units.units,
        "status": parse_status,
    }
    if not rows:
        checked.errors.append(_("The table has no project rows."))
    for number, raw in rows:

        def err(col: str, message: str, number: int = number) -> None:
            checked.errors.append(
                _("Row %(n)d, column “%(col)s”: %(msg)s")
                % {"n": number, "col": HEADER.get(col, col), "msg": message}
            )

        code = _text(raw.get("code"))
        if not code:
            err("code", _("the project code is required"))
            continue
        if len(code) > 40:
            err("code", _("at most 40 characters"))
            continue
        if code in seen:
            err("code", _("%(code)s is also on row %(n)d") % {"code": code, "n": seen[code]})
            continue
        seen[code] = number
        node = nodes.get(code)
        if node is not None and node.kind != PlanNode.Kind.PROJECT:
            err(
                "code",
                _("%(code)s is the code of a task of the plan's outline, not of a project")
                % {"code": code},
            )
            continue
        values: dict[str, Any] = {}
        for f in columns:
            if f == "code":
                continue
            v = raw.get(f)
            try:
                values[f] = readers[f](v) if f in readers else _text(v)
            except ValueError as exc:
                err(f, str(exc))
        if "progress" in values and values["progress"] is not None and values["progress"] > 100:
            err("progress", _("must be from 0 to 100"))
        name = values.get("name") or (node.heading if node else "")
        if not name:
            err("name", _("a new project needs a name"))
        if len(name) > 500:
            err("name", _("at most 500 characters"))
        parent = values.get("parent")
        if node is None and not parent:
            err("parent", _("a new project needs the code of the task it belongs to"))
        start, end = values.get("planned_start"), values.get("planned_end")
        if "planned_start" not in values and node:
            start = node.planned_start
        if "planned_end" not in values and node:
            end = node.planned_end
        if start and end and end < start:
            err("planned_end", _("ends before it starts"))
        checked.rows.append(ProjectRow(number, code, values, node))
    # Parents: an existing node, or a project of an earlier row; no loops.
    parent_of = {
        code: (n.parent.code if n.parent_id and n.parent else None) for code, n in nodes.items()
    }
    for row in checked.rows:
        if row.values.get("parent"):
            parent_of[row.code] = row.values["parent"]
    for row in checked.rows:
        parent = row.values.get("parent")
        if not parent:
            continue
        if parent not in nodes and parent not in seen:
            checked.errors.append(
                _("Row %(n)d, column “%(col)s”: %(msg)s")
                % {
                    "n": row.number,
                    "col": HEADER["parent"],
                    "msg": _("the plan has no node %(code)s") % {"code": parent},
                }
            )
            continue
        cur, hops = parent, 0
        while cur is not None and hops < 1000:
            if cur == row.code:
                checked.errors.append(
                    _("Row %(n)d, column “%(col)s”: %(msg)s")
                    % {
                        "n": row.number,
                        "col": HEADER["parent"],
                        "msg": _("a project cannot be under itself"),
                    }
                )
                break
            cur, hops = parent_of.get(cur), hops + 1
    checked.errors.sort(key=lambda e: _row_number(e))
    return checked


def _row_number(message: str) -> int:
    m = re.search(r"\d+", message)
    return int(m.group()) if m else 0


def _project_state(node: PlanNode) -> dict[str, Any]:
    links = {(u.unit_id, u.role) for u in node.assignments.all()}
    return {
        "name": node.heading,
        "parent": node.parent.code if node.parent else None,
        "content": node.text,
        "plan_reference": node.plan_reference,
        "land_status": node.land_status,
        "budget_total": node.budget_total,
        "funding_sources": node.funding_sources,
        "amount_spent": node.amount_spent,
        "planned_start": node.planned_start,
        "planned_end": node.planned_end,
        "milestones": [(m.due, m.title) for m in node.milestones.all()],
        "lead_units": sorted(u for u, r in links if r == NodeUnit.Role.LEAD),
        "supporting_units": sorted(u for u, r in links if r == NodeUnit.Role.SUPPORT),
        "person": node.responsible_person_name,
        "weight": node.weight,
        "progress": node.progress,
        "status": node.status,
    }


def apply_rows(plan: Plan, checked: Checked, *, actor: Any = None) -> ProjectImportReport:
    """Write checked rows (inside the caller's transaction)."""
    report = ProjectImportReport()
    by_code = {n.code: n for n in PlanNode.objects.filter(plan=plan)}
    position = max((n.position for n in by_code.values()), default=0)
    for row in checked.rows:
        v = row.values
        node = row.node
        before = _project_state(node) if node else None
        if node is None:
            parent = by_code[v["parent"]]
            position += 1
            node = PlanNode(
                plan=plan, parent=parent, kind=PlanNode.Kind.PROJECT, level=parent.level + 1, position=position,
                code=row.code, heading=v["name"][:500],
            )  # fmt: skip
        elif v.get("parent") and v["parent"] != (node.parent.code if node.parent else None):
            node.parent = by_code[v["parent"]]
            node.level = node.parent.level + 1
        if v.get("name"):
            node.heading = v["name"][:500]
        simple = {
            "content": "text", "plan_reference": "plan_reference", "land_status": "land_status",
            "budget_total": "budget_total", "funding_sources": "funding_sources", "amount_spent": "amount_spent",
            "planned_start": "planned_start", "planned_end": "planned_end", "person": "responsible_person_name",
        }  # fmt: skip
        for f, attr in simple.items():
            if f in v:
                value = v[f]
                if attr in ("plan_reference", "land_status"):
                    value = (value or "")[:300]
                elif attr == "responsible_person_name":
                    value = (value or "")[:60]
                setattr(node, attr, value)
        if "weight" in v:
            node.weight = v["weight"] if v["weight"] is not None else Decimal(1)
        if v.get("progress") is not None:
            node.progress = v["progress"]
        if v.get("status"):
            node.status = v["status"]
        elif v.get("progress") is not None:
            node.status = domain.leaf_status(float(node.progress), node.status)
        if "person" in v:
            node.responsible_person = _person(v["person"])
        node.save()
        by_code[node.code] = node
        if "lead_units" in v or "supporting_units" in v:
            _set_units(node, v)
        if "milestones" in v:
            _set_milestones(node, v["milestones"])
        after = _project_state(node)
        if before is None:
            report.created.append(row.code)
        elif before != after:
            report.updated.append(row.code)
        else:
            report.unchanged.append(row.code)
        if before != after:
            report.node_ids.append(node.pk)
    return report


def _person(name: str | None):
    from zhili.accounts.models import User

    if not name:
        return None
    found = list(User.objects.filter(first_name=name, is_active=True)[:2])
    return found[0] if len(found) == 1 else None


def _set_units(node: PlanNode, v: dict[str, Any]) -> None:
    wanted: dict[int, str] = {}
    current = {u.unit_id: u for u in node.assignments.all()}
    for role, key in (
        (NodeUnit.Role.SUPPORT, "supporting_units"),
        (NodeUnit.Role.LEAD, "lead_units"),
    ):
        ids = v.get(key)
        if ids is None:  # column absent: keep that role's units
            ids = [uid for uid, link in current.items() if link.role == role]
        for uid in ids:
            wanted[uid] = role
    for uid, link in current.items():
        if uid not in wanted:
            link.delete()
        elif link.role != wanted[uid]:
            link.role = wanted[uid]
            link.save(update_fields=["role"])
    NodeUnit.objects.bulk_create(
        [
            NodeUnit(node=node, unit_id=uid, role=role)
            for uid, role in wanted.items()
            if uid not in current
        ]
    )


def _set_milestones(node: PlanNode, wanted: list[tuple[date, str]]) -> None:
    current = {m.title: m for m in node.milestones.all()}
    keep = set()
    for due, title in wanted:
        m = current.get(title)
        if m is None:
            Milestone.objects.create(node=node, title=title, due=due)
        elif m.due != due:
            m.due = due
            m.save(update_fields=["due"])
        keep.add(title)
    for title, m in current.items():
        if title not in keep:
            m.delete()


# --- export ---------------------------------------------------------------------------------
def _fmt_number(d: Decimal | None) -> float | None:
    return float(d) if d is not None else None


def project_rows(plan: Plan) -> Iterable[list[Any]]:
    projects = (
        PlanNode.objects.filter(plan=plan, kind=PlanNode.Kind.PROJECT)
        .select_related("parent")
        .prefetch_related("milestones", "assignments__unit")
        .order_by("position", "id")
    )
    for p in projects:
        leads = [a.unit.name for a in p.assignments.all() if a.role == NodeUnit.Role.LEAD]
        support = [a.unit.name for a in p.assignments.all() if a.role == NodeUnit.Role.SUPPORT]
        sources = "；".join(
            f"{s['source']} {s['amount']:g}" if s.get("amount") is not None else s["source"]
            for s in p.funding_sources
        )
        milestones = "；".join(f"{m.due.isoformat()} {m.title}" for m in p.milestones.all())
        yield [
            p.code, p.heading, p.parent.code if p.parent else "", p.text, p.plan_reference, p.land_status,
            _fmt_number(p.budget_total), sources, _fmt_number(p.amount_spent), p.planned_start, p.planned_end,
            milestones, "、".join(leads), "、".join(support), p.responsible_person_name, _fmt_number(p.weight),
            _fmt_number(p.progress), STATUS_ZH.get(p.status, p.status),
        ]  # fmt: skip


def export_workbook(plan: Plan) -> bytes:
    """The project table, plus a sheet of the outline's codes to put projects under."""
    wb = Workbook()
    ws = wb.active
    ws.title = "项目表"
    ws.append([h for _f, h in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in project_rows(plan):
        ws.append(row)
    for col, width in zip(
        "ABCDEFGHIJKLMNOPQR",
        (14, 30, 10, 40, 20, 16, 12, 28, 14, 12, 12, 36, 20, 20, 10, 8, 10, 10),
        strict=False,
    ):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=10, max_col=11):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    outline = wb.create_sheet("任务编号")
    outline.append([str(_("Code")), str(_("Number")), str(_("Heading"))])
    for cell in outline[1]:
        cell.font = Font(bold=True)
    for code, number, heading in (
        PlanNode.objects.filter(plan=plan)
        .exclude(kind=PlanNode.Kind.PROJECT)
        .order_by("position")
        .values_list("code", "number", "heading")
    ):
        outline.append([code, number, heading])
    outline.column_dimensions["C"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
