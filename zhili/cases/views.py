"""Work pages of the case system: inbox, all cases, case detail with its actions, report page.

Views stay thin.  Reads go through ``access.py`` (the same 404 for a case
that does not exist and one the user may not see); writes go through the
action functions, called by the forms' ``perform``.  The pure helpers at
the top (what waits on whom, time left on a step) are tested without HTTP.

The lists must stay fast with a million cases: they filter on indexed
columns ((state, step_deadline), (assigned_unit, state), reported_at),
fetch one page with LIMIT, and count at most ``COUNT_CAP`` rows instead of
the whole table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Func, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.accounts.roles import Role

from . import actions as A
from .access import CENTRE_ROLES, access_case_by_number, visible_cases
from .catalogue import TimeUnit
from .clocks import DEFAULT_STEP_LIMITS
from .forms import ACTION_FORMS, SORT_ORDER, ActionForm, CaseFilterForm, ReportForm, form_key
from .lifecycle import (
    FINAL_STATES,
    STATE_LABELS,
    STEP_OF_STATE,
    IllegalTransition,
    State,
    allowed_actions,
    event_label,
)
from .media import case_attach_media
from .models import Case, CaseEvent, ExtensionRequest, StepLimit

PAGE_SIZE = 50
# Offset paging gets slower the deeper it goes; past this, filter or export.
MAX_PAGE = 200
# "More than 1000" is as useful on a work list as the exact figure, and
# counting a capped subquery stays cheap whatever the table size.
COUNT_CAP = 1000
EXPORT_CAP = 100_000

WORKING_UNITS = frozenset({TimeUnit.WORK_HOURS.value, TimeUnit.WORK_DAYS.value})
UNIT_ROLES = frozenset({Role.HANDLER, Role.DEPT_LEADER})
LIST_RELATED = ("category", "assigned_unit", "condition")


# --- what waits on whom (pure) ------------------------------------------------------------


def inbox_states(roles: Iterable[Role], *, superuser: bool = False) -> list[State]:
    """The states whose cases wait on someone with ``roles`` (in workflow order)."""
    roles = set(roles)
    states: set[State] = set()
    if superuser:
        return [s for s in State if s in STEP_OF_STATE]
    if Role.INTAKE in roles:
        states.add(State.REPORTED)
    if Role.INSPECTOR in roles:
        states |= {State.VERIFYING, State.TO_CHECK}
    if Role.SHIFT_LEAD in roles:
        # Handling and parked cases wait on the shift lead only while an
        # extension request is pending (see inbox_q).
        states |= {State.TO_FILE, State.TO_CLOSE, State.HANDLING, State.PARKED}
    if Role.DISPATCHER in roles:
        states.add(State.TO_DISPATCH)
    if roles & UNIT_ROLES:
        states.add(State.HANDLING)
    return [s for s in State if s in states]


def inbox_q(
    roles: Iterable[Role], *, unit_ids: set[int] | None = None, superuser: bool = False
) -> Q | None:
    """The filter of cases waiting on a user: the states each role acts on
    (``lifecycle.RULES``), the handling unit's own cases, the shift lead's
    pending extension decisions.  ``None``: nothing waits on these roles."""
    roles = set(roles)
    if superuser:
        return Q(state__in=[s.value for s in STEP_OF_STATE])
    parts: list[Q] = []
    plain: list[str] = []
    if Role.INTAKE in roles:
        plain.append(State.REPORTED)
    if Role.INSPECTOR in roles:
        # visible_cases keeps an inspector to the grids of their responsibility.
        plain += [State.VERIFYING, State.TO_CHECK]
    if Role.SHIFT_LEAD in roles:
        plain += [State.TO_FILE, State.TO_CLOSE]
        pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).values(
            "case_id"
        )
        parts.append(Q(state__in=[State.HANDLING, State.PARKED], pk__in=pending))
    if Role.DISPATCHER in roles:
        plain.append(State.TO_DISPATCH)
    if roles & UNIT_ROLES and unit_ids:
        parts.append(Q(state=State.HANDLING, assigned_unit_id__in=sorted(unit_ids)))
    if plain:
        parts.insert(0, Q(state__in=[str(s) for s in plain]))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


# --- time left on a step (pure) -------------------------------------------------------------


@dataclass(frozen=True)
class TimeLeft:
    """Time until a step's deadline; ``working``: counted in office time."""

    seconds: int  # negative once past the deadline
    working: bool
    overdue: bool

    def __str__(self) -> str:
        text = format_duration(abs(self.seconds), working=self.working)
        if self.overdue:
            text = _("overdue by %(t)s") % {"t": text}
        else:
            text = _("%(t)s left") % {"t": text}
        if self.working:
            text += _(" (working time)")
        return text


