"""Every write to a case: one named function each, in a transaction.

Each function locks the case row (SELECT ... FOR UPDATE on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), checks the move with
``lifecycle.transition``, applies it, bumps ``version``, and records the
timeline entry and the audit entry in the same transaction.  Two people
acting on one case at once therefore never lose an update: the second waits
for the first, then either finds its move still legal or is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import freshness
from zhili.core.db import insert
from zhili.core.models import record
from zhili.places.services import PlaceHit, locate

from .clocks import Limit, deadline, step_limit
from .dispatch import RuleRow, choose_rule
from .lifecycle import STEP_OF_STATE, Action, IllegalTransition, State, Step, transition
from .models import Case, CaseCounter, CaseEvent, DispatchRule, ExtensionRequest, Source

__all__ = [
    "IllegalTransition",
    "StaleCase",
    "case_report",
    "case_accept",
    "case_send_to_verify",
    "case_verify",
    "case_file",
    "case_decline",
    "case_dispatch",
    "case_send_back",
    "case_feedback",
    "case_check",
    "case_close",
    "case_reopen",
    "case_park",
    "case_unpark",
    "case_void",
    "case_merge",
    "case_request_extension",
    "case_decide_extension",
    "case_comment",
    "flag_overdue",
]


class StaleCase(IllegalTransition):
    """The case changed since the page the user acted on was shown."""


# --- helpers -----------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _roles(actor) -> frozenset:
    return actor.roles if actor is not None and getattr(actor, "pk", None) else frozenset()


def _is_super(actor) -> bool:
    # actor None = the system itself (imports, tick): trusted.
    return actor is None or bool(getattr(actor, "is_superuser", False))


_sequence_checked = False


def _next_number(now: datetime) -> str:
    """Case number: the local date and a 6-digit sequence (YYYYMMDDnnnnnn).

    On PostgreSQL the sequence is a database SEQUENCE: nextval() takes no row
    lock, so concurrent reports do not queue behind one counter row for the
    length of their transactions (numbers may skip after a rollback, as
    sequences do).  SQLite serialises writers anyway and uses a per-day
    counter row.
    """
    from django.db import connection

    day = timezone.localtime(now).date()
    if connection.vendor == "postgresql":
        global _sequence_checked
        with connection.cursor() as cur:
            if not _sequence_checked:
                # The migration creates it; this covers databases built
                # without migrations (pytest --no-migrations), once a process.
                cur.execute("CREATE SEQUENCE IF NOT EXISTS cases_case_number_seq")
                _sequence_checked = True
            cur.execute("SELECT nextval('cases_case_number_seq')")
            seq = cur.fetchone()[0] % 1_000_000
        return f"{day:%Y%m%d}{seq:06d}"
    if not CaseCounter.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseCounter.objects.create(day=day, last=1)
        except IntegrityError:
            CaseCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = CaseCounter.objects.get(day=day).last
    return f"{day:%Y%m%d}{last:06d}"


_SNAPSHOT_FIELDS = ("state", "version", "step", "step_deadline", "assigned_unit_id", "category_id", "condition_id")


def _snapshot(case: Case) -> dict[str, Any]:
    out = {}
    for name in _SNAPSHOT_FIELDS:
        value = getattr(case, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _handle_limit(case: Case) -> Limit:
    cond = case.condition
    if cond is not None and cond.time_limit is not None and cond.time_unit:
        return Limit(Decimal(str(cond.time_limit)), cond.time_unit)
    return step_limit(Step.HANDLE)


def _enter_state(case: Case, state: State, now: datetime) -> None:
    case.state = state.value
    step = STEP_OF_STATE.get(state)
    if step is None:
        case.step = ""
        case.step_started_at = None
        case.step_deadline = None
        case.step_overdue = False
        return
    limit = _handle_limit(case) if step == Step.HANDLE else step_limit(step)
    case.step = step.value
    case.step_started_at = now
    case.step_deadline = deadline(now, limit)
    case.step_overdue = False
    case.escalated_at = None
    if step == Step.HANDLE:
        case.handle_deadline = case.step_deadline


def _on_time(case: Case, now: datetime) -> bool:
    return case.step_deadline is None or now <= case.step_deadline


@dataclass
class _Move:
    case: Case
    before: dict[str, Any]
    from_state: State
    now: datetime


def _begin(*, actor, case_id: int, action: Action, expected_version: int | None, now: datetime | None) -> tuple[_Move, State]:
    case = Case.objects.select_for_update(of=("self",)).select_related("condition").get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(
            _("Case %(n)s was changed by someone else since you opened it; reload it and try again.")
            % {"n": case.number}
        )
    _check_scope(actor, case, action)
    target = transition(case.state, action, _roles(actor), superuser=_is_super(actor))
    return _Move(case, _snapshot(case), State(case.state), _now(now)), target


def _check_scope(actor, case: Case, action: Action) -> None:
    """Handling units act only on cases dispatched to them (or their sub-units)."""
    if _is_super(actor):
        return
    from zhili.accounts.roles import Role

    roles = _roles(actor)
    unit_roles = {Role.HANDLER, Role.DEPT_LEADER}
    if action in (Action.SEND_BACK, Action.FEEDBACK, Action.REQUEST_EXTENSION) and roles & unit_roles and not roles - unit_roles - {Role.RESIDENT}:
        own = actor.org_unit.descendant_ids() if actor.org_unit_id else set()
        if case.assigned_unit_id not in own:
            raise IllegalTransition(_("This case is not dispatched to your unit."))


def _finish(*, actor, move: _Move, action: Action, target: State | None, note: str = "", data: dict | None = None, public: bool = True) -> Case:
    case = move.case
    if target is not None and target != move.from_state:
        _enter_state(case, target, move.now)
    case.version += 1
    case.save()
    event = insert(
        CaseEvent(
            case=case,
            at=move.now,
            actor=actor if getattr(actor, "pk", None) else None,
            action=action.value,
            from_state=move.from_state.value,
            to_state=case.state,
            note=note,
            data=data or {},
            public=public,
        )
    )
    record(actor=actor, action=f"cases.{action.value}", obj=case, summary=note[:300], before=move.before, after=_snapshot(case))
    case._last_event = event  # the caller may attach media to it
    return case


def _require_note(note: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("A reason is required to %(what)s.") % {"what": what})
    return note


# --- intake ------------------------------------------------------------------


@freshness.in_snapshot  # one statement checks the grids, calendar and step limits it uses
def case_report(
    *,
    actor,
    source: str,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    category=None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    component_id: str = "",
    reported_at: datetime | None = None,
    now: datetime | None = None,
    place: PlaceHit | None = None,
) -> Case:
    """A new report from any source; it waits for intake (受理).

    ``place``: the caller already located (lon, lat) as of today; for a
    report dated today the lookup is not repeated."""
    now = _now(now)
    reported_at = reported_at or now
    if source not in Source.values:
        raise ValidationError(_("Unknown source %(s)s.") % {"s": source})
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("A description of the problem is required."))
    if len(description) > 4000:
        raise ValidationError(_("The description is longer than 4000 characters."))
    codes = {"grid_code": "", "community_code": "", "street_code": "", "district_code": ""}
    if (lon is None) != (lat is None):
        raise ValidationError(_("Give both longitude and latitude, or neither."))
    if lon is not None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(_("The location (%(lon)s, %(lat)s) is not a longitude/latitude.") % {"lon": lon, "lat": lat})
        same_day = timezone.localtime(reported_at).date() == timezone.localdate()
        hit = place if place is not None and same_day else locate(lon, lat, at=timezone.localtime(reported_at).date())
        if hit is None:
            raise ValidationError(_("The location lies outside every unit grid of this installation."))
        codes = {"grid_code": hit.grid, "community_code": hit.community, "street_code": hit.street, "district_code": hit.district}
    elif not address.strip():
        raise ValidationError(_("A location or an address is required."))
    # No savepoint when nested: everything was validated above, and a failure
    # below aborts the caller's transaction anyway (saves two round trips).
    with transaction.atomic(savepoint=False):
        case = Case(
            number=_next_number(reported_at),
            source=source,
            category=category,
            description=description,
            address=address.strip(),
            lon=lon,
            lat=lat,
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            component_id=component_id,
            reporter=actor if getattr(actor, "pk", None) else None,
            reported_at=reported_at,
            **codes,
        )
        _enter_state(case, State.REPORTED, reported_at)
        # Inspectors' reports are valid reports by default; others become
        # valid when verified.
        if source == Source.INSPECTOR:
            case.valid_report = True
        insert(case)
        insert(
            CaseEvent(
                case=case, at=reported_at, actor=case.reporter, action="report", from_state="", to_state=case.state,
                note=description[:200], data={"source": source},
            )
        )
        record(actor=actor, action="cases.report", obj=case, after=_snapshot(case))
    return case


def case_accept(*, actor, case_id: int, category=None, expected_version: int | None = None, note: str = "", now: datetime | None = None) -> Case:
    """受理: the centre accepts the report as it is (no site verification needed)."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.ACCEPT, expected_version=expected_version, now=now)
        case = move.case
        if category is not None:
            case.category = category
        case.accepted_at = move.now
        case.accepted_on_time = _on_time(case, move.now)
        case.intake_by = actor if getattr(actor, "pk", None) else None
        return _finish(actor=actor, move=move, action=Action.ACCEPT, target=target, note=note)


