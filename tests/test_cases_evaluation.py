"""Comprehensive evaluation (综合评价): formulas, groupings, weights, CLI, pages, synthetic volume."""

from __future__ import annotations

import io
import itertools
import json
from collections import Counter
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.fixtures_cases import TZ
from zhili.cases import evaluation as ev
from zhili.cases.models import Case, EvaluationWeights

pytestmark = pytest.mark.usefixtures("english")

JAN = datetime(2026, 1, 1, tzinfo=TZ)
FEB = datetime(2026, 2, 1, tzinfo=TZ)
W1, W2 = "440699001001001", "440699001001002"  # the west community's grids
E1, E2 = "440699001002001", "440699001002002"  # the east community's grids
_seq = itertools.count(1)


def mk(grid: str, *, reported_at: datetime | None = None, **kw) -> Case:
    """A case row with exactly the given milestones (no lifecycle: the flags under test)."""
    n = next(_seq)
    fields = {
        "number": f"T{n:06d}",
        "source": "inspector",
        "state": "closed",
        "description": "测试",
        "reported_at": reported_at or JAN + timedelta(days=n % 25, hours=3),
        "grid_code": grid,
        "community_code": grid[:12],
        "street_code": grid[:9],
        "district_code": grid[:6],
    }
    fields.update(kw)
    return Case.objects.create(**fields)


# --- pure functions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "score, letter",
    [
        (100, "A"),
        (90, "A"),
        (89.99, "B"),
        (75, "B"),
        (74.99, "C"),
        (60, "C"),
        (59.99, "D"),
        (40, "D"),
        (39.99, "E"),
        (0, "E"),
        (None, None),
    ],
)
def test_grade_boundaries(score, letter):
    assert ev.grade(score) == letter


def test_zero_denominators_give_no_rate_and_are_left_out_of_the_score():
    assert ev.ratio(3, 0) is None and ev.ratio(None, 4) is None and ev.ratio(1, 4) == 0.25
    r = ev.rates(
        ev.Counts(cases=2, filed=0, filed_on_time=0, handled=0, reworked=0, missed=0, valid=0)
    )
    assert r["filed_on_time_rate"] is None and r["rework_rate"] is None and r["missed_rate"] is None
    assert r["closing_rate"] is None  # not measured at all
    # Items without a value drop out; the others' weights are renormalised.
    assert ev.weighted_score({"a": 0.5, "b": None}, {"a": 30, "b": 70}) == 50.0
    assert ev.weighted_score({"a": 0.5, "b": 1.0}, {"a": 30, "b": 70}) == 85.0
    assert ev.weighted_score({"a": None}, {"a": 30}) is None
    assert (
        ev.weighted_score({"a": 1.0, "b": 0.0}, {"a": 0, "b": 10}) == 0.0
    )  # weight 0 = not counted
    assert ev.item_value("rework_free_rate", {"rework_rate": 0.2}, None) == pytest.approx(0.8)
    assert ev.item_value("rework_free_rate", {"rework_rate": None}, None) is None


def test_count_scores_are_relative_to_the_busiest_row():
    assert ev.count_scores([10, 5, 0, None]) == [1.0, 0.5, 0.0, None]
    assert ev.count_scores([0, 0]) == [None, None]


def test_ranking_shares_ranks_and_puts_unscored_rows_last():
    def row(key, filed, kept):
        return ev.Row("street", key, key, ev.Counts(cases=filed, filed=filed, filed_kept=kept))

    rows = ev.score_rows(
        [row("b", 4, 2), row("a", 2, 1), row("c", 0, 0), row("d", 5, 5)],
        {"filing_accuracy_rate": 1},
        "filed",
    )
    assert [(r.key, r.score, r.rank) for r in rows] == [
        ("d", 100.0, 1),
        ("b", 50.0, 2),
        ("a", 50.0, 2),
        ("c", None, None),
    ]
    assert rows[0].grade == "A" and rows[1].grade == "D" and rows[3].grade is None


def test_weights_are_checked_with_clear_messages():
    assert ev.check_weights("unit", {"closing_rate": 1, "count_score": 0}) == {
        "closing_rate": 1.0,
        "count_score": 0.0,
    }
    with pytest.raises(ev.WeightsError, match="Unknown item “speed”"):
        ev.check_weights("unit", {"speed": 3})
    with pytest.raises(ev.WeightsError, match="must be a number of 0 or more"):
        ev.check_weights("unit", {"closing_rate": -1})
    with pytest.raises(ev.WeightsError, match="must be a number"):
        ev.check_weights("unit", {"closing_rate": "30"})
    with pytest.raises(ev.WeightsError, match="At least one weight"):
        ev.check_weights("unit", {"closing_rate": 0})
    with pytest.raises(ev.WeightsError, match="Unknown post type"):
        ev.check_weights("mayor", {"closing_rate": 1})
    with pytest.raises(ev.WeightsError, match="object of item"):
        ev.check_weights("unit", [1, 2])


