"""The REST API: token auth, the pages' permission rules, one error format,
the whole lifecycle, pagination, datums, the committed OpenAPI schema."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tests.fixtures_places import X0, Y0
from zhili.accounts.models import ApiToken
from zhili.cases import actions as A
from zhili.cases.api.permissions import allowed_sources, default_source
from zhili.cases.api.tokens import api_token_issue, api_token_revoke
from zhili.cases.models import Case, CaseEvent
from zhili.core.models import AuditEntry

pytestmark = pytest.mark.usefixtures("english")

# Points of the toy district (fixtures_places): the west community's grids
# 001..004 lie in the west half, the east community's in the east half.
WEST = (X0 + 0.001, Y0 + 0.001)  # grid 440699001001001
EAST = (X0 + 0.019, Y0 + 0.001)  # grid 440699001002002
CASES = "/api/v1/cases/"


def api(user=None) -> APIClient:
    client = APIClient()
    client.cookies["django_language"] = "en"
    if user is not None:
        # Residents cannot be issued a token; one may survive from a staff role they lost.
        key = (
            api_token_issue(actor=None, user=user)
            if user.is_government_staff
            else ApiToken.create_for(user)
        )
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def api_token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


@pytest.fixture(autouse=True)
def _fresh_place_names():
    # Place names are cached per process for a minute; each test has its own database.
    from zhili.cases.api import queries

    queries._today_names = None


@pytest.fixture
def li_grids(district, people):
    """Inspector Li patrols the west community."""
    from zhili.places.models import ResponsibilityGrid, ResponsibilityGridMember

    rg = ResponsibilityGrid.objects.create(
        code="R-W", name="西社区责任网格", inspector=people["inspector"]
    )
    for i in range(1, 5):
        ResponsibilityGridMember.objects.create(
            responsibility_grid=rg, grid_code=f"440699001001{i:03d}"
        )
    return rg


def same_as_serializers(number: str, user) -> None:
    """The fast renderers give exactly what the schema's serializers give."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from zhili.cases.api import serializers as S

    related = ("category", "assigned_unit", "condition", "reporter", "merged_into")
    case = Case.objects.select_related(*related).get(number=number)
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    names = {case.grid_code: "网格", case.street_code: "街道"}
    fast = S.render_case_detail(case, user=user, place_names=names)
    slow = S.CaseDetailSerializer(case, context={"request": request, "place_names": names}).data
    assert list(fast) == list(slow)
    assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
    assert json.dumps(S.render_case(case)) == json.dumps(S.CaseListSerializer(case).data)


def post_report(client, point=WEST, **extra):
    body = {"description": "路边暴露垃圾", "lon": point[0], "lat": point[1], **extra}
    return client.post(CASES, body, format="json")


def act(client, number: str, action: str, **body):
    return client.post(f"{CASES}{number}/actions/", {"action": action, **body}, format="json")


# --- pure rules -------------------------------------------------------------------


def test_sources_per_role():
    assert allowed_sources({"inspector"}) == ("inspector",)
    assert default_source({"inspector"}) == "inspector"
    assert default_source({"intake"}) == "other" and "hotline" in allowed_sources({"intake"})
    assert default_source({"sysadmin"}) == "sensor"
    assert default_source(set(), superuser=True) == "sensor"
    assert allowed_sources(set()) == () and default_source(set()) is None
    # Nobody reports as a resident or through Open311 here; only inspectors as inspectors.
    everyone = allowed_sources(
        {"intake", "shift_lead", "dispatcher", "office_staff", "sysadmin", "handler"},
        superuser=True,
    )
    assert not {"resident", "public_api", "inspector"} & set(everyone)


