"""In a real browser: a demo persona logs in, opens the grid map, clicks a grid."""

from __future__ import annotations

import pytest
import shapely

from tests.conftest import login
from zhili.demo.load import demo_password
from zhili.places.services import locate

pytestmark = pytest.mark.browser


def test_inspector_clicks_a_grid_and_sees_its_code(page, live_server, demo_district):
    inspector = next(p for p in demo_district.personas if p.role == "inspector")
    login(page, live_server, inspector.username, demo_password(inspector.username))
    page.goto(f"{live_server.url}/places/map/")
    # Chinese by default, whatever the browser's Accept-Language says.
    assert page.locator("h1", has_text="网格地图").is_visible()
    page.wait_for_function("document.getElementById('map').dataset.loaded === '1500'")

    # Aim at the inside of one grid of the urban street, far from its edges.
    grid = demo_district.grids[len(demo_district.grids) // 3]
    target = shapely.Point(grid.polygon.representative_point())
    page.evaluate(
        "([lat, lon]) => { window.zhiliGridMap.setView([lat, lon], 17, {animate: false}); }", [target.y, target.x]
    )
    page.wait_for_timeout(300)
    xy = page.evaluate(
        "([lat, lon]) => { const p = window.zhiliGridMap.latLngToContainerPoint([lat, lon]);"
        " const r = document.getElementById('map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [target.y, target.x],
    )
    page.mouse.click(xy[0], xy[1])
    page.wait_for_function("document.getElementById('gi-code').textContent.length === 15")
    assert page.text_content("#gi-code") == grid.code == locate(target.x, target.y).grid
    assert grid.community_code in page.text_content("#gi-community")
    community = next(c for c in demo_district.communities if c.code == grid.community_code)
    assert community.name in page.text_content("#gi-community")
