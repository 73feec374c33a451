"""The case work pages through HTTP: inbox, lists, detail and its action forms,
report page, map data, Excel export; and their pure helpers without HTTP."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from tests.fixtures_cases import TZ, report
from tests.fixtures_places import X0, Y0
from zhili.accounts.roles import Role
from zhili.cases import actions as A
from zhili.cases.lifecycle import State
from zhili.cases.models import Case, CaseEvent, CaseMedia, ExtensionRequest
from zhili.cases.views import TimeLeft, format_duration, inbox_q, inbox_states, time_left
from zhili.cases.views_map import BBox, MapRequestError, cell_size, parse_bbox, parse_zoom
from zhili.workcal.clock import build_calendar, library_data

pytestmark = pytest.mark.usefixtures("english")

NOW = timezone.now


def jpeg(w: int = 64, h: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def act(client, case: Case, action: str, **fields):
    """POST an action form the way the page does (prefixed fields, the shown version)."""
    data = {f"{action}-version": fields.pop("version", fresh(case).version)}
    files = {}
    for key, value in fields.items():
        if key == "photos":
            files[f"{action}-photos"] = value
        else:
            data[f"{action}-{key}"] = value
    return client.post(f"/cases/{case.number}/act/{action}/", {**data, **files}, follow=False)


@pytest.fixture
def now_case(district, people):
    """A case reported now (so clocks and overdue are relative to the real time)."""
    return report(people, now=NOW())


# --- pure helpers ---------------------------------------------------------------------


def test_inbox_states_and_filter_per_role():
    assert inbox_states({Role.INTAKE}) == [State.REPORTED]
    assert inbox_states({Role.INSPECTOR}) == [State.VERIFYING, State.TO_CHECK]
    assert inbox_states({Role.DISPATCHER}) == [State.TO_DISPATCH]
    assert inbox_states({Role.HANDLER}) == [State.HANDLING]
    assert State.TO_FILE in inbox_states({Role.SHIFT_LEAD}) and State.TO_CLOSE in inbox_states(
        {Role.SHIFT_LEAD}
    )
    assert inbox_states({Role.DISTRICT_LEADER}) == []
    assert inbox_q({Role.DISTRICT_LEADER}) is None
    # A handler without a unit has nothing in the inbox.
    assert inbox_q({Role.HANDLER}, unit_ids=set()) is None
    assert "assigned_unit_id__in" in str(inbox_q({Role.HANDLER}, unit_ids={3, 1}))


def test_time_left_counts_office_time_for_working_units():
    cal = build_calendar(library=library_data())
    # Friday 13 Feb 2026 17:00, deadline Monday... Spring Festival: Saturday 14
    # is an adjusted working day, so 1 working hour from Fri 17:00 ends Sat 9:00.
    now = datetime(2026, 2, 13, 17, 0, tzinfo=TZ)
    deadline = datetime(2026, 2, 14, 9, 0, tzinfo=TZ)
    working = time_left(now, deadline, "work_hours", cal)
    assert working == TimeLeft(3600, True, False)
    natural = time_left(now, deadline, "natural_hours", cal)
    assert natural == TimeLeft(16 * 3600, False, False)
    late = time_left(deadline, now, "emergency_work_hours", None)
    assert late.overdue and late.seconds == -16 * 3600
    # Past the deadline but no office time since: overdue all the same.
    after_hours = time_left(
        datetime(2026, 2, 13, 18, 0, tzinfo=TZ),
        datetime(2026, 2, 13, 17, 30, tzinfo=TZ),
        "work_hours",
        cal,
    )
    assert after_hours.overdue and after_hours.seconds == 0
    assert time_left(now, None, "work_hours", cal) is None


def test_time_left_falls_back_to_the_clock_without_calendar_data():
    cal = build_calendar(library=library_data())
    now = datetime(2026, 11, 1, 9, 0, tzinfo=TZ)
    far = datetime(2099, 1, 1, 9, 0, tzinfo=TZ)  # no holiday schedule for 2099
    left = time_left(now, far, "work_days", cal)
    assert left is not None and not left.working


def test_format_duration():
    assert format_duration(45 * 60) == "45 min"
    assert format_duration(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert format_duration(3 * 86400 + 3600) == "3 d 1 h"
    # Office time is never shown in days.
    assert format_duration(50 * 3600, working=True) == "50 h 0 min"
    assert str(TimeLeft(-3600, True, True)) == "overdue by 1 h 0 min (working time)"
    assert str(TimeLeft(600, False, False)) == "10 min left"


def test_map_parameters():
    assert parse_bbox("112.8,22.8,112.82,22.82") == BBox(112.8, 22.8, 112.82, 22.82)
    for bad, msg in [
        ("1,2,3", "four numbers"),
        ("a,b,c,d", "four numbers"),
        ("2,2,1,3", "empty"),
        ("nan,1,2,3", "four numbers"),
    ]:
        with pytest.raises(MapRequestError, match=msg):
            parse_bbox(bad)
    with pytest.raises(MapRequestError, match="zoom"):
        parse_zoom("99")
    # 64 px at zoom 15 is ~0.0027°; a whole-province box at zoom 15 is capped at 20 cells a side.
    small = BBox(112.8, 22.8, 112.81, 22.81)
    assert cell_size(15, small) == pytest.approx(360 * 64 / (256 * 2**15))
    assert cell_size(15, BBox(110, 20, 116, 26)) == pytest.approx(6 / 20)


# --- who may see which page -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/cases/",
        "/cases/all/",
        "/cases/map/",
        "/cases/map/data.json?bbox=112.8,22.8,112.82,22.82&zoom=14",
    ],
)
def test_pages_need_login_and_are_not_for_residents(client, district, people, resident_liu, path):
    assert client.get(path).status_code == 302
    client.force_login(resident_liu)
    assert client.get(path).status_code == 404


def test_report_page_is_for_inspectors_and_the_centre(
    client, district, people, handler_chen, leader_zhou
):
    for user, status in [
        (people["inspector"], 200),
        (people["intake"], 200),
        (handler_chen, 404),
        (leader_zhou, 404),
    ]:
        client.force_login(user)
        assert client.get("/cases/new/").status_code == status, user


def test_detail_same_404_for_missing_and_forbidden(
    client, now_case, people, make_user, org, leader_zhou
):
    other_handler = make_user("he.zjj", "handler", org_unit=org["zjj"])
    for user in (people["intake"], leader_zhou, people["inspector"]):
        client.force_login(user)
        assert client.get(f"/cases/{now_case.number}/").status_code == 200, user
    client.force_login(other_handler)
    forbidden = client.get(f"/cases/{now_case.number}/")
    missing = client.get("/cases/2099010199999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    # Nor can they act on it, or fetch its photos.
    assert act(client, now_case, "comment", note="x").status_code == 404
    assert client.get(f"/cases/{now_case.number}/media/1/").status_code == 404


# --- inbox and lists --------------------------------------------------------------------------


def test_inbox_shows_what_waits_on_each_role(
    client, district, people, garbage, rule, org, make_user
):
    cat, cond = garbage
    reported = report(people, now=NOW())
    to_file = report(people, now=NOW())
    A.case_accept(actor=people["intake"], case_id=to_file.pk)
    handling = report(people, now=NOW())
    A.case_accept(actor=people["intake"], case_id=handling.pk)
    A.case_file(actor=people["lead"], case_id=handling.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=handling.pk)

    def numbers(user) -> set[str]:
        client.force_login(user)
        r = client.get("/cases/")
        assert r.status_code == 200
        return {row.case.number for row in r.context["rows"]}

    assert numbers(people["intake"]) == {reported.number}
    assert numbers(people["lead"]) == {to_file.number}
    assert numbers(people["dispatcher"]) == set()
    assert numbers(people["handler"]) == {handling.number}
    assert numbers(make_user("he.zjj", "handler", org_unit=org["zjj"])) == set()
    # A pending extension puts the case in the shift lead's inbox too.
    A.case_request_extension(
        actor=people["handler"], case_id=handling.pk, amount=1, unit="work_days", reason="缺材料"
    )
    assert numbers(people["lead"]) == {to_file.number, handling.number}
    client.force_login(people["handler"])
    page = client.get("/cases/").content.decode()
    assert handling.number in page and "left (working time)" in page


def test_inspector_inbox_is_limited_to_their_grids(
    client, district, people, garbage, rule, make_user
):
    from zhili.places.models import ResponsibilityGrid, ResponsibilityGridMember

    cat, cond = garbage
    case = report(people, now=NOW())
    A.case_send_to_verify(actor=people["intake"], case_id=case.pk)
    other = make_user("qian.jiandu", "inspector")
    client.force_login(other)
    assert client.get("/cases/").context["rows"] == []
    rg = ResponsibilityGrid.objects.create(code="R1", name="责任网格1", inspector=other)
    ResponsibilityGridMember.objects.create(responsibility_grid=rg, grid_code=case.grid_code)
    assert [r.case.number for r in client.get("/cases/").context["rows"]] == [case.number]


def test_overdue_shown_in_red_and_filtered(client, district, people, garbage):
    late = report(people, now=NOW() - timedelta(days=3))
    fresh_case = report(people, now=NOW())
    client.force_login(people["intake"])
    r = client.get("/cases/")
    rows = {row.case.number: row for row in r.context["rows"]}
    assert rows[late.number].left.overdue and not rows[fresh_case.number].left.overdue
    assert 'class="late"' in r.content.decode()
    r = client.get("/cases/?overdue=on")
    assert [row.case.number for row in r.context["rows"]] == [late.number]


def test_list_filters_and_sorting(client, district, people, garbage, leader_zhou):
    cat, _cond = garbage
    west = report(people, now=NOW() - timedelta(hours=2), category=cat)
    east = A.case_report(
        actor=people["inspector"],
        source="inspector",
        description="东边",
        lon=X0 + 0.015,
        lat=Y0 + 0.015,
    )
    client.force_login(leader_zhou)

    def numbers(query: str) -> list[str]:
        r = client.get("/cases/all/" + query)
        assert r.status_code == 200, r.content
        return [row.case.number for row in r.context["rows"]]

    assert numbers("") == [east.number, west.number]  # newest first
    assert numbers("?sort=reported") == [west.number, east.number]
    assert numbers(f"?category={cat.pk}") == [west.number]
    assert numbers("?area=440699001002") == [east.number]
    assert numbers("?area=440699001") == [east.number, west.number]
    assert numbers("?state=closed") == []
    r = client.get("/cases/all/?state=nonsense&page=0")
    assert r.status_code == 400
    text = r.content.decode()
    assert "Select a valid choice" in text and "greater than or equal to 1" in text


def test_paging_without_a_full_count(client, district, people, leader_zhou, monkeypatch):
    from zhili.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    for _i in range(5):
        report(people, now=NOW())
    client.force_login(leader_zhou)
    r = client.get("/cases/all/")
    assert len(r.context["rows"]) == 2 and r.context["has_next"] and r.context["total_capped"]
    assert "More than 3 cases" in r.content.decode()
    r = client.get("/cases/all/?page=3")
    assert len(r.context["rows"]) == 1 and not r.context["has_next"]
    assert client.get("/cases/all/?page=999").status_code == 400


# --- export ---------------------------------------------------------------------------------


def test_export_xlsx_with_filters(client, district, people, garbage, leader_zhou):
    cat, _cond = garbage
    a = report(people, now=NOW(), category=cat)
    report(people, now=NOW())
    client.force_login(leader_zhou)
    r = client.get(f"/cases/all/?category={cat.pk}&format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = list(wb[wb.sheetnames[1]].values)
    assert rows[0][0] == "Case number" and len(rows) == 2
    assert rows[1][0] == a.number and rows[1][3] == "Awaiting intake" and rows[1][8] == "测试街道"
    assert isinstance(rows[1][1], datetime)


def test_export_keeps_text_as_text():
    from zhili.cases.export import write_xlsx

    data, written, cut = write_xlsx(
        ["a", "b"],
        [['=HYPERLINK("http://x")', "bell\x07 and tab"], [1, None]],
        cap=10,
        title="t",
        about=["x"],
    )
    ws = openpyxl.load_workbook(io.BytesIO(data))["t"]
    assert written == 2 and not cut
    assert ws["A2"].value == '=HYPERLINK("http://x")' and ws["A2"].data_type == "s"
    assert ws["B2"].value == "bell and tab"


def test_export_is_capped_with_a_notice(client, district, people, leader_zhou, monkeypatch):
    from zhili.cases import views

    monkeypatch.setattr(views, "EXPORT_CAP", 2)
    for _i in range(3):
        report(people, now=NOW())
    client.force_login(leader_zhou)
    wb = openpyxl.load_workbook(
        io.BytesIO(client.get("/cases/all/?format=xlsx").content), read_only=True
    )
    rows = list(wb[wb.sheetnames[1]].values)
    assert len(rows) == 4 and "Only the first 2 rows" in rows[-1][0]


def test_export_needs_the_permission(client, district, people, now_case):
    from django.contrib.auth.models import Permission

    # Inspectors do not export (intake, dispatchers and leaders do).
    client.force_login(people["inspector"])
    assert client.get("/cases/?format=xlsx").status_code == 403
    people["inspector"].user_permissions.add(Permission.objects.get(codename="export_cases"))
    client.force_login(people["inspector"])
    assert client.get("/cases/?format=xlsx").status_code == 200


# --- the detail page and its action forms ------------------------------------------------------


def test_detail_shows_facts_map_timeline_and_only_allowed_forms(client, now_case, people):
    client.force_login(people["intake"])
    r = client.get(f"/cases/{now_case.number}/")
    page = r.content.decode()
    assert now_case.description in page and 'id="casemap"' in page and "测试街道" in page
    assert [f.prefix for f in r.context["forms"]][:2] == ["accept", "send_to_verify"]
    assert "file" not in [f.prefix for f in r.context["forms"]]
    assert 'data-action="report"' in page and "李监督" in page
    assert f'name="accept-version" value="{now_case.version}"' in page
    client.force_login(people["dispatcher"])
    # The dispatcher has nothing to do yet but comment.
    assert [f.prefix for f in client.get(f"/cases/{now_case.number}/").context["forms"]] == [
        "comment"
    ]


def test_walk_a_case_through_the_forms(client, now_case, people, garbage, rule, org, settings):
    cat, cond = garbage
    case = now_case
    client.force_login(people["intake"])
    r = act(client, case, "accept", category=cat.pk, note="")
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert fresh(case).state == State.TO_FILE

    client.force_login(people["lead"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert f'data-category="{cat.pk}"' in page  # the conditions carry their category
    assert act(client, case, "file", category=cat.pk, condition=cond.pk).status_code == 302
    assert fresh(case).state == State.TO_DISPATCH and fresh(case).condition == cond

    client.force_login(people["dispatcher"])
    r = client.get(f"/cases/{case.number}/")
    dispatch = next(f for f in r.context["forms"] if f.prefix == "dispatch")
    assert dispatch.suggested == org["cgj"] and dispatch["unit"].value() == org["cgj"].pk
    assert act(client, case, "dispatch", unit=org["cgj"].pk).status_code == 302
    assert fresh(case).state == State.HANDLING and fresh(case).assigned_unit == org["cgj"]

    client.force_login(people["handler"])
    r = act(client, case, "feedback", note="已清理", photos=[photo("a.jpg"), photo("b.jpg")])
    assert r.status_code == 302, r.content.decode()[:2000]
    assert fresh(case).state == State.TO_CHECK
    media = list(CaseMedia.objects.filter(case=case))
    assert len(media) == 2 and {m.phase for m in media} == {"handling"}
    assert media[0].event.action == "feedback"
    # The photos are served to those who see the case, thumbnails included.
    thumb = client.get(f"/cases/{case.number}/media/{media[0].pk}/?thumb=1")
    assert thumb.status_code == 200 and b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"

    client.force_login(people["inspector"])
    assert act(client, case, "check", passed="yes", note="已核查").status_code == 302
    client.force_login(people["lead"])
    r = client.get(f"/cases/{case.number}/")
    assert 'src="/cases/' in r.content.decode()  # thumbnails on the page
    assert act(client, case, "close").status_code == 302
    case = fresh(case)
    assert case.state == State.CLOSED
    assert list(case.events.values_list("action", flat=True)) == [
        "report",
        "accept",
        "file",
        "dispatch",
        "feedback",
        "check_pass",
        "close",
    ]
    r = client.get(f"/cases/{case.number}/", follow=True)
    assert "Close: done." in r.content.decode() or r.status_code == 200


def test_refused_action_shows_the_message(client, now_case, people, garbage):
    # The inspector may not file: the action function refuses; the page says why.
    client.force_login(people["inspector"])
    r = client.post(
        f"/cases/{now_case.number}/act/file/",
        {"file-version": 0, "file-category": garbage[0].pk},
        follow=True,
    )
    assert r.status_code == 200
    assert "Your role may not “File” cases." in r.content.decode()
    assert fresh(now_case).state == State.REPORTED


def test_missing_reason_is_a_form_error(client, now_case, people):
    client.force_login(people["lead"])
    r = act(client, now_case, "decline", note="  ")
    assert r.status_code == 400
    assert "A reason is required to decline a case." in r.content.decode()
    assert fresh(now_case).state == State.REPORTED and fresh(now_case).version == 0


def test_stale_page_is_refused(client, now_case, people):
    client.force_login(people["intake"])
    shown = now_case.version
    A.case_send_to_verify(actor=people["lead"], case_id=now_case.pk)  # someone else moved it
    r = act(client, now_case, "accept", version=shown)
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "was changed by someone else" in page
    assert fresh(now_case).state == State.VERIFYING


def test_stale_comment_and_missing_version(client, now_case, people):
    client.force_login(people["intake"])
    r = client.post(f"/cases/{now_case.number}/act/accept/", {"accept-note": "x"}, follow=True)
    assert "The form was incomplete" in r.content.decode()
    assert client.post(f"/cases/{now_case.number}/act/fly/", {}).status_code == 404
    assert client.get(f"/cases/{now_case.number}/act/accept/").status_code == 405


def test_bad_photo_refuses_the_whole_feedback(client, district, people, garbage, rule):
    cat, cond = garbage
    case = report(people, now=NOW())
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    client.force_login(people["handler"])
    bad = SimpleUploadedFile("x.jpg", b"#!/bin/sh\necho no", content_type="image/jpeg")
    r = act(client, case, "feedback", note="done", photos=[photo(), bad])
    assert r.status_code == 400 and "x.jpg" in r.content.decode()
    case = fresh(case)
    assert case.state == State.HANDLING and not case.media.exists()
    assert not case.events.filter(action="feedback").exists()


def test_send_back_leaves_the_handler_on_the_inbox(client, district, people, garbage, rule):
    cat, cond = garbage
    case = report(people, now=NOW())
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    client.force_login(people["handler"])
    r = act(client, case, "send_back", note="不属本局")
    # The unit no longer sees the case it returned.
    assert r.status_code == 302 and r["Location"] == "/cases/"


def test_extension_request_and_decision(client, district, people, garbage, rule):
    cat, cond = garbage
    case = report(people, now=NOW())
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    client.force_login(people["handler"])
    r = act(client, case, "request_extension", amount="0", unit="work_days", reason="缺材料")
    assert r.status_code == 400 and "longer than zero" in r.content.decode()
    assert (
        act(
            client, case, "request_extension", amount="1", unit="work_days", reason="缺材料"
        ).status_code
        == 302
    )
    assert "request_extension" not in [
        f.prefix for f in client.get(f"/cases/{case.number}/").context["forms"]
    ]
    before = fresh(case).step_deadline
    client.force_login(people["lead"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "Reason: 缺材料" in page
    assert act(client, case, "decide_extension", approve="yes", note="同意").status_code == 302
    assert ExtensionRequest.objects.get(case=case).status == "approved"
    assert fresh(case).step_deadline > before


def test_park_and_merge_forms(client, district, people, garbage, rule):
    cat, cond = garbage
    first, dup = report(people, now=NOW()), report(people, now=NOW())
    client.force_login(people["intake"])
    r = act(client, dup, "merge", into="2099010100001")
    assert r.status_code == 400 and "There is no case numbered 2099010100001." in r.content.decode()
    assert act(client, dup, "merge", into=first.number).status_code == 302
    assert fresh(dup).state == State.MERGED and fresh(dup).merged_into == first

    A.case_accept(actor=people["intake"], case_id=first.pk)
    A.case_file(actor=people["lead"], case_id=first.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=first.pk)
    client.force_login(people["lead"])
    r = act(client, first, "park", plan="纳入改造", review_on="2020-01-01")
    assert r.status_code == 400 and "must be in the future" in r.content.decode()
    review = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert act(client, first, "park", plan="纳入改造", review_on=review).status_code == 302
    assert fresh(first).state == State.PARKED and fresh(first).park_review_on == date.fromisoformat(
        review
    )


def test_comment(client, now_case, people):
    client.force_login(people["dispatcher"])
    assert act(client, now_case, "comment", note="请尽快", public="").status_code == 302
    assert CaseEvent.objects.filter(
        case=now_case, action="comment", note="请尽快", public=False
    ).exists()


# --- the report page -----------------------------------------------------------------------------


def test_report_page_for_phones(client, district, people):
    client.force_login(people["inspector"])
    page = client.get("/cases/new/").content.decode()
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    assert 'name="lon"' in page and 'name="datum"' in page
    assert 'name="source"' not in page  # an inspector's report is an inspector report


def test_report_from_the_page(client, district, people, garbage):
    client.force_login(people["inspector"])
    r = client.post(
        "/cases/new/",
        {
            "description": "井盖缺失",
            "lon": X0 + 0.001,
            "lat": Y0 + 0.001,
            "datum": "wgs84",
            "category": garbage[0].pk,
            "photos": [photo()],
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert (
        case.source == "inspector"
        and case.reporter == people["inspector"]
        and case.category == garbage[0]
    )
    assert case.grid_code == "440699001001001"
    m = case.media.get()
    assert m.phase == "report" and m.event.action == "report"


def test_report_converts_gcj02(client, district, people):
    from zhili.places.coords import convert_point

    lon, lat = convert_point(X0 + 0.005, Y0 + 0.005, "wgs84", "gcj02")
    client.force_login(people["intake"])
    r = client.post(
        "/cases/new/",
        {
            "source": "hotline",
            "description": "噪音",
            "lon": lon,
            "lat": lat,
            "datum": "gcj02",
            "contact_phone": "12345",
        },
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert (
        case.lon == pytest.approx(X0 + 0.005, abs=1e-6)
        and case.source == "hotline"
        and case.contact_phone == "12345"
    )


def test_bad_report_is_refused_with_the_reason(client, district, people):
    client.force_login(people["inspector"])
    r = client.post("/cases/new/", {"description": "垃圾", "lon": 100, "lat": 30})
    assert r.status_code == 400 and "outside every unit grid" in r.content.decode()
    r = client.post("/cases/new/", {"description": "垃圾"})
    assert r.status_code == 400 and "A location or an address is required." in r.content.decode()
    assert not Case.objects.exists()


# --- the map -----------------------------------------------------------------------------------


def test_map_data_clusters_and_single_cases(client, district, people, garbage, leader_zhou):
    cat, _cond = garbage
    for i in range(6):
        report(people, now=NOW(), category=cat if i % 2 else None)
    A.case_report(
        actor=people["inspector"],
        source="inspector",
        description="东边",
        lon=X0 + 0.015,
        lat=Y0 + 0.015,
    )
    closed = report(people, now=NOW())
    Case.objects.filter(pk=closed.pk).update(state=State.CLOSED, step_deadline=None)
    client.force_login(leader_zhou)
    box = f"{X0},{Y0},{X0 + 0.02},{Y0 + 0.02}"
    data = client.get(f"/cases/map/data.json?bbox={box}&zoom=12").json()
    assert data["clustered"] and data["total"] == 7
    counts = sorted(f["properties"]["count"] for f in data["features"])
    assert counts == [1, 6]
    single = next(f for f in data["features"] if f["properties"]["count"] == 1)
    assert single["properties"]["url"].startswith("/cases/")
    data = client.get(f"/cases/map/data.json?bbox={box}&zoom=16").json()
    assert not data["clustered"] and len(data["features"]) == 7
    data = client.get(f"/cases/map/data.json?bbox={box}&zoom=16&category={cat.pk}").json()
    assert len(data["features"]) == 3 and data["features"][0]["properties"]["category"].startswith(
        cat.code
    )
    data = client.get(f"/cases/map/data.json?bbox={box}&zoom=12&area=440699001002").json()
    assert data["total"] == 1
    bad = client.get("/cases/map/data.json?bbox=1,2&zoom=12")
    assert bad.status_code == 400 and "four numbers" in bad.json()["error"]
    bad = client.get(f"/cases/map/data.json?bbox={box}&zoom=12&state=closed")
    assert bad.status_code == 400 and "state" in bad.json()["error"]
    page = client.get("/cases/map/?overdue=on").content.decode()
    assert "leaflet.js" in page and 'data-query="overdue=on"' in page


# --- bounded queries -------------------------------------------------------------------------


def _bulk_cases(n: int, people, org, garbage) -> None:
    """n cases straight into the table, spread over the states and the toy district."""
    cat, cond = garbage
    now = NOW()
    states = [
        State.REPORTED,
        State.TO_FILE,
        State.TO_DISPATCH,
        State.HANDLING,
        State.TO_CHECK,
        State.TO_CLOSE,
        State.CLOSED,
    ]
    steps = {
        State.REPORTED: "intake",
        State.TO_FILE: "file",
        State.TO_DISPATCH: "dispatch",
        State.HANDLING: "handle",
        State.TO_CHECK: "check",
        State.TO_CLOSE: "close",
    }
    start = Case.objects.count()
    rows = []
    for i in range(n):
        state = states[i % len(states)]
        west = i % 2 == 0
        rows.append(Case(
            number=f"2026010{start + i:06d}", source="inspector", state=state, category=cat if i % 3 else None,
            condition=cond if state == State.HANDLING else None, description=f"case {i}",
            lon=X0 + 0.001 + (i % 17) * 0.001, lat=Y0 + 0.001 + (i % 13) * 0.001,
            grid_code="440699001001001" if west else "440699001002001",
            community_code="440699001001" if west else "440699001002", street_code="440699001", district_code="440699",
            reporter=people["inspector"], reported_at=now - timedelta(hours=i),
            step=steps.get(state, ""), step_deadline=now + timedelta(hours=(i % 7) - 3) if state in steps else None,
            assigned_unit=org["cgj"] if state in (State.HANDLING, State.TO_CHECK, State.TO_CLOSE, State.CLOSED) else None,
        ))  # fmt: skip
    Case.objects.bulk_create(rows)
    events = [
        CaseEvent(case=c, at=now, actor=people["inspector"], action="report", to_state="reported")
        for c in Case.objects.all()
    ]
    CaseEvent.objects.bulk_create(events)


PAGES = {
    "inbox": "/cases/",
    "inbox_filtered": "/cases/?overdue=on&sort=-reported&area=440699001001",
    "list": "/cases/all/",
    "map": f"/cases/map/data.json?bbox={X0},{Y0},{X0 + 0.02},{Y0 + 0.02}&zoom=14",
    "map_single": f"/cases/map/data.json?bbox={X0},{Y0},{X0 + 0.02},{Y0 + 0.02}&zoom=17",
}


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path)
    assert r.status_code == 200, path
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_cases(
    client, district, people, org, garbage, django_assert_max_num_queries
):
    from zhili.places.models import ResponsibilityGrid, ResponsibilityGridMember

    rg = ResponsibilityGrid.objects.create(
        code="R1", name="责任网格1", inspector=people["inspector"]
    )
    ResponsibilityGridMember.objects.create(responsibility_grid=rg, grid_code="440699001001001")
    personas = ["lead", "handler", "inspector"]
    _bulk_cases(30, people, org, garbage)
    few = {}
    for persona in personas:
        client.force_login(people[persona])
        for path in PAGES.values():
            client.get(path)  # warm the calendar and place caches
        few[persona] = {name: _queries(client, path) for name, path in PAGES.items()}
    _bulk_cases(300, people, org, garbage)
    for persona in personas:
        client.force_login(people[persona])
        assert {name: _queries(client, path) for name, path in PAGES.items()} == few[persona], (
            persona
        )
        for path in PAGES.values():
            with django_assert_max_num_queries(20):
                client.get(path)


@pytest.mark.parametrize("persona", ["lead", "handler"])
def test_detail_queries_are_bounded(
    client, district, people, org, garbage, rule, persona, django_assert_max_num_queries
):
    cat, cond = garbage
    case = report(people, now=NOW())
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    client.force_login(people[persona])
    path = f"/cases/{case.number}/"
    client.get(path)
    few = _queries(client, path)
    for i in range(30):
        A.case_comment(actor=people["lead"], case_id=case.pk, note=f"备注 {i}")
    assert _queries(client, path) == few
    with django_assert_max_num_queries(24):
        client.get(path)