def test_error_mapping_of_domain_exceptions():
    from zhili.cases.api.errors import to_response
    from zhili.workcal.clock import CalendarDataMissing

    resp = to_response(CalendarDataMissing(2031))
    assert resp.status_code == 503 and resp.data["error"]["code"] == "calendar_missing"
    assert "2031" in resp.data["error"]["message"]
    resp = to_response(ValidationError({"plan": ["required"], "__all__": ["both wrong"]}))
    assert resp.status_code == 400
    assert resp.data["error"]["fields"] == {
        "plan": ["required"],
        "non_field_errors": ["both wrong"],
    }
    assert to_response(KeyError("x")) is None


# --- authentication and the gate ------------------------------------------------------------


def test_no_token_bad_token_and_inactive_user_get_401(district, people):
    resp = api().get(CASES)
    error(resp, 401, "not_authenticated")
    assert resp["WWW-Authenticate"].startswith("Token")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    error(client.get(CASES), 401, "not_authenticated")
    client = api(people["intake"])
    people["intake"].is_active = False
    people["intake"].save()
    error(client.get(CASES), 401, "not_authenticated")


def test_residents_get_403_everywhere(district, people, resident_liu, catalogue):
    client = api(resident_liu)
    for url in (
        CASES,
        "/api/v1/categories/",
        "/api/v1/grids/440699001001001/",
        "/api/v1/locate?lon=1&lat=1",
        "/api/v1/evaluation",
    ):
        error(client.get(url), 403, "forbidden")
    error(post_report(client), 403, "forbidden")
    assert Case.objects.count() == 0


def test_unknown_endpoint_and_method(district, people):
    error(api(people["intake"]).get("/api/v1/nothing-here/"), 404, "not_found")
    error(api(people["intake"]).delete(CASES), 405, "method_not_allowed")


# --- reporting ------------------------------------------------------------------------------


def test_inspector_reports_and_gets_the_places(li_grids, people, garbage):
    client = api(people["inspector"])
    resp = post_report(client, category=garbage[0].pk, address="荷城路 1 号")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert resp["Location"].endswith(f"/api/v1/cases/{body['number']}/")
    assert body["source"] == "inspector" and body["state"] == "reported" and body["version"] == 0
    assert body["places"] == {
        "grid": {"code": "440699001001001", "name": "440699001001001"},
        "community": {"code": "440699001001", "name": "西社区"},
        "street": {"code": "440699001", "name": "测试街道"},
        "district": {"code": "440699", "name": "测试区"},
    }
    assert body["category"]["id"] == garbage[0].pk and body["reporter"]["username"] == "li.jiandu"
    assert body["contact"] is None  # inspectors do not see callers' phones
    assert body["actions"] == ["comment"]
    case = Case.objects.get(number=body["number"])
    assert case.reporter == people["inspector"] and case.valid_report is True
    assert AuditEntry.objects.filter(action="cases.report", object_id=str(case.pk)).exists()
    assert list(case.events.values_list("action", flat=True)) == ["report"]


def test_source_is_restricted_per_role(district, people, admin_qian):
    error_body = error(post_report(api(people["inspector"]), source="hotline"), 400, "validation")
    assert "may not report with source" in error_body["fields"]["source"][0]
    resp = post_report(api(people["intake"]), contact_name="张三", contact_phone="13800000000")
    assert resp.status_code == 201 and resp.json()["source"] == "other"
    assert resp.json()["contact"] == {"name": "张三", "phone": "13800000000"}
    assert post_report(api(people["intake"]), source="hotline").json()["source"] == "hotline"
    error(post_report(api(people["intake"]), source="inspector"), 400, "validation")
    assert post_report(api(admin_qian)).json()["source"] == "sensor"


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_report_in_a_chinese_datum_is_stored_as_wgs84(district, people, datum):
    from zhili.places.coords import convert_point

    # Just east of the west/east community border: the raw GCJ-02/BD-09
    # numbers lie hundreds of metres away, in another grid or outside.
    wgs = (X0 + 0.0101, Y0 + 0.0101)
    shifted = convert_point(*wgs, "wgs84", datum)
    resp = post_report(api(people["intake"]), point=shifted, datum=datum)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["lon"] == pytest.approx(wgs[0], abs=1e-8) and body["lat"] == pytest.approx(
        wgs[1], abs=1e-8
    )
    assert body["places"]["grid"]["code"] == "440699001002003"


