"""The case lifecycle as data: states, actions, who may take them, and step clocks.

Pure: no database.  The action functions in ``actions.py`` ask
:func:`transition` for the next state before they write anything, so an
illegal move is refused with one clear message in one place.

Workflow (GB/T 30428.8 / CJ/T 315 as summarised in domain/cases.md):
report → verify (non-inspector sources) → file or decline → dispatch →
handle → feedback → on-site check → close, or rework back to handling;
side paths: send back (回退), extension (延期), park (挂账), void, merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from zhili.accounts.roles import Role


class State(StrEnum):
    REPORTED = "reported"  # 待受理
    VERIFYING = "verifying"  # 待核实
    TO_FILE = "to_file"  # 待立案
    TO_DISPATCH = "to_dispatch"  # 待派遣
    HANDLING = "handling"  # 处置中
    TO_CHECK = "to_check"  # 待核查
    TO_CLOSE = "to_close"  # 待结案
    PARKED = "parked"  # 挂账
    CLOSED = "closed"  # 已结案
    NOT_FILED = "not_filed"  # 不予立案
    VOIDED = "voided"  # 作废
    MERGED = "merged"  # 已合并


STATE_LABELS = {
    State.REPORTED: _("Awaiting intake"),
    State.VERIFYING: _("Awaiting verification"),
    State.TO_FILE: _("Awaiting filing"),
    State.TO_DISPATCH: _("Awaiting dispatch"),
    State.HANDLING: _("Being handled"),
    State.TO_CHECK: _("Awaiting on-site check"),
    State.TO_CLOSE: _("Awaiting closure"),
    State.PARKED: _("Parked (long-term)"),
    State.CLOSED: _("Closed"),
    State.NOT_FILED: _("Not filed"),
    State.VOIDED: _("Voided"),
    State.MERGED: _("Merged"),
}

FINAL_STATES = frozenset({State.CLOSED, State.NOT_FILED, State.VOIDED, State.MERGED})
OPEN_STATES = frozenset(State) - FINAL_STATES


class Step(StrEnum):
    """A clocked step: each has its own time limit and overdue flag."""

    INTAKE = "intake"  # 受理
    VERIFY = "verify"  # 核实
    FILE = "file"  # 立案
    DISPATCH = "dispatch"  # 派遣
    HANDLE = "handle"  # 处置
    CHECK = "check"  # 核查
    CLOSE = "close"  # 结案


# The step whose clock runs while a case is in a state.
STEP_OF_STATE: dict[State, Step] = {
    State.REPORTED: Step.INTAKE,
    State.VERIFYING: Step.VERIFY,
    State.TO_FILE: Step.FILE,
    State.TO_DISPATCH: Step.DISPATCH,
    State.HANDLING: Step.HANDLE,
    State.TO_CHECK: Step.CHECK,
    State.TO_CLOSE: Step.CLOSE,
}


class Action(StrEnum):
    ACCEPT = "accept"  # 受理 (inspector reports and trusted sources go straight to filing)
    SEND_TO_VERIFY = "send_to_verify"  # 派核实
    VERIFY = "verify"  # 核实 (confirmed / not found)
    FILE = "file"  # 立案
    DECLINE = "decline"  # 不予立案
    DISPATCH = "dispatch"  # 派遣
    SEND_BACK = "send_back"  # 回退 (handling unit returns a wrongly dispatched case)
    FEEDBACK = "feedback"  # 处置反馈
    CHECK_PASS = "check_pass"  # 核查通过
    CHECK_FAIL = "check_fail"  # 核查不通过 → 返工
    CLOSE = "close"  # 结案
    REOPEN = "reopen"  # 重新处置 (e.g. 12345 callback unsatisfied)
    PARK = "park"  # 挂账
    UNPARK = "unpark"  # 解除挂账
    VOID = "void"  # 作废
    MERGE = "merge"  # 合并 into another case
    REQUEST_EXTENSION = "request_extension"  # 申请延期 (state unchanged)
    DECIDE_EXTENSION = "decide_extension"  # 审批延期 (state unchanged)
    COMMENT = "comment"  # 备注 (state unchanged)


ACTION_LABELS = {
    Action.ACCEPT: _("Accept"),
    Action.SEND_TO_VERIFY: _("Send to verify"),
    Action.VERIFY: _("Verify"),
    Action.FILE: _("File"),
    Action.DECLINE: _("Decline to file"),
    Action.DISPATCH: _("Dispatch"),
    Action.SEND_BACK: _("Send back"),
    Action.FEEDBACK: _("Report handling done"),
    Action.CHECK_PASS: _("Check passed"),
    Action.CHECK_FAIL: _("Check failed: rework"),
    Action.CLOSE: _("Close"),
    Action.REOPEN: _("Reopen"),
    Action.PARK: _("Park long-term"),
    Action.UNPARK: _("Resume from parking"),
    Action.VOID: _("Void"),
    Action.MERGE: _("Merge into another case"),
    Action.REQUEST_EXTENSION: _("Request extension"),
    Action.DECIDE_EXTENSION: _("Decide extension"),
    Action.COMMENT: _("Comment"),
}


@dataclass(frozen=True)
class Rule:
    sources: frozenset[State]
    target: State | None  # None: the state does not change
    roles: frozenset[Role]


def _r(sources, target, *roles) -> Rule:
    return Rule(frozenset(sources), target, frozenset(roles))


_CENTRE = (Role.INTAKE, Role.SHIFT_LEAD)

RULES: dict[Action, Rule] = {
    Action.ACCEPT: _r({State.REPORTED}, State.TO_FILE, *_CENTRE),
    Action.SEND_TO_VERIFY: _r({State.REPORTED}, State.VERIFYING, *_CENTRE),
    # VERIFY's target depends on the finding: confirmed → TO_FILE, not found → NOT_FILED.
    Action.VERIFY: _r({State.VERIFYING}, State.TO_FILE, Role.INSPECTOR, *_CENTRE),
    Action.FILE: _r({State.TO_FILE, State.REPORTED}, State.TO_DISPATCH, Role.SHIFT_LEAD),
    Action.DECLINE: _r({State.TO_FILE, State.REPORTED, State.VERIFYING}, State.NOT_FILED, Role.SHIFT_LEAD),
    Action.DISPATCH: _r({State.TO_DISPATCH}, State.HANDLING, Role.DISPATCHER, Role.SHIFT_LEAD),
    Action.SEND_BACK: _r({State.HANDLING}, State.TO_DISPATCH, Role.HANDLER, Role.DEPT_LEADER),
    Action.FEEDBACK: _r({State.HANDLING}, State.TO_CHECK, Role.HANDLER, Role.DEPT_LEADER),
    Action.CHECK_PASS: _r({State.TO_CHECK}, State.TO_CLOSE, Role.INSPECTOR, *_CENTRE),
    Action.CHECK_FAIL: _r({State.TO_CHECK}, State.HANDLING, Role.INSPECTOR, *_CENTRE),
    Action.CLOSE: _r({State.TO_CLOSE}, State.CLOSED, Role.SHIFT_LEAD),
    Action.REOPEN: _r({State.CLOSED}, State.HANDLING, Role.SHIFT_LEAD, Role.INTAKE),
    Action.PARK: _r({State.HANDLING}, State.PARKED, Role.SHIFT_LEAD),
    Action.UNPARK: _r({State.PARKED}, State.HANDLING, Role.SHIFT_LEAD),
    Action.VOID: _r(OPEN_STATES, State.VOIDED, Role.SHIFT_LEAD),
    Action.MERGE: _r({State.REPORTED, State.VERIFYING, State.TO_FILE, State.TO_DISPATCH}, State.MERGED, *_CENTRE),
    Action.REQUEST_EXTENSION: _r({State.HANDLING}, None, Role.HANDLER, Role.DEPT_LEADER),
    Action.DECIDE_EXTENSION: _r({State.HANDLING, State.PARKED}, None, Role.SHIFT_LEAD),
    Action.COMMENT: _r(OPEN_STATES, None, *frozenset(Role) - {Role.RESIDENT}),
}


class IllegalTransition(Exception):
    """The action is not allowed on a case in its current state, or for this user."""


def transition(state: State | str, action: Action | str, roles: frozenset[Role] | set[Role], *, superuser: bool = False) -> State:
    """The state after ``action``; raises :class:`IllegalTransition` with a clear reason."""
    state = State(state)
    action = Action(action)
    rule = RULES[action]
    if state not in rule.sources:
        raise IllegalTransition(
            _("“%(action)s” is not possible on a case that is “%(state)s”.")
            % {"action": ACTION_LABELS[action], "state": STATE_LABELS[state]}
        )
    if not superuser and not (set(roles) & rule.roles):
        raise IllegalTransition(
            _("Your role may not “%(action)s” cases.") % {"action": ACTION_LABELS[action]}
        )
    return rule.target or state


def allowed_actions(state: State | str, roles: frozenset[Role] | set[Role], *, superuser: bool = False) -> list[Action]:
    state = State(state)
    return [
        a
        for a, rule in RULES.items()
        if state in rule.sources and (superuser or set(roles) & rule.roles)
    ]


# Timeline entries that are not lifecycle actions.
_EVENT_LABELS = {
    "report": _("Reported"),
    "merged_in": _("A duplicate was merged in"),
    "overdue": _("Step overdue"),
    "media": _("Photos added"),
}


def event_label(action: str) -> str:
    """What a timeline entry's ``action`` is called on a page (staff or public)."""
    try:
        return str(ACTION_LABELS[Action(action)])
    except ValueError:
        return str(_EVENT_LABELS.get(action, action))
