"""Open311 GeoReport v2: every method, both formats, every error path.

The structural checks below are written from the specification text: the
element names each response may contain, in XML and in JSON (Spark
convention: the wrapper disappears and containers become arrays).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.fixtures_places import X0, Y0
from zhili.cases.models import Case
from zhili.open311.actions import api_key_issue, api_key_revoke, services_load
from zhili.open311.models import ApiKey, Jurisdiction, RequestLog, ServiceRequest

REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"}


@pytest.fixture
def services(district, catalogue):
    services_load(actor=None)


@pytest.fixture
def key(db):
    _key, secret = api_key_issue(actor=None, name="测试客户端")
    return secret


def post(client, key, fmt="json", **fields):
    data = {"api_key": key, "service_code": "bl-garbage", "lat": Y0 + 0.001, "long": X0 + 0.001,
            "description": "小区门口暴露垃圾", "attribute[amount]": "small", **fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/open311/v2/requests.{fmt}", data)


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response, fmt):
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        assert isinstance(body, list) and all(set(e) == {"code", "description"} for e in body)
        return body
    root = xml(response)
    assert root.tag == "errors" and all(child.tag == "error" for child in root)
    return [{"code": e.findtext("code"), "description": e.findtext("description")} for e in root]


# --- discovery and services --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery(client, services, fmt):
    r = client.get(f"/open311/v2/discovery.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        d = r.json()
        ep = d["endpoints"][0]
    else:
        root = xml(r)
        assert root.tag == "discovery"
        assert {c.tag for c in root} == {"changeset", "contact", "key_service", "endpoints"}
        e = root.find("endpoints/endpoint")
        ep = {c.tag: c.text for c in e}
        ep["formats"] = [f.text for f in e.find("formats")]
        d = {"changeset": root.findtext("changeset")}
    assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ep["url"].endswith("/open311/v2/") and ep["type"] == "production"
    assert set(ep["formats"]) == {"text/xml", "application/json"}
    assert "+08:00" in d["changeset"]


def test_services_list_json_and_xml(client, services):
    r = client.get("/open311/v2/services.json")
    body = r.json()
    assert isinstance(body, list) and len(body) == 15
    garbage = next(s for s in body if s["service_code"] == "bl-garbage")
    assert set(garbage) == SERVICE_FIELDS
    assert garbage["service_name"] == "暴露垃圾" and garbage["metadata"] is True and garbage["type"] == "realtime"
    assert next(s for s in body if s["service_code"] == "bin-overflow")["metadata"] is False
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and len(root) == 15
    for s in root:
        assert s.tag == "service" and {c.tag for c in s} == SERVICE_FIELDS
    assert root.find("service/metadata").text in ("true", "false")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_service_definition_with_list_attributes(client, services, fmt):
    r = client.get(f"/open311/v2/services/street-vending.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        d = r.json()
        attr = d["attributes"][0]
        assert set(attr) == ATTRIBUTE_FIELDS
        assert attr["datatype"] == "multivaluelist" and attr["order"] == 1
        assert {"key": "night", "name": "夜间"} in attr["values"]
    else:
        root = xml(r)
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "street-vending"
        attr = root.find("attributes/attribute")
        assert {c.tag for c in attr} == ATTRIBUTE_FIELDS
        assert [v.findtext("key") for v in attr.find("values")] == ["morning", "noon", "evening", "night"]


def test_unknown_service_and_format(client, services):
    for fmt in ("json", "xml"):
        r = client.get(f"/open311/v2/services/nope.{fmt}")
        assert r.status_code == 404 and errors_of(r, fmt)[0]["code"] == "404"
    assert client.get("/open311/v2/services.csv").status_code == 404


# --- POST requests -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_creates_a_case_in_verification(client, services, key, fmt):
    r = post(client, key, fmt, email="resident@example.cn", phone="13800001111", first_name="小明", last_name="王")
    assert r.status_code == 201
    if fmt == "json":
        item = r.json()[0]
    else:
        root = xml(r)
        assert root.tag == "service_requests"
        item = {c.tag: (c.text or "") for c in root.find("request")}
    number = item["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.source == "public_api" and case.state == "reported"
    assert case.grid_code == "440699001001001" and case.category.minor_name == "暴露垃圾"
    assert case.contact_phone == "13800001111" and case.contact_name == "王小明"
    sr = case.service_request
    assert sr.attributes == {"amount": "small"} and sr.email == "resident@example.cn"
    assert RequestLog.objects.filter(api_key=sr.api_key, method="POST", status=201).exists()
    # Contact details never appear in GET responses.
    for f in ("json", "xml"):
        text = client.get(f"/open311/v2/requests/{number}.{f}").content.decode()
        assert "resident@example.cn" not in text and "13800001111" not in text and "小明" not in text


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    "fields, status, fragment",
    [
        ({"service_code": ""}, 400, "service_code is required"),
        ({"service_code": "nope"}, 404, "not a service"),
        ({"lat": "", "long": ""}, 400, "a location is required"),
        ({"lat": "abc"}, 400, "decimal degrees"),
        ({"lat": 30.0, "long": 100.0}, 400, "outside every jurisdiction"),
        ({"attribute[amount]": ""}, 400, "attribute[amount] is required"),
        ({"attribute[amount]": "huge"}, 400, "must be one of"),
        ({"attribute[colour]": "red"}, 400, "not an attribute"),
        ({"description": "x" * 4001}, 400, "longer than 4000"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"media_url": "http://evil.example.com/a.jpg"}, 400, "not accepted"),
        ({"api_key": ""}, 403, "api_key is required"),
        ({"api_key": "wrong"}, 403, "not valid"),
    ],
)
def test_post_errors_create_nothing(client, services, key, fmt, fields, status, fragment):
    r = post(client, key, fmt, **fields)
    assert r.status_code == status
    errs = errors_of(r, fmt)
    assert fragment in errs[0]["description"] and errs[0]["code"] == str(status)
    assert Case.objects.count() == 0 and ServiceRequest.objects.count() == 0


def test_number_datetime_and_multivalue_attributes(client, services, key):
    r = post(client, key, service_code="road-damage", **{"attribute[amount]": None, "attribute[size_m2]": "abc"})
    assert r.status_code == 400 and "must be a number" in r.json()[0]["description"]
    r = post(client, key, service_code="noise", **{"attribute[amount]": None, "attribute[observed_at]": "yesterday"})
    assert r.status_code == 400 and "observed_at" in r.json()[0]["description"]
    r = client.post("/open311/v2/requests.json", {
        "api_key": key, "service_code": "street-vending", "lat": Y0 + 0.001, "long": X0 + 0.001,
        "attribute[times][]": ["morning", "night"],
    })
    assert r.status_code == 201
    assert Case.objects.get().service_request.attributes == {"times": ["morning", "night"]}


def test_revoked_key_and_rate_limit(client, services, settings):
    key_obj, secret = api_key_issue(actor=None, name="limited", rate_per_minute=2)
    assert post(client, secret).status_code == 201
    assert post(client, secret).status_code == 201
    r = post(client, secret)
    assert r.status_code == 429 and "rate limit" in r.json()[0]["description"]
    api_key_revoke(actor=None, key=key_obj)
    assert post(client, secret).status_code == 403


def test_reads_with_a_key_are_logged_with_it_and_count_against_it(client, services):
    """Keys are optional on GET; a read that carries one is checked, counted
    in the key's window (not the IP's) and logged with the key."""
    key_obj, secret = api_key_issue(actor=None, name="街道 app", rate_per_minute=3)
    assert client.get("/open311/v2/services.json").status_code == 200
    assert not RequestLog.objects.exists()  # anonymous reads are limited per IP, not logged
    assert client.get("/open311/v2/services.json", {"api_key": secret}).status_code == 200
    assert client.get("/open311/v2/requests/999999.json", {"api_key": secret}).status_code == 404
    assert list(RequestLog.objects.order_by("id").values_list("api_key", "method", "status")) == [
        (key_obj.pk, "GET", 200),
        (key_obj.pk, "GET", 404),
    ]
    assert post(client, secret).status_code == 201
    assert client.get("/open311/v2/services.json", {"api_key": secret}).status_code == 429
    api_key_revoke(actor=None, key=key_obj)
    r = client.get("/open311/v2/services.json", {"api_key": secret})
    assert r.status_code == 403 and "not valid" in r.json()[0]["description"]
    assert client.get("/open311/v2/services.json", {"api_key": ""}).status_code == 200  # empty = absent


def test_rejected_requests_count_in_the_rate_window(client, services):
    """The window is counted before (and apart from) the request's own
    transaction: a flood of invalid requests is limited like valid ones."""
    _key, secret = api_key_issue(actor=None, name="sloppy", rate_per_minute=2)
    assert post(client, secret, service_code="no-such").status_code == 404
    assert post(client, secret, description="长" * 4001).status_code == 400
    assert post(client, secret).status_code == 429
    assert Case.objects.count() == 0 and ServiceRequest.objects.count() == 0
    assert list(RequestLog.objects.order_by("id").values_list("status", flat=True)) == [404, 400, 429]


def test_rate_windows_are_unlogged_on_postgresql_and_pruned_by_the_tick(db):
    """The counters commit without waiting for the disk (no WAL on PostgreSQL)
    and do not pile up: zhili tick drops windows over two hours old."""
    from django.db import connection

    from zhili.core.ticks import handlers
    from zhili.open311.actions import rate_check
    from zhili.open311.models import RateWindow

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [RateWindow._meta.db_table])
            assert cur.fetchone()[0] == "u"
    now = timezone.now().replace(minute=30)
    rate_check("ip:10.0.0.9", 100, now=now - timedelta(hours=3))
    rate_check("ip:10.0.0.9", 100, now=now - timedelta(minutes=80), per="hour")  # began 110 minutes ago
    rate_check("ip:10.0.0.9", 100, now=now)
    assert handlers()["open311.rate_windows"](now) == {"deleted": 1}
    assert RateWindow.objects.count() == 2


def test_service_changes_apply_to_the_next_request(client, services, key):
    """Service definitions are cached per process; any change is seen at once."""
    from zhili.open311.models import Service

    assert post(client, key).status_code == 201
    garbage = Service.objects.get(service_code="bl-garbage")
    garbage.active = False
    garbage.save()
    assert post(client, key).status_code == 404
    garbage.active = True
    garbage.save()
    assert post(client, key).status_code == 201
    amount = garbage.attributes.get(code="amount")
    amount.delete()
    garbage.save()  # what the admin's inline form does: the service is saved too
    r = post(client, key)
    assert r.status_code == 400 and "attribute[amount]" in r.json()[0]["description"]


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after a job
def test_batch_service_returns_a_token_that_resolves(client, services, key):
    r = post(client, key, service_code="other", **{"attribute[amount]": None, "attribute[details]": "路边有可疑物"})
    assert r.status_code == 201
    token = r.json()[0]["token"]
    assert Case.objects.count() == 0
    body = client.get(f"/open311/v2/tokens/{token}.json").json()
    assert body == [{"service_request_id": "", "token": token}]
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    body = client.get(f"/open311/v2/tokens/{token}.json").json()
    assert body[0]["service_request_id"] == Case.objects.get().number
    root = xml(client.get(f"/open311/v2/tokens/{token}.xml"))
    assert root.find("request/token").text == token
    assert client.get("/open311/v2/tokens/unknown.json").status_code == 404


# --- GET requests ------------------------------------------------------------------


def test_the_api_shows_the_moderated_text_never_the_original(client, services, key, people):
    """Description, status notes and update history carry what the public
    pages carry: the moderated text; the original stays with the case."""
    from zhili.open311.actions import report_moderate

    rid = post(client, key, description="井盖缺失，我的电话 13800000000").json()[0]["service_request_id"]
    everything = f"/open311/v2/requests.json?service_request_id={rid}&extensions=true"
    assert "13800000000" not in json.dumps(client.get(everything).json(), ensure_ascii=False)
    sr = ServiceRequest.objects.get(case__number=rid)
    report_moderate(actor=people["intake"], request=sr, decision="approved", public_text="井盖缺失")
    got = client.get(f"/open311/v2/requests/{rid}.json?extensions=true").json()[0]
    assert got["description"] == "井盖缺失" and "13800000000" not in json.dumps(got, ensure_ascii=False)
    assert [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()] == [rid]
    report_moderate(actor=people["intake"], request=sr, decision="hidden")
    assert client.get("/open311/v2/requests.json").json() == []
    assert client.get(f"/open311/v2/requests/{rid}.json").json()[0]["description"] == ""
    assert Case.objects.get(number=rid).description.endswith("13800000000")  # kept for staff


def test_get_requests_filters_and_windows(client, services, key):
    numbers = [post(client, key).json()[0]["service_request_id"] for _ in range(3)]
    vend = post(client, key, service_code="car-parking", **{"attribute[amount]": None}).json()[0]["service_request_id"]
    # Browsing shows moderated reports only (as the public pages do); by number
    # a report is found at once, its description withheld until moderated.
    assert client.get("/open311/v2/requests.json").json() == []
    mine = client.get(f"/open311/v2/requests.json?service_request_id={vend}").json()
    assert [(r["service_request_id"], r["description"]) for r in mine] == [(vend, "")]
    ServiceRequest.objects.update(moderation="approved")
    body = client.get("/open311/v2/requests.json").json()
    assert {r["service_request_id"] for r in body} == {*numbers, vend}
    assert all(set(r) == REQUEST_FIELDS for r in body)
    assert all(r["status"] == "open" and r["requested_datetime"].endswith("+08:00") for r in body)
    assert len(client.get("/open311/v2/requests.json?service_code=car-parking").json()) == 1
    # Empty parameters count as absent.
    assert len(client.get("/open311/v2/requests.json?service_code=&status=").json()) == 4
    assert len(client.get(f"/open311/v2/requests.json?service_request_id={numbers[0]},{vend}&service_code=bl-garbage").json()) == 2
    assert client.get("/open311/v2/requests.json?status=closed").json() == []
    assert len(client.get("/open311/v2/requests.json?status=open").json()) == 4
    past = (timezone.now() - timedelta(days=200)).date().isoformat()
    assert client.get(f"/open311/v2/requests.json?end_date={past}").json() == []
    page1 = client.get("/open311/v2/requests.json?page_size=3").json()
    page2 = client.get("/open311/v2/requests.json?page_size=3&page=2").json()
    assert len(page1) == 3 and len(page2) == 1
    root = xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests" and len(root) == 4
    for req in root:
        assert req.tag == "request" and {c.tag for c in req} == REQUEST_FIELDS


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("start_date=yesterday", "start_date is not a valid date"),
        ("start_date=2026-01-01&end_date=2025-01-01", "before start_date"),
        ("start_date=2025-01-01&end_date=2026-01-01", "at most 90 days"),
        ("status=pending", "status must be open"),
        ("page=0", "page must be"),
        ("page_size=5000", "page_size"),
        ("jurisdiction_id=nowhere", "jurisdiction_id nowhere"),
    ],
)
def test_get_requests_errors(client, services, query, fragment):
    r = client.get(f"/open311/v2/requests.json?{query}")
    assert r.status_code in (400, 404)
    assert fragment in r.json()[0]["description"]


def test_single_request_status_notes_agency_and_expected(client, services, key, people, rule, org):
    from zhili.cases import actions as A

    number = post(client, key).json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    A.case_accept(actor=people["intake"], case_id=case.pk, note="已受理")
    A.case_file(actor=people["lead"], case_id=case.pk, category=case.category)
    case = A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, unit=org["cgj"])
    body = client.get(f"/open311/v2/requests/{number}.json").json()
    assert len(body) == 1 and body[0]["agency_responsible"] == "区城管执法局"
    assert body[0]["status_notes"] == "已受理"
    assert body[0]["expected_datetime"].endswith("+08:00")
    ext = client.get(f"/open311/v2/requests/{number}.json?extensions=true").json()[0]
    assert ext["extended_status"] == "IN_PROGRESS"
    assert [u["status"] for u in ext["updates"]][-1] == "IN_PROGRESS"
    assert client.get("/open311/v2/requests/2099.json").status_code == 404


def test_jurisdictions(client, services, key):
    Jurisdiction.objects.create(jurisdiction_id="minghu.example.gov.cn", name="测试区", district_code="440699", is_default=True)
    Jurisdiction.objects.create(jurisdiction_id="other.example.gov.cn", name="其他区", district_code="440600")
    assert post(client, key, jurisdiction_id="minghu.example.gov.cn").status_code == 201
    ServiceRequest.objects.update(moderation="approved")
    r = post(client, key, jurisdiction_id="other.example.gov.cn")
    assert r.status_code == 400 and "outside jurisdiction" in r.json()[0]["description"]
    assert len(client.get("/open311/v2/requests.json?jurisdiction_id=minghu.example.gov.cn").json()) == 1
    assert client.get("/open311/v2/requests.json?jurisdiction_id=other.example.gov.cn").json() == []


# --- FixMyStreet updates ----------------------------------------------------------


def test_servicerequestupdates_get_and_post(client, services, key, people, rule, org):
    from zhili.cases import actions as A

    number = post(client, key).json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    A.case_accept(actor=people["intake"], case_id=case.pk, note="已受理")
    updates = client.get("/open311/v2/servicerequestupdates.json").json()
    assert [u["status"] for u in updates] == ["INVESTIGATING"]
    assert set(updates[0]) == {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}
    root = xml(client.get("/open311/v2/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates" and root[0].tag == "request_update"
    # A resident's comment on an open report.
    r = client.post("/open311/v2/servicerequestupdates.json", {"api_key": key, "service_request_id": number, "status": "OPEN", "description": "还没处理"})
    assert r.status_code == 201 and r.json()[0]["service_request_id"] == number
    assert case.events.filter(action="comment", note__contains="还没处理").exists()
    # Close it, then reopen through the API.
    A.case_file(actor=people["lead"], case_id=case.pk, category=case.category)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, unit=org["cgj"])
    A.case_feedback(actor=None, case_id=case.pk, note="已清理")
    A.case_check(actor=people["inspector"], case_id=case.pk, passed=True)
    A.case_close(actor=people["lead"], case_id=case.pk)
    assert client.get(f"/open311/v2/requests/{number}.json").json()[0]["status"] == "closed"
    r = client.post("/open311/v2/servicerequestupdates.json", {"api_key": key, "service_request_id": number, "status": "REOPEN", "description": "又有了"})
    assert r.status_code == 201
    case.refresh_from_db()
    assert case.state == "handling"
    for data, code in [({"service_request_id": "", "status": "OPEN"}, 400), ({"service_request_id": "nope", "status": "OPEN"}, 404), ({"service_request_id": number, "status": ""}, 400)]:
        r = client.post("/open311/v2/servicerequestupdates.json", {"api_key": key, **data})
        assert r.status_code == code
    assert client.post("/open311/v2/servicerequestupdates.json", {"service_request_id": number, "status": "OPEN"}).status_code == 403


def test_cli_keys_and_services(db, district, catalogue, capsys):
    call_command("open311", "load-services")
    assert "nothing saved" in capsys.readouterr().out
    call_command("open311", "load-services", "--commit")
    call_command("open311", "issue-key", "FixMyStreet")
    out = capsys.readouterr().out
    secret = out.strip().splitlines()[-1]
    key = ApiKey.objects.get(name="FixMyStreet")
    assert key.key_hash == ApiKey.hash(secret) and secret not in key.key_hash
    call_command("open311", "revoke-key", key.prefix)
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_report_in_a_year_without_calendar_data_is_refused_clearly(client, services, key, monkeypatch):
    """A deadline in a year nobody has entered cannot be counted: the caller
    is told why and what the administrator must do, and nothing is kept."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    later = datetime(2031, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: later)
    r = post(client, key)
    assert r.status_code == 400
    text = r.json()[0]["description"]
    assert "2031" in text and "zhili calendar load" in text
    assert Case.objects.count() == 0 and ServiceRequest.objects.count() == 0


def test_key_prefixes_never_read_as_options():
    assert not any(ApiKey.new_secret().startswith("-") for _ in range(2000))


def test_bad_services_file_is_refused_whole(db, catalogue, tmp_path):
    from django.core.exceptions import ValidationError

    path = tmp_path / "s.json"
    path.write_text(json.dumps({"services": [
        {"service_code": "a", "service_name": "A", "category": "event:06:010"},
        {"service_code": "b", "service_name": "B", "category": "event:99:999"},
        {"service_code": "c", "service_name": "C", "category": "event:06:010", "attributes": [{"code": "x", "datatype": "colour"}]},
    ]}), encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        services_load(actor=None, path=path)
    text = " ".join(exc.value.messages)
    assert "event:99:999" in text and "colour" in text
    from zhili.open311.models import Service

    assert not Service.objects.exists()