@pytest.mark.parametrize(
    "body, field, text",
    [
        ({"description": ""}, "description", "blank"),
        ({"lat": None}, "lat", "both longitude and latitude"),
        ({"lon": 200}, "lon", "less than or equal to 180"),
        ({"datum": "wgs1984"}, "datum", "not a valid choice"),
        ({"confirmed": True}, "confirmed", "Unknown field"),
        ({"category": 999999}, "category", "No active category"),
        ({"reported_at": "2999-01-01T00:00:00+08:00"}, "reported_at", "future"),
        ({"component_id": "12"}, "component_id", "does not match"),
    ],
)
def test_bad_reports_name_the_field_and_store_nothing(district, people, body, field, text):
    err = error(post_report(api(people["intake"]), **body), 400, "validation")
    assert text in err["fields"][field][0] and err["message"].startswith(field)
    assert Case.objects.count() == 0


def test_domain_refusals_and_bad_bodies(district, people):
    client = api(people["intake"])
    err = error(post_report(client, point=(100.0, 30.0)), 400, "validation")
    assert "outside every unit grid" in err["message"]
    err = error(client.post(CASES, {"description": "无位置"}, format="json"), 400, "validation")
    assert "location or an address" in err["message"]
    err = error(
        client.post(CASES, data="{not json", content_type="application/json"), 400, "validation"
    )
    assert "not valid JSON" in err["message"]
    error(
        client.post(CASES, data="description=x", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )
    assert Case.objects.count() == 0


def test_an_offline_report_keeps_its_time(district, people):
    when = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    resp = post_report(api(people["inspector"]), reported_at=when.isoformat())
    assert resp.status_code == 201
    assert Case.objects.get(number=resp.json()["number"]).reported_at == when
    old = timezone.now() - timedelta(days=8)
    error(post_report(api(people["inspector"]), reported_at=old.isoformat()), 400, "validation")


# --- who sees what ------------------------------------------------------------------------------


def test_visibility_follows_the_pages(li_grids, people, leader_zhou, garbage, rule):
    west = post_report(api(people["inspector"])).json()["number"]
    east = post_report(api(people["intake"]), point=EAST).json()["number"]
    li = api(people["inspector"])
    assert [c["number"] for c in li.get(CASES).json()["results"]] == [west]
    missing = error(li.get(f"{CASES}2099010100001/"), 404, "not_found")
    forbidden = error(li.get(f"{CASES}{east}/"), 404, "not_found")
    assert missing == forbidden  # no way to tell a hidden case from a missing one
    error(li.get(f"{CASES}{east}/events/"), 404, "not_found")
    error(act(li, east, "comment", note="看看"), 404, "not_found")
    # Handlers see only what is dispatched to their unit.
    chen = api(people["handler"])
    assert chen.get(CASES).json()["results"] == []
    case = Case.objects.get(number=east)
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=garbage[0], condition=garbage[1])
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    assert [c["number"] for c in chen.get(CASES).json()["results"]] == [east]
    error(chen.get(f"{CASES}{west}/"), 404, "not_found")
    # Leaders and the centre see everything.
    assert {c["number"] for c in api(leader_zhou).get(CASES).json()["results"]} == {west, east}
    assert len(api(people["dispatcher"]).get(CASES).json()["results"]) == 2


# --- the lifecycle ------------------------------------------------------------------------------


