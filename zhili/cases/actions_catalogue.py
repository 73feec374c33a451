"""Writes to the catalogue, the local standards and the components inventory.

Each function runs in one transaction, checks the acting user's permission
(``actor=None`` is the command line: an operator with shell access), writes
one audit entry, and with ``commit=False`` checks everything and rolls back.
Loaders are all or nothing: they raise :class:`CatalogueImportError` listing
every failing row, and then nothing is written.

How a local standard meets a catalogue
--------------------------------------
A standard row names its category by kind, major and minor code *and* name.
In the target catalogue a row's category is found by its code; the name
must agree (up to spacing and full/half-width brackets), because a code
alone is not safe: the Yuncheng standard (运城) writes 2+2 codes, but not
CJ/T 214's.  Its 0114 is 园林井盖 where the CJ/T 214 table has 无主井盖,
0118 化粪池井盖 where CJ/T 214 has 路灯 (32 of the 46 codes the two share
differ), so attaching by code would give street lamps the limits of septic
tank covers.  Such a row is refused with both names.  Codes the catalogue
lacks are local additions (the 9x codes most local tables use; every event
code when the catalogue, like CJ/T 214's, lists only components) and are
created in it, marked ``is_local``.

A standard with its own numbering therefore goes into a catalogue of its
own: ``standard_load(..., catalogue_code="YUNCHENG", new_catalogue="运城…")``
creates a local catalogue holding exactly the standard's categories.
(Yuncheng's component codes in fact follow the GB/T 30428.2-2013 numbering
that GB/T 47678.5 kept: zero-padding the minor code matches 51 of its 62
non-local component codes by name; its events are GB/T 47678.5's majors
06-09 shifted down by five.  A mapping onto the new catalogue is a later,
reviewed step, not something to guess while loading.)
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.core.models import record

from .catalogue import TimeUnit
from .models import Catalogue, Category, Component, StandardCondition
from .tabular import (
    CheckedStandard,
    RowError,
    StandardRow,
    Table,
    TableFileError,
    check_component_records,
    check_standard_table,
    feature_records,
    map_columns,
    read_table,
    same_name,
    table_records,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
GBT_PATH = DATA_DIR / "categories" / "gbt47678_5_2026.csv"
CJT214_PATH = DATA_DIR / "categories" / "cjt214_legacy_components.csv"
YUNCHENG_PATH = DATA_DIR / "standards" / "yuncheng_case_standards.csv"

GBT_NAME = "GB/T 47678.5-2026 城市运行管理服务平台 第5部分：管理部件和事项"
CJT214_NAME = "CJ/T 214-2007 数字化城市管理信息系统 管理部件和事件 (旧版)"

MAX_REPORTED_ERRORS = 1000


class CatalogueImportError(ValidationError):
    """An import refused whole, with one message per failing row."""

    def __init__(self, errors: list[RowError]):
        self.row_errors = errors
        shown = [str(e) for e in errors[:MAX_REPORTED_ERRORS]]
        if len(errors) > MAX_REPORTED_ERRORS:
            shown.append(_("… and %(n)d more errors.") % {"n": len(errors) - MAX_REPORTED_ERRORS})
        super().__init__(shown)


def _require(actor: Any, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _read(path: str | Path) -> Table:
    try:
        return read_table(path)
    except TableFileError as exc:
        raise CatalogueImportError([RowError(0, "", str(exc))]) from None


# --- national catalogues ---------------------------------------------------------


@dataclass
class CatalogueReport:
    code: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    is_default: bool = False
    committed: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # active categories per kind

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


_CATALOGUE_COLUMNS = {
    "kind": ("kind",),
    "major_code": ("major_code",),
    "major_name": ("major_name",),
    "minor_code": ("minor_code",),
    "minor_name": ("minor_name",),
    "source": ("source",),
}
_KINDS = {"部件": Category.Kind.COMPONENT, "事件": Category.Kind.EVENT, "事项": Category.Kind.EVENT,
          "component": Category.Kind.COMPONENT, "event": Category.Kind.EVENT}  # fmt: skip


def _catalogue_rows(path: str | Path, minor_digits: int) -> list[dict[str, str]]:
    table = _read(path)
    try:
        index, _label = map_columns(table.header, _CATALOGUE_COLUMNS, list(_CATALOGUE_COLUMNS))
    except TableFileError as exc:
        raise CatalogueImportError([RowError(1, "", str(exc))]) from None
    rows: list[dict[str, str]] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in table.rows:
        rec = {
            f: (str(cells[i]).strip() if i < len(cells) and cells[i] is not None else "")
            for f, i in index.items()
        }
        kind = _KINDS.get(rec["kind"].lower())
        if kind is None:
            errors.append(
                RowError(
                    number,
                    "kind",
                    _("“%(value)s” is not a kind: write 部件 or 事件.") % {"value": rec["kind"]},
                )
            )
            continue
        if not re.fullmatch(r"\d{2}", rec["major_code"]):
            errors.append(
                RowError(
                    number,
                    "major_code",
                    _("“%(value)s” is not a 2-digit major code.") % {"value": rec["major_code"]},
                )
            )
            continue
        if not re.fullmatch(rf"\d{{{minor_digits}}}", rec["minor_code"]):
            errors.append(
                RowError(
                    number,
                    "minor_code",
                    _("“%(value)s” is not a %(n)d-digit minor code.")
                    % {"value": rec["minor_code"], "n": minor_digits},
                )
            )
            continue
        if not rec["minor_name"] or not rec["major_name"]:
            errors.append(RowError(number, "minor_name", _("This cell is empty.")))
            continue
        key = (kind, rec["major_code"], rec["minor_code"])
        if key in seen:
            errors.append(
                RowError(
                    number,
                    "minor_code",
                    _("%(code)s is already on row %(row)d.")
                    % {"code": rec["major_code"] + rec["minor_code"], "row": seen[key]},
                )
            )
            continue
        seen[key] = number
        rows.append({**rec, "kind": kind})
    if errors:
        raise CatalogueImportError(errors)
    if not rows:
        raise CatalogueImportError([RowError(0, "", _("The file has a header but no rows."))])
    return rows


def _catalogue_load(
    *,
    actor: Any,
    code: str,
    name: str,
    path: str | Path,
    minor_digits: int,
    make_default: bool | None,
    commit: bool,
) -> CatalogueReport:
    _require(actor, "cases.manage_catalogue", _("You may not change the catalogue."))
    rows = _catalogue_rows(path, minor_digits)
    report = CatalogueReport(code=code)
    with transaction.atomic():
        catalogue, _created = Catalogue.objects.select_for_update().get_or_create(
            code=code, defaults={"name": name, "minor_digits": minor_digits}
        )
        catalogue.name, catalogue.minor_digits = name, minor_digits
        catalogue.source = str(rows[0].get("source", ""))[:300]
        # The first catalogue loaded with make_default=None becomes the default;
        # reloading never takes the default from a city that chose another.
        has_default = Catalogue.objects.filter(is_default=True).exclude(pk=catalogue.pk).exists()
        if make_default or (make_default is None and not has_default):
            Catalogue.objects.filter(is_default=True).exclude(pk=catalogue.pk).update(
                is_default=False
            )
            catalogue.is_default = True
        catalogue.save()
        existing = {(c.kind, c.major_code, c.minor_code): c for c in catalogue.categories.all()}
        to_create, to_update = [], []
        in_file = set()
        for rec in rows:
            key = (rec["kind"], rec["major_code"], rec["minor_code"])
            in_file.add(key)
            values = {
                "major_name": rec["major_name"],
                "minor_name": rec["minor_name"],
                "source": rec["source"][:300],
                "active": True,
                "is_local": False,
            }
            cat = existing.get(key)
            if cat is None:
                to_create.append(
                    Category(
                        catalogue=catalogue,
                        kind=key[0],
                        major_code=key[1],
                        minor_code=key[2],
                        code=key[1] + key[2],
                        **values,
                    )  # fmt: skip
                )
            elif any(getattr(cat, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(cat, k, v)
                to_update.append(cat)
            else:
                report.unchanged += 1
        # Categories dropped from the national list stay (cases refer to
        # them) but are no longer offered; local additions are left alone.
        gone = [c for k, c in existing.items() if k not in in_file and not c.is_local and c.active]
        for cat in gone:
            cat.active = False
        Category.objects.bulk_create(to_create, batch_size=500)
        Category.objects.bulk_update(
            to_update + gone,
            ["major_name", "minor_name", "source", "active", "is_local"],
            batch_size=500,
        )
        report.created, report.updated, report.deactivated = (
            len(to_create),
            len(to_update),
            len(gone),
        )
        report.is_default = catalogue.is_default
        for kind in Category.Kind:
            report.counts[kind.value] = catalogue.categories.filter(kind=kind, active=True).count()
        record(
            actor=actor,
            action="cases.catalogue_load",
            obj=catalogue,
            summary=_("%(c)d new, %(u)d changed, %(s)d unchanged, %(d)d withdrawn")
            % {
                "c": report.created,
                "u": report.updated,
                "s": report.unchanged,
                "d": report.deactivated,
            },
            after={"code": code, "counts": report.counts, "default": catalogue.is_default},
        )
        if not commit:
            transaction.set_rollback(True)
        report.committed = commit
    return report


def catalogue_load_gbt(
    *,
    actor: Any,
    path: str | Path = GBT_PATH,
    commit: bool = True,
    make_default: bool | None = None,
) -> CatalogueReport:
    """Load or refresh GB/T 47678.5-2026 (153 component types, 250 event types).

    It becomes the default catalogue if none is yet (``make_default=None``),
    or when ``make_default`` is true.  Re-running updates, never duplicates.
    """
    return _catalogue_load(
        actor=actor, code=Catalogue.GBT, name=GBT_NAME, path=path, minor_digits=3,
        make_default=make_default, commit=commit,
    )  # fmt: skip


def catalogue_load_cjt214(
    *,
    actor: Any,
    path: str | Path = CJT214_PATH,
    commit: bool = True,
    make_default: bool | None = False,
) -> CatalogueReport:
    """Load or refresh the older CJ/T 214 component list (2-digit minor codes)."""
    return _catalogue_load(
        actor=actor, code=Catalogue.CJT214, name=CJT214_NAME, path=path, minor_digits=2,
        make_default=make_default, commit=commit,
    )  # fmt: skip


def catalogue_set_default(*, actor: Any, code: str) -> Catalogue:
    """Make the catalogue ``code`` the one new cases and component IDs use."""
    _require(actor, "cases.manage_catalogue", _("You may not change the catalogue."))
    with transaction.atomic():
        try:
            catalogue = Catalogue.objects.select_for_update().get(code=code)
        except Catalogue.DoesNotExist:
            raise ValidationError(_("No catalogue %(code)s.") % {"code": code}) from None
        before = Catalogue.objects.filter(is_default=True).values_list("code", flat=True).first()
        Catalogue.objects.filter(is_default=True).exclude(pk=catalogue.pk).update(is_default=False)
        catalogue.is_default = True
        catalogue.save(update_fields=["is_default", "updated_at"])
        record(actor=actor, action="cases.catalogue_set_default", obj=catalogue,
               before={"default": before}, after={"default": code})  # fmt: skip
    return catalogue


# --- local standards ------------------------------------------------------------------


@dataclass
class StandardReport:
    standard: str
    catalogue: str
    rows: int = 0
    categories_matched: int = 0
    categories_created: int = 0
    conditions_replaced: int = 0
    orgs_matched: int = 0
    catalogue_created: bool = False
    encoding: str = ""
    by_unit: dict[str, int] = field(default_factory=dict)
    committed: bool = False

    @property
    def converted(self) -> bool:
        return self.encoding == "gb18030"


_ORG_SPLIT = re.compile(r"[、，,；;/／]")


class _OrgMatcher:
    """OrgUnits by name and short name.  A standard's department cell often
    lists several units (“运城市排水服务中心、各产权单位”): the link goes to
    the first one that exists, the text keeps them all."""

    def __init__(self) -> None:
        from zhili.accounts.models import OrgUnit

        self.by_name: dict[str, Any] = {}
        for org in OrgUnit.objects.filter(active=True).order_by("pk"):
            self.by_name.setdefault(org.name.strip(), org)
            if org.short_name:
                self.by_name.setdefault(org.short_name.strip(), org)

        self._memo: dict[str, Any] = {}

    def match(self, text: str) -> Any:
        if not text or not self.by_name:
            return None
        if text in self._memo:
            return self._memo[text]
        found = self.by_name.get(text.strip())
        if found is None:
            for part in _ORG_SPLIT.split(text):
                found = self.by_name.get(part.strip())
                if found is not None:
                    break
        self._memo[text] = found
        return found


def standard_load(
    *,
    actor: Any,
    path: str | Path,
    catalogue_code: str | None = None,
    commit: bool = True,
    standard_name: str | None = None,
    new_catalogue: str | None = None,
    day_unit: str = TimeUnit.NATURAL_DAYS,
) -> StandardReport:
    """Load a local case standard in the Yuncheng layout, all or nothing.

    Columns: kind, major_code, major_name, minor_code, minor_name, 处置单位,
    主管部门, 立案条件, 结案条件, 处置时限 (CSV in UTF-8/GBK, or XLSX).
    ``catalogue_code`` defaults to the default catalogue.  With
    ``new_catalogue`` (its name) the catalogue ``catalogue_code`` is
    created as a local code table from the file.  For every category in the
    file, the conditions of the same ``standard_name`` (default: the file
    name) are replaced by the file's rows, in file order.  See the module
    docstring for how rows find their categories.
    """
    _require(actor, "cases.manage_catalogue", _("You may not change the catalogue."))
    path = Path(path)
    standard_name = (standard_name or path.stem).strip()[:200]
    table = _read(path)
    if catalogue_code is None:
        default = Catalogue.default()
        if default is None:
            raise CatalogueImportError(
                [
                    RowError(
                        0, "", _("No catalogue is loaded: run zhili cases load-catalogue first.")
                    )
                ]
            )
        catalogue_code = default.code
    catalogue = Catalogue.objects.filter(code=catalogue_code).first()
    if catalogue is not None and new_catalogue:
        raise CatalogueImportError(
            [
                RowError(
                    0,
                    "",
                    _(
                        "The catalogue %(code)s already exists; leave out the new catalogue name to load into it."
                    )
                    % {"code": catalogue_code},
                )
            ]
        )
    if catalogue is None and not new_catalogue:
        raise CatalogueImportError(
            [
                RowError(
                    0,
                    "",
                    _(
                        "No catalogue %(code)s. Load it (zhili cases load-catalogue), or give a name to create it as a local catalogue (--new-catalogue NAME)."
                    )
                    % {"code": catalogue_code},
                )
            ]
        )
    try:
        checked = check_standard_table(
            table, minor_digits=catalogue.minor_digits if catalogue else None, day_unit=day_unit
        )
    except TableFileError as exc:
        raise CatalogueImportError([RowError(1, "", str(exc))]) from None
    existing: dict[tuple[str, str, str], Category] = {}
    if catalogue is not None:
        existing = {(c.kind, c.major_code, c.minor_code): c for c in catalogue.categories.all()}
        checked.errors.extend(_name_conflicts(checked, existing, catalogue))
    if checked.errors:
        checked.errors.sort(key=lambda e: (e.row, e.column))
        raise CatalogueImportError(checked.errors)

    report = StandardReport(
        standard=standard_name, catalogue=catalogue_code, encoding=table.encoding
    )
    creator = _user(actor)
    with transaction.atomic():
        if catalogue is None:
            catalogue = Catalogue.objects.create(
                code=catalogue_code, name=str(new_catalogue)[:200], minor_digits=checked.minor_digits,
                is_local=True, source=standard_name,
            )  # fmt: skip
            report.catalogue_created = True
        by_key: dict[tuple[str, str, str], list[StandardRow]] = defaultdict(list)
        for row in checked.rows:
            by_key[row.key].append(row)
        new_categories = []
        for key, rows in by_key.items():
            if key in existing:
                continue
            first = rows[0]
            new_categories.append(
                Category(
                    catalogue=catalogue,
                    kind=key[0],
                    major_code=key[1],
                    minor_code=key[2],
                    code=key[1] + key[2],
                    major_name=first.major_name,
                    minor_name=first.minor_name,
                    source=(
                        first.source
                        or _("%(standard)s (local addition)") % {"standard": standard_name}
                    )[:300],
                    is_local=True,
                )  # fmt: skip
            )
        Category.objects.bulk_create(new_categories)
        categories = {(c.kind, c.major_code, c.minor_code): c for c in catalogue.categories.all()}
        report.categories_created = len(new_categories)
        report.categories_matched = len(by_key) - len(new_categories)
        touched = [categories[k].pk for k in by_key]
        report.conditions_replaced, _detail = StandardCondition.objects.filter(
            category_id__in=touched, standard=standard_name
        ).delete()
        orgs = _OrgMatcher()
        conditions = []
        for key, rows in by_key.items():
            for order, row in enumerate(rows, start=1):
                responsible = orgs.match(row.responsible)
                supervising = orgs.match(row.supervising)
                report.orgs_matched += (responsible is not None) + (supervising is not None)
                conditions.append(
                    StandardCondition(
                        category=categories[key],
                        standard=standard_name,
                        order=order,
                        filing_condition=row.filing,
                        closing_condition=row.closing,
                        time_limit=row.limit.value,
                        time_unit=row.limit.unit,
                        time_limit_text=row.limit_text[:60],
                        time_limit_remark=row.limit.remark[:60],
                        responsible_department=row.responsible,
                        responsible_org=responsible,
                        supervising_department=row.supervising,
                        supervising_org=supervising,
                        source_row=row.row,
                        created_by=creator,
                    )
                )
                report.by_unit[row.limit.unit.value] = (
                    report.by_unit.get(row.limit.unit.value, 0) + 1
                )
        StandardCondition.objects.bulk_create(conditions, batch_size=500)
        report.rows = len(conditions)
        record(
            actor=actor,
            action="cases.standard_load",
            obj=catalogue,
            summary=_("%(standard)s: %(rows)d conditions on %(cats)d categories (%(new)d new)")
            % {
                "standard": standard_name,
                "rows": report.rows,
                "cats": len(by_key),
                "new": report.categories_created,
            },
            after={
                "standard": standard_name,
                "file": path.name,
                "encoding": table.encoding,
                "rows": report.rows,
                "categories_created": report.categories_created,
                "conditions_replaced": report.conditions_replaced,
            },
        )
        if not commit:
            transaction.set_rollback(True)
        report.committed = commit
    return report


def _name_conflicts(
    checked: CheckedStandard, existing: dict[tuple[str, str, str], Category], catalogue: Catalogue
) -> list[RowError]:
    """One error per category whose code means something else in the catalogue."""
    rows_by_key: dict[tuple[str, str, str], list[StandardRow]] = defaultdict(list)
    for row in checked.rows:
        cat = existing.get(row.key)
        if cat is not None and not same_name(cat.minor_name, row.minor_name):
            rows_by_key[row.key].append(row)
    errors = []
    for key, rows in rows_by_key.items():
        cat = existing[key]
        message = _(
            "Code %(code)s is “%(theirs)s” in the catalogue %(catalogue)s, but “%(ours)s” in "
            "this file. This standard numbers its categories differently: load it into a "
            "catalogue of its own (--catalogue CODE --new-catalogue NAME)."
        ) % {
            "code": cat.code,
            "theirs": cat.minor_name,
            "catalogue": catalogue.code,
            "ours": rows[0].minor_name,
        }
        if len(rows) > 1:
            message += " " + _("Also rows %(rows)s.") % {
                "rows": ", ".join(str(r.row) for r in rows[1:])
            }
        errors.append(RowError(rows[0].row, "minor_name", message))
    return errors


# --- components inventory --------------------------------------------------------------


@dataclass
class ComponentImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    grids_assigned: int = 0
    converted_legacy: int = 0
    encoding: str = ""
    catalogue: str = ""
    committed: bool = False


_GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
# Written on insert only; everything else is overwritten by a re-import.
_INSERT_ONLY = ("component_id", "created_at", "created_by")


def components_import(
    *, actor: Any, path: str | Path, commit: bool = True, datum: str = "wgs84"
) -> ComponentImportReport:
    """Import or update components from CSV, XLSX or GeoJSON points, all or nothing.

    IDs are checked against the default catalogue and the districts loaded
    in places; an ID already stored is updated.  The unit grid is found
    from the location (one vectorised lookup for the whole file) when not
    given, and a given grid must contain the location.  ``datum`` is the
    coordinates' datum (wgs84/cgcs2000, gcj02 or bd09; converted to WGS84).
    A 16-digit CJ/T 214 ID is widened to 17 digits only when the default
    catalogue itself has 2-digit minor codes; otherwise it is refused with
    the widened ID and both catalogues' names for it, since the national
    catalogues number categories differently.
    """
    from zhili.places.boundaries import BoundaryFileError, read_features
    from zhili.places.models import Division, Level, UnitGrid

    _require(actor, "cases.import_components", _("You may not import components."))
    path = Path(path)
    catalogue = Catalogue.default()
    if catalogue is None:
        raise CatalogueImportError(
            [RowError(0, "", _("No catalogue is loaded: run zhili cases load-catalogue first."))]
        )
    report = ComponentImportReport(catalogue=catalogue.code)
    unit = "row"
    labels: dict[str, str] = {}
    errors: list[RowError] = []
    if path.suffix.lower() in _GEO_SUFFIXES:
        unit, report.encoding = "feature", "geojson"
        try:
            features = read_features(path)
        except BoundaryFileError as exc:
            raise CatalogueImportError([RowError(0, "", str(exc))]) from None
        records, errors = feature_records(features)
    else:
        table = _read(path)
        report.encoding = table.encoding
        try:
            records, labels = table_records(table)
        except TableFileError as exc:
            raise CatalogueImportError([RowError(1, "", str(exc))]) from None
    if not records and not errors:
        raise CatalogueImportError([RowError(0, "", _("The file has a header but no rows."))])

    codes = catalogue.component_codes()
    counties = set(
        Division.objects.current().filter(level=Level.DISTRICT).values_list("code", flat=True)
    )
    legacy_hint: dict[str, str] = {}
    if catalogue.code != Catalogue.CJT214:
        legacy_hint = dict(
            Category.objects.filter(
                catalogue__code=Catalogue.CJT214, kind=Category.Kind.COMPONENT
            ).values_list("code", "minor_name")
        )
    rows, row_errors = check_component_records(
        records,
        categories=codes,
        counties=counties or None,
        catalogue=catalogue.code,
        convert_legacy=catalogue.minor_digits == 2,
        legacy_hint=legacy_hint,
        category_names={k: c.minor_name for k, c in codes.items()},
        unit=unit,
        labels=labels,
    )
    errors.extend(row_errors)

    lon = np.fromiter((r.lon for r in rows), dtype=float, count=len(rows))
    lat = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
    if datum not in ("wgs84", "cgcs2000") and len(rows):
        from zhili.places.coords import convert

        lon, lat = (np.asarray(a, dtype=float) for a in convert(lon, lat, datum, "wgs84"))
    have_grids = UnitGrid.objects.current().exists()
    located = None
    if have_grids and len(rows):
        from zhili.places.services import locate_many

        located = locate_many(lon, lat)["grid"]
    grid_label = labels.get("grid_code", "grid_code")
    for i, row in enumerate(rows):
        row.lon, row.lat = float(lon[i]), float(lat[i])
        if located is None:
            continue
        found = str(located[i])
        if not found:
            errors.append(
                RowError(
                    row.row,
                    labels.get("lon", "lon"),
                    _("(%(lon).6f, %(lat).6f) lies outside every unit grid.")
                    % {"lon": row.lon, "lat": row.lat},
                    unit,
                )  # fmt: skip
            )
        elif not row.grid_code:
            row.grid_code = found
            report.grids_assigned += 1
        elif row.grid_code != found:
            errors.append(
                RowError(
                    row.row,
                    grid_label,
                    _("The location lies in unit grid %(found)s, not %(given)s.")
                    % {"found": found, "given": row.grid_code},
                    unit,
                )  # fmt: skip
            )
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise CatalogueImportError(errors)

    with transaction.atomic():
        ids = [r.component_id for r in rows]
        stored: set[str] = set()
        for start in range(0, len(ids), 5000):
            stored.update(
                Component.objects.filter(component_id__in=ids[start : start + 5000]).values_list(
                    "component_id", flat=True
                )
            )
        _upsert(rows, codes, actor, stored)
        report.converted_legacy = sum(bool(r.converted_from) for r in rows)
        report.rows = len(rows)
        report.updated = len(stored)
        report.created = report.rows - report.updated
        record(
            actor=actor,
            action="cases.components_import",
            object_type="cases.component",
            object_id=path.name[:64],
            summary=_("%(c)d new, %(u)d updated, %(g)d unit grids assigned")
            % {"c": report.created, "u": report.updated, "g": report.grids_assigned},
            after={
                "file": path.name,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "converted_legacy": report.converted_legacy,
                "catalogue": catalogue.code,
            },
        )
        if not commit:
            transaction.set_rollback(True)
        report.committed = commit
    return report


def _upsert(rows: list[Any], codes: dict[str, Category], actor: Any, stored: set[str]) -> None:
    """Insert new components and update ``stored`` ones, one prepared statement each.

    ``bulk_create`` builds every row's SQL through the field machinery, and
    SQLite caps a statement at 999 parameters: 30 s for 100,000 rows.
    ``executemany`` of one prepared INSERT, and one UPDATE by the unique ID,
    takes a few seconds.  (An INSERT … ON CONFLICT DO UPDATE was slower than
    quadratic on SQLite when most rows exist.)  Values are adapted the way
    the fields would be (dates and times through the backend's adapters).
    The caller holds the transaction.
    """
    from django.db import connection
    from django.utils import timezone

    qn = connection.ops.quote_name
    ops = connection.ops
    orgs = _OrgMatcher()
    now = ops.adapt_datetimefield_value(timezone.now())
    creator = getattr(_user(actor), "pk", None)
    columns = [
        "component_id", "category_id", "name", "owner_unit", "owner_org_id", "maintainer_unit",
        "maintainer_org_id", "supervising_unit", "supervising_unit_code", "supervising_org_id",
        "grid_code", "community_code", "street_code", "status", "lon", "lat", "accuracy",
        "initial_date", "change_date", "data_source", "note", "created_at", "updated_at",
        "created_by_id",
    ]  # fmt: skip
    known = {f.column for f in Component._meta.concrete_fields}
    assert set(columns) == known - {"id"}, "Component gained a field: add it to _upsert"
    insert_only = {f.column for f in Component._meta.concrete_fields if f.name in _INSERT_ONLY}
    table = qn(Component._meta.db_table)
    insert_sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    changed = [i for i, c in enumerate(columns) if c not in insert_only]
    update_sql = (
        f"UPDATE {table} SET {', '.join(f'{qn(columns[i])} = %s' for i in changed)} "
        f"WHERE {qn('component_id')} = %s"
    )

    def org_id(text: str) -> int | None:
        org = orgs.match(text)
        return None if org is None else org.pk

    def day(value: Any) -> Any:
        return None if value is None else ops.adapt_datefield_value(value)

    values = [
        (
            r.component_id,
            codes[r.major_minor].pk,
            r.name,
            r.owner_unit,
            org_id(r.owner_unit),
            r.maintainer_unit,
            org_id(r.maintainer_unit),
            r.supervising_unit,
            r.supervising_unit_code,
            org_id(r.supervising_unit),
            r.grid_code,
            r.grid_code[:12],
            r.grid_code[:9],
            r.status,
            r.lon,
            r.lat,
            r.accuracy,
            day(r.initial_date),
            day(r.change_date),
            r.data_source,
            r.note,
            now,
            now,
            creator,
        )  # fmt: skip
        for r in rows
    ]
    inserts = [v for v in values if v[0] not in stored]
    updates = [tuple(v[i] for i in changed) + (v[0],) for v in values if v[0] in stored]
    with connection.cursor() as cursor:
        for sql, batch in ((insert_sql, inserts), (update_sql, updates)):
            for start in range(0, len(batch), 5000):
                cursor.executemany(sql, batch[start : start + 5000])
