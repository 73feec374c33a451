"""12345 hotline: import → cases with places → reply → callback → export in the same layout."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.fixtures_cases import T0, TZ
from tests.fixtures_places import X0, Y0
from zhili.cases import actions as A
from zhili.cases.hotline import (
    COLUMNS,
    CategoryMatcher,
    HotlineImportError,
    hotline_callback,
    hotline_export,
    hotline_import,
    hotline_reply,
    hotline_satisfaction,
    mask_caller,
    parse_when,
)
from zhili.cases.lifecycle import State
from zhili.cases.models import Case, CaseEvent, Category, HotlineOrder, HotlineTier
from zhili.places.coords import convert_point

pytestmark = pytest.mark.usefixtures("english")

HEADER = [names[0] for names in COLUMNS.values()]  # 工单编号, 受理时间, … 办理时限
NOW = T0  # Fri 13 Feb 2026 10:00: the last working day before Spring Festival
# A point in the east community, sent in GCJ-02 as Amap reports it.
GCJ = convert_point(X0 + 0.015, Y0 + 0.005, "wgs84", "gcj02")


def orders() -> list[list[str]]:
    return [
        ["12345-0001", "2026-02-13 08:10:00", "13812341234", "文华路口井盖缺失，很危险", "荷城街道文华路口",
         "112.803", "22.804", "", "01001", "紧急", ""],
        ["12345-0002", "2026-02-13 08:30:00", "张女士 139****5678", "小区门口垃圾堆了三天没人清", "荷城街道东社区南门",
         repr(GCJ[0]), repr(GCJ[1]), "GCJ02", "市容环境类/暴露垃圾", "一般", "2026-03-10 17:30:00"],
        ["12345-0003", "2026-02-13 09:00:00", "", "咨询占道经营如何办理许可", "荷城街道人民路8号",
         "", "", "", "行政审批咨询", "咨询", ""],
    ]  # fmt: skip


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def centre(district, people, garbage, rule):
    return people


def test_round_trip(centre, tmp_path, settings):
    people = centre
    src = write_csv(tmp_path / "orders.csv", orders())
    report = hotline_import(actor=people["intake"], path=src, now=NOW)
    assert (report.rows, report.created, report.skipped) == (3, 3, [])
    assert report.masked == 1 and report.uncategorised == 1 and report.address_only == 1
    warnings = [str(w) for w in report.warnings]
    assert warnings == [
        "Row 2, column “来电人”: The caller's number was not masked; stored as 138****1234.",
        "Row 4, column “问题分类”: “行政审批咨询” matches no category of the catalogue; the case "
        "has no category until intake sets it.",
    ]
    o1, o2, o3 = HotlineOrder.objects.order_by("order_no").select_related("case", "category")
    # Cases exist, from the hotline, placed from their location.
    c1, c2, c3 = o1.case, o2.case, o3.case
    assert {c.source for c in (c1, c2, c3)} == {"hotline"}
    assert (
        c1.grid_code == "440699001001001"
        and c1.street_code == "440699001"
        and c1.district_code == "440699"
    )
    assert (
        c1.reported_at == datetime(2026, 2, 13, 8, 10, tzinfo=TZ) and c1.number.startswith("20260213")
    )
    assert c1.contact_phone == "138****1234" and o1.caller == "138****1234"
    assert c2.contact_name == "张女士" and c2.contact_phone == "139****5678"
    # GCJ-02 converted for the case, kept as given on the order.
    assert c2.community_code == "440699001002"
    assert c2.lon == pytest.approx(X0 + 0.015, abs=1e-7) and c2.lat == pytest.approx(
        Y0 + 0.005, abs=1e-7
    )
    assert (o2.lon, o2.lat, o2.datum) == (GCJ[0], GCJ[1], "GCJ02")
    assert c3.lon is None and c3.grid_code == "" and c3.address == "荷城街道人民路8号"
    # Categories: "01001" is both a component and an event code; a caller reports the event.
    assert (
        o1.category.kind == "event" and o1.category.code == "01001" and c1.category == o1.category
    )
    assert o2.category.minor_name == "暴露垃圾" and c3.category is None
    # Deadlines: emergency the same day; given; consultation 3 working days
    # from Fri 09:00 (Spring Festival 15-23 Feb off, Sat 14 Feb worked: 14,
    # 24, 25 Feb), the same clock time.
    assert o1.deadline == datetime(2026, 2, 13, 23, 59, 59, tzinfo=TZ) and not o1.deadline_given
    assert o2.deadline == datetime(2026, 3, 10, 17, 30, tzinfo=TZ) and o2.deadline_given
    assert o3.deadline == datetime(2026, 2, 25, 9, 0, tzinfo=TZ)

    # Case 1 is handled and closed; the caller is unsatisfied: it reopens.
    cat, cond = Category.objects.get(pk=o1.category_id), c1.category.conditions.first()
    t = NOW + timedelta(minutes=5)
    A.case_accept(actor=people["intake"], case_id=c1.pk, now=t)
    A.case_file(actor=people["lead"], case_id=c1.pk, category=cat, condition=cond, now=t)
    A.case_dispatch(actor=people["dispatcher"], case_id=c1.pk, now=t)
    A.case_feedback(actor=people["handler"], case_id=c1.pk, note="已补装井盖", now=t)
    A.case_check(actor=people["inspector"], case_id=c1.pk, passed=True, now=t)
    A.case_close(actor=people["lead"], case_id=c1.pk, now=t)
    hotline_reply(
        actor=people["handler"], order=o1, result="已补装井盖", reply="您反映的井盖已补装。", now=t
    )
    out = hotline_callback(
        actor=people["intake"],
        order=o1.pk,
        result="不满意",
        note="井盖仍松动",
        now=t + timedelta(hours=1),
    )
    assert out.reopened and not out.needs_review
    c1.refresh_from_db()
    assert c1.state == State.HANDLING and c1.rework_count == 1 and c1.closed_at is None
    actions = list(c1.events.values_list("action", flat=True))
    assert actions[-3:] == ["hotline_reply", "hotline_callback", "reopen"]
    assert "井盖仍松动" in c1.events.get(action="reopen").note
    # Case 2 is still open: the unsatisfied answer is recorded, handling continues.
    hotline_reply(
        actor=people["intake"], order=o2, result="已通知环卫", reply="已安排清运。", now=t
    )
    out = hotline_callback(
        actor=people["intake"], order=o2, result="unsatisfied", note="还没清", now=t
    )
    assert not out.reopened and out.case.state == State.REPORTED
    hotline_reply(
        actor=people["intake"], order=o3, result="已电话告知", reply="请到政务中心办理。", now=t
    )
    hotline_callback(actor=people["intake"], order=o3, result="基本满意", now=t)

    # Export: the input columns come back as they went in, then the district's.
    for fmt in ("csv", "xlsx", "json"):
        assert hotline_export(tmp_path / f"out.{fmt}", HotlineOrder.objects.all()) == 3
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.reader(fh))
    assert exported[0][: len(HEADER)] == HEADER
    assert exported[0][len(HEADER) :] == [
        "办理结果",
        "答复内容",
        "答复时间",
        "回访结果",
        "回访时间",
        "回访备注",
        "案件编号",
        "案件状态",
    ]
    expected = orders()
    expected[0][2] = "138****1234"  # masked on import, as reported
    # 办理时限 carries the deadline in force: computed from the tier when the file had none.
    expected[0][10], expected[2][10] = "2026-02-13 23:59:59", "2026-02-25 09:00:00"
    assert [row[: len(HEADER)] for row in exported[1:]] == expected
    assert exported[1][len(HEADER) :] == [
        "已补装井盖",
        "您反映的井盖已补装。",
        "2026-02-13 10:05:00",
        "不满意",
        "2026-02-13 11:05:00",
        "井盖仍松动",
        c1.number,
        "Being handled",
    ]
    assert exported[3][len(HEADER) + 3] == "基本满意"
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert [c.value for c in sheet[1]][: len(HEADER)] == HEADER and sheet.max_row == 4
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert (
        data[1]["order_no"] == "12345-0002"
        and data[1]["lon"] == GCJ[0]
        and data[1]["callback_result"] == "unsatisfied"
    )

    # The exported file imports again without creating anything: idempotent.
    for path in (src, tmp_path / "out.csv", tmp_path / "out.xlsx", tmp_path / "out.json"):
        again = hotline_import(actor=people["intake"], path=path, now=NOW)
        assert again.created == 0 and again.skipped == ["12345-0001", "12345-0002", "12345-0003"]
    assert Case.objects.count() == 3 and HotlineOrder.objects.count() == 3

    stats = hotline_satisfaction(HotlineOrder.objects.all())
    assert stats == {
        "satisfied": 0,
        "basically_satisfied": 1,
        "unsatisfied": 2,
        "answered": 3,
        "not_called": 0,
        "orders": 3,
        "rate": pytest.approx(1 / 3),
    }


def test_bad_rows_are_all_listed_and_nothing_is_saved(centre, tmp_path):
    ok = orders()[0]

    def row(**kw):
        r = dict(zip(HEADER, ok, strict=True))
        r.update(kw)
        return [r[h] for h in HEADER]

    rows = [
        row(工单编号=""),
        row(工单编号="B2", 受理时间="昨天上午"),
        row(工单编号="B3", 受理时间="2026-02-13"),
        row(工单编号="12345-0001"),  # row 5: the first good row
        row(),  # row 6: the same order number again
        row(工单编号="B6", 经度="东经112度"),
        row(工单编号="B7", 经度="100.0", 纬度="30.0"),
        row(工单编号="B8", 纬度=""),
        row(工单编号="B9", 响应级别="特特急"),
        row(工单编号="B10", 办理时限="2026-02-12 10:00"),
        row(工单编号="B11", 经度="", 纬度="", 地址=""),
        row(工单编号="B12", 诉求内容=""),
        row(工单编号="B13", 受理时间="2026-03-01 10:00"),
        row(工单编号="B14", 坐标系="北京54"),
        row(工单编号="B15", 经度="22.803", 纬度="112.803"),
    ]
    with pytest.raises(HotlineImportError) as err:
        hotline_import(
            actor=people_intake(centre), path=write_csv(tmp_path / "bad.csv", rows), now=NOW
        )
    messages = [str(e) for e in err.value.row_errors]
    assert messages == [
        "Row 2, column “工单编号”: The order number is missing.",
        "Row 3, column “受理时间”: “昨天上午” is not a date and time (write 2026-02-13 10:05:00).",
        "Row 4, column “受理时间”: “2026-02-13” has no time of day; write it as 2026-02-13 10:05.",
        "Row 6, column “工单编号”: Order 12345-0001 is already on row 5.",
        "Row 7, column “经度”: The coordinates (东经112度, 22.804) are not numbers.",
        "Row 8, column “经度”: (100.0, 30.0) lies outside the district (outside every unit grid).",
        "Row 9, column “经度”: Give both longitude and latitude, or neither.",
        "Row 10, column “响应级别”: “特特急” is not a response tier; known tiers: 紧急、咨询、一般.",
        "Row 11, column “办理时限”: The deadline 2026-02-12 10:00:00 is not after the received time 2026-02-13 08:10:00.",
        "Row 12, column “地址”: Neither coordinates nor an address: the order cannot be located.",
        "Row 13, column “诉求内容”: The content of the order is missing.",
        "Row 14, column “受理时间”: 2026-03-01 10:00:00 is in the future.",
        "Row 15, column “坐标系”: “北京54” is not a coordinate system: write WGS84, GCJ02 or BD09.",
        "Row 16, column “经度”: (22.803, 112.803) is not a longitude/latitude in China: projected metres, "
        "or longitude and latitude swapped?",
    ]
    assert Case.objects.count() == 0 and HotlineOrder.objects.count() == 0


def people_intake(people):
    return people["intake"]


def test_missing_columns_and_unreadable_files(centre, tmp_path):
    with pytest.raises(HotlineImportError, match="lacks the column"):
        hotline_import(
            actor=None, path=write_csv(tmp_path / "a.csv", [["x"]], header=["工单编号"]), now=NOW
        )
    bad = tmp_path / "b.json"
    bad.write_text('{"orders": 3}', encoding="utf-8")
    with pytest.raises(HotlineImportError, match="list of orders"):
        hotline_import(actor=None, path=bad, now=NOW)
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(HotlineImportError, match="Not valid JSON"):
        hotline_import(actor=None, path=bad, now=NOW)
    with pytest.raises(HotlineImportError, match="not found"):
        hotline_import(actor=None, path=tmp_path / "none.csv", now=NOW)


def test_gbk_csv(centre, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", orders(), encoding="gbk")
    report = hotline_import(actor=None, path=path, now=NOW)
    assert report.converted and report.created == 3
    assert HotlineOrder.objects.get(order_no="12345-0003").content == "咨询占道经营如何办理许可"


def test_xlsx_with_real_date_and_number_cells(centre, tmp_path):
    rows = orders()
    rows[0][1] = datetime(2026, 2, 13, 8, 10)  # a date cell, no time zone: Beijing time
    rows[0][5], rows[0][6] = X0 + 0.003, Y0 + 0.004
    rows[1][10] = datetime(2026, 3, 10)  # a date: the end of that day
    report = hotline_import(actor=None, path=write_xlsx(tmp_path / "o.xlsx", rows), now=NOW)
    assert report.created == 3 and report.encoding == "xlsx"
    o1, o2 = HotlineOrder.objects.order_by("order_no")[:2]
    assert o1.received_at == datetime(2026, 2, 13, 8, 10, tzinfo=TZ) and o1.case.grid_code
    assert o2.deadline == datetime(2026, 3, 10, 23, 59, 59, tzinfo=TZ)


def test_json_with_english_keys(centre, tmp_path):
    items = [
        {"order_no": "J1", "received_at": "2026-02-13T08:00:00+08:00", "caller": "0757-88881234",
         "content": "路灯不亮", "address": "", "lon": X0 + 0.012, "lat": Y0 + 0.015, "datum": "bd09",
         "category": "暴露垃圾", "tier": "", "deadline": None},
    ]  # fmt: skip
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"orders": items}, ensure_ascii=False), encoding="utf-8")
    report = hotline_import(actor=None, path=path, now=NOW)
    assert report.created == 1 and report.masked == 1
    o = HotlineOrder.objects.get()
    assert o.caller == "075*****1234"
    # No tier: the default tier 一般, 13 working days.
    # From 08:00, before office hours, Fri 13 Feb is the first of them; Sat 14
    # and Sat 28 Feb are worked (Spring Festival swaps).
    assert o.tier == "" and o.deadline == datetime(2026, 3, 9, 17, 30, tzinfo=TZ)
    wlon, wlat = convert_point(X0 + 0.012, Y0 + 0.015, "bd09", "wgs84")
    assert o.case.lon == pytest.approx(wlon) and o.case.lat == pytest.approx(wlat)


def test_dry_run_and_reimport_with_changed_content(centre, tmp_path):
    path = write_csv(tmp_path / "o.csv", orders())
    report = hotline_import(actor=None, path=path, commit=False, now=NOW)
    assert report.created == 3 and not report.committed
    assert Case.objects.count() == 0 and HotlineOrder.objects.count() == 0
    hotline_import(actor=None, path=path, now=NOW)
    rows = orders()
    rows[0][3] = "井盖缺失（补充：已有人受伤）"
    rows.append(
        [
            "12345-0004",
            "2026-02-13 09:30:00",
            "",
            "树枝挡路",
            "荷城街道文华路",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    report = hotline_import(actor=None, path=write_csv(tmp_path / "o2.csv", rows), now=NOW)
    assert report.created == 1 and report.skipped == ["12345-0001", "12345-0002", "12345-0003"]
    assert [str(w) for w in report.warnings][-1] == (
        "Row 2, column “诉求内容”: Order 12345-0001 was imported before with another content; the stored order is kept."
    )
    assert HotlineOrder.objects.get(order_no="12345-0001").content == orders()[0][3]


def test_configured_tiers(centre, tmp_path):
    HotlineTier.objects.create(
        name="特急", aliases="A级", amount=Decimal("2"), unit="natural_hours", order=1
    )
    HotlineTier.objects.create(
        name="普通", amount=Decimal("5"), unit="work_days", is_default=True, order=2
    )
    rows = orders()
    rows[0][9] = "a级"
    rows[2][9] = ""
    rows[1][9] = "紧急"  # a default tier, no longer configured
    with pytest.raises(
        HotlineImportError, match="“紧急” is not a response tier; known tiers: 特急、普通"
    ):
        hotline_import(actor=None, path=write_csv(tmp_path / "o.csv", rows), now=NOW)
    rows[1][9] = "特急"
    hotline_import(actor=None, path=write_csv(tmp_path / "o.csv", rows), now=NOW)
    o1 = HotlineOrder.objects.get(order_no="12345-0001")
    assert o1.deadline == datetime(2026, 2, 13, 10, 10, tzinfo=TZ)
    # 5 working days from Fri 09:00: Sat 14 (worked), 24, 25, 26, 27 Feb.
    assert HotlineOrder.objects.get(order_no="12345-0003").deadline == datetime(
        2026, 2, 27, 9, 0, tzinfo=TZ
    )


def test_callback_rules(centre, tmp_path, people):
    hotline_import(actor=None, path=write_csv(tmp_path / "o.csv", orders()), now=NOW)
    o1 = HotlineOrder.objects.get(order_no="12345-0001")
    with pytest.raises(ValidationError, match="Reply to the caller before"):
        hotline_callback(actor=people["intake"], order=o1, result="满意", now=NOW)
    hotline_reply(actor=people["intake"], order=o1, result="已处理", reply="已处理完毕", now=NOW)
    with pytest.raises(ValidationError, match="not a callback result"):
        hotline_callback(actor=people["intake"], order=o1, result="还行", now=NOW)
    with pytest.raises(ValidationError, match="unsatisfied with"):
        hotline_callback(actor=people["intake"], order=o1, result="不满意", now=NOW)
    with pytest.raises(ValidationError, match="handling result is required"):
        hotline_reply(actor=people["intake"], order=o1, result=" ", reply="x", now=NOW)
    # A declined case cannot be reopened by the workflow: it needs review.
    A.case_decline(actor=people["lead"], case_id=o1.case_id, note="非本辖区")
    out = hotline_callback(
        actor=people["intake"], order=o1, result="不满意", note="没人管", now=NOW
    )
    assert out.needs_review and not out.reopened and out.case.state == State.NOT_FILED
    # Satisfied after all: the latest answer counts, both are counted.
    hotline_callback(actor=people["intake"], order=o1, result="满意", now=NOW)
    o1.refresh_from_db()
    assert (o1.callback_result, o1.callback_count, o1.unsatisfied_count) == ("satisfied", 2, 1)
    assert CaseEvent.objects.filter(case_id=o1.case_id, action="hotline_callback").count() == 2
    stats = hotline_satisfaction()
    assert stats["satisfied"] == 1 and stats["not_called"] == 2 and stats["rate"] == 1.0


def test_who_may_do_what(centre, tmp_path, people, resident_liu, make_user, org):
    path = write_csv(tmp_path / "o.csv", orders())
    for actor in (resident_liu, people["handler"], people["inspector"]):
        with pytest.raises(PermissionDenied):
            hotline_import(actor=actor, path=path, now=NOW)
    hotline_import(actor=people["lead"], path=path, now=NOW)
    o1 = HotlineOrder.objects.get(order_no="12345-0001")
    # A handler of another unit cannot see the case: the order "does not exist".
    other = make_user("qian.zhujian", "handler", org_unit=org["zjj"])
    with pytest.raises(HotlineOrder.DoesNotExist):
        hotline_reply(actor=other, order=o1, result="x", reply="y", now=NOW)
    with pytest.raises(PermissionDenied):
        hotline_reply(actor=resident_liu, order=o1, result="x", reply="y", now=NOW)
    hotline_reply(actor=people["intake"], order=o1, result="x", reply="y", now=NOW)
    with pytest.raises(PermissionDenied):
        hotline_callback(actor=people["handler"], order=o1, result="满意", now=NOW)


def test_cli_import_and_export(centre, tmp_path):
    path = write_csv(tmp_path / "o.csv", orders())
    out = io.StringIO()
    call_command("cases", "import-hotline", str(path), stdout=out)
    assert "3 new cases" in out.getvalue() and "nothing saved" in out.getvalue()
    assert HotlineOrder.objects.count() == 0
    call_command("cases", "import-hotline", str(path), "--commit", stdout=out)
    assert HotlineOrder.objects.count() == 3
    bad = write_csv(tmp_path / "bad.csv", [["", "x", "", "", "", "", "", "", "", "", ""]])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("cases", "import-hotline", str(bad), "--commit", stdout=out, stderr=err)
    assert "The order number is missing" in err.getvalue()
    target = tmp_path / "export.xlsx"
    call_command(
        "cases",
        "export-hotline",
        str(target),
        "--from",
        "2026-02-13",
        "--to",
        "2026-02-13",
        stdout=out,
    )
    assert openpyxl.load_workbook(target).active.max_row == 4
    call_command(
        "cases", "export-hotline", str(tmp_path / "e.csv"), "--from", "2026-02-14", stdout=out
    )
    assert "0 orders" in out.getvalue()
    with pytest.raises(CommandError, match="not a date"):
        call_command("cases", "export-hotline", str(tmp_path / "e.csv"), "--from", "13/02/2026")


def test_mask_caller():
    assert mask_caller("13812341234") == ("138****1234", True)
    assert mask_caller("张先生 +86 138 1234 1234") == ("张先生 138****1234", True)
    assert mask_caller("138****1234") == ("138****1234", False)
    assert mask_caller("88881234") == ("****1234", True)
    assert mask_caller("李女士") == ("李女士", False)


def test_parse_when():
    assert parse_when("2026/2/13 8:05") == datetime(2026, 2, 13, 8, 5, tzinfo=TZ)
    assert parse_when("20260213080500") == datetime(2026, 2, 13, 8, 5, tzinfo=TZ)
    assert parse_when("2026年2月13日 08:05") == datetime(2026, 2, 13, 8, 5, tzinfo=TZ)
    assert parse_when("2026-02-13T00:05:00Z") == datetime(2026, 2, 13, 8, 5, tzinfo=TZ)
    assert parse_when("2026.02.20", date_means_end_of_day=True) == datetime(
        2026, 2, 20, 23, 59, 59, tzinfo=TZ
    )
    assert parse_when("") is None
    with pytest.raises(ValueError):
        parse_when("2026-02-13")
    with pytest.raises(ValueError):
        parse_when("2026-13-40 10:00")


def test_category_matcher(catalogue):
    m = CategoryMatcher.default()
    assert m.match("06010")[0].minor_name == "暴露垃圾"
    assert m.match("城市管理 > 市容环境类 > 暴露垃圾")[0].code == "06010"
    assert m.match("01001")[0].kind == Category.Kind.EVENT
    assert m.match("供水井盖")[0].kind == Category.Kind.COMPONENT
    assert m.match("不存在的分类") == (None, "none") and m.match("") == (None, "")