def test_full_lifecycle_through_the_api(li_grids, people, garbage, rule, org):
    cat, cond = garbage
    number = post_report(api(people["inspector"])).json()["number"]
    steps = [
        ("intake", "accept", {}, "to_file"),
        ("lead", "file", {"category": cat.pk, "condition": cond.pk}, "to_dispatch"),
        ("dispatcher", "dispatch", {}, "handling"),
        ("handler", "feedback", {"note": "已清理"}, "to_check"),
        ("inspector", "check", {"passed": True}, "to_close"),
        ("lead", "close", {"note": "办结"}, "closed"),
    ]
    for version, (who, action, body, state) in enumerate(steps):
        resp = act(api(people[who]), number, action, expected_version=version, **body)
        assert resp.status_code == 200, (action, resp.content)
        out = resp.json()
        assert out["case"]["state"] == state and out["case"]["version"] == version + 1
        same_as_serializers(number, people[who])
        assert (
            out["event"]["action"] in (action, "check_pass") and out["event"]["to_state"] == state
        )
    case = out["case"]
    assert case["assigned_unit"]["id"] == org["cgj"].pk and case["condition"]["id"] == cond.pk
    assert case["closed_on_time"] is not None and case["step"] == ""
    events = api(people["lead"]).get(f"{CASES}{number}/events/").json()
    assert [e["action"] for e in events] == [
        "report",
        "accept",
        "file",
        "dispatch",
        "feedback",
        "check_pass",
        "close",
    ]
    assert (
        events[1]["actor"]["username"] == "wang.shouli" and events[-1]["to_state_label"] == "Closed"
    )


def _handling(people, garbage, rule) -> str:
    number = post_report(api(people["inspector"])).json()["number"]
    case = Case.objects.get(number=number)
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=garbage[0], condition=garbage[1])
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    return number


def test_extension_comment_send_back(li_grids, people, garbage, rule):
    number = _handling(people, garbage, rule)
    chen, lead = api(people["handler"]), api(people["lead"])
    resp = act(chen, number, "request_extension", amount="2", unit="work_hours", reason="需协调")
    assert resp.status_code == 200, resp.content
    same_as_serializers(number, people["lead"])
    pending = resp.json()["case"]["pending_extension"]
    assert pending["status"] == "pending" and pending["amount"] == "2.00"
    err = error(
        act(chen, number, "request_extension", amount="1", unit="fortnights", reason="x"),
        400,
        "validation",
    )
    assert "unit" in err["fields"]
    before = Case.objects.get(number=number).step_deadline
    resp = act(lead, number, "decide_extension", approve=True, note="同意")
    assert resp.status_code == 200 and resp.json()["case"]["pending_extension"] is None
    assert Case.objects.get(number=number).step_deadline > before
    err = error(act(lead, number, "decide_extension", approve=True), 400, "validation")
    assert "no extension request waiting" in err["message"]
    err = error(
        act(lead, number, "decide_extension", approve=True, extension_request=999999),
        400,
        "validation",
    )
    assert "extension_request" in err["fields"]
    assert (
        act(chen, number, "comment", note="明早处理", public=False).json()["event"]["public"]
        is False
    )
    version = Case.objects.get(number=number).version
    resp = act(chen, number, "send_back", expected_version=version, note="不属于本单位")
    assert resp.status_code == 200 and resp.json()["case"]["state"] == "to_dispatch"
    # The case left the unit's view with the send-back.
    error(chen.get(f"{CASES}{number}/"), 404, "not_found")


def test_verify_decline_void_merge(li_grids, people):
    intake, lead, li = api(people["intake"]), api(people["lead"]), api(people["inspector"])
    a, b, c, d = (post_report(intake).json()["number"] for _ in range(4))
    assert (
        act(intake, a, "send_to_verify", expected_version=0).json()["case"]["state"] == "verifying"
    )
    err = error(act(li, a, "verify", expected_version=1, confirmed=False), 400, "validation")
    assert "reason is required" in err["message"]
    assert (
        act(li, a, "verify", expected_version=1, confirmed=False, note="现场无").json()["case"][
            "state"
        ]
        == "not_filed"
    )
    assert (
        act(lead, b, "decline", expected_version=0, note="重复").json()["case"]["state"]
        == "not_filed"
    )
    assert act(lead, c, "void", expected_version=0, note="测试").json()["case"]["state"] == "voided"
    resp = act(intake, d, "merge", expected_version=0, into=b)
    err = error(resp, 400, "validation")
    assert "no longer open" in err["message"]
    e = post_report(intake).json()["number"]
    resp = act(intake, d, "merge", expected_version=0, into=e)
    assert resp.json()["case"]["state"] == "merged" and resp.json()["case"]["merged_into"] == e
    same_as_serializers(d, people["intake"])
    err = error(
        act(intake, e, "merge", expected_version=1, into="2099010100001"), 400, "validation"
    )
    assert err["fields"]["into"]


