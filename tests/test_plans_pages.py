"""The plan pages through HTTP: who sees what, forms, exports, the public page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from tests.test_plans_actions import ROWS, project_sheet
from zhili.plans import actions
from zhili.plans.domain import period_of
from zhili.plans.models import NodeUnit, Plan, PlanNode, ProgressReport, SupervisionNotice

GAOMING = Path(__file__).parent / "data" / "plans" / "gaoming.txt"


@pytest.fixture
def plan(office_sun) -> Plan:
    return actions.plan_import(actor=office_sun, path_or_text=GAOMING, commit=True).plan


@pytest.fixture
def zjj_handler(make_user, org):
    return make_user("wu.zhujian", "handler", org_unit=org["zjj"], first_name="吴住建")


@pytest.fixture
def leaf(plan, office_sun, org) -> PlanNode:
    n = PlanNode.objects.get(plan=plan, code="3.1.4")
    actions.node_assign_unit(actor=office_sun, node=n, unit=org["zjj"])
    return n


def page(client, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode() if status == 200 else ""


def test_login_required_and_residents_kept_out(client, resident_liu, plan):
    r = client.get("/plans/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    client.force_login(resident_liu)
    for url in ("/plans/", f"/plans/{plan.pk}/", "/plans/due/", "/plans/import/"):
        page(client, url, 404)


def test_index_in_chinese(client, office_sun, plan):
    client.force_login(office_sun)
    html = page(client, "/plans/")
    assert (
        "导入计划" in html
        and "红灯" in html
        and "实施中" in html
        and "佛山市高明区城市治理三年行动计划" in html
    )


def test_import_preview_then_confirm(client, office_sun, org, english):
    client.force_login(office_sun)
    assert "Import a plan" in page(client, "/plans/import/")
    upload = SimpleUploadedFile("gaoming.txt", GAOMING.read_bytes(), content_type="text/plain")
    r = client.post("/plans/import/", {"step": "preview", "file": upload})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="preview"' in html
    assert (
        "规划建设科学化" in html
        and "明府字〔2017〕37号" in html
        and "区城市治理工作领导小组" in html
    )
    assert Plan.objects.count() == 0  # nothing saved by the preview
    assert 'type="date" name="start" value="2017-08-07"' in html  # ISO, whatever the language
    form = r.context["confirm"]
    data = {name: field.value() for name, field in ((f.name, f) for f in form)}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(step="confirm", start="2017-08-07", end="2019-12-31", unit_1=str(org["office"].pk))
    r = client.post("/plans/import/", data)
    plan = Plan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/plans/{plan.pk}/"
    assert plan.nodes.count() == 93
    # The reviewer matched 领导小组办公室 to the office on the preview.
    assert NodeUnit.objects.get(unit=org["office"]).node.code == "4.1"


def test_import_errors_are_shown(client, office_sun, english):
    client.force_login(office_sun)
    r = client.post("/plans/import/", {"step": "preview", "text": "没有任何编号的一段话。"})
    assert r.status_code == 200 and "No numbered outline" in r.content.decode()
    assert Plan.objects.count() == 0


def test_only_the_supervision_group_imports(client, handler_chen, leader_zhou):
    for user in (handler_chen, leader_zhou):
        client.force_login(user)
        page(client, "/plans/import/", 404)


def test_plan_tree_with_colours_and_constant_queries(client, office_sun, plan):
    client.force_login(office_sun)
    html = page(client, f"/plans/{plan.pk}/")
    assert 'data-code="3.1.4"' in html and 'class="badge c-red"' in html
    assert "区城市治理工作领导小组" in html  # unmatched names offered for review
    red_only = page(client, f"/plans/{plan.pk}/?only=grey")
    assert 'data-code="1"' in red_only and 'data-code="3.1.4"' not in red_only

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(client, f"/plans/{plan.pk}/")
        return len(ctx)

    before = count()
    actions.projects_import_xlsx(actor=office_sun, plan=plan, file=project_sheet(ROWS), commit=True)
    assert count() == before <= 15


def test_a_unit_sees_its_nodes_only(client, plan, leaf, zjj_handler, handler_chen):
    client.force_login(zjj_handler)
    html = page(client, f"/plans/{plan.pk}/")
    assert f'href="/plans/node/{leaf.pk}/"' in html
    other = PlanNode.objects.get(plan=plan, code="3.2.1")
    assert f'href="/plans/node/{other.pk}/"' not in html
    assert 'id="report-form"' in page(client, f"/plans/node/{leaf.pk}/")
    page(client, f"/plans/node/{other.pk}/", 404)
    client.force_login(handler_chen)  # 城管执法局: nothing assigned
    page(client, f"/plans/{plan.pk}/", 404)
    page(client, f"/plans/node/{leaf.pk}/", 404)


def test_leader_reads_but_does_not_change(client, plan, leaf, leader_zhou, org):
    client.force_login(leader_zhou)
    html = page(client, f"/plans/node/{leaf.pk}/")
    assert 'id="assign-form"' not in html and 'id="report-form"' not in html
    r = client.post(f"/plans/node/{leaf.pk}/assign/", {"unit": org["cgj"].pk, "role": "lead"})
    assert r.status_code == 403
    assert not NodeUnit.objects.filter(unit=org["cgj"]).exists()


def test_assign_report_review_through_pages(client, plan, office_sun, zjj_handler, org, english):
    node = PlanNode.objects.get(plan=plan, code="3.1.3")
    client.force_login(office_sun)
    html = page(client, f"/plans/node/{node.pk}/")
    assert 'id="assign-form"' in html and 'data-colour="red"' in html
    r = client.post(f"/plans/node/{node.pk}/assign/", {"unit": org["zjj"].pk, "role": "lead"})
    assert r.status_code == 302
    client.force_login(zjj_handler)
    item = PlanNode.objects.get(plan=plan, code="3.1.3.1")  # 一是: a leaf under 3.1.3
    photo = SimpleUploadedFile("照片.png", b"\x89PNG data", content_type="image/png")
    r = client.post(
        f"/plans/node/{item.pk}/report/",
        {"period": period_of(timezone.localdate(), "monthly").key, "text": "中心城区配套完成", "progress": "100",
         "figures": "完成投资（万元）: 1,200\n说明: 已验收", "attachments": [photo]},
    )  # fmt: skip
    assert r.status_code == 302
    report = ProgressReport.objects.get()
    assert (
        report.figures == {"完成投资（万元）": 1200, "说明": "已验收"}
        and report.attachments.count() == 1
    )
    html = page(client, f"/plans/node/{item.pk}/")
    assert 'data-colour="green"' in html and "Report filed." in html
    # The supervision group reviews it.
    client.force_login(office_sun)
    assert f'href="/plans/reports/{report.pk}/"' in page(client, "/plans/reports/")
    r = client.post(
        f"/plans/reports/{report.pk}/", {"decision": "accept", "mark": "85", "comment": "好"}
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.quality_mark) == ("accepted", 85)
    att = report.attachments.get()
    r = client.get(f"/plans/attachments/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"\x89PNG data"


def test_report_form_errors_are_shown(client, plan, leaf, zjj_handler, english):
    client.force_login(zjj_handler)
    r = client.post(
        f"/plans/node/{leaf.pk}/report/", {"period": "2000-01", "text": ""}, follow=True
    )
    assert r.status_code == 200 and ProgressReport.objects.count() == 0
    assert 'class="error"' in r.content.decode()


def test_attachments_are_not_for_other_units(client, plan, leaf, zjj_handler, handler_chen):
    report = actions.progress_report_file(
        actor=zjj_handler, node=leaf, text="x", files=[SimpleUploadedFile("a.txt", b"secret")]
    )
    client.force_login(handler_chen)
    page(client, f"/plans/attachments/{report.attachments.get().pk}/", 404)
    page(client, f"/plans/reports/{report.pk}/", 404)


def test_notices_through_pages(client, plan, leaf, office_sun, zjj_handler, org, english):
    client.force_login(office_sun)
    r = client.post(
        f"/plans/node/{leaf.pk}/notice/",
        {
            "unit": org["zjj"].pk,
            "subject": "加快进度",
            "text": "请于五个工作日内报送。",
            "working_days": 5,
        },
    )
    notice = SupervisionNotice.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/plans/notices/{notice.pk}/"
    client.force_login(zjj_handler)
    assert notice.number in page(client, "/plans/notices/")
    assert 'id="respond-form"' in page(client, f"/plans/notices/{notice.pk}/")
    client.post(f"/plans/notices/{notice.pk}/", {"action": "respond", "text": "已加快。"})
    r = client.post(f"/plans/notices/{notice.pk}/", {"action": "escalate"})
    assert r.status_code == 403
    client.force_login(office_sun)
    client.post(f"/plans/notices/{notice.pk}/", {"action": "escalate", "note": "答复不实"})
    notice.refresh_from_db()
    assert (notice.status, notice.level) == ("open", 2)
    html = page(client, f"/plans/notices/{notice.pk}/")
    assert "Escalated" in html and "Key supervision" in html


def test_due_list_per_unit(client, plan, leaf, office_sun, zjj_handler, org, english):
    client.force_login(zjj_handler)
    html = page(client, "/plans/due/")
    assert 'data-unit="区住建局"' in html and "overdue" in html  # the plan ended in 2019
    client.force_login(office_sun)
    html = page(client, f"/plans/due/?unit={org['cgj'].pk}")
    assert 'id="nothing-due"' in html
    assert 'data-unit="区住建局"' in page(client, "/plans/due/")


def test_assessment_page_and_excel(client, plan, leaf, leader_zhou, zjj_handler):
    client.force_login(leader_zhou)
    html = page(client, f"/plans/{plan.pk}/assessment/?start=2017-08-07&end=2019-12-31")
    assert 'id="ranking"' in html and "区住建局" in html
    r = client.get(f"/plans/{plan.pk}/assessment/?start=2017-08-07&end=2019-12-31&format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(r.content)).active["B6"].value == "区住建局"
    client.force_login(zjj_handler)
    page(client, f"/plans/{plan.pk}/assessment/", 404)


def test_leaders_view_has_a_chart(client, plan, leaf, leader_zhou, zjj_handler):
    actions.progress_report_file(actor=zjj_handler, node=leaf, text="x", progress=50)
    client.force_login(leader_zhou)
    html = page(client, f"/plans/{plan.pk}/leaders/")
    assert "<svg" in html and 'id="areas-chart"' in html and "规划建设科学化" in html
    assert "<script" not in html.split("<main")[1]  # drawn on the server, no script
    client.force_login(zjj_handler)
    page(client, f"/plans/{plan.pk}/leaders/", 404)


def test_project_table_pages(client, plan, office_sun, english):
    client.force_login(office_sun)
    r = client.post(
        f"/plans/{plan.pk}/projects/import/",
        {"file": SimpleUploadedFile("p.xlsx", project_sheet(ROWS)), "commit": ""},
    )
    assert (
        'id="import-check"' in r.content.decode()
        and not PlanNode.objects.filter(kind="project").exists()
    )
    bad = project_sheet([["GM-9", "x", "9.9"]])
    r = client.post(
        f"/plans/{plan.pk}/projects/import/",
        {"file": SimpleUploadedFile("p.xlsx", bad), "commit": "on"},
    )
    assert "9.9" in r.content.decode() and "Nothing was saved." in r.content.decode()
    r = client.post(
        f"/plans/{plan.pk}/projects/import/",
        {"file": SimpleUploadedFile("p.xlsx", project_sheet(ROWS)), "commit": "on"},
    )
    assert r.status_code == 302 and PlanNode.objects.filter(kind="project").count() == 2
    r = client.get(f"/plans/{plan.pk}/projects/export/")
    assert load_workbook(io.BytesIO(r.content)).active["A2"].value == "GM-001"


def test_public_page_without_login(client, plan, leaf, office_sun, zjj_handler):
    actions.node_update(actor=office_sun, node=leaf, internal_note="内部：领导批示待落实")
    actions.progress_report_file(actor=zjj_handler, node=leaf, text="报告正文不公开", progress=40)
    hidden = PlanNode.objects.get(plan=plan, code="3.2")
    actions.node_update(actor=office_sun, node=hidden, public=False)
    with CaptureQueriesContext(connection) as ctx:
        html = page(client, f"/plans/public/{plan.pk}/")
    assert len(ctx) <= 6  # no query per node
    assert "data-colour" not in html  # warnings are internal
    assert (
        "佛山市高明区城市治理三年行动计划" in html
        and "规划建设科学化" in html
        and "区住建局" in html
    )
    for secret in (
        "内部：领导批示待落实",
        "报告正文不公开",
        "吴住建",
        "人居环境绿色化",
        "/plans/node/",
    ):
        assert secret not in html, secret
    actions.plan_update(actor=office_sun, plan=plan, public=False)
    page(client, f"/plans/public/{plan.pk}/", 404)


def test_settings_page(client, plan, office_sun, leader_zhou):
    client.force_login(leader_zhou)
    assert client.get(f"/plans/{plan.pk}/settings/").status_code == 403
    client.force_login(office_sun)
    page(client, f"/plans/{plan.pk}/settings/")
    data = {
        "title": plan.title, "status": "active", "public": "on", "start": "2017-08-07", "end": "2020-12-31",
        "report_frequency": "quarterly", "report_due_days": 5, "notice_days": 5, "due_soon_days": 10,
        "yellow_lag": "10", "red_lag": "25", "milestone_red_days": 10,
    }  # fmt: skip
    assert client.post(f"/plans/{plan.pk}/settings/", data).status_code == 302
    plan.refresh_from_db()
    assert (plan.end.year, plan.report_frequency) == (2020, "quarterly")


def test_list_pages_do_not_grow_with_rows(client, plan, leaf, office_sun, zjj_handler, org):
    urls = [
        "/plans/",
        "/plans/reports/",
        "/plans/notices/",
        "/plans/due/",
        f"/plans/{plan.pk}/leaders/",
    ]
    client.force_login(office_sun)

    def counts() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                page(client, url)
            out.append(len(ctx))
        return out

    actions.progress_report_file(
        actor=zjj_handler, node=leaf, text="一", files=[SimpleUploadedFile("a.txt", b"a")]
    )
    actions.notice_issue(actor=office_sun, node=leaf, subject="s", text="t")
    before = counts()
    for code in ("3.2.1", "3.2.2", "3.2.3", "3.3.1"):
        n = PlanNode.objects.get(plan=plan, code=code)
        actions.node_assign_unit(actor=office_sun, node=n, unit=org["zjj"])
        actions.progress_report_file(actor=zjj_handler, node=n, text=code)
        actions.notice_issue(actor=office_sun, node=n, subject="s", text="t")
    assert counts() == before


def test_node_page_of_a_plan_imported_from_the_command_line(client, office_sun):
    plan = actions.plan_import(
        actor=None, path_or_text=GAOMING, commit=True
    ).plan  # no actor in the history
    client.force_login(office_sun)
    html = page(client, f"/plans/node/{PlanNode.objects.get(plan=plan, code='3.1').pk}/")
    assert 'id="history"' in html and 'id="node-chart"' in html
