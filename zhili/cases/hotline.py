"""12345 hotline work orders: import as cases, reply, callback (回访), export back.

The closed loop (国办发〔2020〕53号): the hotline receives a call and hands
the district a work order; the district handles it as a case, writes the
handling result and the reply to the caller; the hotline calls back and
records satisfied / basically satisfied / unsatisfied; an unsatisfied
callback sends the case back to handling.  The export returns the orders in
the layout they came in, with the result, reply and callback columns added.

Import rules (``hotline_import``), all or nothing like every Zhili import:

* Every row is checked before anything is written; each failure is named by
  row, column and reason, and then nothing is saved.
* An order number twice in one file is an error (a broken export).  An
  order number already imported is skipped and listed in the report:
  hotline systems export cumulative day or week files, so re-importing the
  same or an overlapping file is normal and must not create a second case.
  If the skipped row's content differs from what was imported, a warning
  says so; the stored order is not changed (the case may be in hand).
* The caller is stored masked only (138****1234); a row with a full number
  is masked on import and counted in the report.
* Coordinates are optional; with a datum column (gcj02/bd09, as Amap and
  Baidu report them) they are converted to WGS84 for the case.  A point
  outside every unit grid of the district is an error for that row.  Both
  values empty, or both 0 (what several hotline systems write for "none"),
  mean no coordinates: the case then has the address only.
* The category is matched by code or name against the default catalogue;
  no match gives a case without a category and a warning (intake sets it).
* The deadline is taken from the file, or computed from the response tier
  (``HotlineTier``, default 紧急 same day, 咨询 3 working days, 一般 13
  working days).  An unknown tier is an error: a typo must not silently
  give a complaint the emergency clock or the other way round.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.accounts.roles import Role
from zhili.core.models import record
from zhili.workcal.clock import TZ, CalendarDataMissing

from .catalogue import deadline_for
from .lifecycle import State
from .models import (
    DEFAULT_TIERS,
    SAME_DAY,
    CallbackResult,
    Case,
    CaseEvent,
    Catalogue,
    Category,
    HotlineOrder,
    HotlineTier,
    Source,
)
from .tabular import (
    LAT_RANGE,
    LON_RANGE,
    RowError,
    Table,
    TableFileError,
    cell_text,
    decode_text,
    map_columns,
    read_table,
)

__all__ = [
    "COLUMNS",
    "EXPORT_COLUMNS",
    "HotlineImportError",
    "HotlineImportReport",
    "CallbackOutcome",
    "TierSpec",
    "CategoryMatcher",
    "HotlineRow",
    "mask_caller",
    "parse_when",
    "check_hotline_records",
    "hotline_import",
    "hotline_reply",
    "hotline_callback",
    "hotline_export",
    "hotline_satisfaction",
    "access_hotline_order",
]

# Field → header names, the canonical (exported) one first.  The field name
# itself is also accepted, which is the key the JSON layout uses.
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_no": ("工单编号", "工单号", "工单编码", "编号"),
    "received_at": ("受理时间", "来电时间", "登记时间", "创建时间"),
    "caller": ("来电人", "来电号码", "联系电话", "诉求人"),
    "content": ("诉求内容", "工单内容", "问题描述", "内容"),
    "address": ("地址", "事发地址", "诉求地址", "发生地址"),
    "lon": ("经度", "lng", "longitude", "x"),
    "lat": ("纬度", "latitude", "y"),
    "datum": ("坐标系", "crs"),
    "category": ("问题分类", "诉求分类", "分类"),
    "tier": ("响应级别", "紧急程度", "response_tier"),
    "deadline": ("办理时限", "办结时限", "截止时间"),
}
REQUIRED = ("order_no", "received_at", "content")
# What the district adds on the way back.
EXPORT_COLUMNS: dict[str, str] = {
    "handling_result": "办理结果",
    "reply": "答复内容",
    "replied_at": "答复时间",
    "callback_result": "回访结果",
    "callback_at": "回访时间",
    "callback_note": "回访备注",
    "case_number": "案件编号",
    "case_state": "案件状态",
}
CALLBACK_WORDS = {
    "满意": CallbackResult.SATISFIED,
    "基本满意": CallbackResult.BASICALLY_SATISFIED,
    "不满意": CallbackResult.UNSATISFIED,
    **{c.value: CallbackResult(c.value) for c in CallbackResult},
}
CALLBACK_TEXT = {
    CallbackResult.SATISFIED: "满意",
    CallbackResult.BASICALLY_SATISFIED: "基本满意",
    CallbackResult.UNSATISFIED: "不满意",
}
DATUM_WORDS = {
    "wgs84": "wgs84", "gps": "wgs84", "cgcs2000": "wgs84", "2000": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "火星坐标": "gcj02", "高德": "gcj02", "腾讯": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "百度": "bd09",
}  # fmt: skip
MAX_LEN = {
    "order_no": 64,
    "caller": 60,
    "address": 200,
    "category": 100,
    "tier": 20,
    "content": 4000,
}
TIME_FMT = "%Y-%m-%d %H:%M:%S"
CENTRE = frozenset({Role.INTAKE, Role.SHIFT_LEAD})
REPLIERS = CENTRE | {Role.DISPATCHER, Role.HANDLER, Role.DEPT_LEADER}
# Clock skew between the hotline's server and ours.
FUTURE_SLACK = timedelta(minutes=10)


class HotlineImportError(ValidationError):
    """An import refused whole, with one message per failing row."""

    def __init__(self, errors: list[RowError]):
        self.row_errors = errors
        shown = [str(e) for e in errors[:1000]]
        if len(errors) > 1000:
            shown.append(_("… and %(n)d more errors.") % {"n": len(errors) - 1000})
        super().__init__(shown)


# --- pure parts ------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\+?\d[\d\- ]{5,}\d")


def mask_caller(text: str) -> tuple[str, bool]:
    """The caller with every phone-like number masked, and whether one was.

    Keeps the first three digits of numbers of 11 or more (the mobile
    network prefix) and the last four: 13812341234 → 138****1234,
    0757-88881234 → 075*****1234, 88881234 → ****1234.  Already masked
    text (138****1234) has no run of seven digits and is kept.
    """
    masked = False

    def repl(m: re.Match[str]) -> str:
        nonlocal masked
        digits = re.sub(r"\D", "", m.group())
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]  # +86 country code
        if len(digits) < 7:
            return m.group()
        masked = True
        keep = 3 if len(digits) >= 11 else 0
        return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]

    out = _DIGIT_RUN.sub(repl, text)
    return out, masked


_WHEN_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分", "%Y年%m月%d日%H:%M",
)  # fmt: skip
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日")
_DATE_ONLY = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{8}|\d{4}年\d{1,2}月\d{1,2}日")


class DateOnly(ValueError):
    """A date was given where a date and time is needed."""


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def parse_when(value: Any, *, date_means_end_of_day: bool = False) -> datetime | None:
    """An aware datetime (Beijing time when none is written) from a cell, or ``None`` if empty.

    Raises ``ValueError`` for text that is not a time, ``DateOnly`` for a
    bare date unless ``date_means_end_of_day`` (a deadline "2026-02-20"
    means the end of that day).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if date_means_end_of_day and value.time() == time(0) and value.tzinfo is None:
            return _aware(datetime.combine(value.date(), time(23, 59, 59)))
        return _aware(value)
    if isinstance(value, date):
        if date_means_end_of_day:
            return _aware(datetime.combine(value, time(23, 59, 59)))
        raise DateOnly(str(value))
    text = re.sub(r"\s+", " ", cell_text(value)).replace("/", "-")
    if _DATE_ONLY.fullmatch(text):
        for fmt in _DATE_FORMATS:
            try:
                day = datetime.strptime(text.replace(".", "-"), fmt).date()
            except ValueError:
                continue
            if date_means_end_of_day:
                return _aware(datetime.combine(day, time(23, 59, 59)))
            raise DateOnly(text)
        raise ValueError(text)
    try:
        # ISO 8601, with or without offset: 2026-02-13T10:00:00+08:00, 2026-02-13 10:00.
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        pass
    text = text.replace(".", "-")
    for fmt in _WHEN_FORMATS:
        try:
            return _aware(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(text)


def _fmt_when(value: datetime | None) -> str:
    return timezone.localtime(value, TZ).strftime(TIME_FMT) if value else ""


@dataclass(frozen=True)
class TierSpec:
    name: str
    words: frozenset[str]
    amount: Decimal
    unit: str
    default: bool = False

    def deadline(self, received_at: datetime) -> datetime:
        if self.unit == SAME_DAY:
            day = timezone.localtime(received_at, TZ).date()
            return datetime.combine(day, time(23, 59, 59), tzinfo=TZ)
        return deadline_for(received_at, self.amount, self.unit)


def _words(name: str, aliases: str) -> frozenset[str]:
    return frozenset(
        w.strip().lower() for w in [name, *re.split(r"[,，、;；]", aliases)] if w.strip()
    )


def load_tiers() -> list[TierSpec]:
    rows = list(HotlineTier.objects.all())
    if rows:
        return [
            TierSpec(r.name, _words(r.name, r.aliases), r.amount, r.unit, r.is_default)
            for r in rows
        ]
    return [TierSpec(n, _words(n, a), amt, str(u), d) for n, a, amt, u, d in DEFAULT_TIERS]


_SEP = re.compile(r"\s*[/／>＞|｜\\]+\s*")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").lower()


class CategoryMatcher:
    """Finds a category of the default catalogue by code or name.

    Hotline category texts come as a code (06001), a minor name (暴露垃圾),
    major/minor (市容环境/暴露垃圾) or the hotline's own longer path
    (城市管理>市容环境>暴露垃圾); the last one or two parts are tried.  A
    name shared by a component and an event category means the event: a
    caller reports a problem, not an inventory item.
    """

    def __init__(self, categories: Iterable[Category]):
        self.index: dict[str, list[Category]] = {}
        for c in categories:
            keys = {
                c.code,
                c.major_code + c.minor_code.zfill(3),
                _norm(c.minor_name),
                _norm(f"{c.major_name}/{c.minor_name}"),
            }
            for k in keys:
                self.index.setdefault(k, []).append(c)

    @classmethod
    def default(cls) -> CategoryMatcher:
        catalogue = Catalogue.default()
        if catalogue is None:
            return cls([])
        return cls(catalogue.categories.filter(active=True))

    def match(self, text: str) -> tuple[Category | None, str]:
        """The category and "" or ``None`` and why not ("none" or "ambiguous")."""
        text = text.strip()
        if not text:
            return None, ""
        parts = [p for p in _SEP.split(text) if p]
        tries = [_norm(text)]
        if len(parts) >= 2:
            tries.append(_norm(f"{parts[-2]}/{parts[-1]}"))
        if parts:
            tries.append(_norm(parts[-1]))
        for key in tries:
            found = self.index.get(key, [])
            if len(found) > 1:
                events = [c for c in found if c.kind == Category.Kind.EVENT]
                found = events if len(events) == 1 else found
            if len(found) == 1:
                return found[0], ""
            if found:
                return None, "ambiguous"
        return None, "none"


@dataclass
class HotlineRow:
    row: int
    order_no: str
    received_at: datetime
    caller: str
    content: str
    address: str
    lon: float | None  # as given, in ``datum``
    lat: float | None
    datum: str  # as given ("" = none written)
    wgs_lon: float | None  # for the case
    wgs_lat: float | None
    category_text: str
    category: Category | None
    tier: str
    deadline: datetime
    deadline_given: bool
    masked: bool = False


@dataclass
class CheckedOrders:
    rows: list[HotlineRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        out = float(value)
    else:
        text = cell_text(value)
        if not text:
            return None
        out = float(text)  # ValueError for text
    if out != out or out in (float("inf"), float("-inf")):
        raise ValueError(value)
    return out


def check_hotline_records(
    records: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    tiers: list[TierSpec],
    categories: CategoryMatcher,
    default_datum: str = "wgs84",
    now: datetime,
    labels: Mapping[str, str] | None = None,
) -> CheckedOrders:
    """Every record checked on its own and against the others (no database)."""
    from zhili.places.coords import convert_point

    labels = labels or {}
    out = CheckedOrders()
    seen: dict[str, int] = {}
    tier_by_word = {w: t for t in tiers for w in t.words}
    default_tier = next((t for t in tiers if t.default), None)
    known_tiers = "、".join(t.name for t in tiers)
    for number, rec in records:
        errors: list[RowError] = []

        def err(
            f: str, message: str, number: int = number, errors: list[RowError] = errors
        ) -> None:
            errors.append(RowError(number, labels.get(f, f), message))

        def warn(f: str, message: str, number: int = number) -> None:
            out.warnings.append(RowError(number, labels.get(f, f), message))

        text = {
            f: cell_text(rec.get(f))
            for f in ("order_no", "caller", "content", "address", "category", "tier")
        }
        for f, limit in MAX_LEN.items():
            if len(text[f]) > limit:
                err(f, _("Longer than %(n)d characters.") % {"n": limit})
        order_no = text["order_no"]
        if not order_no:
            err("order_no", _("The order number is missing."))
        elif order_no in seen:
            err(
                "order_no",
                _("Order %(no)s is already on row %(row)d.")
                % {"no": order_no, "row": seen[order_no]},
            )
        else:
            seen[order_no] = number
        if not text["content"]:
            err("content", _("The content of the order is missing."))

        received = None
        try:
            received = parse_when(rec.get("received_at"))
            if received is None:
                err("received_at", _("The received time is missing."))
            elif received > now + FUTURE_SLACK:
                err("received_at", _("%(t)s is in the future.") % {"t": _fmt_when(received)})
        except DateOnly:
            err(
                "received_at",
                _("“%(v)s” has no time of day; write it as 2026-02-13 10:05.")
                % {"v": cell_text(rec.get("received_at"))},
            )
        except ValueError:
            err(
                "received_at",
                _("“%(v)s” is not a date and time (write 2026-02-13 10:05:00).")
                % {"v": cell_text(rec.get("received_at"))},
            )

        caller, masked = mask_caller(text["caller"])
        if masked:
            warn(
                "caller",
                _("The caller's number was not masked; stored as %(masked)s.") % {"masked": caller},
            )

        # Coordinates.
        lon = lat = wlon = wlat = None
        datum_text = cell_text(rec.get("datum"))
        datum = DATUM_WORDS.get(_norm(datum_text)) if datum_text else default_datum
        if datum is None:
            err(
                "datum",
                _("“%(v)s” is not a coordinate system: write WGS84, GCJ02 or BD09.")
                % {"v": datum_text},
            )
        try:
            lon, lat = _number(rec.get("lon")), _number(rec.get("lat"))
        except ValueError:
            err(
                "lon",
                _("The coordinates (%(lon)s, %(lat)s) are not numbers.")
                % {"lon": cell_text(rec.get("lon")), "lat": cell_text(rec.get("lat"))},
            )
            lon = lat = None
        else:
            if lon == 0 and lat == 0:
                lon = lat = None
            elif (lon is None) != (lat is None):
                err("lon", _("Give both longitude and latitude, or neither."))
                lon = lat = None
            elif lon is not None and lat is not None:
                if not (
                    LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]
                ):
                    err(
                        "lon",
                        _(
                            "(%(lon)s, %(lat)s) is not a longitude/latitude in China: projected "
                            "metres, or longitude and latitude swapped?"
                        )
                        % {"lon": lon, "lat": lat},
                    )
                elif datum is not None:
                    wlon, wlat = (
                        convert_point(lon, lat, datum, "wgs84") if datum != "wgs84" else (lon, lat)
                    )
        if lon is None and not text["address"]:
            err("address", _("Neither coordinates nor an address: the order cannot be located."))

        category, why = categories.match(text["category"])
        if why == "none":
            warn(
                "category",
                _(
                    "“%(v)s” matches no category of the catalogue; the case has no category "
                    "until intake sets it."
                )
                % {"v": text["category"]},
            )
        elif why == "ambiguous":
            warn(
                "category",
                _(
                    "“%(v)s” matches several categories; the case has no category until "
                    "intake sets it."
                )
                % {"v": text["category"]},
            )

        tier = None
        if text["tier"]:
            tier = tier_by_word.get(text["tier"].lower())
            if tier is None:
                err(
                    "tier",
                    _("“%(v)s” is not a response tier; known tiers: %(known)s.")
                    % {"v": text["tier"], "known": known_tiers},
                )
        else:
            tier = default_tier

        deadline = None
        given = False
        try:
            deadline = parse_when(rec.get("deadline"), date_means_end_of_day=True)
            given = deadline is not None
        except ValueError:
            err(
                "deadline",
                _("“%(v)s” is not a date and time.") % {"v": cell_text(rec.get("deadline"))},
            )
        if received is not None and deadline is not None and deadline <= received:
            err(
                "deadline",
                _("The deadline %(d)s is not after the received time %(r)s.")
                % {"d": _fmt_when(deadline), "r": _fmt_when(received)},
            )
        if deadline is None and received is not None and not errors:
            if tier is None:
                err("tier", _("No deadline and no response tier to compute it from."))
            else:
                try:
                    deadline = tier.deadline(received)
                except CalendarDataMissing as exc:
                    err("deadline", str(exc))

        if errors:
            out.errors.extend(errors)
            continue
        assert received is not None and deadline is not None
        out.rows.append(
            HotlineRow(
                row=number,
                order_no=order_no,
                received_at=received,
                caller=caller,
                content=text["content"],
                address=text["address"],
                lon=lon,
                lat=lat,
                datum=datum_text
                or (default_datum if lon is not None and default_datum != "wgs84" else ""),
                wgs_lon=wlon,
                wgs_lat=wlat,
                category_text=text["category"],
                category=category,
                tier=text["tier"],
                deadline=deadline,
                deadline_given=given,
                masked=masked,
            )
        )
    return out


# --- reading files ------------------------------------------------------------------------


def read_hotline_file(
    path: str | Path,
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str], str]:
    """Records (row number, {field: raw value}), each field's header text, and the encoding.

    CSV (UTF-8 or GBK) and XLSX: row numbers as in the sheet (header = 1).
    JSON: a list of objects (or {"orders": [...]}); row n is the n-th object.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            if not path.exists():
                raise TableFileError(_("File not found: %(path)s") % {"path": path})
            text, encoding = decode_text(path.read_bytes())
            table = _json_table(text, encoding)
        else:
            table = read_table(path)
        index, labels = map_columns(table.header, COLUMNS, REQUIRED)
    except TableFileError as exc:
        raise HotlineImportError([RowError(0, "", str(exc))]) from None
    records = []
    for number, cells in table.rows:
        n = len(cells)
        records.append((number, {f: (cells[i] if i < n else None) for f, i in index.items()}))
    if not records:
        raise HotlineImportError([RowError(0, "", _("The file has a header but no rows."))])
    return records, labels, table.encoding


def _json_table(text: str, encoding: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TableFileError(_("Not valid JSON: %(err)s") % {"err": exc}) from None
    if isinstance(data, dict):
        data = next(
            (
                data[k]
                for k in ("orders", "data", "records", "items")
                if isinstance(data.get(k), list)
            ),
            None,
        )
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise TableFileError(_("The JSON file must hold a list of orders (objects)."))
    if not data:
        raise TableFileError(_("The file is empty."))
    header: list[str] = []
    for item in data:
        header.extend(k for k in item if k not in header)
    rows = [(i, [item.get(k) for k in header]) for i, item in enumerate(data, start=1)]
    return Table(header=header, rows=rows, encoding=encoding)


# --- actions ------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _require_roles(actor: Any, roles: frozenset[Role], message: str) -> None:
    # actor None: the command line, an operator with shell access.
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if not (getattr(actor, "is_active", False) and actor.roles & roles):
        raise PermissionDenied(message)


@dataclass
class HotlineImportReport:
    file: str = ""
    encoding: str = ""
    rows: int = 0
    created: int = 0
    skipped: list[str] = field(default_factory=list)  # order numbers already imported
    masked: int = 0
    uncategorised: int = 0
    address_only: int = 0
    warnings: list[RowError] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def converted(self) -> bool:
        return self.encoding == "gb18030"


_PHONE_TOKEN = re.compile(r"\+?[\d*]{3,}[\d*\- ]*\d{4}")


def _split_caller(caller: str) -> tuple[str, str]:
    """(name, phone) of a masked caller text such as "张女士 138****1234"."""
    m = _PHONE_TOKEN.search(caller)
    if not m:
        return caller[:60], ""
    name = (caller[: m.start()] + caller[m.end() :]).strip(" ,，;；/")
    return name[:60], m.group().strip()[:30]


def hotline_import(
    *,
    actor: Any,
    path: str | Path,
    commit: bool = True,
    datum: str = "wgs84",
    now: datetime | None = None,
) -> HotlineImportReport:
    """Import 12345 work orders from CSV/XLSX/JSON as hotline cases, all or nothing.

    ``datum``: the coordinates' datum for rows without a datum column.
    Raises :class:`HotlineImportError` listing every failing row.
    """
    from .actions import case_report

    _require_roles(actor, CENTRE, _("You may not import 12345 work orders."))
    now = now or timezone.now()
    path = Path(path)
    records, labels, encoding = read_hotline_file(path)
    report = HotlineImportReport(file=path.name, encoding=encoding, rows=len(records))
    checked = check_hotline_records(
        records,
        tiers=load_tiers(),
        categories=CategoryMatcher.default(),
        default_datum=datum,
        now=now,
        labels=labels,
    )
    errors = list(checked.errors)
    report.warnings = list(checked.warnings)

    # Already imported: skip (see the module docstring).
    numbers = [r.order_no for r in checked.rows]
    stored: dict[str, str] = {}
    for start in range(0, len(numbers), 1000):
        stored.update(
            HotlineOrder.objects.filter(order_no__in=numbers[start : start + 1000]).values_list(
                "order_no", "content"
            )
        )
    new_rows = []
    for r in checked.rows:
        if r.order_no in stored:
            report.skipped.append(r.order_no)
            if stored[r.order_no] != r.content:
                report.warnings.append(
                    RowError(
                        r.row,
                        labels.get("content", "content"),
                        _(
                            "Order %(no)s was imported before with another content; the stored order "
                            "is kept."
                        )
                        % {"no": r.order_no},
                    )
                )
        else:
            new_rows.append(r)

    # One vectorised lookup for every located row.
    located = [r for r in new_rows if r.wgs_lon is not None]
    if located:
        from zhili.places.services import locate_many

        grids = locate_many(
            np.array([r.wgs_lon for r in located]), np.array([r.wgs_lat for r in located])
        )["grid"]
        for r, grid in zip(located, grids, strict=True):
            if not str(grid):
                errors.append(
                    RowError(
                        r.row,
                        labels.get("lon", "lon"),
                        _("(%(lon)s, %(lat)s) lies outside the district (outside every unit grid).")
                        % {"lon": r.lon, "lat": r.lat},
                    )
                )
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise HotlineImportError(errors)

    with transaction.atomic():
        for r in new_rows:
            name, phone = _split_caller(r.caller)
            try:
                case = case_report(
                    actor=actor,
                    source=Source.HOTLINE,
                    description=r.content,
                    lon=r.wgs_lon,
                    lat=r.wgs_lat,
                    category=r.category,
                    address=r.address,
                    contact_name=name,
                    contact_phone=phone,
                    reported_at=r.received_at,
                    now=now,
                )
            except ValidationError as exc:
                errors.extend(RowError(r.row, "", m) for m in exc.messages)
                continue
            except CalendarDataMissing as exc:
                errors.append(RowError(r.row, "", str(exc)))
                continue
            HotlineOrder.objects.create(
                order_no=r.order_no,
                received_at=r.received_at,
                caller=r.caller,
                content=r.content,
                address=r.address,
                lon=r.lon,
                lat=r.lat,
                datum=r.datum,
                category_text=r.category_text,
                category=r.category,
                tier=r.tier,
                deadline=r.deadline,
                deadline_given=r.deadline_given,
                case=case,
                source_file=path.name[:200],
                source_row=r.row,
                imported_by=_user(actor),
            )
            report.cases.append(case.number)
            report.created += 1
            report.masked += r.masked
            report.uncategorised += r.category is None
            report.address_only += r.wgs_lon is None
        if errors:
            # Raising inside the block rolls back every case already created.
            raise HotlineImportError(errors)
        record(
            actor=actor,
            action="cases.hotline_import",
            object_type="cases.hotlineorder",
            object_id=path.name[:64],
            summary=f"{report.created} new, {len(report.skipped)} already imported",
            after={
                "file": path.name,
                "rows": report.rows,
                "created": report.created,
                "skipped": report.skipped[:200],
                "masked": report.masked,
            },
        )
        if not commit:
            transaction.set_rollback(True)
        report.committed = commit
    return report


def _lock_order(actor: Any, order: HotlineOrder | int, message: str) -> HotlineOrder:
    from .access import visible_cases

    pk = order.pk if isinstance(order, HotlineOrder) else order
    locked = HotlineOrder.objects.select_for_update().filter(pk=pk).first()
    # The same answer for a missing order and one whose case the actor cannot see.
    if locked is None or (
        actor is not None and not visible_cases(actor).filter(pk=locked.case_id).exists()
    ):
        raise HotlineOrder.DoesNotExist(message)
    return locked


def access_hotline_order(user: Any, pk: int | str) -> HotlineOrder:
    """The order if its case is visible to ``user``; the same 404 for missing and forbidden."""
    from django.http import Http404

    from .access import visible_cases

    try:
        return HotlineOrder.objects.select_related("case").get(pk=pk, case__in=visible_cases(user))
    except (HotlineOrder.DoesNotExist, ValueError):
        raise Http404 from None


def _clean(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The %(what)s is required.") % {"what": what})
    if len(text) > 4000:
        raise ValidationError(_("The %(what)s is longer than 4000 characters.") % {"what": what})
    return text


def _timeline(
    actor: Any, order: HotlineOrder, action: str, note: str, data: dict, now: datetime
) -> None:
    case = Case.objects.select_for_update().get(pk=order.case_id)
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=_user(actor),
        action=action,
        from_state=case.state,
        to_state=case.state,
        note=note,
        data={"order": order.order_no, **data},
        public=False,
    )


def hotline_reply(
    *, actor: Any, order: HotlineOrder | int, result: str, reply: str, now: datetime | None = None
) -> HotlineOrder:
    """办理结果 and 答复: what was done, and the answer for the caller.

    A later reply replaces the earlier one on the order (after an
    unsatisfied callback and rework); the timeline keeps both.
    """
    _require_roles(actor, REPLIERS, _("You may not reply to 12345 work orders."))
    now = now or timezone.now()
    result = _clean(result, _("handling result"))
    reply = _clean(reply, _("reply"))
    with transaction.atomic():
        order = _lock_order(actor, order, _("No such 12345 work order."))
        before = {
            "handling_result": order.handling_result,
            "reply": order.reply,
            "replied_at": _fmt_when(order.replied_at),
        }
        order.handling_result, order.reply = result, reply
        order.replied_at, order.replied_by = now, _user(actor)
        order.save()
        _timeline(actor, order, "hotline_reply", reply[:300], {"result": result[:300]}, now)
        record(
            actor=actor,
            action="cases.hotline_reply",
            obj=order,
            summary=reply[:300],
            before=before,
            after={"handling_result": result, "reply": reply, "replied_at": _fmt_when(now)},
        )
    return order


@dataclass
class CallbackOutcome:
    order: HotlineOrder
    case: Case  # the case that carries on (the surviving one if merged)
    reopened: bool  # sent back to handling by this callback
    needs_review: bool  # unsatisfied, but the case was declined or voided: the centre decides


def hotline_callback(
    *,
    actor: Any,
    order: HotlineOrder | int,
    result: str,
    note: str = "",
    now: datetime | None = None,
) -> CallbackOutcome:
    """回访: the caller's satisfaction; unsatisfied reopens a closed case.

    Unsatisfied with the case still open (an interim reply), the answer is
    recorded and handling simply continues.  A merged case's survivor is
    the one reopened.  A declined or voided case cannot be reopened by the
    workflow: the outcome says it needs the centre's review.
    """
    from .actions import case_reopen

    _require_roles(actor, CENTRE, _("You may not record 12345 callbacks."))
    now = now or timezone.now()
    value = CALLBACK_WORDS.get((result or "").strip())
    if value is None:
        raise ValidationError(
            _("“%(v)s” is not a callback result: write 满意, 基本满意 or 不满意.") % {"v": result}
        )
    note = (note or "").strip()
    if value == CallbackResult.UNSATISFIED and not note:
        raise ValidationError(_("Say what the caller is unsatisfied with."))
    with transaction.atomic():
        order = _lock_order(actor, order, _("No such 12345 work order."))
        if order.replied_at is None:
            raise ValidationError(_("Reply to the caller before recording the callback."))
        before = {
            "callback_result": order.callback_result,
            "callback_at": _fmt_when(order.callback_at),
        }
        order.callback_result, order.callback_note = value.value, note
        order.callback_at, order.callback_by = now, _user(actor)
        order.callback_count += 1
        order.unsatisfied_count += value == CallbackResult.UNSATISFIED
        order.save()
        _timeline(actor, order, "hotline_callback", note, {"result": value.value}, now)
        case = Case.objects.get(pk=order.case_id)
        seen = {case.pk}
        while (
            case.state == State.MERGED and case.merged_into_id and case.merged_into_id not in seen
        ):
            case = Case.objects.get(pk=case.merged_into_id)
            seen.add(case.pk)
        reopened = needs_review = False
        if value == CallbackResult.UNSATISFIED:
            if case.state == State.CLOSED:
                case = case_reopen(
                    actor=actor,
                    case_id=case.pk,
                    now=now,
                    note=_("12345 callback unsatisfied (order %(no)s): %(note)s")
                    % {"no": order.order_no, "note": note},
                )
                reopened = True
            elif not case.is_open:
                needs_review = True
        record(
            actor=actor,
            action="cases.hotline_callback",
            obj=order,
            summary=note[:300],
            before=before,
            after={"callback_result": value.value, "reopened": reopened, "case": case.number},
        )
    return CallbackOutcome(order=order, case=case, reopened=reopened, needs_review=needs_review)


# --- export ---------------------------------------------------------------------------------


def _float_text(v: float | None) -> str:
    return "" if v is None else repr(float(v))


def export_rows(orders: Iterable[HotlineOrder], *, keys: str = "zh") -> list[dict[str, Any]]:
    """One dict per order: the import columns then the district's, keyed by
    Chinese header ("zh", CSV/XLSX) or field name ("en", JSON)."""
    out = []
    names = {f: aliases[0] for f, aliases in COLUMNS.items()} | EXPORT_COLUMNS
    for o in orders:
        state = o.case.state_label if o.case_id else ""
        values: dict[str, Any] = {
            "order_no": o.order_no,
            "received_at": _fmt_when(o.received_at),
            "caller": o.caller,
            "content": o.content,
            "address": o.address,
            "lon": o.lon,
            "lat": o.lat,
            "datum": o.datum,
            "category": o.category_text,
            "tier": o.tier,
            "deadline": _fmt_when(o.deadline),
            "handling_result": o.handling_result,
            "reply": o.reply,
            "replied_at": _fmt_when(o.replied_at),
            "callback_result": o.callback_result,
            "callback_at": _fmt_when(o.callback_at),
            "callback_note": o.callback_note,
            "case_number": o.case.number,
            "case_state": state,
        }
        if keys == "en":
            out.append(values)
            continue
        values["callback_result"] = CALLBACK_TEXT.get(o.callback_result, o.callback_result)  # type: ignore[call-overload]
        out.append({names[f]: v for f, v in values.items()})
    return out


def hotline_export(
    path: str | Path,
    orders: Iterable[HotlineOrder],
    fmt: str | None = None,
    *,
    encoding: str = "utf-8-sig",
) -> int:
    """Write orders in the import layout plus result, reply and callback columns.

    The import columns come back as imported, except that the caller is the
    masked one and 办理时限 is the deadline in force (computed from the tier
    when the file gave none).

    ``fmt``: csv, xlsx or json (default: from the file name).  CSV is
    written UTF-8 with a BOM so Excel on Chinese Windows opens it right;
    ``encoding="gb18030"`` for systems that only read GBK.  Returns the
    number of orders written.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "xlsx", "json"):
        raise ValueError(
            _("Unsupported file type %(suffix)s: use .csv, .xlsx or .json") % {"suffix": fmt or "?"}
        )
    if isinstance(orders, QuerySet):
        orders = orders.select_related("case").order_by("received_at", "order_no")
    orders = list(orders)
    if fmt == "json":
        rows = export_rows(orders, keys="en")
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        return len(rows)
    rows = export_rows(orders)
    header = [names[0] for names in COLUMNS.values()] + list(EXPORT_COLUMNS.values())
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [_float_text(row[h]) if h in ("经度", "纬度") else row[h] for h in header]
            )
        path.write_bytes(buf.getvalue().encode(encoding))
        return len(rows)
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("12345")
    sheet.append(header)
    for row in rows:
        sheet.append([row[h] for h in header])
    book.save(path)
    return len(rows)


# --- evaluation ------------------------------------------------------------------------------


def hotline_satisfaction(qs: QuerySet[HotlineOrder] | None = None) -> dict[str, Any]:
    """Counts per latest callback result and the satisfaction rate.

    rate = (satisfied + basically satisfied) / answered, the usual 12345
    满意率; ``None`` when no callback was answered.  ``orders`` counts all,
    ``not_called`` those without a callback yet.
    """
    qs = HotlineOrder.objects.all() if qs is None else qs
    counts = dict(qs.values_list("callback_result").annotate(n=Count("pk")).order_by())
    out: dict[str, Any] = {c.value: counts.get(c.value, 0) for c in CallbackResult}
    answered = sum(out.values())
    out["answered"] = answered
    out["not_called"] = counts.get("", 0)
    out["orders"] = answered + out["not_called"]
    good = out[CallbackResult.SATISFIED.value] + out[CallbackResult.BASICALLY_SATISFIED.value]
    out["rate"] = good / answered if answered else None
    return out