def test_park_unpark_reopen_and_rework(li_grids, people, garbage, rule):
    number = _handling(people, garbage, rule)
    lead = api(people["lead"])
    tomorrow = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert (
        act(
            lead, number, "park", expected_version=3, plan="纳入改造计划", review_on=tomorrow
        ).json()["case"]["state"]
        == "parked"
    )
    same_as_serializers(number, people["lead"])
    assert act(lead, number, "unpark", expected_version=4).json()["case"]["state"] == "handling"
    act(api(people["handler"]), number, "feedback", expected_version=5, note="已处理")
    resp = act(
        api(people["inspector"]), number, "check", expected_version=6, passed=False, note="仍有垃圾"
    )
    assert resp.json()["case"]["state"] == "handling" and resp.json()["case"]["rework_count"] == 1
    err = error(
        act(lead, number, "reopen", expected_version=7, note="不满意"), 409, "illegal_transition"
    )
    assert "not possible" in err["message"]


def test_action_errors_in_the_one_format(li_grids, people, garbage):
    number = post_report(api(people["inspector"])).json()["number"]
    lead, li = api(people["lead"]), api(people["inspector"])
    err = error(act(lead, number, "close", expected_version=0), 409, "illegal_transition")
    assert "not possible" in err["message"]
    err = error(
        act(li, number, "file", expected_version=0, category=garbage[0].pk),
        409,
        "illegal_transition",
    )
    assert "Your role may not" in err["message"]
    act(api(people["intake"]), number, "accept", expected_version=0)
    err = error(act(lead, number, "decline", expected_version=0, note="重复"), 409, "stale")
    assert "changed by someone else" in err["message"]
    assert (
        "expected_version"
        in error(act(lead, number, "decline", note="x"), 400, "validation")["fields"]
    )
    assert (
        "action"
        in error(act(lead, number, "teleport", expected_version=1), 400, "validation")["fields"]
    )
    assert (
        "passed" in error(act(li, number, "check", expected_version=1), 400, "validation")["fields"]
    )
    err = error(
        act(lead, number, "decline", expected_version=1, note="x", reason="y"), 400, "validation"
    )
    assert err["fields"] == {"reason": ["Unknown field."]}
    err = error(
        act(api(people["dispatcher"]), number, "dispatch", expected_version=1, unit=999999),
        400,
        "validation",
    )
    assert "unit" in err["fields"]
    err = error(act(lead, number, "file", expected_version=1), 400, "validation")
    assert "category" in err["message"]
    error(
        api(people["lead"]).post(f"{CASES}{number}/actions/", [1, 2], format="json"),
        400,
        "validation",
    )
    # None of the refusals wrote anything.
    case = Case.objects.get(number=number)
    assert case.version == 1 and case.state == "to_file"
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "report",
        "accept",
    ]


# --- lists: filters, keyset pages, query counts ------------------------------------------------


