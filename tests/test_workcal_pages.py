"""The working calendar's pages, through HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhili.core.models import AuditEntry
from zhili.workcal import clock
from zhili.workcal.actions import calendar_year_enter
from zhili.workcal.models import CalendarYear

CSV_2027 = (
    "date,kind,name\n"
    "2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n"
    "2027-02-06,holiday,春节\n2027-02-07,holiday,春节\n2027-02-08,holiday,春节\n"
    "2027-01-30,workday,春节\n"
)


def upload(text: str, name: str = "2027.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_requires_login(client, db):
    r = client.get("/calendar/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_year_page_queries_do_not_grow(client, inspector_li, admin_qian):
    client.force_login(inspector_li)
    clock.default_calendar()  # a warm cache: what a page costs almost always
    before = _queries(client, "/calendar/?year=2026")
    for year in (2027, 2028, 2029):
        calendar_year_enter(
            actor=admin_qian, year=year, holidays=[(date(year, 1, 1), "元旦")], workdays=[]
        )
    clock.default_calendar()
    assert _queries(client, "/calendar/?year=2028") == before
    # The calendar's own share: the cache check and the list of entered years.
    assert before <= 12


def test_year_page_for_inspector(client, inspector_li):
    client.force_login(inspector_li)
    r = client.get("/calendar/?year=2026")
    assert r.status_code == 200
    page = r.content.decode()
    assert "工作日历" in page  # Chinese first
    assert "春节" in page and "国庆节" in page
    assert 'class="k-adjusted_workday"' in page  # 调休 Saturdays marked in the grid
    assert "2026-02-14 调休上班日" in page
    assert "2026-02-16 休息日" in page
    assert "08:30–12:00" in page and "14:00–17:30" in page
    assert "chinesecalendar 1.11.0" in page and "2004–2026" in page
    assert "/calendar/load/" not in page  # no management link for an inspector


def test_page_in_english(client, inspector_li):
    client.force_login(inspector_li)
    client.cookies["django_language"] = "en"  # the language switcher's cookie
    r = client.get("/calendar/?year=2026")
    page = r.content.decode()
    assert "Working calendar 2026" in page and "Office hours" in page


def test_year_without_data(client, inspector_li):
    client.force_login(inspector_li)
    r = client.get("/calendar/?year=2027")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'class="missing"' in page and "2027" in page
    assert 'class="k-unknown' in page
    # Nonsense years fall back to the current one instead of failing.
    assert client.get("/calendar/?year=abc").status_code == 200
    assert client.get("/calendar/?year=99999").status_code == 200


def test_resident_denied(client, resident_liu):
    client.force_login(resident_liu)
    assert client.get("/calendar/").status_code == 403


def test_compute_form(client, inspector_li):
    client.force_login(inspector_li)
    r = client.get(
        "/calendar/", {"start": "2026-02-13T16:00", "amount": "8", "unit": "working_hours"}
    )
    assert "2026-02-14 17:00" in r.content.decode()
    r = client.get(
        "/calendar/", {"start": "2026-02-13T10:00", "amount": "2", "unit": "working_days"}
    )
    assert "2026-02-24 10:00" in r.content.decode()
    r = client.get(
        "/calendar/", {"start": "2026-02-13T16:00", "amount": "24", "unit": "natural_hours"}
    )
    assert "2026-02-14 16:00" in r.content.decode()
    r = client.get(
        "/calendar/", {"start": "2026-12-30T10:00", "amount": "30", "unit": "working_hours"}
    )
    page = r.content.decode()
    assert r.status_code == 200 and 'class="errors"' in page and "2027" in page
    r = client.get(
        "/calendar/", {"start": "2026-02-13T10:00", "amount": "1.5", "unit": "working_days"}
    )
    assert 'class="errorlist' in r.content.decode()


def test_management_denied_to_inspector(client, inspector_li):
    client.force_login(inspector_li)
    assert client.get("/calendar/load/").status_code == 403
    r = client.post("/calendar/load/", {"year": 2027, "file": upload(CSV_2027), "complete": "on"})
    assert r.status_code == 403
    assert not CalendarYear.objects.exists()
    assert client.post("/calendar/years/2027/delete/").status_code == 403


def test_admin_enters_a_year(client, admin_qian):
    client.force_login(admin_qian)
    r = client.get("/calendar/")
    assert "/calendar/load/" in r.content.decode()
    assert client.get("/calendar/load/").status_code == 200
    r = client.post(
        "/calendar/load/",
        {"year": 2027, "file": upload(CSV_2027), "complete": "on", "source": "测试"},
    )
    assert r.status_code == 302 and r["Location"] == "/calendar/?year=2027"
    cy = CalendarYear.objects.get(year=2027)
    assert cy.complete and cy.created_by == admin_qian and cy.days.count() == 7
    assert AuditEntry.objects.filter(
        action="workcal.calendar_year_enter", actor=admin_qian
    ).exists()
    page = client.get("/calendar/?year=2027").content.decode()
    assert 'class="missing"' not in page and "2027-01-30 调休上班日" in page
    assert clock.is_working_day(date(2027, 1, 30))


def test_bad_csv_reported_and_nothing_saved(client, admin_qian):
    client.force_login(admin_qian)
    bad = CSV_2027 + "2027-02-31,holiday,春节\n2027-03-03,workday,春节\n"
    r = client.post("/calendar/load/", {"year": 2027, "file": upload(bad), "complete": "on"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "第9行" in page and "第10行" in page
    assert not CalendarYear.objects.exists() and not AuditEntry.objects.exists()
    # A year the library covers needs the override box.
    r = client.post(
        "/calendar/load/",
        {"year": 2026, "file": upload("date,kind,name\n2026-03-02,holiday,本地\n"), "complete": ""},
    )
    assert r.status_code == 400 and "chinesecalendar" in r.content.decode()
    assert not CalendarYear.objects.exists()


def test_admin_deletes_a_year(client, admin_qian):
    calendar_year_enter(
        actor=admin_qian, year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[]
    )
    client.force_login(admin_qian)
    r = client.post("/calendar/years/2027/delete/")
    assert r.status_code == 302
    assert not CalendarYear.objects.exists()
    assert client.get("/calendar/years/2027/delete/").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/admin/workcal/calendaryear/",
        "/admin/workcal/calendaryear/add/",
        "/admin/workcal/holidayday/",
    ],
)
def test_back_office(client, admin_qian, url):
    client.force_login(admin_qian)
    assert client.get(url).status_code == 200


def test_back_office_edit_is_audited(client, admin_qian):
    cy = calendar_year_enter(
        actor=admin_qian, year=2027, holidays=[(date(2027, 1, 1), "元旦")], workdays=[]
    )
    day = cy.days.get()
    client.force_login(admin_qian)
    data = {
        "year": 2027,
        "complete": "on",
        "source": "",
        "note": "",
        "days-TOTAL_FORMS": 2,
        "days-INITIAL_FORMS": 1,
        "days-MIN_NUM_FORMS": 0,
        "days-MAX_NUM_FORMS": 1000,
        "days-0-id": day.pk,
        "days-0-calendar_year": cy.pk,
        "days-0-date": "2027-01-01",
        "days-0-kind": "holiday",
        "days-0-name": "元旦",
        "days-1-calendar_year": cy.pk,
        "days-1-date": "2027-01-02",
        "days-1-kind": "holiday",
        "days-1-name": "元旦",
    }
    r = client.post(f"/admin/workcal/calendaryear/{cy.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert cy.days.count() == 2
    entry = AuditEntry.objects.get(action="workcal.admin_change")
    assert len(entry.before["holidays"]) == 1 and len(entry.after["holidays"]) == 2
    assert not clock.is_working_day(date(2027, 1, 2))
    # An adjusted working day on a weekday is refused by the model's check.
    data.update({"days-1-date": "2027-01-06", "days-1-kind": "workday", "days-INITIAL_FORMS": 2})
    data["days-1-id"] = cy.days.get(date=date(2027, 1, 2)).pk
    r = client.post(f"/admin/workcal/calendaryear/{cy.pk}/change/", data)
    assert r.status_code == 200 and not cy.days.filter(kind="workday").exists()


def test_back_office_add_checks_the_year(client, admin_qian):
    client.force_login(admin_qian)
    data = {
        "year": 2027,
        "complete": "on",
        "source": "",
        "note": "",
        "days-TOTAL_FORMS": 1,
        "days-INITIAL_FORMS": 0,
        "days-MIN_NUM_FORMS": 0,
        "days-MAX_NUM_FORMS": 1000,
        "days-0-date": "2028-01-01",
        "days-0-kind": "holiday",
        "days-0-name": "元旦",
    }
    r = client.post("/admin/workcal/calendaryear/add/", data)
    assert r.status_code == 200 and not CalendarYear.objects.exists()
    data["days-0-date"] = "2027-01-01"
    r = client.post("/admin/workcal/calendaryear/add/", data)
    assert r.status_code == 302
    cy = CalendarYear.objects.get(year=2027)
    assert cy.created_by == admin_qian and cy.days.count() == 1
    assert AuditEntry.objects.filter(action="workcal.admin_add").exists()
    assert clock.default_calendar().covers(2027)
