"""In a real browser, on the demo district: run a coverage analysis, watch its
progress, see the map and the per-community table; then close a facility
from the map as a what-if."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.conftest import login
from zhili.access.models import Analysis
from zhili.access.permissions import grant_suggested_permissions
from zhili.demo.load import demo_password

pytestmark = pytest.mark.browser


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_office_staff_runs_coverage_on_the_demo(page, live_server, demo_district):
    grant_suggested_permissions()
    staff = next(p for p in demo_district.personas if p.role == "office_staff")
    login(page, live_server, staff.username, demo_password(staff.username))
    page.goto(f"{live_server.url}/access/")
    # Chinese by default.
    assert page.locator("h1", has_text="十分钟服务圈").is_visible()
    # The demo's network and population are there out of the box.
    assert "440699-walk-network" in page.text_content("#datasets")
    assert "440699-population" in page.text_content("#datasets")
    # Volunteer stations, posts and points are ticked by default.
    assert page.is_checked("input[name=facility_kinds][value=volunteer_station]")
    before = set(Analysis.objects.values_list("pk", flat=True))
    page.fill("input[name=minutes]", "10")
    page.fill("input[name=speed_kmh]", "4.5")
    page.click("#run-analysis")
    page.wait_for_selector("#analysis-progress")
    assert "后台" in page.text_content("#analysis-state")  # waiting for the worker
    run_worker()
    # The progress page follows the run and opens the results by itself.
    page.wait_for_selector("#community-table", timeout=30_000)
    a = Analysis.objects.exclude(pk__in=before).get()
    assert a.status == "done"
    expected = sum(1 for f in demo_district.facilities if f.kind.startswith("volunteer"))
    page.wait_for_function(f"document.getElementById('map').dataset.loaded === '{expected}'", timeout=45_000)
    assert int(page.evaluate("document.getElementById('map').dataset.points")) == len(
        demo_district.population_points
    )
    # Covered and uncovered residents, the service area and facilities are drawn.
    drawn = page.evaluate(
        "() => { let n = 0; window.zhiliServiceMap.eachLayer(() => n++); return n; }"
    )
    assert drawn > len(demo_district.population_points)
    rows = page.locator("#community-table tbody tr")
    assert rows.count() == len(demo_district.communities)
    first = demo_district.communities[0]
    assert first.name in page.text_content("#community-table")
    assert f"{a.summary['covered_pct']}%" in page.text_content("#coverage-figure")
    assert page.locator("#chart svg rect").count() == len(demo_district.communities)
    assert page.get_attribute("#export-xlsx", "href").endswith("/export.xlsx")

    # What-if: click the first volunteer station on the map and close it.
    station = next(f for f in a.facilities if f["kind"] == "volunteer_station")
    page.evaluate(
        "([lat, lon]) => { window.zhiliServiceMap.setView([lat, lon], 18, {animate: false}); }",
        [station["lat"], station["lon"]],
    )
    page.wait_for_timeout(300)
    xy = page.evaluate(
        "([lat, lon]) => { const p = window.zhiliServiceMap.latLngToContainerPoint([lat, lon]);"
        " const r = document.getElementById('map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [station["lat"], station["lon"]],
    )
    page.mouse.click(xy[0], xy[1])
    page.wait_for_selector(".leaflet-popup .wi-close")
    assert station["name"] in page.text_content(".leaflet-popup")
    page.click(".leaflet-popup .wi-close")
    page.wait_for_selector("#analysis-progress")
    run_worker()
    page.wait_for_selector("#whatif-result", timeout=30_000)
    variant = Analysis.objects.exclude(pk__in=before | {a.pk}).get()
    assert variant.base_id == a.pk and variant.changes == [
        {"op": "close", "code": station["code"], "name": station["name"]}
    ]
    assert variant.summary["covered"] <= a.summary["covered"]
    assert station["name"] in page.text_content("#whatif-result")
