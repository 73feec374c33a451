"""Reading and checking the files the catalogue loaders take (pure: no database).

A local case standard or a components inventory arrives as CSV (UTF-8, or
GBK/GB18030 as Excel on Chinese Windows saves it), as an Excel workbook, or
for components as GeoJSON points.  Every row is read and every rule applied
before anything is written; each failure is reported with its row (the
line or sheet row of the file, the header being row 1), its column and a
message.  The loaders in ``actions_catalogue`` write only a clean file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .catalogue import TimeLimit, TimeLimitError, TimeUnit, split_time_limit


class TableFileError(ValueError):
    """The file as a whole cannot be read (missing, wrong type, empty, bad header)."""


@dataclass(frozen=True)
class RowError:
    row: int  # row of the file (header = 1), or feature number for GeoJSON; 0 = whole file
    column: str
    message: str
    unit: str = "row"  # "row" or "feature"

    def __str__(self) -> str:
        if self.row <= 0:
            return self.message
        where = (
            _("Feature %(n)d") % {"n": self.row}
            if self.unit == "feature"
            else _("Row %(n)d") % {"n": self.row}
        )
        if self.column:
            return _("%(where)s, column “%(column)s”: %(message)s") % {
                "where": where,
                "column": self.column,
                "message": self.message,
            }
        return _("%(where)s: %(message)s") % {"where": where, "message": self.message}


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cells)
    encoding: str  # utf-8, utf-8-sig, gb18030 or xlsx

    @property
    def converted(self) -> bool:
        """Whether the text was GBK/GB18030 and has been converted to Unicode."""
        return self.encoding == "gb18030"


# --- reading -----------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in.

    UTF-8 (with or without the BOM Excel writes) is tried first; GB18030, a
    superset of GBK and GB2312, second.  A GBK file is almost never valid
    UTF-8, so the order does not misread one as the other.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise TableFileError(_("The file is neither UTF-8 nor GBK/GB18030 text.")) from None


def read_table(path: str | Path) -> Table:
    """Read a CSV or XLSX file (first sheet) into a header and numbered rows.

    Blank rows are skipped; the first non-blank row is the header.
    """
    path = Path(path)
    if not path.exists():
        raise TableFileError(_("File not found: %(path)s") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        text, encoding = decode_text(path.read_bytes())
        return parse_csv(text, encoding=encoding)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls":
        raise TableFileError(
            _("Old .xls workbooks cannot be read: save the file as .xlsx or .csv in Excel.")
        )
    raise TableFileError(
        _("Unsupported file type %(suffix)s: use .csv or .xlsx") % {"suffix": suffix or "?"}
    )


def parse_csv(text: str, *, encoding: str = "utf-8") -> Table:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
            else:
                rows.append((line, cells))
    except csv.Error as exc:
        raise TableFileError(
            _("Not valid CSV near line %(line)d: %(err)s") % {"line": reader.line_num, "err": exc}
        ) from None
    if header is None:
        raise TableFileError(_("The file is empty."))
    return Table(header=[str(h) for h in header], rows=rows, encoding=encoding)


def _read_xlsx(path: Path) -> Table:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise TableFileError(_("Cannot read the workbook: %(err)s") % {"err": exc}) from None
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            while cells and (
                cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())
            ):
                cells.pop()
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if header is None:
                header = ["" if c is None else str(c) for c in cells]
            else:
                rows.append((number, cells))
    finally:
        book.close()
    if header is None:
        raise TableFileError(_("The file is empty."))
    return Table(header=header, rows=rows, encoding="xlsx")


def _norm_header(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).replace("\ufeff", "")).lower()


def map_columns(
    header: list[str], aliases: Mapping[str, Iterable[str]], required: Iterable[str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Column index and header text of each field found; raises if a required one is missing."""
    # A field takes the column of its earliest alias, wherever it stands: a
    # census with both "id" (a row number) and "部件标识码" reads the latter.
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        position.setdefault(_norm_header(name), i)
    index: dict[str, int] = {}
    label: dict[str, str] = {}
    taken: set[int] = set()
    for fieldname, names in aliases.items():
        for name in (fieldname, *names):
            i = position.get(_norm_header(name))
            if i is not None and i not in taken:
                index[fieldname] = i
                label[fieldname] = str(header[i]).strip().replace("\ufeff", "")
                taken.add(i)
                break
    missing = [f for f in required if f not in index]
    if missing:
        names = ", ".join(_first_alias(f, aliases) for f in missing)
        raise TableFileError(
            _("Row 1: the header lacks the column(s) %(missing)s. Expected columns: %(expected)s.")
            % {
                "missing": names,
                "expected": ", ".join(_first_alias(f, aliases) for f in required),
            }
        )
    return index, label


