"""In a real browser: a resident files a report with a photo on the mobile page,
and the inspector of that grid finds it in his inbox once it is sent to verify."""

from __future__ import annotations

import io

import pytest
import shapely
from PIL import Image

from tests.conftest import login
from zhili.cases import actions as A
from zhili.cases.models import Case
from zhili.demo.load import demo_password
from zhili.open311.actions import services_load
from zhili.places.models import ResponsibilityGridMember, UnitGrid

pytestmark = pytest.mark.browser


def test_resident_report_reaches_the_inspector(browser, live_server, demo_district, tmp_path):
    services_load(actor=None)
    member = ResponsibilityGridMember.objects.filter(responsibility_grid__inspector__username="jiandu1").order_by("grid_code").first()
    point = shapely.Point(UnitGrid.objects.current().get(code=member.grid_code).geometry.representative_point())
    photo = tmp_path / "garbage.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 140, 90)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/report/")
    assert page.locator("h1", has_text="我要上报").is_visible()
    page.fill("#service-search", "垃圾")
    page.select_option("#id_service_code", "bl-garbage")
    page.check("input[name='attribute[amount]'][value='medium']")
    page.fill("#id_description", "小区东门外暴露垃圾，已有异味")
    page.set_input_files("#id_photos", str(photo))
    page.fill("#id_lat", f"{point.y:.7f}")
    page.fill("#id_long", f"{point.x:.7f}")
    page.click("button[type=submit]")
    page.wait_for_selector("#reference")
    number = page.text_content("#reference").strip()
    phone.close()

    case = Case.objects.get(number=number)
    assert case.grid_code == member.grid_code and case.media.count() == 1
    from zhili.accounts.models import User

    A.case_send_to_verify(actor=User.objects.get(username="shouli1"), case_id=case.pk)

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server, "jiandu1", demo_password("jiandu1"))
    page.goto(f"{live_server.url}/cases/")
    assert page.locator(f"text={number}").first.is_visible()
    desk.close()
