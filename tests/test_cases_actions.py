"""Case actions against the database: the lifecycle, clocks, dispatch, refusals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.fixtures_cases import T0, TZ, report
from tests.fixtures_places import X0, Y0
from zhili.cases import actions as A
from zhili.cases.lifecycle import IllegalTransition, State
from zhili.cases.models import Case, CaseEvent, StandardCondition
from zhili.core.models import AuditEntry

pytestmark = pytest.mark.usefixtures("english")


def test_report_gets_places_number_and_clock(district, people, garbage):
    case = report(people, category=garbage[0])
    assert case.grid_code == "440699001001001" and case.community_code == "440699001001"
    assert case.street_code == "440699001" and case.district_code == "440699"
    second = report(people).number
    assert case.number.startswith("20260213") and len(case.number) == 14 and second > case.number
    from django.db import connection

    if connection.vendor == "sqlite":  # a per-day counter; PostgreSQL uses a sequence
        assert (case.number, second) == ("20260213000001", "20260213000002")
    assert case.state == State.REPORTED and case.step == "intake"
    # Intake limit: 0.5 working hour from 10:00.
    assert case.step_deadline == datetime(2026, 2, 13, 10, 30, tzinfo=TZ)
    assert AuditEntry.objects.filter(action="cases.report", object_id=str(case.pk)).exists()


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"lon": 100.0, "lat": 30.0}, "outside every unit grid"),
        ({"lon": X0, "lat": None}, "both longitude and latitude"),
        ({"lon": None, "lat": None}, "location or an address"),
        ({"description": ""}, "description"),
        ({"description": "x" * 4001}, "4000"),
        ({"source": "pigeon"}, "Unknown source"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(district, people, kw, message):
    args = {"actor": people["inspector"], "source": "inspector", "description": "垃圾", "lon": X0 + 0.001, "lat": Y0 + 0.001}
    args.update(kw)
    with pytest.raises(ValidationError, match=message):
        A.case_report(**args)
    assert Case.objects.count() == 0


def test_full_lifecycle_with_working_hour_clocks(district, people, garbage, rule, org):
    cat, cond = garbage
    case = report(people)
    case = A.case_send_to_verify(actor=people["intake"], case_id=case.pk, now=T0.replace(minute=10))
    case = A.case_verify(actor=people["inspector"], case_id=case.pk, confirmed=True, now=T0.replace(minute=40))
    assert case.verified_on_time is True and case.state == State.TO_FILE
    case = A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond, now=T0.replace(hour=11))
    assert case.filed_on_time is True and case.state == State.TO_DISPATCH
    case = A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, now=T0.replace(hour=11, minute=10))
    assert case.assigned_unit == org["cgj"]
    # 4 working hours from Fri 11:10: 50 min before lunch, then 3 h 10 min
    # of the afternoon from 14:00 → Fri 17:10.
    assert case.step_deadline == datetime(2026, 2, 13, 17, 10, tzinfo=TZ)
    case = A.case_feedback(actor=people["handler"], case_id=case.pk, note="已清理", now=T0.replace(hour=16))
    assert case.handled_on_time is True and case.state == State.TO_CHECK
    case = A.case_check(actor=people["inspector"], case_id=case.pk, passed=True, now=T0.replace(hour=16, minute=30))
    case = A.case_close(actor=people["lead"], case_id=case.pk, now=T0.replace(hour=17))
    assert case.state == State.CLOSED and case.closed_on_time is True and case.step == ""
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["report", "send_to_verify", "verify", "file", "dispatch", "feedback", "check_pass", "close"]
    assert case.version == 7


def test_handling_clock_crosses_spring_festival(district, people, garbage, rule):
    cat, _cond = garbage
    cond = StandardCondition.objects.create(
        category=cat, standard="test", order=2, filing_condition="大量", closing_condition="清理",
        time_limit=Decimal("2"), time_unit="work_days",
    )
    case = report(people)
    A.case_accept(actor=people["intake"], case_id=case.pk, now=T0)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond, now=T0)
    case = A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, now=T0.replace(hour=15))
    # Fri 13 Feb 15:00 + 2 working days: Sat 14 Feb is worked (调休), then the
    # festival; the second working day is Tue 24 Feb.
    assert case.step_deadline == datetime(2026, 2, 24, 15, 0, tzinfo=TZ)


def test_illegal_moves_are_refused_with_a_message(district, people, garbage):
    case = report(people)
    with pytest.raises(IllegalTransition, match="not possible"):
        A.case_close(actor=people["lead"], case_id=case.pk)
    with pytest.raises(IllegalTransition, match="Your role may not"):
        A.case_file(actor=people["inspector"], case_id=case.pk, category=garbage[0])
    with pytest.raises(ValidationError, match="category"):
        A.case_file(actor=people["lead"], case_id=case.pk)
    case.refresh_from_db()
    assert case.state == State.REPORTED and case.version == 0
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_stale_page_is_refused(district, people, garbage):
    case = report(people)
    A.case_accept(actor=people["intake"], case_id=case.pk, expected_version=0)
    with pytest.raises(A.StaleCase, match="changed by someone else"):
        A.case_decline(actor=people["lead"], case_id=case.pk, note="重复", expected_version=0)


def _to_handling(people, garbage, rule):
    cat, cond = garbage
    case = report(people)
    A.case_accept(actor=people["intake"], case_id=case.pk, now=T0)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond, now=T0)
    return A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, now=T0)


def test_send_back_rework_and_extension(district, people, garbage, rule, org, make_user):
    case = _to_handling(people, garbage, rule)
    with pytest.raises(ValidationError, match="reason"):
        A.case_send_back(actor=people["handler"], case_id=case.pk, note=" ")
    case = A.case_send_back(actor=people["handler"], case_id=case.pk, note="不属本局", now=T0.replace(hour=11))
    assert case.state == State.TO_DISPATCH and case.send_back_count == 1 and case.assigned_unit is None
    # Manual override to another unit; a handler of another unit may not act on it.
    case = A.case_dispatch(actor=people["dispatcher"], case_id=case.pk, unit=org["zjj"], now=T0.replace(hour=11, minute=5))
    with pytest.raises(IllegalTransition, match="not dispatched to your unit"):
        A.case_feedback(actor=people["handler"], case_id=case.pk, note="done")
    zjj_handler = make_user("he.zjj", "handler", org_unit=org["zjj"])
    req = A.case_request_extension(actor=zjj_handler, case_id=case.pk, amount=1, unit="work_days", reason="需采购材料", now=T0.replace(hour=14))
    with pytest.raises(ValidationError, match="already waiting"):
        A.case_request_extension(actor=zjj_handler, case_id=case.pk, amount=1, unit="work_days", reason="again")
    before = Case.objects.get(pk=case.pk).step_deadline
    A.case_decide_extension(actor=people["lead"], request_id=req.pk, approve=True, now=T0.replace(hour=14, minute=30))
    case.refresh_from_db()
    assert case.extension_count == 1 and case.step_deadline > before
    case = A.case_feedback(actor=zjj_handler, case_id=case.pk, note="已处理", now=T0.replace(hour=15))
    case = A.case_check(actor=people["inspector"], case_id=case.pk, passed=False, note="仍有垃圾", now=T0.replace(hour=15, minute=30))
    assert case.state == State.HANDLING and case.rework_count == 1


def test_park_void_and_merge(district, people, garbage, rule):
    case = _to_handling(people, garbage, rule)
    with pytest.raises(ValidationError, match="future"):
        A.case_park(actor=people["lead"], case_id=case.pk, plan="纳入年度改造", review_on=date(2026, 1, 1), now=T0)
    case = A.case_park(actor=people["lead"], case_id=case.pk, plan="纳入年度改造", review_on=date(2026, 6, 1), now=T0)
    assert case.state == State.PARKED and case.step_deadline is None
    case = A.case_unpark(actor=people["lead"], case_id=case.pk, now=T0.replace(hour=11))
    assert case.state == State.HANDLING and case.step_deadline is not None

    first, dup = report(people), report(people)
    A.case_merge(actor=people["intake"], case_id=dup.pk, into_id=first.pk)
    dup.refresh_from_db()
    first.refresh_from_db()
    assert dup.state == State.MERGED and dup.merged_into == first and first.support_count == 1
    with pytest.raises(ValidationError, match="itself"):
        A.case_merge(actor=people["intake"], case_id=first.pk, into_id=first.pk)
    A.case_void(actor=people["lead"], case_id=first.pk, note="测试数据")
    first.refresh_from_db()
    assert first.state == State.VOIDED


def test_no_dispatch_rule_needs_a_manual_unit(district, people, garbage):
    cat, cond = garbage
    case = report(people)
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    with pytest.raises(ValidationError, match="No dispatch rule"):
        A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)


def test_overdue_flagged_once_by_tick(district, people, garbage):
    case = report(people)  # intake limit 10:30
    assert A.flag_overdue(now=T0.replace(hour=10, minute=20)) == {"flagged": 0}
    assert A.flag_overdue(now=T0.replace(hour=11)) == {"flagged": 1}
    assert A.flag_overdue(now=T0.replace(hour=12)) == {"flagged": 0}
    case.refresh_from_db()
    assert case.step_overdue and case.overdue_count == 1
    assert case.events.filter(action="overdue").count() == 1
    # Acting on it starts a fresh clock for the next step.
    case = A.case_accept(actor=people["intake"], case_id=case.pk, now=T0.replace(hour=12))
    assert not case.step_overdue
