"""Cases: the catalogue, local standards and their time limits, the components inventory."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from shapely.geometry import Point, box

from tests.fixtures_places import fc, feat
from zhili.cases.actions_catalogue import (
    CJT214_PATH,
    GBT_PATH,
    YUNCHENG_PATH,
    CatalogueImportError,
    catalogue_load_cjt214,
    catalogue_load_gbt,
    catalogue_set_default,
    components_import,
    standard_load,
)
from zhili.cases.catalogue import (
    TimeLimitError,
    TimeUnit,
    deadline_for,
    format_time_limit,
    parse_time_limit,
    split_time_limit,
)
from zhili.cases.models import Catalogue, Category, Component, StandardCondition
from zhili.cases.tabular import check_component_id, code_cell, decode_text, legacy_to_17
from zhili.core.models import AuditEntry
from zhili.workcal.clock import TZ, WorkingCalendar, build_calendar, library_data

U = TimeUnit
YUNCHENG = "YUNCHENG"
YC_NAME = "运城市数字化城市管理立案结案标准"


# Messages are matched in English (the msgid language); test_messages_in_chinese
# checks the Chinese catalogue.
pytestmark = pytest.mark.usefixtures("english")


def bj(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return build_calendar(library=library_data())


@pytest.fixture
def gbt(db) -> Catalogue:
    catalogue_load_gbt(actor=None)
    return Catalogue.objects.get(code=Catalogue.GBT)


def yuncheng_rows() -> list[list[str]]:
    with open(YUNCHENG_PATH, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_csv(path, rows, encoding="utf-8") -> str:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def load_yuncheng(**kw):
    opts = {
        "actor": None,
        "path": YUNCHENG_PATH,
        "catalogue_code": YUNCHENG,
        "new_catalogue": "运城",
        "standard_name": YC_NAME,
    }
    opts.update(kw)
    return standard_load(**opts)


# --- catalogues -------------------------------------------------------------------


def test_gbt_catalogue_counts_and_default(gbt):
    assert gbt.is_default and gbt.minor_digits == 3
    cats = gbt.categories.filter(active=True)
    assert cats.filter(kind=Category.Kind.COMPONENT).count() == 153
    assert cats.filter(kind=Category.Kind.EVENT).count() == 250
    cover = cats.get(kind="component", code="01001")
    assert (cover.major_name, cover.minor_name) == ("市政公用设施", "供水井盖")
    assert "not verified" in cover.source
    # Events 01-05 mirror the component types; 06-10 are street events.
    assert cats.get(kind="event", code="01001").minor_name == "供水井盖异常"
    assert cats.get(kind="event", code="09006").minor_name == "占道经营"


def test_catalogue_reload_is_idempotent_and_follows_the_file(gbt, tmp_path):
    again = catalogue_load_gbt(actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 403)
    assert Category.objects.filter(catalogue=gbt).count() == 403
    rows = list(csv.reader(open(GBT_PATH, encoding="utf-8")))
    rows[1][4] = "供水井盖（改）"
    del rows[2]  # 01002 污水井盖 withdrawn
    edited = catalogue_load_gbt(actor=None, path=write_csv(tmp_path / "gbt.csv", rows))
    assert (edited.created, edited.updated, edited.deactivated) == (0, 1, 1)
    assert (
        Category.objects.get(catalogue=gbt, kind="component", code="01001").minor_name
        == "供水井盖（改）"
    )
    assert not Category.objects.get(catalogue=gbt, kind="component", code="01002").active
    assert Category.objects.filter(catalogue=gbt).count() == 403


def test_cjt214_catalogue_is_not_default(gbt):
    report = catalogue_load_cjt214(actor=None)
    cjt = Catalogue.objects.get(code=Catalogue.CJT214)
    assert report.counts == {"component": 85, "event": 0}
    assert cjt.minor_digits == 2 and not cjt.is_default
    assert Catalogue.default() == gbt
    assert cjt.categories.get(code="0114").minor_name == "无主井盖"
    catalogue_set_default(actor=None, code=Catalogue.CJT214)
    assert Catalogue.default().code == Catalogue.CJT214
    # Reloading GB/T does not take the default back from a city that chose CJ/T 214.
    catalogue_load_gbt(actor=None)
    assert Catalogue.default().code == Catalogue.CJT214


def test_catalogue_dry_run_and_permission(db, make_user):
    report = catalogue_load_gbt(actor=None, commit=False)
    assert report.created == 403 and not report.committed
    assert not Catalogue.objects.exists() and not AuditEntry.objects.exists()
    nobody = make_user("nobody")
    with pytest.raises(PermissionDenied):
        catalogue_load_gbt(actor=nobody)


def test_catalogue_file_errors(db, tmp_path):
    rows = [["kind", "major_code", "major_name", "minor_code", "minor_name", "source"],
            ["部件", "1", "x", "001", "a", ""], ["部件", "01", "x", "01", "b", ""],
            ["其他", "01", "x", "001", "c", ""]]  # fmt: skip
    with pytest.raises(CatalogueImportError) as info:
        catalogue_load_gbt(actor=None, path=write_csv(tmp_path / "bad.csv", rows))
    assert [e.row for e in info.value.row_errors] == [2, 3, 4]
    assert not Catalogue.objects.exists()


# --- time limits -----------------------------------------------------------------------

YUNCHENG_LIMITS = {
    "1天": (Decimal(1), U.NATURAL_DAYS),
    "2天": (Decimal(2), U.NATURAL_DAYS),
    "3天": (Decimal(3), U.NATURAL_DAYS),
    "4天": (Decimal(4), U.NATURAL_DAYS),
    "5天": (Decimal(5), U.NATURAL_DAYS),
    "7天": (Decimal(7), U.NATURAL_DAYS),
    "10天": (Decimal(10), U.NATURAL_DAYS),
    "15天": (Decimal(15), U.NATURAL_DAYS),
    "2小时": (Decimal(2), U.NATURAL_HOURS),
    "4小时": (Decimal(4), U.NATURAL_HOURS),
    "1紧急工作时": (Decimal(1), U.EMERGENCY_WORK_HOURS),
    "2紧急工作时": (Decimal(2), U.EMERGENCY_WORK_HOURS),
    "4紧急工作时": (Decimal(4), U.EMERGENCY_WORK_HOURS),
    "1紧急工作日": (Decimal(1), U.EMERGENCY_WORK_DAYS),
    "2紧急工作日": (Decimal(2), U.EMERGENCY_WORK_DAYS),
    "1紧急工作时制止": (Decimal(1), U.EMERGENCY_WORK_HOURS),
}


def test_every_yuncheng_time_limit_is_covered():
    values = {row[9] for row in yuncheng_rows()[1:]}
    assert values == set(YUNCHENG_LIMITS)


@pytest.mark.parametrize("text,expected", YUNCHENG_LIMITS.items())
def test_parse_yuncheng_time_limits(text, expected):
    assert parse_time_limit(text) == expected


def test_trailing_remark_is_kept():
    limit = split_time_limit("1紧急工作时制止")
    assert (limit.value, limit.unit, limit.remark) == (1, U.EMERGENCY_WORK_HOURS, "制止")
    assert str(limit) == "1紧急工作时制止"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("5个工作日", (Decimal(5), U.WORK_DAYS)),
        ("24工作时", (Decimal(24), U.WORK_HOURS)),
        ("2个工作小时", (Decimal(2), U.WORK_HOURS)),
        ("1自然日", (Decimal(1), U.NATURAL_DAYS)),
        ("立即", (Decimal(0), U.EMERGENCY_WORK_HOURS)),
        ("半小时", (Decimal("0.5"), U.NATURAL_HOURS)),
        ("一个半小时", (Decimal("1.5"), U.NATURAL_HOURS)),
        ("半个工作日", (Decimal("0.5"), U.WORK_DAYS)),
        ("2天半", (Decimal("2.5"), U.NATURAL_DAYS)),
        ("十五天", (Decimal(15), U.NATURAL_DAYS)),
        ("两个小时", (Decimal(2), U.NATURAL_HOURS)),
        ("30分钟", (Decimal("0.5"), U.NATURAL_HOURS)),
        ("1周", (Decimal(7), U.NATURAL_DAYS)),
        ("２小时内", (Decimal(2), U.NATURAL_HOURS)),
        ("4小时以内", (Decimal(4), U.NATURAL_HOURS)),
        (" 3 个工作日 ", (Decimal(3), U.WORK_DAYS)),
        ("2h", (Decimal(2), U.NATURAL_HOURS)),
        ("1.5天", (Decimal("1.5"), U.NATURAL_DAYS)),
    ],
)
def test_parse_other_time_limit_forms(text, expected):
    assert parse_time_limit(text) == expected


@pytest.mark.parametrize(
    "text,words",
    [
        ("", "empty"),
        ("尽快", "number"),
        ("2", "unit"),
        ("2个月", "unit"),
        ("2天3小时", "3小时"),
        ("0小时", "longer than zero"),
        ("400天", "year"),
        ("2小时 approx", "approx"),
    ],
)
def test_unreadable_time_limits_say_why(text, words):
    with pytest.raises(TimeLimitError, match=words):
        parse_time_limit(text)


def test_plain_day_can_mean_working_day():
    assert parse_time_limit("2天", day_unit=U.WORK_DAYS) == (2, U.WORK_DAYS)
    assert parse_time_limit("2自然日", day_unit=U.WORK_DAYS) == (2, U.NATURAL_DAYS)


def test_format_time_limit():
    assert format_time_limit(Decimal("2.00"), "emergency_work_hours") == "2紧急工作时"
    assert format_time_limit(Decimal("0.50"), "natural_hours") == "0.5小时"
    assert format_time_limit(10, "natural_days") == "10自然日"


# Friday 13 February 2026, 16:00: the last ordinary working day before the
# Spring Festival; Saturday the 14th is an adjusted working day, the 15th to
# the 23rd are holidays.
FRI = bj(2026, 2, 13, 16)


@pytest.mark.parametrize(
    "value,unit,expected",
    [
        (2, U.EMERGENCY_WORK_HOURS, bj(2026, 2, 13, 18)),
        (12, U.EMERGENCY_WORK_HOURS, bj(2026, 2, 14, 4)),  # the clock runs through the night
        (2, U.EMERGENCY_WORK_DAYS, bj(2026, 2, 15, 16)),  # and through the holiday
        (4, U.NATURAL_HOURS, bj(2026, 2, 13, 20)),
        (2, U.NATURAL_DAYS, bj(2026, 2, 15, 16)),
        (Decimal("0.5"), U.NATURAL_DAYS, bj(2026, 2, 14, 4)),
        # 1.5 h on Friday, 2.5 h on the adjusted Saturday.
        (4, U.WORK_HOURS, bj(2026, 2, 14, 11)),
        # 1.5 + 7 (Sat 14) + 7 (Tue 24) + 7 (Wed 25) + 1.5 → Thursday 26, 10:00.
        (24, U.WORK_HOURS, bj(2026, 2, 26, 10)),
        (1, U.WORK_DAYS, bj(2026, 2, 14, 16)),
        (2, U.WORK_DAYS, bj(2026, 2, 24, 16)),
        (5, U.WORK_DAYS, bj(2026, 2, 27, 16)),
        (Decimal("0.5"), U.WORK_DAYS, bj(2026, 2, 14, 10, 30)),  # 3.5 office hours
    ],
)
def test_deadline_for_across_spring_festival(cal, value, unit, expected):
    assert deadline_for(FRI, value, unit, calendar=cal) == expected


def test_deadline_for_rules(cal):
    assert deadline_for(FRI, 0, U.EMERGENCY_WORK_HOURS) == FRI  # 立即
    with pytest.raises(ValueError, match="naive"):
        deadline_for(datetime(2026, 2, 13, 16), 2, U.NATURAL_HOURS)
    with pytest.raises(ValueError):
        deadline_for(FRI, -1, U.NATURAL_HOURS)
    with pytest.raises(ValueError):
        deadline_for(FRI, 1, "fortnights", calendar=cal)
    # Another time zone in, Beijing time out.
    utc = FRI.astimezone(datetime.now().astimezone().tzinfo)
    assert deadline_for(utc, 1, U.WORK_DAYS, calendar=cal).utcoffset() == timedelta(hours=8)


def test_deadline_for_uses_the_platform_calendar(db, cal):
    assert deadline_for(FRI, 24, U.WORK_HOURS) == deadline_for(FRI, 24, U.WORK_HOURS, calendar=cal)


# --- local standards -------------------------------------------------------------------------


def test_yuncheng_standard_loads_into_a_local_catalogue(gbt):
    report = load_yuncheng()
    assert report.rows == 519 and report.committed and report.catalogue_created
    assert report.categories_created == 190 and report.categories_matched == 0
    assert report.by_unit == {
        "natural_days": 412,
        "natural_hours": 61,
        "emergency_work_hours": 42,
        "emergency_work_days": 4,
    }
    yc = Catalogue.objects.get(code=YUNCHENG)
    assert yc.is_local and yc.minor_digits == 2 and not yc.is_default
    assert yc.categories.filter(kind="component").count() == 92
    assert yc.categories.filter(kind="event").count() == 98
    cover = yc.categories.get(kind="component", code="0101")
    assert cover.minor_name == "上水井盖" and cover.is_local
    conds = list(cover.conditions.all())
    assert [c.order for c in conds] == [1, 2, 3, 4]
    assert [(c.time_limit, c.time_unit) for c in conds] == [
        (2, U.EMERGENCY_WORK_HOURS), (4, U.NATURAL_HOURS), (2, U.NATURAL_DAYS), (5, U.NATURAL_DAYS)
    ]  # fmt: skip
    assert conds[0].filing_condition == "缺失、移位、开裂，存在安全隐患的"
    assert conds[0].closing_condition == "恢复"
    assert conds[0].responsible_department == "运城市城市节约用水中心、各产权单位"
    assert conds[0].supervising_department.startswith("运城市城市管理局")
    assert conds[0].standard == YC_NAME and conds[0].source_row == 2
    assert conds[0].time_limit_display == "2紧急工作时"
    assert conds[0].deadline(FRI) == bj(2026, 2, 13, 18)
    tree = yc.categories.get(kind="event", code="0122")  # 非法伐树
    assert tree.conditions.get(order=1).time_limit_remark == "制止"
    assert AuditEntry.objects.filter(action="cases.standard_load").count() == 1
    assert Catalogue.default() == gbt  # a local catalogue does not become the default


def test_reloading_a_standard_replaces_its_conditions(db):
    load_yuncheng()
    cover = Category.objects.get(catalogue__code=YUNCHENG, kind="component", code="0101")
    StandardCondition.objects.create(
        category=cover, standard="盐湖区补充规定", order=1, filing_condition="x", closing_condition="y",
        time_limit=1, time_unit=U.NATURAL_DAYS,
    )  # fmt: skip
    again = load_yuncheng(new_catalogue=None)
    assert again.conditions_replaced == 519 and again.categories_matched == 190
    assert StandardCondition.objects.filter(standard=YC_NAME).count() == 519
    assert cover.conditions.filter(standard="盐湖区补充规定").count() == 1  # other standards kept


def test_yuncheng_codes_are_not_cjt214_codes(gbt):
    """0114 is 园林井盖 in Yuncheng but 无主井盖 in CJ/T 214: refused, with both names."""
    catalogue_load_cjt214(actor=None)
    with pytest.raises(CatalogueImportError) as info:
        standard_load(actor=None, path=YUNCHENG_PATH, catalogue_code=Catalogue.CJT214)
    errors = info.value.row_errors
    assert len(errors) == 32  # one per conflicting category, listing its other rows
    first = str(errors[0])
    assert "0114" in first and "无主井盖" in first and "园林井盖" in first and "32, 33, 34" in first
    assert not StandardCondition.objects.exists()
    assert Category.objects.filter(catalogue__code=Catalogue.CJT214).count() == 85


def test_matching_codes_attach_and_missing_ones_are_added(gbt, tmp_path):
    catalogue_load_cjt214(actor=None)
    rows = yuncheng_rows()
    keep = [rows[0]] + [
        r
        for r in rows[1:]
        if (r[0], r[1], r[3]) in {("部件", "01", "01"), ("部件", "01", "99"), ("事件", "01", "01")}
    ]
    path = write_csv(tmp_path / "part.csv", keep)
    report = standard_load(
        actor=None, path=path, catalogue_code=Catalogue.CJT214, standard_name="节选"
    )
    assert (report.categories_matched, report.categories_created, report.rows) == (1, 2, 12)
    cjt = Catalogue.objects.get(code=Catalogue.CJT214)
    assert cjt.categories.get(kind="component", code="0101").conditions.count() == 4
    added = cjt.categories.get(kind="component", code="0199")
    assert added.is_local and added.minor_name == "爱心驿站" and "节选" in added.source
    assert cjt.categories.get(kind="event", code="0101").minor_name == "私搭乱建"


def test_two_digit_codes_do_not_fit_the_default_catalogue(gbt):
    with pytest.raises(CatalogueImportError) as info:
        standard_load(actor=None, path=YUNCHENG_PATH)
    assert any("3-digit minor code" in str(e) for e in info.value.row_errors)
    assert not StandardCondition.objects.exists()


def test_bad_rows_are_all_reported_and_nothing_is_saved(db, tmp_path):
    rows = yuncheng_rows()[:6]
    rows[1][0] = "设施"  # kind
    rows[2][9] = "尽快"  # time limit
    rows[3][7] = ""  # filing condition
    rows[4][1] = "1A"  # major code
    rows[5][3], rows[5][4] = "01", "上水井盖（旧）"  # same code, other name
    with pytest.raises(CatalogueImportError) as info:
        load_yuncheng(path=write_csv(tmp_path / "bad.csv", rows))
    got = [(e.row, e.column) for e in info.value.row_errors]
    assert got == [
        (2, "kind"),
        (3, "处置时限"),
        (4, "立案条件"),
        (5, "major_code"),
        (6, "minor_name"),
    ]
    text = [str(e) for e in info.value.row_errors]
    assert "尽快" in text[1] and "Row 3" in text[1] or "第 3 行" in text[1]
    assert not Catalogue.objects.exists() and not StandardCondition.objects.exists()
    assert not AuditEntry.objects.exists()


def test_gbk_file_is_converted(db, tmp_path):
    # Excel on Chinese Windows saves GBK (cp936); the standard's "c㎡" needs
    # GB18030, its superset, which is what the reader decodes.
    path = write_csv(tmp_path / "gbk.csv", yuncheng_rows(), encoding="gb18030")
    report = load_yuncheng(path=path)
    assert report.encoding == "gb18030" and report.converted and report.rows == 519
    cond = StandardCondition.objects.get(category__code="0101", category__kind="component", order=1)
    assert cond.filing_condition == "缺失、移位、开裂，存在安全隐患的"


def test_plain_gbk_file(db, tmp_path):
    rows = yuncheng_rows()[:5]
    path = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    report = load_yuncheng(path=path)
    assert report.converted and report.rows == 4
    assert StandardCondition.objects.filter(responsible_department=rows[1][5]).count() == 4


def test_decode_text_prefers_utf8():
    text = "上水井盖"
    assert decode_text(("\ufeff" + text).encode("utf-8")) == (text, "utf-8-sig")
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")
    assert decode_text(text.encode("gbk")) == (text, "gb18030")


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (
            "kind,major_code,major_name,minor_code,minor_name,处置单位,主管部门,立案条件,结案条件,处置时限\n".encode(),
            "no rows",
        ),
        ("kind,code,name,时限\n部件,0101,上水井盖,2天\n".encode(), "major_code"),
    ],
)
def test_empty_file_and_wrong_columns(db, tmp_path, content, message):
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogueImportError) as info:
        load_yuncheng(path=path)
    assert message in str(info.value.row_errors[0])
    assert not Catalogue.objects.exists()


def test_unsupported_and_missing_files(db, tmp_path):
    (tmp_path / "s.xls").write_bytes(b"\xd0\xcf")
    for path, message in ((tmp_path / "s.xls", ".xlsx"), (tmp_path / "none.csv", "not found")):
        with pytest.raises(CatalogueImportError, match=message):
            load_yuncheng(path=path)


def test_xlsx_standard_with_numeric_codes(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    rows = yuncheng_rows()
    sheet.append(rows[0])
    for row in rows[1:]:
        # Excel keeps codes typed in as numbers: 01 becomes 1.
        sheet.append([row[0], int(row[1]), row[2], int(row[3]), *row[4:]])
    path = tmp_path / "yc.xlsx"
    book.save(path)
    report = load_yuncheng(path=path)
    assert report.rows == 519 and report.encoding == "xlsx"
    assert Category.objects.filter(catalogue__code=YUNCHENG, code="0101", kind="component").exists()
    assert (
        StandardCondition.objects.get(
            category__code="0101", category__kind="component", order=1
        ).source_row
        == 2
    )


def test_code_cells():
    assert code_cell(1, 2) == "01" and code_cell(1.0, 3) == "001" and code_cell("14", 3) == "014"
    assert code_cell("01", 3) is None  # written as text with its zero: a 2-digit code
    assert (
        code_cell("0101", 2) is None and code_cell("a1", 2) is None and code_cell(True, 2) is None
    )


def test_departments_link_to_org_units(db):
    from zhili.accounts.models import OrgUnit

    drainage = OrgUnit.objects.create(
        code="PSZX", name="运城市排水服务中心", kind=OrgUnit.Kind.DEPARTMENT
    )
    bureau = OrgUnit.objects.create(
        code="CGJ", name="城管局", short_name="运城市城市管理局", kind=OrgUnit.Kind.DEPARTMENT
    )
    load_yuncheng()
    cond = StandardCondition.objects.get(category__kind="component", category__code="0102", order=1)
    assert cond.responsible_department == "运城市排水服务中心、各产权单位"
    assert cond.responsible_org == drainage and cond.supervising_org == bureau


def test_standard_dry_run_and_permission(db, make_user):
    report = load_yuncheng(commit=False)
    assert report.rows == 519 and not report.committed
    assert not Catalogue.objects.exists() and not StandardCondition.objects.exists()
    clerk = make_user("clerk")
    with pytest.raises(PermissionDenied):
        load_yuncheng(actor=clerk)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="manage_catalogue"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    assert load_yuncheng(actor=clerk).rows == 519
    assert AuditEntry.objects.get(action="cases.standard_load").actor == clerk


def test_new_catalogue_rules(gbt):
    with pytest.raises(CatalogueImportError, match="already exists"):
        standard_load(
            actor=None, path=YUNCHENG_PATH, catalogue_code=Catalogue.GBT, new_catalogue="x"
        )
    with pytest.raises(CatalogueImportError, match="new-catalogue"):
        standard_load(actor=None, path=YUNCHENG_PATH, catalogue_code="NOPE")


# --- component IDs -----------------------------------------------------------------------------

CATS = {"01001", "01014", "03005"}
NAMES = {"01001": "供水井盖", "01014": "园林井盖"}


@pytest.mark.parametrize(
    "cid,words",
    [
        ("4406990100100000", "16-digit"),
        ("44069901001000001X", "digits only"),
        ("440699010010000012", "17 digits"),
        ("4406990100100001", "16-digit"),
        ("44069902099000001", "not a component category"),
        ("11010101001000001", "not a district"),
        ("44069901001000000", "000000"),
    ],
)
def test_component_id_rules(cid, words):
    problem = check_component_id(cid, categories=CATS, counties={"440699"}, catalogue="GBT")
    assert problem is not None and words in problem


def test_component_id_ok_and_legacy_hint():
    assert check_component_id("44069901001000001", categories=CATS, counties={"440699"}) is None
    assert check_component_id("11010101001000001", categories=CATS, counties=None) is None
    hint = check_component_id(
        "3205080114000001", categories=CATS, catalogue="GBT47678.5-2026",
        legacy_hint={"0114": "无主井盖"}, category_names=NAMES,
    )  # fmt: skip
    assert "32050801014000001" in hint and "园林井盖" in hint and "无主井盖" in hint
    assert legacy_to_17("3205080101000001") == "32050801001000001"


# --- components inventory ------------------------------------------------------------------------

HEADER = ["部件标识码", "部件名称", "权属单位", "养护单位", "主管部门", "单元网格", "部件状态", "经度", "纬度",
          "定位精度", "初始日期", "变更日期", "数据来源", "备注"]  # fmt: skip
W_SW = (112.8025, 22.805)  # west community, south-west quarter: grid 440699001001001
E_NE = (112.8175, 22.815)  # east community, north-east quarter: grid 440699001002004


def comp_row(cid, lonlat=W_SW, grid="", status="完好", **kw):
    row = {"部件标识码": cid, "部件名称": kw.get("name", "供水井盖"), "权属单位": "区水务公司", "养护单位": "区水务公司",
           "主管部门": "区住建局", "单元网格": grid, "部件状态": status, "经度": lonlat[0], "纬度": lonlat[1],
           "定位精度": kw.get("accuracy", "A"), "初始日期": "2024-05-01", "变更日期": kw.get("change", ""),
           "数据来源": "实测", "备注": ""}  # fmt: skip
    return [row[h] for h in HEADER]


@pytest.fixture
def census(gbt, district, tmp_path):
    rows = [
        HEADER,
        comp_row("44069901001000001"),
        comp_row("44069901001000002", E_NE, grid="440699001002004", status="破损"),
        comp_row("44069903005000001", E_NE, name="垃圾箱", accuracy="B"),
    ]
    return write_csv(tmp_path / "census.csv", rows)


def test_components_import_csv_assigns_grids(census, org):
    report = components_import(actor=None, path=census)
    assert (report.rows, report.created, report.updated, report.grids_assigned) == (3, 3, 0, 2)
    c = Component.objects.get(component_id="44069901001000001")
    assert c.category.code == "01001" and c.category.catalogue.code == Catalogue.GBT
    assert (c.grid_code, c.community_code, c.street_code) == (
        "440699001001001",
        "440699001001",
        "440699001",
    )
    assert (c.status, c.accuracy, c.data_source, c.initial_date) == (
        "intact",
        "A",
        "surveyed",
        date(2024, 5, 1),
    )
    assert c.supervising_org == org["zjj"] and c.owner_org is None
    assert c.county_code == "440699" and c.sequence == "000001"
    bin_ = Component.objects.get(component_id="44069903005000001")
    assert bin_.grid_code == "440699001002004" and bin_.category.minor_name == "垃圾箱"
    assert Component.objects.get(component_id="44069901001000002").status == "damaged"
    assert AuditEntry.objects.filter(action="cases.components_import").count() == 1


def test_components_reimport_updates(census, tmp_path):
    components_import(actor=None, path=census)
    rows = [
        HEADER,
        comp_row("44069901001000001", status="丢失", change="2026/3/1"),
        comp_row("44069901001000003"),
    ]
    report = components_import(actor=None, path=write_csv(tmp_path / "upd.csv", rows))
    assert (report.created, report.updated) == (1, 1)
    assert Component.objects.count() == 4
    c = Component.objects.get(component_id="44069901001000001")
    assert (c.status, c.change_date) == ("lost", date(2026, 3, 1))


def test_component_rows_are_checked_whole(gbt, district, tmp_path):
    rows = [
        HEADER,
        comp_row("44069901001000001", grid="440699001002004"),  # grid does not contain the point
        comp_row("44069901001000002", (112.9, 22.9)),  # outside every grid
        comp_row("11010101001000001"),  # county not a district here
        comp_row("44069902099000001"),  # no such component category
        comp_row("4406990101000001"),  # legacy 16 digits
        comp_row("44069901001000006", status="坏了", accuracy="D"),
        comp_row("44069901001000007", (22.8, 112.8)),  # swapped
        comp_row("44069901001000008"),
        comp_row("44069901001000008"),  # duplicate
    ]
    with pytest.raises(CatalogueImportError) as info:
        components_import(actor=None, path=write_csv(tmp_path / "bad.csv", rows))
    errors = info.value.row_errors
    by_row = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e)
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7, 8, 10]
    assert "440699001001001" in by_row[2][0].message and by_row[2][0].column == "单元网格"
    assert "outside every unit grid" in by_row[3][0].message
    assert "not a district" in by_row[4][0].message
    assert "02099" in by_row[5][0].message
    assert "44069901001000001" in by_row[6][0].message  # the widened ID, suggested
    assert {e.column for e in by_row[7]} == {"部件状态", "定位精度"}
    assert "swapped" in by_row[8][0].message
    assert "row 9" in by_row[10][0].message
    assert not Component.objects.exists()


def test_legacy_ids_are_widened_when_the_default_catalogue_is_legacy(db, tmp_path):
    catalogue_load_cjt214(actor=None, make_default=True)
    rows = [HEADER, comp_row("3205080101000001", (120.6, 31.3))]
    report = components_import(actor=None, path=write_csv(tmp_path / "old.csv", rows))
    assert report.converted_legacy == 1 and report.grids_assigned == 0
    c = Component.objects.get()
    assert c.component_id == "32050801001000001" and c.category.minor_name == "上水井盖"
    assert c.grid_code == ""  # no grids loaded: nothing to find or check


def test_components_import_xlsx(gbt, district, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["component_id", "name", "status", "lon", "lat", "initial_date", "accuracy"])
    sheet.append(
        ["44069901001000001", "供水井盖", "完好", W_SW[0], W_SW[1], datetime(2024, 5, 1), "A类"]
    )
    sheet.append(["44069901014000001", "园林井盖", "intact", E_NE[0], E_NE[1], None, None])
    path = tmp_path / "c.xlsx"
    book.save(path)
    report = components_import(actor=None, path=path)
    assert report.created == 2 and report.encoding == "xlsx"
    c = Component.objects.get(component_id="44069901001000001")
    assert (c.initial_date, c.accuracy, c.grid_code) == (date(2024, 5, 1), "A", "440699001001001")


def test_components_import_geojson(gbt, district, tmp_path):
    features = [
        feat(
            "", Point(*W_SW), 部件标识码="44069901001000001", 部件名称="供水井盖", 部件状态="破损"
        ),
        feat("", Point(*E_NE), component_id="44069903005000001", status="intact"),
    ]
    for f in features:
        for key in ("code", "name"):
            f["properties"].pop(key)
    path = tmp_path / "c.geojson"
    path.write_text(fc(*features), encoding="utf-8")
    report = components_import(actor=None, path=path)
    assert report.created == 2 and report.grids_assigned == 2
    assert Component.objects.get(component_id="44069901001000001").status == "damaged"
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        fc(feat("x", box(112.8, 22.8, 112.81, 22.81), component_id="44069901001000009")),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueImportError) as info:
        components_import(actor=None, path=bad)
    assert "Feature 1" in str(info.value.row_errors[0]) or "第 1 个要素" in str(
        info.value.row_errors[0]
    )
    assert "Point" in info.value.row_errors[0].message


def test_components_import_gcj02_datum(gbt, district, tmp_path):
    from zhili.places.coords import convert_point

    lon, lat = convert_point(*W_SW, "wgs84", "gcj02")
    rows = [HEADER, comp_row("44069901001000001", (lon, lat))]
    components_import(actor=None, path=write_csv(tmp_path / "g.csv", rows), datum="gcj02")
    c = Component.objects.get()
    assert abs(c.lon - W_SW[0]) < 1e-6 and abs(c.lat - W_SW[1]) < 1e-6


def test_components_import_needs_a_catalogue_and_permission(db, make_user, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEADER, comp_row("44069901001000001")])
    with pytest.raises(CatalogueImportError, match="load-catalogue"):
        components_import(actor=None, path=path)
    with pytest.raises(PermissionDenied):
        components_import(actor=make_user("clerk"), path=path)


def test_components_import_is_bulk(gbt, district, tmp_path, django_assert_max_num_queries):
    """Five thousand rows in a bounded number of queries: one lookup, batched writes
    (as many rows per INSERT as the database takes: SQLite stops at 999 parameters)."""
    from django.db import connection

    fields = [f for f in Component._meta.concrete_fields if not f.primary_key]
    inserts = -(-5000 // connection.ops.bulk_batch_size(fields, [None] * 5000))
    rows = [HEADER]
    for i in range(5000):
        lon = 112.8005 + (i % 100) * 0.0001
        lat = 22.8005 + (i // 100) * 0.0003
        rows.append(comp_row(f"44069901001{i + 1:06d}", (lon, lat)))
    path = write_csv(tmp_path / "many.csv", rows)
    with django_assert_max_num_queries(20 + inserts):
        report = components_import(actor=None, path=path)
    assert report.created == 5000 and report.grids_assigned == 5000
    assert Component.objects.filter(grid_code__startswith="440699001").count() == 5000


def test_component_full_clean(gbt, district):
    cover = Category.objects.get(catalogue=gbt, kind="component", code="01001")
    c = Component(
        component_id="44069901001000001",
        category=cover,
        lon=W_SW[0],
        lat=W_SW[1],
        grid_code="440699001001001",
    )
    c.full_clean()
    assert c.community_code == "440699001001"
    bin_ = Category.objects.get(catalogue=gbt, kind="component", code="03005")
    with pytest.raises(ValidationError) as info:
        Component(component_id="44069901001000001", category=bin_, lon=1, lat=1).full_clean()
    assert "category" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        Component(component_id="4406990100100001", category=cover, lon=1, lat=1).full_clean()
    assert "component_id" in info.value.message_dict


# --- command line ---------------------------------------------------------------------------------


def test_cli_load_catalogue_dry_run_then_commit(db, capsys):
    call_command("cases", "load-catalogue")
    assert "nothing saved" in capsys.readouterr().out
    assert not Catalogue.objects.exists()
    call_command("cases", "load-catalogue", "--commit")
    out = capsys.readouterr().out
    assert "403 new" in out and "153 component" in out and "250 event" in out
    call_command("cases", "load-catalogue", "--cjt214", "--commit")
    assert "85 new" in capsys.readouterr().out
    assert Catalogue.default().code == Catalogue.GBT
    call_command("cases", "set-default", "CJT214")
    assert Catalogue.default().code == Catalogue.CJT214
    with pytest.raises(CommandError, match="No catalogue"):
        call_command("cases", "set-default", "NOPE")


def test_cli_load_standard_dry_run_then_commit(gbt, capsys):
    args = [
        "cases",
        "load-standard",
        str(YUNCHENG_PATH),
        "--catalogue",
        YUNCHENG,
        "--new-catalogue",
        "运城",
        "--name",
        YC_NAME,
    ]
    call_command(*args)
    out = capsys.readouterr().out
    assert "519 conditions" in out and "nothing saved" in out
    assert not StandardCondition.objects.exists()
    call_command(*args, "--commit")
    assert "nothing saved" not in capsys.readouterr().out
    assert StandardCondition.objects.count() == 519


def test_cli_load_standard_reports_each_bad_row(gbt, tmp_path, capsys):
    rows = yuncheng_rows()[:4]
    rows[2][9] = "尽快"
    rows[3][9] = "2天3小时"
    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "cases",
            "load-standard",
            write_csv(tmp_path / "b.csv", rows),
            "--catalogue",
            "X",
            "--new-catalogue",
            "x",
            "--commit",
        )
    err = capsys.readouterr().err
    assert "尽快" in err and "2天3小时" in err
    assert not StandardCondition.objects.exists()


def test_cli_import_components(census, capsys):
    call_command("cases", "import-components", census)
    assert "3 new" in capsys.readouterr().out and not Component.objects.exists()
    call_command("cases", "import-components", census, "--commit")
    assert "2 unit grids assigned" in capsys.readouterr().out
    assert Component.objects.count() == 3


def test_cli_categories(gbt, capsys):
    call_command("cases", "categories", "--kind", "部件")
    out = capsys.readouterr().out
    assert "153 categories" in out and "01001" in out and "供水井盖" in out
    call_command("cases", "categories", "--kind", "事项", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["catalogue"] == Catalogue.GBT and len(data["categories"]) == 250
    load_yuncheng()
    call_command("cases", "categories", "--catalogue", YUNCHENG, "--format", "json")
    data = json.loads(capsys.readouterr().out)
    cover = next(c for c in data["categories"] if c["code"] == "0101" and c["kind"] == "component")
    assert cover["conditions"] == 4 and cover["local"]


def test_shipped_files_match_shared_data():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not shared.exists():
        pytest.skip("no shared data folder next to the repository")
    pairs = [
        (GBT_PATH, shared / "categories" / "gbt47678_5_2026.csv"),
        (CJT214_PATH, shared / "categories" / "cjt214_legacy_components.csv"),
        (YUNCHENG_PATH, shared / "case_standards" / "yuncheng_case_standards.csv"),
    ]
    for ours, theirs in pairs:
        assert ours.read_bytes() == theirs.read_bytes(), ours.name


def test_messages_in_chinese(db, tmp_path):
    """The interface language is Chinese: row errors read in Chinese."""
    rows = yuncheng_rows()[:3]
    rows[2][9] = "尽快"
    with translation.override("zh-hans"):
        with pytest.raises(CatalogueImportError) as info:
            load_yuncheng(path=write_csv(tmp_path / "b.csv", rows))
        text = str(info.value.row_errors[0])
        assert text.startswith("第 3 行“处置时限”列：") and "没有以数字开头" in text
        assert str(Component._meta.verbose_name) == "部件"
        assert str(U.EMERGENCY_WORK_HOURS.label) == "紧急工作时（连续计时）"


def test_admin_pages(client, admin_qian, census):
    from django.contrib.auth.models import Permission

    load_yuncheng()
    components_import(actor=None, path=census)
    admin_qian.is_superuser = True
    admin_qian.save()
    client.force_login(admin_qian)
    cond = StandardCondition.objects.filter(category__code="0101").first()
    for url in (
        "/admin/cases/catalogue/",
        f"/admin/cases/category/?catalogue__id__exact={cond.category.catalogue_id}",
        f"/admin/cases/category/{cond.category_id}/change/",
        "/admin/cases/standardcondition/",
        f"/admin/cases/standardcondition/{cond.pk}/change/",
        "/admin/cases/component/",
        f"/admin/cases/component/{Component.objects.first().pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert (
        Permission.objects.filter(codename__in=["manage_catalogue", "import_components"]).count()
        == 2
    )