def test_period_is_inclusive_of_the_last_day_and_refuses_backwards():
    start, end = ev.period_bounds(date(2026, 1, 1), date(2026, 1, 31))
    assert start == JAN and end == FEB
    with pytest.raises(ev.EvaluationError, match="ends"):
        ev.period_bounds(date(2026, 2, 1), date(2026, 1, 31))
    assert ev.previous_month(date(2026, 3, 15)) == (date(2026, 2, 1), date(2026, 2, 28))


# --- the database side on hand-computed cases ------------------------------------------


@pytest.fixture
def scene(district, people, org, make_user):
    """Seven cases in January (one in February) whose every count is known.

    West community: c1 clean; c2 filed late, sent back once, handled late,
    reworked, checked late; c7 filed then voided.  East community: c3 a
    12345 report still being handled past its deadline, extended; c4 a
    resident report not found on verification; c5 a report not yet taken in.
    """
    from zhili.places.actions import responsibility_grid_save

    p = people
    cgj, zjj = org["cgj"], org["zjj"]
    responsibility_grid_save(
        actor=None, code="R1", name="全区", grid_codes=[W1, W2, E1, E2], inspector=p["inspector"]
    )
    t = JAN + timedelta(days=2)
    done = {
        "accepted_at": t,
        "intake_by": p["intake"],
        "filed_at": t,
        "filed_by": p["lead"],
        "closed_by": p["lead"],  # only counted where closed_at is set
        "valid_report": True,
    }
    c = {
        "c1": mk(W1, reporter=p["inspector"], **done, filed_on_time=True, dispatched_at=t, dispatched_on_time=True,
                 dispatched_by=p["dispatcher"], assigned_unit=cgj, handled_at=t, handled_on_time=True, checked_at=t,
                 checked_on_time=True, closed_at=t, closed_on_time=True),
        "c2": mk(W2, reporter=p["inspector"], **done, filed_on_time=False, dispatched_at=t, dispatched_on_time=False,
                 dispatched_by=p["dispatcher"], send_back_count=1, assigned_unit=cgj, handled_at=t, handled_on_time=False,
                 rework_count=1, checked_at=t, checked_on_time=False, closed_at=t, closed_on_time=True),
        "c7": mk(W1, reporter=p["inspector"], state="voided", **done, filed_on_time=True),
        "c3": mk(E1, source="hotline", state="handling", **done, verified_at=t, verified_on_time=True, filed_on_time=True,
                 dispatched_at=t, dispatched_on_time=True, dispatched_by=p["dispatcher"], assigned_unit=zjj,
                 step="handle", step_overdue=True, extension_count=1),
        "c4": mk(E2, source="resident", state="not_filed", accepted_at=t, intake_by=p["intake"], verified_at=t,
                 verified_on_time=False, valid_report=False),
        "c5": mk(E2, source="resident", state="reported"),
        "feb": mk(W1, reported_at=FEB + timedelta(hours=1), reporter=p["inspector"], **done, filed_on_time=False),
    }  # fmt: skip
    return c


def _one(rows, key):
    return next(r for r in rows if r.key == key)


def test_region_street_counts_rates_and_score(scene):
    rows = ev.evaluate(start=JAN, end=FEB, by="region", level="street")
    (street,) = rows
    assert street.label == "测试街道" and street.rank == 1
    c = street.counts
    assert (c.cases, c.decided, c.valid) == (6, 5, 4)
    assert (c.filed, c.filed_on_time, c.filed_kept) == (4, 3, 3)
    assert (c.dispatched, c.dispatched_on_time, c.dispatch_accurate) == (3, 2, 2)
    assert (c.handled, c.handle_due, c.handled_on_time, c.overdue) == (2, 3, 1, 2)
    assert (c.reworked, c.extended, c.closed, c.closed_on_time, c.closed_in_limit) == (
        1,
        1,
        2,
        2,
        1,
    )
    r = street.rates
    assert r["valid_report_rate"] == 0.8 and r["filed_on_time_rate"] == 0.75
    assert r["dispatch_accuracy_rate"] == pytest.approx(2 / 3) and r[
        "handled_on_time_rate"
    ] == pytest.approx(1 / 3)
    assert r["closing_rate"] == pytest.approx(2 / 3) and r["closed_in_limit_rate"] == 0.5
    assert r["rework_rate"] == 0.5 and r["extension_rate"] == pytest.approx(1 / 3)
    # No 12345 callback: satisfaction has nothing to judge and its 15 drops
    # out: (30·⅓ + 20·⅔ + 20·½ + 15·½) / 85 = 48.04.
    assert r["satisfaction_rate"] is None
    assert street.score == 48.04 and street.grade == "D"