def case_send_to_verify(*, actor, case_id: int, expected_version: int | None = None, note: str = "", now: datetime | None = None) -> Case:
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.SEND_TO_VERIFY, expected_version=expected_version, now=now)
        move.case.accepted_at = move.now
        move.case.accepted_on_time = _on_time(move.case, move.now)
        move.case.intake_by = actor if getattr(actor, "pk", None) else None
        return _finish(actor=actor, move=move, action=Action.SEND_TO_VERIFY, target=target, note=note)


def case_verify(*, actor, case_id: int, confirmed: bool, note: str = "", expected_version: int | None = None, now: datetime | None = None) -> Case:
    """核实: the inspector confirms the problem on site, or finds nothing."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.VERIFY, expected_version=expected_version, now=now)
        case = move.case
        case.verified_at = move.now
        case.verified_on_time = _on_time(case, move.now)
        case.valid_report = confirmed
        if not confirmed:
            target = State.NOT_FILED
            note = _require_note(note, _("report that the problem was not found"))
        return _finish(actor=actor, move=move, action=Action.VERIFY, target=target, note=note, data={"confirmed": confirmed})


def case_file(*, actor, case_id: int, category=None, condition=None, expected_version: int | None = None, note: str = "", now: datetime | None = None) -> Case:
    """立案 against a filing condition of the category; its time limit sets the handling clock."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.FILE, expected_version=expected_version, now=now)
        case = move.case
        if category is not None:
            case.category = category
        if case.category_id is None:
            raise ValidationError(_("Choose the category before filing the case."))
        if condition is not None:
            if condition.category_id != case.category_id:
                raise ValidationError(_("The filing condition belongs to another category."))
            case.condition = condition
        case.filed_at = move.now
        case.filed_on_time = _on_time(case, move.now)
        case.filed_by = actor if getattr(actor, "pk", None) else None
        if case.valid_report is None:
            case.valid_report = True
        return _finish(actor=actor, move=move, action=Action.FILE, target=target, note=note)


