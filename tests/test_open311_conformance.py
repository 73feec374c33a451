"""GeoReport v2 conformance, over real HTTP against a live server.

Written from the specification (wiki.open311.org/GeoReport_v2), not from
another implementation.  Each XML response is checked against a structural
schema: the root element, the elements each container may hold and which are
required, and that dates carry a time zone.  JSON responses are checked for
the Spark convention (wrapper dropped, containers as arrays, identifiers as
strings).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from tests.fixtures_places import X0, Y0
from zhili.open311.actions import api_key_issue, services_load
from zhili.open311.models import ServiceRequest

pytestmark = pytest.mark.django_db(transaction=True)

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# element → (required children, optional children); "*" items repeat.
SCHEMA: dict[str, tuple[set[str], set[str]]] = {
    "discovery": ({"changeset", "contact", "key_service", "endpoints"}, set()),
    "endpoints": (set(), {"endpoint*"}),
    "endpoint": ({"specification", "url", "changeset", "type", "formats"}, set()),
    "formats": (set(), {"format*"}),
    "services": (set(), {"service*"}),
    "service": ({"service_code", "service_name", "metadata", "type"}, {"description", "keywords", "group"}),
    "service_definition": ({"service_code", "attributes"}, set()),
    "attributes": (set(), {"attribute*"}),
    "attribute": ({"variable", "code", "datatype", "required", "order", "description"}, {"datatype_description", "values"}),
    "values": (set(), {"value*"}),
    "value": ({"key", "name"}, set()),
    "service_requests": (set(), {"request*"}),
    "request": (set(), {
        "service_request_id", "token", "service_notice", "account_id", "status", "status_notes", "service_name",
        "service_code", "description", "agency_responsible", "requested_datetime", "updated_datetime",
        "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    }),
    "service_request_updates": (set(), {"request_update*"}),
    "request_update": ({"update_id", "service_request_id"}, {"status", "updated_datetime", "description", "media_url"}),
    "errors": (set(), {"error*"}),
    "error": ({"code", "description"}, set()),
}
DATE_FIELDS = {"requested_datetime", "updated_datetime", "expected_datetime", "changeset"}
BOOL_FIELDS = {"metadata", "variable", "required"}


def check_xml(element: ET.Element) -> None:
    if element.tag not in SCHEMA:
        if element.tag in DATE_FIELDS and element.text:
            assert DATE_RE.match(element.text), f"{element.tag} without a time zone: {element.text}"
        if element.tag in BOOL_FIELDS:
            assert element.text in ("true", "false"), f"{element.tag}={element.text!r}"
        assert len(element) == 0, f"unexpected children in <{element.tag}>"
        return
    required, optional = SCHEMA[element.tag]
    allowed = {n.rstrip("*") for n in required | optional}
    repeating = {n.rstrip("*") for n in optional if n.endswith("*")}
    tags = [child.tag for child in element]
    assert set(tags) <= allowed, f"<{element.tag}> holds unexpected {set(tags) - allowed}"
    assert required <= set(tags), f"<{element.tag}> misses {required - set(tags)}"
    for tag in set(tags) - repeating:
        assert tags.count(tag) == 1, f"<{element.tag}> repeats <{tag}>"
    for child in element:
        check_xml(child)


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/open311/v2/"

    def call(self, method: str, path: str, params: dict | None = None):
        url = self.base + path
        data = None
        headers = {}
        if method == "GET" and params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        elif method == "POST":
            data = urllib.parse.urlencode(params or {}, doseq=True).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                return resp.status, resp.headers.get("Content-Type"), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type"), err.read()

    def xml(self, method, path, params=None, status=200):
        code, ctype, body = self.call(method, path + ".xml", params)
        assert code == status, body.decode()
        assert ctype == "text/xml; charset=utf-8"
        assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        root = ET.fromstring(body)
        check_xml(root)
        return root

    def json(self, method, path, params=None, status=200):
        code, ctype, body = self.call(method, path + ".json", params)
        assert code == status, body.decode()
        assert ctype == "application/json; charset=utf-8"
        return json.loads(body.decode("utf-8"))


@pytest.fixture
def server(live_server, district, catalogue):
    services_load(actor=None)
    _key, secret = api_key_issue(actor=None, name="conformance")
    return Client(live_server.url), secret


def new_request(c: Client, key: str, fmt: str = "json", **extra):
    params = {"api_key": key, "service_code": "bl-garbage", "lat": Y0 + 0.002, "long": X0 + 0.002,
              "description": "conformance 测试", "attribute[amount]": "medium", **extra}
    return getattr(c, fmt)("POST", "requests", params, status=201)


def test_discovery_and_services(server):
    c, _key = server
    root = c.xml("GET", "discovery")
    assert root.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
    d = c.json("GET", "discovery")
    assert isinstance(d["endpoints"], list) and isinstance(d["endpoints"][0]["formats"], list)
    services = c.json("GET", "services")
    assert isinstance(services, list) and all(isinstance(s["service_code"], str) for s in services)
    assert {s.tag for s in c.xml("GET", "services")} == {"service"}
    for s in services:
        if s["metadata"]:
            definition = c.json("GET", f"services/{s['service_code']}")
            assert definition["service_code"] == s["service_code"]
            orders = [a["order"] for a in definition["attributes"]]
            assert len(orders) == len(set(orders)) and all(o > 0 for o in orders)
            c.xml("GET", f"services/{s['service_code']}")


def test_post_get_and_token_round_trip(server):
    c, key = server
    rid = new_request(c, key)[0]["service_request_id"]
    assert isinstance(rid, str)
    root = new_request(c, key, "xml")
    rid2 = root.find("request/service_request_id").text
    listed = c.json("GET", "requests", {"service_request_id": f"{rid},{rid2}"})
    assert {r["service_request_id"] for r in listed} == {rid, rid2}
    single = c.json("GET", f"requests/{rid}")
    assert isinstance(single, list) and len(single) == 1 and single[0]["status"] == "open"
    assert DATE_RE.match(single[0]["requested_datetime"])
    c.xml("GET", f"requests/{rid}")
    c.xml("GET", "requests", {"status": "open", "start_date": "", "service_code": ""})
    token = c.json("POST", "requests", {"api_key": key, "service_code": "other", "address_string": "明湖路1号",
                                        "attribute[details]": "描述"}, status=201)[0]["token"]
    assert c.json("GET", f"tokens/{token}") == [{"service_request_id": "", "token": token}]
    c.xml("GET", f"tokens/{token}")
    c.xml("GET", "servicerequestupdates")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_error_statuses_and_format(server, fmt):
    c, key = server
    cases = [
        ("GET", "services/unknown", {}, 404),
        ("GET", "requests/0", {}, 404),
        ("GET", "tokens/unknown", {}, 404),
        ("GET", "requests", {"start_date": "not-a-date"}, 400),
        ("GET", "requests", {"jurisdiction_id": "elsewhere"}, 404),
        ("POST", "requests", {"service_code": "bl-garbage", "lat": Y0, "long": X0}, 403),
        ("POST", "requests", {"api_key": "bad", "service_code": "bl-garbage"}, 403),
        ("POST", "requests", {"api_key": key}, 400),
        ("POST", "requests", {"api_key": key, "service_code": "bl-garbage", "lat": Y0 + 0.002, "long": X0 + 0.002}, 400),
        ("POST", "requests", {"api_key": key, "service_code": "bl-garbage", "attribute[amount]": "small"}, 400),
    ]
    for method, path, params, status in cases:
        if fmt == "xml":
            root = c.xml(method, path, params, status=status)
            assert root.tag == "errors" and root.find("error/description").text
        else:
            body = c.json(method, path, params, status=status)
            assert isinstance(body, list) and body[0]["code"] == str(status) and body[0]["description"]


def test_utf8_round_trip(server):
    c, key = server
    rid = new_request(c, key, description="井盖缺失——危险！①")[0]["service_request_id"]
    # The public description is the moderated text: none before moderation.
    assert c.json("GET", f"requests/{rid}")[0]["description"] == ""
    ServiceRequest.objects.filter(case__number=rid).update(moderation="approved")
    assert c.json("GET", f"requests/{rid}")[0]["description"] == "井盖缺失——危险！①"
    root = c.xml("GET", f"requests/{rid}")
    assert root.find("request/description").text == "井盖缺失——危险！①"
