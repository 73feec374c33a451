"""zhili demo: the synthetic district lands in the database through the real import paths."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zhili.accounts.models import OrgUnit, User
from zhili.cases.models import Case
from zhili.cases.synthetic import NUMBER_PREFIX
from zhili.demo.load import demo_loaded, demo_password, load_demo, remove_demo
from zhili.open311.models import ServiceRequest
from zhili.places.models import Dataset, Division, Facility, ResponsibilityGrid, UnitGrid
from zhili.plans.models import Plan, ProgressReport, SupervisionNotice
from zhili.workcal.clock import CalendarDataMissing, add_working_days


def test_demo_command_loads_once_and_resets(db, capsys, client):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "jiandu1" in out and "zhili-jiandu1" in out and "合成" in out
    assert Division.objects.filter(level="community").count() == 43
    assert UnitGrid.objects.current().count() == 1500
    assert all(g.synthetic for g in UnitGrid.objects.all()[:10])
    # Every role has a persona who can log in with the printed password.
    roles = set(User.objects.filter(username__in=["jiandu1", "admin1", "jumin1"]).values_list("groups__name", flat=True))
    assert roles == {"inspector", "sysadmin", "resident"}
    assert User.objects.get(username="jiandu1").check_password(demo_password("jiandu1"))
    # A year of cases of history, cases of today waiting in every inbox, and
    # an action plan being run come with it.
    live = Case.objects.exclude(number__startswith=NUMBER_PREFIX)
    assert Case.objects.count() == 3000 + live.count()
    try:
        add_working_days(timezone.now(), 10)
        calendar_ahead = True
    except CalendarDataMissing:  # late December, before next year's holidays are entered
        calendar_ahead = False
    if calendar_ahead:
        assert live.filter(source="inspector").count() == 21
        # Residents' reports: moderated as an intake operator would, some
        # supported, one closed; the public sees the approved ones only.
        reports = ServiceRequest.objects.filter(case__in=live)
        assert reports.count() == 9 and live.filter(source="resident").count() == 9
        assert sorted(reports.values_list("moderation", flat=True)) == ["approved"] * 6 + ["hidden"] + ["pending"] * 2
        public = client.get("/open311/v2/requests.json?extensions=true").json()
        assert len(public) == 6 and sum(r["support_count"] for r in public) == 9
        assert {r["status"] for r in public} == {"open", "closed"}
        assert "13800000000" not in json.dumps(public, ensure_ascii=False)  # edited out by the moderator
        assert reports.filter(case__state="closed").count() == 1
        for username in ["shouli1", "zhiban1", "paiqian1", "chuzhi.cgj1", "jiandu1", "jiandu2"]:
            client.force_login(User.objects.get(username=username))
            page = client.get("/cases/").content.decode()
            assert any(c.number in page for c in live), username
    assert Case.objects.exclude(state="closed").exists() and Case.objects.filter(state="closed").exists()
    plan = Plan.objects.get()
    assert plan.title.startswith("明湖区城市治理三年行动计划")
    assert plan.nodes.filter(kind="task").count() == 9 and plan.nodes.filter(kind="item").count() == 2
    # Every task's lead unit was matched from the document's 牵头单位 notes.
    assert not plan.nodes.filter(kind="task", units__isnull=True).exists()
    assert ProgressReport.objects.filter(node__plan=plan).count() == 7
    assert SupervisionNotice.objects.count() == 1
    assert {"red", "yellow", "green"} <= set(plan.nodes.values_list("colour", flat=True))

    call_command("demo", "--no-serve")  # second run: nothing duplicated
    assert "already loaded" in capsys.readouterr().out
    assert UnitGrid.objects.count() == 1500
    assert Case.objects.count() == 3000 + live.count() and Plan.objects.count() == 1

    jiandu = User.objects.get(username="jiandu1")
    jiandu.set_password("a-new-Password-2026")
    jiandu.save()
    call_command("demo", "--no-serve")
    assert "changed by the user" in capsys.readouterr().out

    call_command("demo", "--no-serve", "--reset")
    assert UnitGrid.objects.count() == 1500
    assert Case.objects.count() == 3000 + live.count() and Plan.objects.count() == 1
    assert User.objects.get(username="jiandu1").check_password(demo_password("jiandu1"))


def test_demo_refuses_a_negative_case_count(db):
    with pytest.raises(CommandError, match="--cases must be 0 or more"):
        call_command("demo", "--no-serve", "--cases", "-5")
    assert not demo_loaded()


def test_demo_content(db):
    d = load_demo(2017)
    assert demo_loaded()
    assert ResponsibilityGrid.objects.filter(inspector__isnull=False).count() == 43
    assert Facility.objects.count() == len(d.facilities) and not Facility.objects.filter(grid_code="").exists()
    network = Dataset.objects.get(kind="network").arrays()
    assert len(network["lon"]) == d.network.n_nodes and len(network["u"]) == d.network.n_edges
    pop = Dataset.objects.get(kind="population").arrays()
    assert int(pop["weight"].sum()) == d.population == sum(
        Division.objects.filter(level="community").values_list("population", flat=True)
    )
    streets = Division.objects.filter(level="street")
    assert streets.count() == 4 and all(s.org_unit_id for s in streets)
    assert OrgUnit.objects.filter(code__startswith="DEMO-").count() == len(d.org_units)
    from zhili.cases.models import Catalogue, DispatchRule

    assert Catalogue.objects.get(is_default=True).categories.count() == 403
    assert DispatchRule.objects.filter(category__isnull=True).count() == 1
    assert DispatchRule.objects.count() > 300
    from zhili.plans.demo import load_demo_plan
    from zhili.plans.models import Plan

    load_demo_plan()
    remove_demo()
    assert not Plan.objects.exists()
    assert not DispatchRule.objects.exists()
    assert not demo_loaded() and UnitGrid.objects.count() == 0 and not OrgUnit.objects.filter(code__startswith="DEMO-").exists()