def test_pages_cover_every_case_once_even_with_equal_times(
    district, people, django_assert_max_num_queries
):
    at = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    numbers = set()
    for i in range(7):
        when = at if i < 4 else at + timedelta(minutes=i)  # four reported at the same instant
        numbers.add(
            A.case_report(
                actor=people["intake"],
                source="other",
                description=f"#{i}",
                lon=WEST[0],
                lat=WEST[1],
                reported_at=when,
            ).number
        )
    client = api(people["intake"])
    url, seen = f"{CASES}?page_size=3", []
    while url:
        with django_assert_max_num_queries(2):  # token with user and roles, the page
            page = client.get(url).json()
        seen += [(c["reported_at"], c["number"]) for c in page["results"]]
        url = page["next"]
    assert len(seen) == 7 and {n for _t, n in seen} == numbers
    assert seen == sorted(seen, reverse=True)
    error(client.get(f"{CASES}?cursor=bm9wZQ"), 400, "validation")
    assert "page_size" in error(client.get(f"{CASES}?page_size=1000"), 400, "validation")["fields"]


def test_list_filters(li_grids, people):
    client = api(people["intake"])
    west = post_report(client).json()["number"]
    east = post_report(client, point=EAST).json()["number"]
    act(client, east, "accept", expected_version=0)

    def numbers(query: str) -> set[str]:
        resp = client.get(f"{CASES}?{query}")
        assert resp.status_code == 200, resp.content
        return {c["number"] for c in resp.json()["results"]}

    assert numbers("state=reported") == {west}
    assert numbers("state=reported&state=to_file") == {west, east}
    assert numbers("community=440699001002") == {east}
    assert numbers("grid=440699001001001&street=440699001") == {west}
    assert numbers("overdue=false") == {west, east} and numbers("overdue=true") == set()
    today = timezone.localdate()
    assert numbers(f"reported_from={today}&reported_to={today}") == {west, east}
    assert numbers(f"reported_to={today - timedelta(days=1)}") == set()
    assert numbers("source=hotline") == set()
    for bad in (
        "grid=123",
        "state=lost",
        "reported_from=2026-02-02&reported_to=2026-02-01",
        "overdue=maybe",
    ):
        error(client.get(f"{CASES}?{bad}"), 400, "validation")


# --- catalogue, places, evaluation ---------------------------------------------------------------


def test_categories(district, people, garbage):
    client = api(people["dispatcher"])
    rows = client.get("/api/v1/categories/?kind=event").json()
    assert rows and all(r["kind"] == "event" for r in rows)
    cat = next(r for r in rows if r["id"] == garbage[0].pk)
    assert (
        cat["conditions"][0]["time_limit_display"] == "4工作时"
        and cat["catalogue"] == "GBT47678.5-2026"
    )
    assert all(r["code"].startswith("06") for r in client.get("/api/v1/categories/?code=06").json())
    one = client.get(f"/api/v1/categories/{garbage[0].pk}/").json()
    assert one["conditions"][0]["time_unit"] == "work_hours"
    error(client.get("/api/v1/categories/999999/"), 404, "not_found")
    error(client.get("/api/v1/categories/?catalogue=NOPE"), 400, "validation")


def test_grid_and_locate(li_grids, people):
    from zhili.places.coords import convert_point

    client = api(people["dispatcher"])
    grid = client.get("/api/v1/grids/440699001001001/").json()
    assert grid["community"] == {"code": "440699001001", "name": "西社区"}
    assert grid["district"]["name"] == "测试区" and grid["area_m2"] > 0
    assert grid["responsibility_grid"]["inspector"]["username"] == "li.jiandu"
    assert grid["geometry"]["type"] == "Polygon" and len(grid["bbox"]) == 4
    error(client.get("/api/v1/grids/440699001009009/"), 404, "not_found")
    error(client.get("/api/v1/grids/440699001001001/?at=yesterday"), 400, "validation")

    gcj = convert_point(*EAST, "wgs84", "gcj02")
    hit = client.get(f"/api/v1/locate?lon={gcj[0]}&lat={gcj[1]}&datum=gcj02").json()
    assert (
        hit["found"]
        and hit["grid"]["code"] == "440699001002002"
        and hit["street"]["name"] == "测试街道"
    )
    assert hit["lon"] == pytest.approx(EAST[0], abs=1e-8)
    assert client.get("/api/v1/locate?lon=100&lat=30").json() == {
        "found": False,
        "lon": 100.0,
        "lat": 30.0,
        "grid": None,
        "community": None,
        "street": None,
        "district": None,
    }
    assert "lat" in error(client.get("/api/v1/locate?lon=100"), 400, "validation")["fields"]
    assert (
        "datum"
        in error(client.get("/api/v1/locate?lon=1&lat=1&datum=utm"), 400, "validation")["fields"]
    )