def case_decline(*, actor, case_id: int, note: str, expected_version: int | None = None, now: datetime | None = None) -> Case:
    """不予立案, with the reason."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.DECLINE, expected_version=expected_version, now=now)
        note = _require_note(note, _("decline a case"))
        move.case.valid_report = False
        return _finish(actor=actor, move=move, action=Action.DECLINE, target=target, note=note)


def suggest_unit(case: Case):
    """The handling unit the responsibility list names for this case, or None."""
    from zhili.accounts.models import OrgUnit

    rows = [
        RuleRow(r.pk, r.category_id, r.area_code, r.unit_id, r.priority)
        for r in DispatchRule.objects.filter(active=True).only("pk", "category_id", "area_code", "unit_id", "priority")
    ]
    rule = choose_rule(rows, case.category_id, case.grid_code)
    return OrgUnit.objects.get(pk=rule.unit_id) if rule else None


def case_dispatch(*, actor, case_id: int, unit=None, expected_version: int | None = None, note: str = "", now: datetime | None = None) -> Case:
    """派遣 to the unit the responsibility list names, or to ``unit`` (manual override)."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.DISPATCH, expected_version=expected_version, now=now)
        case = move.case
        suggested = suggest_unit(case)
        chosen = unit or suggested
        if chosen is None:
            raise ValidationError(_("No dispatch rule matches this case; choose the handling unit."))
        case.assigned_unit = chosen
        case.dispatched_at = move.now
        case.dispatched_on_time = _on_time(case, move.now)
        case.dispatched_by = actor if getattr(actor, "pk", None) else None
        data = {"unit": chosen.pk, "unit_name": chosen.name, "by_rule": suggested is not None and chosen.pk == suggested.pk}
        return _finish(actor=actor, move=move, action=Action.DISPATCH, target=target, note=note, data=data)