def format_duration(seconds: int, *, working: bool = False) -> str:
    """Hours and minutes; natural time over two days also in days.  Working
    time is never shown in days: an office day is not 24 hours."""
    minutes = seconds // 60
    hours, mins = divmod(minutes, 60)
    if not working and hours >= 48:
        days, hours = divmod(hours, 24)
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def time_left(
    now: datetime, deadline: datetime | None, unit: str, calendar: Any
) -> TimeLeft | None:
    """Time left on a step whose limit is in ``unit``.

    Working units (工作时, 工作日) count office time on working days, so a
    Friday-evening deadline is not "60 hours away" on Monday morning; the
    continuous units (紧急工作时, hours, natural days) count the clock.  A
    year without holiday data falls back to the clock rather than failing
    the page.
    """
    if deadline is None:
        return None
    overdue = now > deadline
    if unit in WORKING_UNITS and calendar is not None:
        try:
            delta = calendar.working_time_between(now, deadline)
        except ValueError:  # CalendarDataMissing
            pass
        else:
            return TimeLeft(int(delta.total_seconds()), True, overdue)
    return TimeLeft(int((deadline - now).total_seconds()), False, overdue)


def step_units() -> dict[str, str]:
    """The time unit of each step's limit: StepLimit rows over the defaults."""
    units = {step.value: unit for step, (_amount, unit) in DEFAULT_STEP_LIMITS.items()}
    units.update(dict(StepLimit.objects.values_list("step", "unit")))
    return units


def step_unit(step: str, condition_unit: str | None, units: dict[str, str]) -> str:
    """The unit the current step's limit is in.  The handling limit is the
    filing condition's when the case has one (``actions._handle_limit``)."""
    if step == "handle" and condition_unit:
        return condition_unit
    return units.get(step, "")


def case_step_unit(case: Case, units: dict[str, str]) -> str:
    return step_unit(case.step, case.condition.time_unit if case.condition_id else None, units)


def _calendar() -> Any:
    from zhili.workcal.clock import default_calendar

    try:
        return default_calendar()
    except Exception:  # noqa: BLE001 - a broken calendar must not take the work lists down
        return None


# --- lists ------------------------------------------------------------------------------------


def _require_staff(user) -> None:
    if not getattr(user, "is_government_staff", False):
        raise Http404


def _areas() -> list[tuple[str, str, str]]:
    from zhili.places.models import Division

    return list(
        Division.objects.current()
        .filter(level__in=["street", "community"])
        .order_by("code")
        .values_list("code", "name", "level")
    )


class Likely(Func):
    """``likelihood(condition, p)`` on SQLite: how often the condition holds.

    SQLite's statistics (sqlite_stat1) give only the average rows per value,
    so it takes any one state to hold for a twelfth of the table, whereas in
    a year of cases the open states hold for under 1 % and "closed" for
    most.  Left alone it scans the whole table for the map, or sorts every
    closed case of a street by hand.  The hint keeps the condition usable by
    the index and only corrects the estimate.  PostgreSQL keeps per-value
    statistics and gets the bare condition.
    """

    output_field = BooleanField()

    def __init__(self, condition: Q, probability: float) -> None:
        super().__init__(condition)
        # SQLite wants the probability as a literal, not a parameter.
        self.probability = float(probability)
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"a probability is between 0 and 1, not {probability}")

    def as_sql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            return f"likelihood({sql}, {self.probability!r})", params
        return f"({sql})", params