def test_evaluation(li_grids, people, leader_zhou, garbage, rule):
    number = _handling(people, garbage, rule)
    today = timezone.localdate()
    resp = api(leader_zhou).get(
        f"/api/v1/evaluation?from={today}&to={today}&by=region&level=community"
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["by"] == "region" and body["rows"][0]["key"] == "440699001001"
    assert body["rows"][0]["counts"]["filed"] == 1 and number
    post = (
        api(leader_zhou).get(f"/api/v1/evaluation?from={today}&to={today}&by=post&post=unit").json()
    )
    assert post["rows"][0]["kind"] == "unit"
    error(api(people["handler"]).get("/api/v1/evaluation"), 404, "not_found")
    error(api(leader_zhou).get("/api/v1/evaluation?by=mood"), 400, "validation")
    err = error(
        api(leader_zhou).get(f"/api/v1/evaluation?from={today}&to={today - timedelta(days=1)}"),
        400,
        "validation",
    )
    assert "before it starts" in err["message"]


# --- the schema and its page --------------------------------------------------------------------


def test_committed_schema_is_current_and_valid():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.validation import validate_schema

    from zhili.cases.api.schema import COMMITTED, build_schema, to_yaml

    GENERATOR_STATS.reset()
    schema = build_schema()
    problems = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    assert not problems, f"schema warnings/errors: {list(problems)}"
    validate_schema(schema)
    assert to_yaml(schema) == COMMITTED.read_text(encoding="utf-8"), (
        "zhili/cases/api/openapi.yaml is out of date: run "
        ".venv/bin/python -m zhili.cases.api > zhili/cases/api/openapi.yaml"
    )
    paths = set(schema["paths"])
    assert {
        "/api/v1/cases/",
        "/api/v1/cases/{number}/actions/",
        "/api/v1/locate",
        "/api/v1/evaluation",
    } <= paths
    assert "/api/v1/schema/" not in paths


def test_schema_and_docs_are_for_staff_only(district, people, resident_liu, client):
    resp = api(people["handler"]).get("/api/v1/schema/")
    assert resp.status_code == 200 and resp["Content-Type"].startswith(
        "application/vnd.oai.openapi"
    )
    assert b"/api/v1/cases/{number}/actions/" in resp.content
    as_json = api(people["handler"]).get("/api/v1/schema/?format=json")
    assert json.loads(as_json.content)["info"]["title"] == "Zhili API"
    error(api().get("/api/v1/schema/"), 401, "not_authenticated")
    error(api(resident_liu).get("/api/v1/schema/"), 403, "forbidden")
    assert client.get("/api/v1/docs/").status_code == 302  # to the login page
    client.force_login(resident_liu)
    assert client.get("/api/v1/docs/").status_code == 404
    client.force_login(people["handler"])
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "/api/v1/cases/{number}/actions/" in html
        and 'id="c-CaseActionRequest"' in html
        and "<script" not in html
    )


def test_session_writes_need_the_csrf_token(district, people):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["intake"])
    assert client.get(CASES).status_code == 200
    error(post_report(client), 403, "forbidden")


# --- tokens ----------------------------------------------------------------------------------------