def _first_alias(fieldname: str, aliases: Mapping[str, Iterable[str]]) -> str:
    names = list(aliases.get(fieldname, ()))
    return names[0] if names else fieldname


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def code_cell(value: Any, width: int) -> str | None:
    """A fixed-width numeric code, or ``None``.

    Excel turns "01" into the number 1, in the sheet and in the CSV it
    saves, so a number or a digit string without leading zero is padded.
    A string that keeps a leading zero was written as text and must have
    the full width: "01" is not a 3-digit minor code.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = str(int(value))
    else:
        text = cell_text(value)
    if not text.isdigit() or not text.isascii() or len(text) > width:
        return None
    if len(text) < width and text.startswith("0"):
        return None
    return text.zfill(width)


# --- local case standards ---------------------------------------------------------

KIND_WORDS = {
    "部件": "component",
    "component": "component",
    "事件": "event",
    "事项": "event",
    "event": "event",
}

STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "类型", "类别"),
    "major_code": ("major_code", "大类代码", "大类编码", "大类编号"),
    "major_name": ("major_name", "大类名称", "大类"),
    "minor_code": ("minor_code", "小类代码", "小类编码", "小类编号"),
    "minor_name": ("minor_name", "小类名称", "小类"),
    "responsible": ("处置单位", "责任单位", "responsible_department"),
    "supervising": ("主管部门", "监管部门", "supervising_department"),
    "filing": ("立案条件", "立案标准", "filing_condition"),
    "closing": ("结案条件", "结案标准", "closing_condition"),
    "time_limit": ("处置时限", "时限", "time_limit"),
    "source": ("source", "来源"),
}
STANDARD_REQUIRED = [f for f in STANDARD_COLUMNS if f != "source"]
TEXT_MAX = {"major_name": 100, "minor_name": 100, "responsible": 300, "supervising": 300}


@dataclass
class StandardRow:
    row: int
    kind: str  # component or event
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    responsible: str
    supervising: str
    filing: str
    closing: str
    limit: TimeLimit
    limit_text: str
    source: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.major_code, self.minor_code)


@dataclass
class CheckedStandard:
    rows: list[StandardRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    minor_digits: int = 2


def check_standard_table(
    table: Table, *, minor_digits: int | None, day_unit: str = TimeUnit.NATURAL_DAYS
) -> CheckedStandard:
    """Every condition row of a standard in the Yuncheng layout, and every row's errors.

    ``minor_digits`` is the minor-code width of the target catalogue (2 for
    CJ/T 214 and local tables, 3 for GB/T 47678.5); ``None`` takes it from
    the file (the widest minor code written as text).
    """
    index, label = map_columns(table.header, STANDARD_COLUMNS, STANDARD_REQUIRED)
    out = CheckedStandard()
    if not table.rows:
        out.errors.append(RowError(0, "", _("The file has a header but no rows.")))
        return out
    if minor_digits is None:
        widths = [
            len(cell_text(cells[index["minor_code"]]))
            for _n, cells in table.rows
            if index["minor_code"] < len(cells) and cell_text(cells[index["minor_code"]]).isdigit()
        ]
        minor_digits = max(2, min(3, max(widths, default=2)))
    out.minor_digits = minor_digits
    names: dict[tuple[str, str, str], tuple[int, str]] = {}
    major_names: dict[tuple[str, str], tuple[int, str]] = {}
    for number, cells in table.rows:

        def get(fieldname: str, cells: list[Any] = cells) -> Any:
            i = index.get(fieldname)
            return cells[i] if i is not None and i < len(cells) else None

        errors: list[RowError] = []

        def err(fieldname: str, message: str, number: int = number, errors=errors) -> None:
            errors.append(RowError(number, label.get(fieldname, fieldname), message))

        kind = KIND_WORDS.get(cell_text(get("kind")).lower())
        if kind is None:
            err(
                "kind",
                _("“%(value)s” is not a kind: write 部件 or 事件.")
                % {"value": cell_text(get("kind"))},
            )
        major = code_cell(get("major_code"), 2)
        if major is None:
            err(
                "major_code",
                _("“%(value)s” is not a 2-digit major code.")
                % {"value": cell_text(get("major_code"))},
            )
        minor = code_cell(get("minor_code"), minor_digits)
        if minor is None:
            err(
                "minor_code",
                _("“%(value)s” is not a %(n)d-digit minor code.")
                % {"value": cell_text(get("minor_code")), "n": minor_digits},
            )
        values = {
            f: cell_text(get(f))
            for f in (
                "major_name",
                "minor_name",
                "responsible",
                "supervising",
                "filing",
                "closing",
                "source",
            )
        }
        for fieldname in ("major_name", "minor_name", "filing", "closing"):
            if not values[fieldname]:
                err(fieldname, _("This cell is empty."))
        for fieldname, limit in TEXT_MAX.items():
            if len(values[fieldname]) > limit:
                err(fieldname, _("Longer than %(n)d characters.") % {"n": limit})
        limit_text = cell_text(get("time_limit"))
        parsed: TimeLimit | None = None
        try:
            parsed = split_time_limit(limit_text, day_unit=day_unit)
        except TimeLimitError as exc:
            err("time_limit", str(exc))
        if kind and major and minor:
            key = (kind, major, minor)
            seen = names.setdefault(key, (number, values["minor_name"]))
            if values["minor_name"] and seen[1] != values["minor_name"]:
                err(
                    "minor_name",
                    _("Code %(code)s is “%(first)s” on row %(row)d but “%(this)s” here.")
                    % {
                        "code": major + minor,
                        "first": seen[1],
                        "row": seen[0],
                        "this": values["minor_name"],
                    },
                )
            mseen = major_names.setdefault((kind, major), (number, values["major_name"]))
            if values["major_name"] and mseen[1] != values["major_name"]:
                err(
                    "major_name",
                    _("Major %(code)s is “%(first)s” on row %(row)d but “%(this)s” here.")
                    % {
                        "code": major,
                        "first": mseen[1],
                        "row": mseen[0],
                        "this": values["major_name"],
                    },
                )
        if errors:
            out.errors.extend(errors)
            continue
        assert kind and major and minor and parsed is not None
        out.rows.append(
            StandardRow(
                row=number,
                kind=kind,
                major_code=major,
                major_name=values["major_name"],
                minor_code=minor,
                minor_name=values["minor_name"],
                responsible=values["responsible"],
                supervising=values["supervising"],
                filing=values["filing"],
                closing=values["closing"],
                limit=parsed,
                limit_text=limit_text,
                source=values["source"],
            )
        )
    return out


def same_name(a: str, b: str) -> bool:
    """Category names equal up to spacing and full/half-width punctuation (（） vs ())."""
    import unicodedata

    def norm(s: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))

    return norm(a) == norm(b)


# --- component IDs ------------------------------------------------------------------

COMPONENT_ID_LENGTH = 17  # GB/T 47678.5: 6 county + 2 major + 3 minor + 6 sequence
LEGACY_COMPONENT_ID_LENGTH = 16  # CJ/T 214: 6 county + 2 major + 2 minor + 6 sequence


def split_component_id(cid: str) -> tuple[str, str, str, str]:
    """(county, major, minor, sequence) of a 17-digit component ID."""
    return cid[:6], cid[6:8], cid[8:11], cid[11:]


def legacy_to_17(cid16: str) -> str:
    """A 16-digit CJ/T 214 ID with its 2-digit minor code widened to 3 digits."""
    return cid16[:8] + "0" + cid16[8:]


def check_component_id(
    cid: str,
    *,
    categories: Container[str],
    counties: Container[str] | None = None,
    catalogue: str = "",
    legacy_hint: Mapping[str, str] | None = None,
    category_names: Mapping[str, str] | None = None,
) -> str | None:
    """What is wrong with a 17-digit component ID, or ``None``.

    ``categories`` holds the 5-digit codes (major + 3-digit minor) of the
    component categories of the default catalogue; ``counties`` the known
    district codes (``None``: no districts loaded, any county is accepted).
    ``legacy_hint`` maps 4-digit CJ/T 214 codes to names, to explain a
    16-digit ID.
    """
    if not cid.isdigit() or not cid.isascii():
        return _("The component ID must be digits only; “%(id)s” is not.") % {"id": cid}
    if len(cid) == LEGACY_COMPONENT_ID_LENGTH:
        padded = legacy_to_17(cid)
        legacy_code = cid[6:10]
        old = (legacy_hint or {}).get(legacy_code)
        new = (category_names or {}).get(padded[6:11])
        message = _(
            "“%(id)s” is a 16-digit CJ/T 214 ID (2-digit minor code); the component ID has "
            "17 digits: 6 county + 2 major + 3 minor + 6 sequence. Widening the minor code "
            "gives %(padded)s"
        ) % {"id": cid, "padded": padded}
        if new:
            message += _(", which is “%(new)s” in %(catalogue)s") % {
                "new": new,
                "catalogue": catalogue,
            }
        if old:
            message += _("; in CJ/T 214 the code %(code)s is “%(old)s”") % {
                "code": legacy_code,
                "old": old,
            }
        message += _(
            ". The two catalogues number categories differently, so check the category "
            "and write the 17-digit ID."
        )
        return message
    if len(cid) != COMPONENT_ID_LENGTH:
        return _(
            "The component ID must have 17 digits (6 county + 2 major + 3 minor + 6 "
            "sequence); “%(id)s” has %(n)d."
        ) % {"id": cid, "n": len(cid)}
    county, major, minor, seq = split_component_id(cid)
    problems = []
    if counties is not None and county not in counties:
        problems.append(
            _("the county code %(county)s is not a district of this platform") % {"county": county}
        )
    if major + minor not in categories:
        problems.append(
            _("%(code)s is not a component category of the catalogue %(catalogue)s")
            % {"code": major + minor, "catalogue": catalogue}
        )
    if seq == "000000":
        problems.append(_("the sequence number (last 6 digits) cannot be 000000"))
    if problems:
        return _("Component ID %(id)s: %(problems)s.") % {
            "id": cid,
            "problems": "; ".join(problems),
        }
    return None


# --- components inventory -------------------------------------------------------------

COMPONENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "component_id": (
        "component_id",
        "标识码",
        "部件标识码",
        "部件编码",
        "部件编号",
        "部件代码",
        "bsm",
        "id",
    ),
    "name": ("name", "名称", "部件名称"),
    "owner_unit": ("owner_unit", "owner", "权属单位", "产权单位", "权属单位名称"),
    "maintainer_unit": ("maintainer_unit", "maintainer", "养护单位", "养护单位名称"),
    "supervising_unit": ("supervising_unit", "supervisor", "主管部门", "主管单位", "主管部门名称"),
    "supervising_unit_code": (
        "supervising_unit_code",
        "主管部门代码",
        "主管部门编码",
        "统一社会信用代码",
    ),
    "grid_code": (
        "grid_code",
        "grid",
        "单元网格",
        "所在单元网格",
        "单元网格代码",
        "网格编码",
        "所在网格",
    ),
    "status": ("status", "状态", "部件状态"),
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "accuracy": ("accuracy", "accuracy_class", "定位精度", "精度等级", "精度"),
    "initial_date": ("initial_date", "初始日期"),
    "change_date": ("change_date", "变更日期"),
    "data_source": ("data_source", "数据来源"),
    "note": ("note", "备注"),
}
COMPONENT_REQUIRED = ["component_id", "lon", "lat"]

STATUS_WORDS = {
    "完好": "intact", "intact": "intact",
    "破损": "damaged", "damaged": "damaged",
    "丢失": "lost", "lost": "lost",
    "废弃": "abandoned", "abandoned": "abandoned",
    "移除": "removed", "removed": "removed",
}  # fmt: skip
SOURCE_WORDS = {
    "实测": "surveyed", "surveyed": "surveyed",
    "地形图": "topographic_map", "topographic_map": "topographic_map",
    "基础地理数据": "base_geodata", "base_geodata": "base_geodata",
    "其他": "other", "其它": "other", "other": "other",
}  # fmt: skip
ACCURACY_RE = re.compile(r"^([abc])(类|级|级精度)?$")
GRID_RE = re.compile(r"^\d{15}$")
UNIFIED_CODE_RE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}$")  # GB 32100 charset

# Mainland China with its islands (as for boundaries): coordinates outside are
# almost always projected metres or swapped longitude/latitude.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)

COMPONENT_TEXT_MAX = {
    "name": 100,
    "owner_unit": 100,
    "maintainer_unit": 100,
    "supervising_unit": 100,
}


@dataclass
class ComponentRow:
    row: int
    component_id: str
    major_minor: str  # 5-digit category code
    name: str
    owner_unit: str
    maintainer_unit: str
    supervising_unit: str
    supervising_unit_code: str
    grid_code: str
    status: str
    lon: float
    lat: float
    accuracy: str
    initial_date: date | None
    change_date: date | None
    data_source: str
    note: str
    converted_from: str = ""  # the 16-digit ID it was converted from


def parse_date_cell(value: Any) -> date | None:
    """A date from an Excel cell or text (2024-05-01, 2024/5/1, 20240501, 2024.05.01)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)  # the common case, without strptime's cost
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        out = float(cell_text(value))
    except ValueError:
        return None
    return out if out == out and out not in (float("inf"), float("-inf")) else None