# The rough share of cases in one state (for Likely): open states are few.
OPEN_SHARE = 0.01
FINAL_SHARE = 0.9


def state_is(state: str) -> Likely:
    return Likely(Q(state=state), FINAL_SHARE if state in FINAL_STATES else OPEN_SHARE)


def apply_filters(qs: QuerySet[Case], data: dict[str, Any], *, now: datetime) -> QuerySet[Case]:
    """The list filters on indexed columns (shared by the lists and the map)."""
    if data.get("state"):
        qs = qs.filter(state_is(data["state"]))
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    area = data.get("area") or ""
    if len(area) == 9:
        qs = qs.filter(street_code=area)
    elif len(area) == 12:
        qs = qs.filter(community_code=area)
    elif len(area) == 15:
        qs = qs.filter(grid_code=area)
    if data.get("overdue"):
        # The deadline itself, not the tick's flag: the list is right even
        # when the tick has not run since the deadline passed.
        qs = qs.filter(step_deadline__lt=now)
    return qs


@dataclass
class Row:
    case: Case
    area: str
    left: TimeLeft | None


# Who may open the report page: field inspectors, and the centre recording calls.
REPORT_ROLES = frozenset({Role.INSPECTOR}) | CENTRE_ROLES


def can_report(user) -> bool:
    return bool(user.is_superuser or user.roles & REPORT_ROLES)


def can_export(user) -> bool:
    return bool(user.reads_all or user.has_perm("cases.export_cases"))


def _case_list(
    request: HttpRequest, qs: QuerySet[Case], *, kind: str, states: list[State], default_sort: str
) -> HttpResponse:
    now = timezone.now()
    areas = _areas()
    area_names = {code: name for code, name, _level in areas}
    form = CaseFilterForm(request.GET or None, states=states, areas=areas, max_page=MAX_PAGE)
    data: dict[str, Any] = {"page": 1}
    valid = form.is_valid() if form.is_bound else True
    if valid and form.is_bound:
        data = form.cleaned_data
    sort = data.get("sort") or default_sort
    rows: list[Row] = []
    has_next = False
    total = 0
    if valid:
        qs = apply_filters(qs, data, now=now).order_by(*SORT_ORDER[sort])
        if request.GET.get("format") == "xlsx":
            if not can_export(request.user):
                raise PermissionDenied
            from .export import export_response

            return export_response(qs, kind=kind, area_names=area_names, cap=EXPORT_CAP, now=now)
        page = data.get("page") or 1
        offset = (page - 1) * PAGE_SIZE
        cases = list(qs.select_related(*LIST_RELATED)[offset : offset + PAGE_SIZE + 1])
        has_next = len(cases) > PAGE_SIZE
        cases = cases[:PAGE_SIZE]
        # Without the order the count need not walk an index in order.
        total = qs.order_by()[: COUNT_CAP + 1].count()
        units = step_units()
        calendar = (
            _calendar() if any(case_step_unit(c, units) in WORKING_UNITS for c in cases) else None
        )
        for c in cases:
            area = area_names.get(c.community_code) or area_names.get(c.street_code) or c.grid_code
            rows.append(
                Row(c, area, time_left(now, c.step_deadline, case_step_unit(c, units), calendar))
            )
    page = data.get("page") or 1
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    base = params.urlencode()
    return render(
        request,
        "cases/list.html",
        {
            "kind": kind,
            "form": form,
            "rows": rows,
            "page": page,
            "has_next": has_next and page < MAX_PAGE,
            "has_prev": page > 1,
            "total": total,
            "total_capped": total > COUNT_CAP,
            "count_cap": COUNT_CAP,
            "query": base,
            "can_export": can_export(request.user),
            "reads_all": request.user.reads_all,
            "can_report": can_report(request.user),
        },
        status=200 if valid else 400,
    )