def test_tokens_issue_rotate_revoke(people, admin_qian):
    user = people["dispatcher"]
    first = api_token_issue(actor=admin_qian, user=user)
    second = api_token_issue(actor=admin_qian, user=user)
    stored = ApiToken.objects.get(user=user)
    assert first != second and stored.key_hash == ApiToken.hash(second) and stored.prefix == second[:6]
    # The key itself is nowhere in the row (only its hash and first characters).
    assert second not in " ".join(str(getattr(stored, f.attname)) for f in ApiToken._meta.concrete_fields)
    # The replaced key stops working, the new one works.
    assert api_token_client(first).get(CASES).status_code == 401
    assert api_token_client(second).get(CASES).status_code == 200
    entries = AuditEntry.objects.filter(action="api.token_issue", object_id=str(user.pk))
    assert entries.count() == 2 and all(first not in str(e.after) + e.summary for e in entries)
    with pytest.raises(PermissionDenied):
        api_token_issue(actor=people["lead"], user=user)
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=people["inspector"], user=user)
    assert api_token_revoke(actor=admin_qian, user=user) is True
    assert api_token_revoke(actor=admin_qian, user=user) is False
    assert AuditEntry.objects.filter(action="api.token_revoke").count() == 1


def test_tokens_issued_before_hashing_keep_working(people):
    """The migration to hashed tokens hashes DRF's clear keys, then drops
    their table: a connected system keeps its key, the database loses it."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("zhili.accounts.migrations.0002_api_token")
    key = "0f" * 20
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint NOT NULL, "
            "created timestamp with time zone NOT NULL)"
        )
        cur.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, people["dispatcher"].pk, timezone.now()])
    # The function needs only these of a schema editor (a real one cannot
    # open inside the test's transaction on SQLite).
    editor = SimpleNamespace(
        connection=connection, quote_name=connection.ops.quote_name, execute=lambda sql: connection.cursor().execute(sql)
    )
    migration.import_drf_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert ApiToken.objects.get(user=people["dispatcher"]).prefix == key[:6]
    assert api_token_client(key).get(CASES).status_code == 200
    migration.import_drf_tokens(apps, editor)  # nothing to do a second time


def test_no_tokens_for_residents_or_inactive_users(people, resident_liu):
    with pytest.raises(ValidationError, match="no staff role"):
        api_token_issue(actor=None, user=resident_liu)
    people["handler"].is_active = False
    with pytest.raises(ValidationError, match="not active"):
        api_token_issue(actor=None, user=people["handler"])
    assert not ApiToken.objects.exists()


def test_token_command(people, capsys):
    call_command("cases", "api-token", "zhao.paiqian")
    key = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(user=people["dispatcher"]).key_hash == ApiToken.hash(key)
    call_command("cases", "api-token", "zhao.paiqian", "--revoke")
    assert "Revoked" in capsys.readouterr().out and not ApiToken.objects.exists()
    with pytest.raises(CommandError, match="No user"):
        call_command("cases", "api-token", "nobody")


def test_admin_lists_token_holders_without_keys(client, people, admin_qian):
    key = api_token_issue(actor=None, user=people["dispatcher"])
    admin_qian.is_staff = admin_qian.is_superuser = True
    admin_qian.save()
    client.force_login(admin_qian)
    page = client.get("/admin/accounts/apitoken/")
    body = page.content.decode()
    assert page.status_code == 200 and "zhao.paiqian" in body and key[:6] in body
    assert key not in body and ApiToken.hash(key) not in body
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_token_authentication_reads_user_and_every_role_in_one_statement(make_user, org, django_assert_num_queries):
    from zhili.accounts.roles import Role
    from zhili.cases.api.authentication import TokenAuthentication

    user = make_user("duo", Role.DISPATCHER, Role.INTAKE, org_unit=org["office"])
    key = api_token_issue(actor=None, user=user)
    with django_assert_num_queries(1):
        got, token = TokenAuthentication().authenticate_credentials(key)
        assert got.roles == {Role.DISPATCHER, Role.INTAKE}
    assert got.pk == user.pk and got.username == "duo" and got.date_joined == user.date_joined
    assert token.user is got and token.prefix == key[:6]