def test_region_communities_rank_and_empty_rates(scene):
    rows = ev.evaluate(start=JAN, end=FEB, by="region", level="community")
    west, east = rows
    assert (west.key, west.label, west.rank) == ("440699001001", "西社区", 1)
    # (30·½ + 20·1 + 20·½ + 15·½) / 85
    assert west.score == 61.76 and west.grade == "C"
    # Nothing handled or closed in the east: those rates are None, the rest 0.
    assert east.rates["closed_in_limit_rate"] is None and east.rates["rework_rate"] is None
    assert east.score == 0.0 and east.grade == "E" and east.rank == 2
    grids = ev.evaluate(start=JAN, end=FEB, by="region", level="grid")
    assert {r.key for r in grids} == {W1, W2, E1, E2}
    (district,) = ev.evaluate(start=JAN, end=FEB, by="region", level="district")
    assert district.label == "测试区" and district.counts.cases == 6


def test_hotline_satisfaction_joins_the_region_score(scene):
    from zhili.cases.models import HotlineOrder

    HotlineOrder.objects.create(
        order_no="12345-1",
        received_at=JAN,
        content="垃圾",
        deadline=FEB,
        case=scene["c3"],
        callback_result="satisfied",
    )
    (street,) = ev.evaluate(start=JAN, end=FEB, by="region", level="street")
    assert (street.counts.callbacks, street.counts.satisfied) == (1, 1)
    assert street.rates["satisfaction_rate"] == 1.0
    assert street.score == 55.83  # (40.83 + 15) / 100


def test_post_rankings(scene, people):
    rows = ev.by_kind(ev.evaluate(start=JAN, end=FEB, by="post"))
    assert list(rows) == ["inspector", "intake", "shift_lead", "dispatcher", "unit"]
    (li,) = rows["inspector"]
    assert li.label == "李监督" and li.key == str(people["inspector"].pk)
    assert (li.counts.cases, li.counts.valid, li.counts.missed) == (
        3,
        3,
        1,
    )  # c3 came from 12345 first
    assert li.rates["missed_rate"] == 0.25
    assert li.rates["verified_on_time_rate"] == 0.5 and li.rates["checked_on_time_rate"] == 0.5
    assert li.score == 75.0 and li.grade == "B"  # 40·1 + 20·¾ + 20·½ + 20·½
    (wu,) = rows["shift_lead"]
    assert (wu.counts.filed, wu.counts.filed_kept, wu.counts.closed) == (4, 3, 2)
    assert wu.score == 83.75  # 25·¾ + 40·¾ + 35·1
    (zhao,) = rows["dispatcher"]
    assert zhao.score == 73.33 and zhao.grade == "C"  # 20·1 + 40·⅔ + 40·⅔
    (wang,) = rows["intake"]
    assert wang.counts.cases == 5
    if not ev.intake_timeliness_recorded():
        assert wang.rates["verify_dispatch_on_time_rate"] is None
    cgj, zjj = rows["unit"]
    assert cgj.label == "区城管执法局" and cgj.score == 70.0  # 10·1 + 30·1 + 30·½ + 30·½
    assert zjj.label == "区住建局" and zjj.score == 7.14 and zjj.grade == "E"  # 10·½ / 70
    only = ev.evaluate(start=JAN, end=FEB, by="post", post="dispatcher")
    assert [r.kind for r in only] == ["dispatcher"]