def _unit_ids(user) -> set[int] | None:
    if user.roles & UNIT_ROLES and user.org_unit_id:
        return user.org_unit.descendant_ids()
    return None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """What waits on me, most urgent first."""
    user = request.user
    _require_staff(user)
    q = inbox_q(user.roles, unit_ids=_unit_ids(user), superuser=user.is_superuser)
    qs = visible_cases(user).filter(Likely(q, OPEN_SHARE)) if q is not None else Case.objects.none()
    return _case_list(
        request,
        qs,
        kind="inbox",
        states=inbox_states(user.roles, superuser=user.is_superuser),
        default_sort="deadline",
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Every case the user may see: all of them for the centre and read-all roles."""
    _require_staff(request.user)
    return _case_list(
        request,
        visible_cases(request.user),
        kind="all",
        states=list(State),
        default_sort="-reported",
    )


# --- case detail and its actions ---------------------------------------------------------------

# Forms opened by default; the others sit folded below them.
PRIMARY = [
    "accept",
    "send_to_verify",
    "verify",
    "file",
    "dispatch",
    "feedback",
    "check",
    "close",
    "decide_extension",
    "unpark",
]
_STATES = {s.value for s in State}


def event_detail(event: CaseEvent) -> str:
    """The part of an event's data worth a line on the timeline."""
    d = event.data or {}
    if event.action == "dispatch" and d.get("unit_name"):
        return _("to %(unit)s") % {"unit": d["unit_name"]} + (
            "" if d.get("by_rule", True) else _(" (not the unit the rules suggest)")
        )
    if event.action == "verify":
        return _("problem confirmed") if d.get("confirmed") else _("problem not found")
    if event.action == "request_extension" and d.get("amount"):
        return f"+{d['amount']} {TimeUnit(d['unit']).label if d.get('unit') in TimeUnit.values else d.get('unit', '')}"
    if event.action == "decide_extension":
        return _("approved") if d.get("approved") else _("rejected")
    if event.action == "merge" and d.get("into_number"):
        return _("into %(n)s") % {"n": d["into_number"]}
    if event.action == "overdue" and d.get("step"):
        return d["step"]
    return ""


def _state_label(value: str) -> str:
    return str(STATE_LABELS[State(value)]) if value in _STATES else value


def _action_forms(case: Case, user, bound: ActionForm | None) -> list[ActionForm]:
    keys: list[str] = []
    for action in allowed_actions(case.state, user.roles, superuser=user.is_superuser):
        key = form_key(action)
        if key not in keys and key in ACTION_FORMS:
            keys.append(key)
    pending = None
    if {"decide_extension", "request_extension"} & set(keys):
        pending = case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
        if pending is None and "decide_extension" in keys:
            keys.remove("decide_extension")
        if pending is not None and "request_extension" in keys:
            keys.remove("request_extension")
    keys.sort(key=lambda k: (PRIMARY.index(k) if k in PRIMARY else len(PRIMARY), k == "comment"))
    forms = []
    for key in keys:
        if bound is not None and bound.prefix == key:
            forms.append(bound)
        else:
            forms.append(make_action_form(key, case, user, pending=pending))
    return forms


def make_action_form(
    key: str, case: Case, user, *, data=None, files=None, pending=None
) -> ActionForm:
    cls = ACTION_FORMS[key]
    kwargs: dict[str, Any] = {"case": case, "user": user}
    if key == "dispatch":
        kwargs["suggested"] = A.suggest_unit(case) if case.state == State.TO_DISPATCH else None
    if key == "decide_extension":
        kwargs["request"] = (
            pending
            if pending is not None
            else case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
        )
    return cls(data, files, **kwargs)


def _render_detail(
    request: HttpRequest, case: Case, *, bound: ActionForm | None = None, status: int = 200
) -> HttpResponse:
    from zhili.places.services import division_names

    now = timezone.now()
    user = request.user
    events = list(case.events.select_related("actor").order_by("at", "id"))
    timeline = [
        {
            "event": e,
            "label": event_label(e.action),
            "detail": event_detail(e),
            "actor": (e.actor.get_full_name() or e.actor.username) if e.actor else _("System"),
            "from": _state_label(e.from_state) if e.from_state else "",
            "to": _state_label(e.to_state) if e.to_state and e.to_state != e.from_state else "",
        }
        for e in events
    ]
    media = list(case.media.order_by("uploaded_at", "id"))
    names = division_names([c for c in (case.street_code, case.community_code) if c])
    units = step_units() if case.step else {}
    unit = case_step_unit(case, units) if case.step else ""
    left = time_left(now, case.step_deadline, unit, _calendar() if unit in WORKING_UNITS else None)
    forms = _action_forms(case, user, bound)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "timeline": timeline,
            "media": media,
            "street_name": names.get(case.street_code, ""),
            "community_name": names.get(case.community_code, ""),
            "left": left,
            "forms": forms,
            "primary": PRIMARY,
        },
        status=status,
    )


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    _require_staff(request.user)
    case = access_case_by_number(request.user, number)
    return _render_detail(request, case)


