"""Two people acting on one case at the same moment, on PostgreSQL's row locks.

Real threads with their own connections: one dispatches while another
declines-or-voids; exactly one wins, the other is refused, and the case's
timeline has one entry per successful action (no lost update).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.fixtures_cases import report
from zhili.cases import actions as A
from zhili.cases.lifecycle import IllegalTransition, State
from zhili.cases.models import Case, CaseEvent

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is tested on PostgreSQL (SQLite serialises writers)")


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            outcomes[i] = fn()
        except Exception as exc:  # collected for the assertions
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_dispatch_and_void_at_once(district, people, garbage, rule, english):
    cat, cond = garbage
    for _ in range(5):
        case = report(people)
        A.case_accept(actor=people["intake"], case_id=case.pk)
        A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
        outcomes = _race(
            lambda pk=case.pk: A.case_dispatch(actor=people["dispatcher"], case_id=pk),
            lambda pk=case.pk: A.case_void(actor=people["lead"], case_id=pk, note="重复上报"),
        )
        case.refresh_from_db()
        wins = [o for o in outcomes if isinstance(o, Case)]
        assert wins, outcomes
        if len(wins) == 2:
            # Dispatch then void are both legal in that order.
            assert case.state == State.VOIDED
        else:
            assert any(isinstance(o, IllegalTransition) for o in outcomes)
        events = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
        assert events[:3] == ["report", "accept", "file"]
        assert len(events) == 3 + len(wins)
        assert case.version == 2 + len(wins)


def test_two_feedbacks_at_once_one_wins(district, people, garbage, rule, english):
    cat, cond = garbage
    case = report(people)
    A.case_accept(actor=people["intake"], case_id=case.pk)
    A.case_file(actor=people["lead"], case_id=case.pk, category=cat, condition=cond)
    A.case_dispatch(actor=people["dispatcher"], case_id=case.pk)
    outcomes = _race(
        lambda: A.case_feedback(actor=people["handler"], case_id=case.pk, note="甲已处理", expected_version=3),
        lambda: A.case_feedback(actor=people["handler"], case_id=case.pk, note="乙已处理", expected_version=3),
    )
    assert sum(isinstance(o, Case) for o in outcomes) == 1
    assert sum(isinstance(o, IllegalTransition) for o in outcomes) == 1
    assert CaseEvent.objects.filter(case=case, action="feedback").count() == 1


def test_case_numbers_unique_under_concurrent_reports(district, people):
    outcomes = _race(*[(lambda: report(people)) for _ in range(8)])
    numbers = [o.number for o in outcomes if isinstance(o, Case)]
    assert len(numbers) == 8 and len(set(numbers)) == 8, outcomes