def case_send_back(*, actor, case_id: int, note: str, expected_version: int | None = None, now: datetime | None = None) -> Case:
    """回退: the unit says the case is not theirs; it goes back to the dispatcher."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.SEND_BACK, expected_version=expected_version, now=now)
        note = _require_note(note, _("send a case back"))
        case = move.case
        case.send_back_count += 1
        data = {"unit": case.assigned_unit_id}
        case.assigned_unit = None
        return _finish(actor=actor, move=move, action=Action.SEND_BACK, target=target, note=note, data=data)


def case_feedback(*, actor, case_id: int, note: str, expected_version: int | None = None, now: datetime | None = None) -> Case:
    """处置反馈: the unit reports the work done (after-photos attached by the caller)."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.FEEDBACK, expected_version=expected_version, now=now)
        note = _require_note(note, _("report the handling"))
        case = move.case
        case.handled_at = move.now
        case.handled_on_time = _on_time(case, move.now)
        return _finish(actor=actor, move=move, action=Action.FEEDBACK, target=target, note=note)


def case_check(*, actor, case_id: int, passed: bool, note: str = "", expected_version: int | None = None, now: datetime | None = None) -> Case:
    """核查 on site: passed → awaiting closure; failed → 返工 (rework) with a new handling clock."""
    action = Action.CHECK_PASS if passed else Action.CHECK_FAIL
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=action, expected_version=expected_version, now=now)
        case = move.case
        case.checked_at = move.now
        case.checked_on_time = _on_time(case, move.now)
        if not passed:
            note = _require_note(note, _("send a case to rework"))
            case.rework_count += 1
        return _finish(actor=actor, move=move, action=action, target=target, note=note)


def case_close(*, actor, case_id: int, note: str = "", expected_version: int | None = None, now: datetime | None = None) -> Case:
    """结案 against the closing condition."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.CLOSE, expected_version=expected_version, now=now)
        case = move.case
        case.closed_at = move.now
        case.closed_on_time = _on_time(case, move.now)
        case.closed_by = actor if getattr(actor, "pk", None) else None
        return _finish(actor=actor, move=move, action=Action.CLOSE, target=target, note=note)


def case_reopen(*, actor, case_id: int, note: str, expected_version: int | None = None, now: datetime | None = None) -> Case:
    """Back to the handling unit (e.g. the 12345 caller was unsatisfied)."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.REOPEN, expected_version=expected_version, now=now)
        note = _require_note(note, _("reopen a case"))
        case = move.case
        case.closed_at = None
        case.closed_on_time = None
        case.rework_count += 1
        return _finish(actor=actor, move=move, action=Action.REOPEN, target=target, note=note)


def case_park(*, actor, case_id: int, plan: str, review_on, expected_version: int | None = None, now: datetime | None = None) -> Case:
    """挂账: a long-term case leaves the clock with a plan and a review date."""
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.PARK, expected_version=expected_version, now=now)
        plan = _require_note(plan, _("park a case (the plan)"))
        if review_on is None or review_on <= timezone.localtime(move.now).date():
            raise ValidationError(_("The review date must be in the future."))
        move.case.park_plan = plan
        move.case.park_review_on = review_on
        return _finish(actor=actor, move=move, action=Action.PARK, target=target, note=plan, data={"review_on": review_on.isoformat()})


def case_unpark(*, actor, case_id: int, note: str = "", expected_version: int | None = None, now: datetime | None = None) -> Case:
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.UNPARK, expected_version=expected_version, now=now)
        move.case.park_review_on = None
        return _finish(actor=actor, move=move, action=Action.UNPARK, target=target, note=note)


def case_void(*, actor, case_id: int, note: str, expected_version: int | None = None, now: datetime | None = None) -> Case:
    with transaction.atomic():
        move, target = _begin(actor=actor, case_id=case_id, action=Action.VOID, expected_version=expected_version, now=now)
        note = _require_note(note, _("void a case"))
        return _finish(actor=actor, move=move, action=Action.VOID, target=target, note=note)


