"""The resident pages: report (with and without JavaScript), follow, me too, reopen, moderation."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.fixtures_places import X0, Y0
from zhili.cases.models import Case, CaseMedia
from zhili.open311.actions import services_load
from zhili.places.coords import wgs84_to_gcj02

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def services(district, catalogue):
    services_load(actor=None)


def jpeg(size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buf, "JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def form(**kw):
    data = {"service_code": "bl-garbage", "attribute[amount]": "small", "description": "楼下垃圾没人清",
            "lat": f"{Y0 + 0.001}", "long": f"{X0 + 0.001}", "datum": "wgs84", "contact_phone": "13900000000"}
    data.update(kw)
    return data


def test_report_page_renders_without_login(client, services):
    r = client.get("/report/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'name="lat"' in page and 'capture="environment"' in page and "暴露垃圾" in page
    assert client.get("/report/outline.json").json()["features"][0]["properties"]["name"] == "测试街道"


def test_plain_form_post_creates_case_with_photo(client, services):
    r = client.post("/report/", {**form(), "photos": jpeg()})
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == f"/report/done/{case.number}/"
    assert case.source == "resident" and case.grid_code == "440699001001001"
    assert CaseMedia.objects.filter(case=case, phase="report").count() == 1
    assert case.number in client.get(r["Location"]).content.decode()
    assert case.contact_phone == "13900000000"


def test_gcj02_position_is_converted(client, services):
    lon, lat = wgs84_to_gcj02(X0 + 0.001, Y0 + 0.001)
    r = client.post("/report/", form(lat=f"{float(lat):.7f}", long=f"{float(lon):.7f}", datum="gcj02"))
    assert r.status_code == 302
    case = Case.objects.get()
    assert abs(case.lon - (X0 + 0.001)) < 1e-6 and case.grid_code == "440699001001001"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"lat": "", "long": "", "address_string": ""}, "a location is required"),
        ({"attribute[amount]": ""}, "attribute[amount] is required"),
        ({"lat": "30", "long": "100"}, "outside every jurisdiction"),
    ],
)
def test_bad_reports_show_the_error_and_keep_the_text(client, services, changes, message):
    r = client.post("/report/", form(**changes))
    assert r.status_code == 400
    page = r.content.decode()
    assert message in page and "楼下垃圾没人清" in page
    assert not Case.objects.exists()


def test_fake_photo_is_refused_and_nothing_saved(client, services):
    fake = SimpleUploadedFile("p.jpg", b"this is not an image", content_type="image/jpeg")
    r = client.post("/report/", {**form(), "photos": fake})
    assert r.status_code == 400 and not Case.objects.exists()


def test_rate_limit_per_device(client, services, settings):
    settings.ZHILI_REPORTS_PER_HOUR_DEVICE = 2
    assert client.post("/report/", form()).status_code == 302
    assert client.post("/report/", form()).status_code == 302
    r = client.post("/report/", form())
    assert r.status_code == 400 and "rate limit" in r.content.decode()


def test_lookup_support_and_reopen(client, services, people, org):
    from zhili.cases import actions as A

    client.post("/report/", form())
    case = Case.objects.get()
    page = client.get(f"/report/lookup/?number={case.number}").content.decode()
    assert "open" in page and "楼下垃圾没人清" not in page  # not public until moderated
    client.post(f"/report/{case.number}/support/")
    client.post(f"/report/{case.number}/support/")  # same device: counted once
    case.refresh_from_db()
    assert case.support_count == 1
    assert "No report has the number" in client.get("/report/lookup/?number=123").content.decode()
    # Through the workflow to closure, then the resident reopens.
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=case.category)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, unit=org["cgj"])
    A.case_feedback(actor=None, case_id=case.pk, note="已清理")
    A.case_check(actor=people["inspector"], case_id=case.pk, passed=True)
    A.case_close(actor=people["lead"], case_id=case.pk)
    # The progress shows each step by its name (in the page's language) and its public note.
    page = client.get(f"/report/lookup/?number={case.number}").content.decode()
    assert "Close" in page and "已清理" in page and "send_to_verify" not in page and "· close<" not in page
    r = client.post(f"/report/{case.number}/reopen/", {"reason": "又堆满了"}, follow=True)
    assert "reopened" in r.content.decode()
    case.refresh_from_db()
    assert case.state == "handling"


def test_moderation_keeps_original_and_publishes_edit(client, services, intake_wang, inspector_li):
    client.post("/report/", form(description="楼下垃圾没人清，物业电话 13911112222"))
    case = Case.objects.get()
    sr = case.service_request
    client.force_login(inspector_li)
    assert client.get("/report/moderation/").status_code == 404
    client.force_login(intake_wang)
    assert case.number in client.get("/report/moderation/").content.decode()
    client.post("/report/moderation/", {"request": sr.pk, "decision": "approved", "public_text": "楼下垃圾没人清"})
    sr.refresh_from_db()
    case.refresh_from_db()
    assert sr.moderation == "approved" and sr.public_text == "楼下垃圾没人清"
    assert "13911112222" in case.description  # the original is kept
    client.logout()
    page = client.get(f"/report/lookup/?number={case.number}").content.decode()
    assert "楼下垃圾没人清" in page and "13911112222" not in page
    near = client.get(f"/report/nearby/?lat={Y0 + 0.001}&long={X0 + 0.0012}").content.decode()
    assert case.number in near