def _attach_photos(*, actor, case: Case, files: list, phase: str, event: CaseEvent | None) -> None:
    if files:
        case_attach_media(actor=actor, case_id=case.pk, files=files, phase=phase, event=event)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


@login_required
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action on one case, from its form on the detail page."""
    user = request.user
    _require_staff(user)
    case = access_case_by_number(user, number)
    if action not in ACTION_FORMS:
        raise Http404
    form = make_action_form(action, case, user, data=request.POST, files=request.FILES)
    if not form.is_valid():
        if "version" in form.errors:
            messages.error(request, _("The form was incomplete; reload the case and try again."))
            return redirect("cases:detail", number=case.number)
        return _render_detail(request, case, bound=form, status=400)
    try:
        with transaction.atomic():
            # The action and its photos commit together or not at all.
            result = form.perform()
            _attach_photos(
                actor=user, case=case, files=form.cleaned_data.get("photos") or [], phase=form.photo_phase or "",
                event=getattr(result, "_last_event", None),
            )  # fmt: skip
    except IllegalTransition as exc:
        # Stale page or a move no longer possible: show the case as it is now.
        messages.error(request, str(exc))
        return redirect("cases:detail", number=case.number)
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        return _render_detail(request, case, bound=form, status=400)
    messages.success(request, _("%(action)s: done.") % {"action": form.title})
    # After e.g. sending a case back, its unit no longer sees it.
    if visible_cases(user).filter(pk=case.pk).exists():
        return redirect("cases:detail", number=case.number)
    return redirect("cases:inbox")


@login_required
def case_media(request: HttpRequest, number: str, pk: str) -> HttpResponse:
    """A photo of a case, for those who may see the case (media is not public)."""
    _require_staff(request.user)
    case = access_case_by_number(request.user, number)
    item = case.media.filter(pk=pk).first()
    if item is None:
        raise Http404
    f = item.thumbnail if request.GET.get("thumb") and item.thumbnail else item.file
    try:
        handle = f.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, content_type=item.content_type if f is item.file else "image/jpeg")


# --- the report page ----------------------------------------------------------------------------


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Report a case: mobile-first for inspectors; the centre records calls here too."""
    user = request.user
    if not can_report(user):
        raise Http404
    centre = user.is_superuser or bool(user.roles & CENTRE_ROLES)
    form = ReportForm(request.POST or None, request.FILES or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                case = form.perform(actor=user)
                event = case.events.order_by("id").first()
                _attach_photos(
                    actor=user,
                    case=case,
                    files=form.cleaned_data.get("photos") or [],
                    phase="report",
                    event=event,
                )
        except (ValidationError, IllegalTransition) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Case %(n)s reported.") % {"n": case.number})
            return redirect("cases:detail", number=case.number)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "cases/report.html", {"form": form, "centre": centre}, status=status)


__all__ = [
    "inbox",
    "case_list",
    "case_detail",
    "case_act",
    "case_media",
    "case_new",
    "inbox_q",
    "inbox_states",
    "time_left",
    "format_duration",
    "TimeLeft",
]
