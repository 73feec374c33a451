"""In a real browser: one case from an inspector's report on a phone to closure,
through the pages, by five demo personas each in their own browser context."""

from __future__ import annotations

import io

import pytest
import shapely
from PIL import Image

from tests.conftest import login
from zhili.demo.load import demo_password

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def test_a_case_from_report_to_closure(browser, live_server, demo_district):
    from zhili.accounts.models import OrgUnit
    from zhili.cases.actions_catalogue import catalogue_load_gbt
    from zhili.cases.models import Case, Catalogue, Category, DispatchRule

    if not Catalogue.objects.filter(is_default=True).exists():
        catalogue_load_gbt(actor=None)
    # 街面秩序 (09) goes to the city management bureau (区城管执法局).
    category = (
        Category.objects.filter(catalogue__is_default=True, kind="event", major_code="09")
        .order_by("code")
        .first()
    )
    unit = OrgUnit.objects.get(code="DEMO-CGJ")
    rule = DispatchRule.objects.filter(category=category, unit=unit).first()
    if rule is None:
        rule = DispatchRule.objects.create(
            category=category, area_code="", unit=unit, note="browser test"
        )
    grid = demo_district.grids[len(demo_district.grids) // 2]
    spot = shapely.Point(grid.polygon.representative_point())
    contexts = []

    def as_user(username: str, **options):
        context = browser.new_context(**({"viewport": {"width": 1280, "height": 800}} | options))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        login(page, live_server, username, demo_password(username))
        return page

    def open_case(page, number: str):
        page.goto(f"{live_server.url}/cases/{number}/")
        settled(page)

    def settled(page) -> None:
        # Photos load in parallel with the next click; on the test server's
        # shared in-memory SQLite, concurrent session writes can collide.
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")

    def submit(page, action: str, state: str) -> None:
        page.click(f"form[data-action={action}] button[type=submit]")
        page.wait_for_selector(f"#case-state[data-state={state}]")
        settled(page)

    try:
        # 1. The inspector reports on a phone, with the position from the device.
        inspector = as_user(
            "jiandu1",
            **PHONE,
            geolocation={"latitude": spot.y, "longitude": spot.x},
            permissions=["geolocation"],
        )
        inspector.goto(f"{live_server.url}/cases/new/")
        assert inspector.locator("input[type=file][capture=environment]").count() == 1
        inspector.fill("#category-search", category.minor_name)
        assert inspector.input_value("select[name=category]") == str(category.pk)
        inspector.fill("textarea[name=description]", "人行道上乱堆放杂物，影响通行")
        inspector.click("#locate")
        inspector.wait_for_function("document.querySelector('[name=lat]').value !== ''")
        assert float(inspector.input_value("[name=lon]")) == pytest.approx(spot.x, abs=1e-6)
        inspector.set_input_files(
            "input[type=file]",
            files=[{"name": "before.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}],
        )
        inspector.click("#submit-report")
        inspector.wait_for_selector("#case-state[data-state=reported]")
        case = Case.objects.get()
        assert inspector.url.endswith(f"/cases/{case.number}/")
        assert case.grid_code == grid.code and case.media.filter(phase="report").count() == 1

        # 2. Intake accepts it from the inbox.
        intake = as_user("shouli1")
        intake.goto(f"{live_server.url}/cases/")
        intake.click(f"tr[data-number='{case.number}'] a")
        intake.wait_for_selector("#case-state[data-state=reported]")
        settled(intake)
        submit(intake, "accept", "to_file")

        # 3. The shift lead files it.
        lead = as_user("zhiban1")
        lead.goto(f"{live_server.url}/cases/")
        assert lead.locator(f"tr[data-number='{case.number}']").count() == 1
        open_case(lead, case.number)
        submit(lead, "file", "to_dispatch")

        # 4. The dispatcher dispatches to the unit the responsibility list names.
        dispatcher = as_user("paiqian1")
        open_case(dispatcher, case.number)
        assert dispatcher.input_value(
            "form[data-action=dispatch] select[name=dispatch-unit]"
        ) == str(rule.unit.pk)
        submit(dispatcher, "dispatch", "handling")
        assert dispatcher.text_content("#case-unit") == rule.unit.name

        # 5. The handler, on a phone, reports the work done with a photo.
        handler = as_user("chuzhi.cgj1", **PHONE)
        handler.goto(f"{live_server.url}/cases/")
        handler.click(f"tr[data-number='{case.number}'] a")
        handler.wait_for_selector("#case-state[data-state=handling]")
        settled(handler)
        handler.fill("textarea[name=feedback-note]", "已清理完毕")
        handler.set_input_files(
            "input[name=feedback-photos]",
            files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}],
        )
        submit(handler, "feedback", "to_check")
        assert handler.locator(".photos img").count() == 2

        # 6. The inspector checks on site.
        open_case(inspector, case.number)
        inspector.check("input[name=check-passed][value=yes]")
        submit(inspector, "check", "to_close")

        # 7. The shift lead closes it.
        open_case(lead, case.number)
        submit(lead, "close", "closed")
        steps = lead.eval_on_selector_all(
            "#timeline li", "items => items.map(li => li.dataset.action)"
        )
        assert steps == ["report", "accept", "file", "dispatch", "feedback", "check_pass", "close"]
        for name in ("shouli1", "zhiban1", "paiqian1", "chuzhi.cgj1", "jiandu1"):
            person = next(p for p in demo_district.personas if p.username == name)
            assert person.display_name in lead.text_content("#timeline")
    finally:
        for context in contexts:
            context.close()
