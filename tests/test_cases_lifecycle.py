"""The lifecycle table, without a database: every move allowed and refused."""

from __future__ import annotations

import pytest

from zhili.accounts.roles import Role
from zhili.cases.dispatch import RuleRow, choose_rule
from zhili.cases.lifecycle import (
    FINAL_STATES,
    RULES,
    Action,
    IllegalTransition,
    State,
    allowed_actions,
    transition,
)

pytestmark = pytest.mark.usefixtures("english")
ALL = frozenset(Role)

HAPPY_PATH = [
    (State.REPORTED, Action.SEND_TO_VERIFY, Role.INTAKE, State.VERIFYING),
    (State.VERIFYING, Action.VERIFY, Role.INSPECTOR, State.TO_FILE),
    (State.TO_FILE, Action.FILE, Role.SHIFT_LEAD, State.TO_DISPATCH),
    (State.TO_DISPATCH, Action.DISPATCH, Role.DISPATCHER, State.HANDLING),
    (State.HANDLING, Action.FEEDBACK, Role.HANDLER, State.TO_CHECK),
    (State.TO_CHECK, Action.CHECK_PASS, Role.INSPECTOR, State.TO_CLOSE),
    (State.TO_CLOSE, Action.CLOSE, Role.SHIFT_LEAD, State.CLOSED),
]


@pytest.mark.parametrize("state, action, role, target", HAPPY_PATH)
def test_happy_path(state, action, role, target):
    assert transition(state, action, {role}) == target


@pytest.mark.parametrize(
    "state, action, role, target",
    [
        (State.REPORTED, Action.ACCEPT, Role.INTAKE, State.TO_FILE),
        (State.HANDLING, Action.SEND_BACK, Role.HANDLER, State.TO_DISPATCH),
        (State.TO_CHECK, Action.CHECK_FAIL, Role.INSPECTOR, State.HANDLING),
        (State.HANDLING, Action.PARK, Role.SHIFT_LEAD, State.PARKED),
        (State.PARKED, Action.UNPARK, Role.SHIFT_LEAD, State.HANDLING),
        (State.CLOSED, Action.REOPEN, Role.SHIFT_LEAD, State.HANDLING),
        (State.TO_DISPATCH, Action.MERGE, Role.INTAKE, State.MERGED),
        (State.HANDLING, Action.VOID, Role.SHIFT_LEAD, State.VOIDED),
        (State.TO_FILE, Action.DECLINE, Role.SHIFT_LEAD, State.NOT_FILED),
        (State.HANDLING, Action.REQUEST_EXTENSION, Role.HANDLER, State.HANDLING),
    ],
)
def test_side_paths(state, action, role, target):
    assert transition(state, action, {role}) == target


def test_every_action_is_refused_in_every_other_state():
    for action, rule in RULES.items():
        for state in State:
            if state in rule.sources:
                continue
            with pytest.raises(IllegalTransition, match="not possible"):
                transition(state, action, ALL)


def test_wrong_role_is_refused_with_a_clear_message():
    with pytest.raises(IllegalTransition, match="Your role may not"):
        transition(State.TO_FILE, Action.FILE, {Role.INSPECTOR})
    with pytest.raises(IllegalTransition):
        transition(State.TO_DISPATCH, Action.DISPATCH, {Role.HANDLER})
    with pytest.raises(IllegalTransition):
        transition(State.HANDLING, Action.FEEDBACK, {Role.RESIDENT})
    assert transition(State.TO_FILE, Action.FILE, set(), superuser=True) == State.TO_DISPATCH


def test_final_states_allow_nothing_but_reopen():
    for state in FINAL_STATES:
        actions = allowed_actions(state, ALL)
        assert actions == ([Action.REOPEN] if state == State.CLOSED else [])


def test_allowed_actions_per_role():
    assert set(allowed_actions(State.HANDLING, {Role.HANDLER})) == {
        Action.SEND_BACK, Action.FEEDBACK, Action.REQUEST_EXTENSION, Action.COMMENT,
    }
    assert Action.CLOSE in allowed_actions(State.TO_CLOSE, {Role.SHIFT_LEAD})
    assert allowed_actions(State.TO_CLOSE, {Role.DISTRICT_LEADER}) == [Action.COMMENT]


RULES_TABLE = [
    RuleRow(1, None, "", unit_id=100),  # anything anywhere → the governance office
    RuleRow(2, 7, "", unit_id=200),  # category 7 anywhere → department 200
    RuleRow(3, 7, "440699001", unit_id=300),  # category 7 in street 001 → its street office
    RuleRow(4, None, "440699001002", unit_id=400),  # anything in community 002
    RuleRow(5, 7, "440699001", unit_id=500, priority=1),  # same as 3, higher priority
]


@pytest.mark.parametrize(
    "category, grid, unit",
    [
        (9, "440699100001001", 100),  # only the catch-all applies
        (7, "440699100001001", 200),  # category beats catch-all
        (7, "440699001002003", 500),  # category + street beats category alone and area-only; priority breaks the tie
        (9, "440699001002003", 400),  # no category rule: the longest area wins
    ],
)
def test_dispatch_rule_choice(category, grid, unit):
    assert choose_rule(RULES_TABLE, category, grid).unit_id == unit


def test_no_rule_applies():
    assert choose_rule([RuleRow(1, 7, "440699001", 1)], 8, "440699001001001") is None
