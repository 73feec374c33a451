"""In a real browser: the supervision group imports the Gaoming plan through the
page, assigns a unit to a task, the unit files a report and the task's warning
turns from red to green."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.browser

GAOMING = Path(__file__).parent / "data" / "plans" / "gaoming.txt"


@pytest.mark.django_db(transaction=True)
def test_import_assign_report_and_see_the_colour_change(page, live_server, make_user, org):
    office = make_user(
        "sun.zhiliban", "office_staff", org_unit=org["office"], first_name="孙治理办"
    )
    unit = make_user("wu.zhujian", "handler", org_unit=org["zjj"], first_name="吴住建")

    # 1. The supervision group imports the plan: a preview first, then saved.
    login(page, live_server, office.username, PASSWORD)
    page.goto(f"{live_server.url}/plans/import/")
    page.set_input_files("#id_file", str(GAOMING))
    page.click("#preview-button")
    page.wait_for_selector("#preview")
    assert "规划建设科学化" in page.text_content("#preview")
    assert page.text_content("#preview-count").strip() == "93"
    page.click("#confirm-button")
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    plan_url = page.url
    assert "佛山市高明区城市治理三年行动计划" in page.text_content("h1")

    # The plan ran to 2019: every tracked task is red.
    row = page.locator('li[data-code="3.1.4"] > .row')
    assert row.get_attribute("data-colour") == "red"

    # 2. It assigns 区住建局 to task 3.1.4 (深入推进城市更新三年行动计划).
    row.locator("a").first.click()
    page.wait_for_selector("#assign-form")
    node_url = page.url
    assert page.get_attribute("#node-colour .badge", "data-colour") == "red"
    page.select_option("#id_unit", label="区住建局")
    page.click("#assign-submit")
    page.wait_for_load_state()
    assert "区住建局" in page.text_content("#units")

    # 3. The unit logs in and files its report: done, with a figure and a photo.
    page.context.clear_cookies()
    login(page, live_server, unit.username, PASSWORD)
    page.goto(node_url)
    page.fill("#id_text", "沿江路以东旧区改造、三洲旧区改造已完成验收。")
    page.fill("#id_progress", "100")
    page.fill("#id_figures", "完成投资（万元）: 5200")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "验收照片.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n"}],
    )
    page.click("#report-submit")
    page.wait_for_load_state()

    # 4. The colour changes: the task is green; its work area stays red (the others are late).
    assert page.get_attribute("#node-colour .badge", "data-colour") == "green"
    assert "100%" in page.text_content("#node-status")
    page.goto(plan_url)
    assert page.locator('li[data-code="3.1.4"] > .row').get_attribute("data-colour") == "green"
    assert page.locator('li[data-code="3.1"] > .row').get_attribute("data-colour") == "red"
    assert "25%" in page.locator('li[data-code="3.1"] > .row').text_content()