def case_merge(*, actor, case_id: int, into_id: int, note: str = "", expected_version: int | None = None, now: datetime | None = None) -> Case:
    """合并: a duplicate is closed into the case that carries on; its support moves over."""
    if case_id == into_id:
        raise ValidationError(_("A case cannot be merged into itself."))
    with transaction.atomic():
        # Lock both rows in id order so two opposite merges cannot deadlock.
        locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=sorted([case_id, into_id])).order_by("pk")}
        into = locked.get(into_id)
        if into is None:
            raise ValidationError(_("The case to merge into does not exist."))
        if not into.is_open:
            raise ValidationError(_("Case %(n)s is no longer open; merge into an open case.") % {"n": into.number})
        move, target = _begin(actor=actor, case_id=case_id, action=Action.MERGE, expected_version=expected_version, now=now)
        case = move.case
        case.merged_into = into
        Case.objects.filter(pk=into.pk).update(support_count=F("support_count") + 1 + case.support_count, version=F("version") + 1)
        CaseEvent.objects.create(
            case=into, at=move.now, actor=actor if getattr(actor, "pk", None) else None, action="merged_in",
            from_state=into.state, to_state=into.state, note=case.number, data={"case": case.pk},
        )
        return _finish(actor=actor, move=move, action=Action.MERGE, target=target, note=note or into.number, data={"into": into.pk, "into_number": into.number})


def case_request_extension(*, actor, case_id: int, amount: Decimal | float, unit: str, reason: str, now: datetime | None = None) -> ExtensionRequest:
    """延期申请 by the handling unit; the clock runs on until approved."""
    with transaction.atomic():
        move, _target = _begin(actor=actor, case_id=case_id, action=Action.REQUEST_EXTENSION, expected_version=None, now=now)
        reason = _require_note(reason, _("request an extension"))
        amount = Decimal(str(amount))
        if amount <= 0:
            raise ValidationError(_("The extension must be longer than zero."))
        deadline(move.now, Limit(amount, unit))  # validates the unit (and calendar data) now
        if ExtensionRequest.objects.filter(case=move.case, status=ExtensionRequest.Status.PENDING).exists():
            raise ValidationError(_("An extension request for this case is already waiting for a decision."))
        req = ExtensionRequest.objects.create(case=move.case, requested_by=actor, requested_at=move.now, amount=amount, unit=unit, reason=reason)
        _finish(actor=actor, move=move, action=Action.REQUEST_EXTENSION, target=None, note=reason, data={"request": req.pk, "amount": str(amount), "unit": unit})
        return req


def case_decide_extension(*, actor, request_id: int, approve: bool, note: str = "", now: datetime | None = None) -> ExtensionRequest:
    """延期审批: approval moves the handling deadline by the requested time."""
    with transaction.atomic():
        req = ExtensionRequest.objects.select_for_update().get(pk=request_id)
        if req.status != ExtensionRequest.Status.PENDING:
            raise ValidationError(_("This extension request was already decided."))
        move, _target = _begin(actor=actor, case_id=req.case_id, action=Action.DECIDE_EXTENSION, expected_version=None, now=now)
        case = move.case
        req.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        req.decided_by = actor if getattr(actor, "pk", None) else None
        req.decided_at = move.now
        req.decision_note = note
        req.save()
        data: dict[str, Any] = {"request": req.pk, "approved": approve}
        if approve and case.step_deadline is not None:
            new_deadline = deadline(case.step_deadline, Limit(req.amount, req.unit))
            case.step_deadline = new_deadline
            case.handle_deadline = new_deadline
            case.step_overdue = new_deadline < move.now
            case.extension_count += 1
            data["deadline"] = new_deadline.isoformat()
        _finish(actor=actor, move=move, action=Action.DECIDE_EXTENSION, target=None, note=note, data=data)
        return req


def case_comment(*, actor, case_id: int, note: str, public: bool = False, now: datetime | None = None) -> Case:
    with transaction.atomic():
        move, _target = _begin(actor=actor, case_id=case_id, action=Action.COMMENT, expected_version=None, now=now)
        note = _require_note(note, _("comment"))
        return _finish(actor=actor, move=move, action=Action.COMMENT, target=None, note=note, public=public)


# --- clocks --------------------------------------------------------------------


def flag_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """Flag open steps past their deadline and escalate them once (zhili tick).

    A conditional UPDATE does the flagging, so a case is counted and
    escalated exactly once even if two ticks overlap.
    """
    now = _now(now)
    with transaction.atomic():
        due = list(
            Case.objects.filter(step_overdue=False, step_deadline__lt=now)
            .exclude(step="")
            .values_list("pk", "state", "step")
        )
        flagged = 0
        for pk, state, step in due:
            updated = Case.objects.filter(pk=pk, step_overdue=False, step=step).update(
                step_overdue=True, escalated_at=now, overdue_count=F("overdue_count") + 1
            )
            if updated:
                flagged += 1
                CaseEvent.objects.create(
                    case_id=pk, at=now, actor=None, action="overdue", from_state=state, to_state=state,
                    note="", data={"step": step}, public=False,
                )
    return {"flagged": flagged}