def test_departments_roll_contractors_up(scene, org):
    from zhili.accounts.models import OrgUnit

    hw = OrgUnit.objects.create(
        code="HW", name="环卫公司", kind=OrgUnit.Kind.CONTRACTOR, parent=org["cgj"]
    )
    mk(
        W1,
        filed_at=JAN,
        assigned_unit=hw,
        dispatched_at=JAN,
        handled_at=JAN,
        handled_on_time=True,
        closed_at=JAN,
    )
    depts = ev.evaluate(start=JAN, end=FEB, by="department")
    assert [(r.label, r.counts.filed) for r in depts] == [("区城管执法局", 3), ("区住建局", 1)]
    units = {
        r.label: r.counts.filed for r in ev.evaluate(start=JAN, end=FEB, by="post", post="unit")
    }
    assert units == {"区城管执法局": 2, "区住建局": 1, "环卫公司": 1}
    # A department leader's view: the department's own rows only.
    mine = ev.evaluate(start=JAN, end=FEB, by="post", units=org["cgj"].descendant_ids())
    assert {r.label for r in mine} == {"区城管执法局", "环卫公司"}
    (region,) = ev.evaluate(start=JAN, end=FEB, by="region", units={org["zjj"].pk})
    assert region.counts.cases == 1


def test_weights_override_and_stored_weights(scene, admin_qian):
    from zhili.core.models import AuditEntry

    (street,) = ev.evaluate(
        start=JAN, end=FEB, by="region", weights={"region": {"closing_rate": 1}}
    )
    assert street.score == 66.67
    ev.evaluation_weights_save(
        actor=admin_qian, post="region", weights={"filing_accuracy_rate": 2, "closing_rate": 0}
    )
    (street,) = ev.evaluate(start=JAN, end=FEB, by="region")
    assert street.score == 75.0
    assert AuditEntry.objects.filter(action="cases.evaluation_weights").count() == 1
    with pytest.raises(ev.EvaluationError, match="Unknown item"):
        ev.evaluation_weights_save(actor=admin_qian, post="region", weights={"nonsense": 1})
    assert EvaluationWeights.objects.get(post="region").weights == {
        "filing_accuracy_rate": 2.0,
        "closing_rate": 0.0,
    }
    with pytest.raises(ev.EvaluationError, match="Unknown item"):
        ev.evaluate(start=JAN, end=FEB, by="region", weights={"region": {"nonsense": 1}})


def test_bad_parameters_are_refused(db):
    for kw, message in [
        ({"by": "mood"}, "Unknown grouping"),
        ({"by": "region", "level": "planet"}, "Unknown region level"),
        ({"by": "post", "post": "mayor"}, "Unknown post type"),
    ]:
        with pytest.raises(ev.EvaluationError, match=message):
            ev.evaluate(start=JAN, end=FEB, **kw)
    with pytest.raises(ev.EvaluationError, match="ends before"):
        ev.evaluate(start=FEB, end=JAN, by="region")
    assert ev.evaluate(start=JAN, end=FEB, by="region") == []


# --- CLI -----------------------------------------------------------------------------


def test_cli_json_text_and_xlsx(scene, tmp_path):
    out = io.StringIO()
    call_command("cases", "evaluate", "--from", "2026-01-01", "--to", "2026-01-31", "--by", "region", "--level", "community",
                 "--format", "json", stdout=out)  # fmt: skip
    doc = json.loads(out.getvalue())
    west, east = doc["rankings"]["community"]
    assert (
        west["label"] == "西社区"
        and west["score"] == 61.76
        and west["grade"] == "C"
        and west["counts"]["cases"] == 3
    )
    assert east["rates"]["rework_rate"] is None

    out = io.StringIO()
    call_command(
        "cases",
        "evaluate",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--by",
        "post",
        stdout=out,
    )
    text = out.getvalue()
    assert "[shift_lead]" in text and "83.75" in text and "李监督" in text

    target = tmp_path / "eval.xlsx"
    call_command("cases", "evaluate", "--from", "2026-01-01", "--to", "2026-01-31", "--by", "post", "--format", "xlsx",
                 "-o", str(target), stdout=io.StringIO())  # fmt: skip
    wb = openpyxl.load_workbook(target)
    assert len(wb.sheetnames) == 5
    ws = wb[wb.sheetnames[2]]  # shift leads
    assert ws.cell(3, 3).value == "吴值班" and ws.cell(3, 4).value == 83.75
    with pytest.raises(CommandError, match="-o FILE"):
        call_command(
            "cases", "evaluate", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "xlsx"
        )
    with pytest.raises(CommandError, match="before it starts"):
        call_command("cases", "evaluate", "--from", "2026-02-01", "--to", "2026-01-31")


# --- pages -----------------------------------------------------------------------------

URL = "/cases/evaluation/"
JANUARY = {"start": "2026-01-01", "end": "2026-01-31"}