def check_component_records(
    records: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    categories: Container[str],
    counties: Container[str] | None,
    catalogue: str,
    convert_legacy: bool = False,
    legacy_hint: Mapping[str, str] | None = None,
    category_names: Mapping[str, str] | None = None,
    unit: str = "row",
    labels: Mapping[str, str] | None = None,
) -> tuple[list[ComponentRow], list[RowError]]:
    """Every component record checked on its own and against the others.

    ``records`` are (row number, {field: raw value}) with the fields of
    ``COMPONENT_COLUMNS``.  ``convert_legacy``: the default catalogue is a
    2-digit-minor one (CJ/T 214 or a local table), so a 16-digit ID is that
    catalogue's own code and is widened without ambiguity.  Grids and the
    location lookup are checked by the caller, which has the database.
    """
    labels = labels or {}
    rows: list[ComponentRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, rec in records:
        row_errors: list[RowError] = []

        def err(fieldname: str, message: str, number: int = number, row_errors=row_errors) -> None:
            row_errors.append(RowError(number, labels.get(fieldname, fieldname), message, unit))

        raw_id = cell_text(rec.get("component_id"))
        cid = raw_id
        converted_from = ""
        if not raw_id:
            err("component_id", _("This cell is empty."))
        else:
            if convert_legacy and len(raw_id) == LEGACY_COMPONENT_ID_LENGTH and raw_id.isdigit():
                converted_from, cid = raw_id, legacy_to_17(raw_id)
            problem = check_component_id(
                cid,
                categories=categories,
                counties=counties,
                catalogue=catalogue,
                legacy_hint=legacy_hint,
                category_names=category_names,
            )
            if problem:
                err("component_id", problem)
            elif cid in seen:
                err(
                    "component_id",
                    _("%(id)s is already on row %(row)d.") % {"id": cid, "row": seen[cid]},
                )
            else:
                seen[cid] = number
        texts = {
            f: cell_text(rec.get(f))
            for f in ("name", "owner_unit", "maintainer_unit", "supervising_unit", "note")
        }
        for fieldname, limit in COMPONENT_TEXT_MAX.items():
            if len(texts[fieldname]) > limit:
                err(fieldname, _("Longer than %(n)d characters.") % {"n": limit})
        unified = cell_text(rec.get("supervising_unit_code")).upper()
        if unified and not UNIFIED_CODE_RE.match(unified):
            err(
                "supervising_unit_code",
                _("“%(value)s” is not an 18-character unified social credit code.")
                % {"value": unified},
            )
        grid = cell_text(rec.get("grid_code"))
        if grid and not GRID_RE.match(grid):
            err("grid_code", _("“%(value)s” is not a 15-digit unit grid code.") % {"value": grid})
        status_text = cell_text(rec.get("status"))
        # A census row without a status records a component found in place.
        status = STATUS_WORDS.get(status_text.lower(), None) if status_text else "intact"
        if status is None:
            err(
                "status",
                _("“%(value)s” is not a status: write 完好, 破损, 丢失, 废弃 or 移除.")
                % {"value": status_text},
            )
        acc_text = cell_text(rec.get("accuracy"))
        accuracy = ""
        if acc_text:
            m = ACCURACY_RE.match(acc_text.lower())
            if m is None:
                err(
                    "accuracy",
                    _("“%(value)s” is not an accuracy class: write A, B or C.")
                    % {"value": acc_text},
                )
            else:
                accuracy = m.group(1).upper()
        src_text = cell_text(rec.get("data_source"))
        data_source = ""
        if src_text:
            data_source = SOURCE_WORDS.get(src_text.lower(), "")
            if not data_source:
                err(
                    "data_source",
                    _("“%(value)s” is not a data source: write 实测, 地形图, 基础地理数据 or 其他.")
                    % {"value": src_text},
                )
        dates: dict[str, date | None] = {}
        for fieldname in ("initial_date", "change_date"):
            value = rec.get(fieldname)
            if value is None or cell_text(value) == "":
                dates[fieldname] = None
                continue
            try:
                dates[fieldname] = parse_date_cell(value)
            except ValueError:
                err(
                    fieldname,
                    _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": cell_text(value)},
                )
        lon, lat = _float(rec.get("lon")), _float(rec.get("lat"))
        if lon is None:
            err("lon", _("“%(value)s” is not a number.") % {"value": cell_text(rec.get("lon"))})
        if lat is None:
            err("lat", _("“%(value)s” is not a number.") % {"value": cell_text(rec.get("lat"))})
        if (
            lon is not None
            and lat is not None
            and not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1])
        ):
            err(
                "lon",
                _(
                    "(%(lon)s, %(lat)s) is not a longitude/latitude in China: projected metres, "
                    "or longitude and latitude swapped?"
                )
                % {"lon": lon, "lat": lat},
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        assert lon is not None and lat is not None and status is not None
        rows.append(
            ComponentRow(
                row=number,
                component_id=cid,
                major_minor=cid[6:11],
                name=texts["name"],
                owner_unit=texts["owner_unit"],
                maintainer_unit=texts["maintainer_unit"],
                supervising_unit=texts["supervising_unit"],
                supervising_unit_code=unified,
                grid_code=grid,
                status=status,
                lon=lon,
                lat=lat,
                accuracy=accuracy,
                initial_date=dates.get("initial_date"),
                change_date=dates.get("change_date"),
                data_source=data_source,
                note=texts["note"],
                converted_from=converted_from,
            )
        )
    return rows, errors


def table_records(table: Table) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    """The rows of a components table as field dicts, and each field's header text."""
    index, label = map_columns(table.header, COMPONENT_COLUMNS, COMPONENT_REQUIRED)
    records = []
    for number, cells in table.rows:
        n = len(cells)
        records.append((number, {f: (cells[i] if i < n else None) for f, i in index.items()}))
    return records, label


def feature_records(
    features: Iterable[Any],
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """GeoJSON (or GeoPackage/Shapefile) point features as field dicts.

    ``features`` are ``zhili.places.boundaries.RawFeature``; the location
    comes from the geometry, never from properties.
    """
    aliases = {f: names for f, names in COMPONENT_COLUMNS.items() if f not in ("lon", "lat")}
    layouts: dict[tuple[str, ...], dict[str, int]] = {}
    records: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for feat in features:
        if feat.geometry is None:
            errors.append(RowError(feat.index, "geometry", feat.geometry_error, "feature"))
            continue
        if feat.geometry.geom_type != "Point" or feat.geometry.is_empty:
            errors.append(
                RowError(
                    feat.index,
                    "geometry",
                    _("A component is a Point; this feature is a %(type)s.")
                    % {"type": feat.geometry.geom_type},
                    "feature",
                )
            )
            continue
        keys = list(feat.properties)
        index = layouts.get(tuple(keys))
        if index is None:  # features of one file nearly always share one layout
            index = layouts[tuple(keys)] = map_columns(keys, aliases, ())[0]
        rec: dict[str, Any] = {f: feat.properties[keys[i]] for f, i in index.items()}
        rec["lon"], rec["lat"] = feat.geometry.x, feat.geometry.y
        records.append((feat.index, rec))
    return records, errors