@pytest.mark.parametrize("who", ["leader_zhou", "office_sun", "admin_qian", "lead"])
def test_page_ranking_for_those_who_see_everything(
    client, scene, people, who, request, django_assert_max_num_queries
):
    user = people["lead"] if who == "lead" else request.getfixturevalue(who)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        resp = client.get(URL, {**JANUARY, "by": "region", "level": "community"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "西社区" in html and "61.76" in html and 'class="grade grade-C"' in html
    assert 'id="evalmap"' in html and "divisions.geojson?level=community" in html
    assert "leaflet.js" in html and "cdn" not in html.lower()


def test_page_by_post_and_department(client, scene, leader_zhou, django_assert_max_num_queries):
    client.force_login(leader_zhou)
    with django_assert_max_num_queries(12):
        resp = client.get(URL, {**JANUARY, "by": "post", "post": "shift_lead"})
    html = resp.content.decode()
    assert "吴值班" in html and "83.75" in html and 'id="evalmap"' not in html
    resp = client.get(URL, {**JANUARY, "by": "department"})
    assert "区城管执法局" in resp.content.decode()


def test_query_count_does_not_grow_with_rows(
    client, scene, leader_zhou, django_assert_max_num_queries
):
    client.force_login(leader_zhou)
    for i in range(30):
        mk([W1, W2, E1, E2][i % 4], state="reported")
    with django_assert_max_num_queries(12):
        resp = client.get(URL, {**JANUARY, "by": "region", "level": "grid"})
    assert resp.status_code == 200


def test_page_defaults_to_last_month_and_reports_bad_input(client, scene, leader_zhou):
    client.force_login(leader_zhou)
    resp = client.get(URL)
    assert resp.status_code == 200 and 'name="start"' in resp.content.decode()
    resp = client.get(URL, {"start": "2026-02-01", "end": "2026-01-01"})
    assert resp.status_code == 400 and "before it starts" in resp.content.decode()
    resp = client.get(URL, {"start": "2020-01-01", "end": "2026-01-01"})
    assert resp.status_code == 400 and "three years" in resp.content.decode()
    resp = client.get(URL, {"start": "yesterday"})
    assert resp.status_code == 400


def test_export_workbook(client, scene, office_sun):
    client.force_login(office_sun)
    resp = client.get(
        reverse("cases:evaluation_export"), {**JANUARY, "by": "region", "level": "community"}
    )
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "evaluation-20260101-20260131-community.xlsx" in resp["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in ws[2]]
    assert header[:6] == ["Rank", "Code", "Name", "Score", "Grade", "Reports"]
    assert [ws.cell(3, c).value for c in range(2, 7)] == ["440699001001", "西社区", 61.76, "C", 3]
    assert ws.cell(3, 7).number_format == "0.0%"
    bad = client.get(
        reverse("cases:evaluation_export"), {"start": "2026-02-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 400


def test_department_leader_sees_only_own_rows(client, scene, make_user, org):
    boss = make_user("cgj.boss", "dept_leader", org_unit=org["cgj"])
    client.force_login(boss)
    html = client.get(URL, {**JANUARY, "by": "department"}).content.decode()
    assert "区城管执法局" in html and "区住建局" not in html
    html = client.get(URL, {**JANUARY, "by": "post", "post": "inspector"}).content.decode()
    # Persons are not theirs to see: the handling-unit ranking is shown instead.
    assert "李监督" not in html and "区城管执法局" in html and "区住建局" not in html
    resp = client.get(reverse("cases:evaluation_export"), {**JANUARY, "by": "department"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert [ws.cell(r, 3).value for r in range(3, ws.max_row + 1)] == ["区城管执法局"]


@pytest.mark.parametrize("who", ["inspector_li", "handler_chen", "dispatcher_zhao", "resident_liu"])
def test_others_get_404(client, db, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 404
    assert client.get(reverse("cases:evaluation_export")).status_code == 404


def test_anonymous_is_sent_to_login(client, db):
    resp = client.get(URL)
    assert resp.status_code == 302 and "/login" in resp["Location"]


# --- synthetic volume ---------------------------------------------------------------------


def test_synthetic_cases_are_consistent(district, people, org, catalogue):
    from zhili.cases.synthetic import generate_cases, synthetic_case_count
    from zhili.places.services import locate_many

    start, end = datetime(2025, 6, 1, tzinfo=TZ), datetime(2025, 9, 1, tzinfo=TZ)
    now = end + timedelta(days=2)
    assert (
        generate_cases(2000, 7, start=start, end=end, now=datetime(2025, 8, 20, tzinfo=TZ)) == 2000
    )
    assert generate_cases(200, 8, start=start, end=end, now=now) == 200  # numbers continue
    assert synthetic_case_count() == 2200
    cases = list(Case.objects.all().values())
    assert len({c["number"] for c in cases}) == 2200 and all(
        c["number"].startswith("S") for c in cases
    )
    import numpy as np

    hit = locate_many(np.array([c["lon"] for c in cases]), np.array([c["lat"] for c in cases]))
    assert list(hit["grid"]) == [c["grid_code"] for c in cases]  # every case inside its grid
    assert all(
        c["community_code"] == c["grid_code"][:12] and c["street_code"] == c["grid_code"][:9]
        for c in cases
    )
    states = Counter(c["state"] for c in cases)
    assert states["closed"] > 1000 and states["handling"] > 0 and states["not_filed"] > 0
    milestones = [
        "accepted_at",
        "verified_at",
        "filed_at",
        "dispatched_at",
        "handled_at",
        "checked_at",
        "closed_at",
    ]
    for c in cases:
        s = c["state"]
        assert start <= c["reported_at"] < end
        for m in milestones:
            assert c[m] is None or c[m] >= c["reported_at"]
            assert c[m] is None or c[m] <= now
        for m in ("verified", "filed", "dispatched", "handled", "checked", "closed"):
            assert (c[f"{m}_at"] is None) == (c[f"{m}_on_time"] is None), (m, c)
        assert (c["closed_at"] is not None) == (s == "closed")
        if (
            s in ("handling", "to_check", "to_close", "closed", "parked")
            and c["send_back_count"] == 0
        ):
            assert c["filed_at"] and c["dispatched_at"] and c["assigned_unit_id"], c
        if s in ("to_check", "to_close", "closed"):
            assert c["handled_at"] and c["handled_at"] >= c["dispatched_at"]
        if s in ("to_close", "closed"):
            assert c["checked_at"] and c["checked_at"] >= c["handled_at"]
        if s == "reported":
            assert c["accepted_at"] is None and c["filed_at"] is None
        if s == "merged":
            assert c["merged_into_id"] and c["filed_at"] is None
        open_clock = s in (
            "reported",
            "verifying",
            "to_file",
            "to_dispatch",
            "handling",
            "to_check",
            "to_close",
        )
        assert bool(c["step"]) == open_clock and (c["step_deadline"] is not None) == open_clock
        if c["step_overdue"]:
            assert c["step_deadline"] < now
        if c["source"] == "inspector":  # valid from the start, unless declined
            assert c["valid_report"] is (s != "not_filed")
    # And the evaluation runs on them.
    rows = ev.evaluate(start=start, end=end, by="region", level="community")
    assert sum(r.counts.cases for r in rows) == 2200 and all(r.grade for r in rows)


@pytest.mark.browser
def test_colour_map_in_a_browser(page, live_server, district, scene, leader_zhou):
    from tests.conftest import login

    login(page, live_server, leader_zhou.username, PASSWORD)
    page.goto(f"{live_server.url}{URL}?start=2026-01-01&end=2026-01-31&by=region&level=community")
    page.wait_for_function("document.getElementById('evalmap').dataset.loaded === '2'")
    assert page.locator("table.ranking tbody tr").count() == 2
    assert page.locator("table.ranking .grade-C").first.is_visible()


def test_admin_edits_go_through_the_action_and_are_checked(admin_qian, rf):
    from django.contrib.admin import AdminSite
    from django.core.exceptions import ValidationError

    from zhili.cases.views_evaluation import EvaluationWeightsAdmin
    from zhili.core.models import AuditEntry

    model_admin = EvaluationWeightsAdmin(EvaluationWeights, AdminSite())
    obj = EvaluationWeights(post="unit", weights={"closing_rate": 3, "count_score": 1})
    obj.full_clean()
    request = rf.post("/")
    request.user = admin_qian
    model_admin.save_model(request, obj, None, False)
    row = EvaluationWeights.objects.get(post="unit")
    assert row.weights == {"closing_rate": 3.0, "count_score": 1.0} and row.updated_by == admin_qian
    assert AuditEntry.objects.filter(action="cases.evaluation_weights", actor=admin_qian).exists()
    assert "closing_rate" in model_admin.defaults(row)
    with pytest.raises(ValidationError, match="Unknown item"):
        EvaluationWeights(post="unit", weights={"speed": 1}).full_clean()
