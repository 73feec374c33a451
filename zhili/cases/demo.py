"""Cases in flight for the demo district: something waits in every inbox.

The synthetic year of cases (``synthetic.py``) is bulk-written history; a
visitor logging in as an intake clerk, a dispatcher, a handler or an
inspector should also find work of today waiting.  These cases are
reported inside each demo inspector's responsibility grids over the last
two working days and moved along the lifecycle by the named actions, by the
persona whose role does each step, so their timelines, clocks and
dispatches are what real use leaves behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from zhili.accounts.models import User
from zhili.places.models import ResponsibilityGrid, UnitGrid
from zhili.workcal.clock import CalendarDataMissing

from . import actions
from .models import Case, Catalogue, Category, Source

# (category code "kind:code", description, how far along the lifecycle it is)
_SCRIPT: list[tuple[str, str, str]] = [
    ("event:06010", "小区门口垃圾桶旁堆放暴露垃圾约 2 立方米。", "reported"),
    ("event:09006", "菜市场东侧人行道有流动摊贩占道经营。", "verifying"),
    ("event:07001", "公交站亭张贴非法小广告十余张。", "to_file"),
    ("event:06010", "绿化带内有装修垃圾倾倒。", "to_dispatch"),
    ("event:09006", "学校周边早市摊点占用车行道。", "handling"),
    ("event:07001", "居民楼道口墙面喷涂办证小广告。", "to_check"),
    ("event:06010", "路口垃圾收集点满溢未清运。", "to_close"),
]
STAGES = ["reported", "verifying", "to_file", "to_dispatch", "handling", "to_check", "to_close"]


def demo_user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def handler_for(case: Case) -> User | None:
    if case.assigned_unit_id is None:
        return None
    return (
        User.objects.filter(org_unit_id=case.assigned_unit_id, groups__name="handler")
        .order_by("username")
        .first()
    )


def _category(catalogue: Catalogue, key: str) -> Category | None:
    kind, code = key.split(":")
    return catalogue.categories.filter(kind=kind, code=code).first()


def load_demo_live_cases(now: datetime | None = None) -> list[Case]:
    """Report and move the scripted cases; returns them (empty without the demo)."""
    now = now or timezone.now()
    intake, lead, dispatcher = demo_user("shouli1"), demo_user("zhiban1"), demo_user("paiqian1")
    catalogue = Catalogue.objects.filter(is_default=True).first()
    if None in (intake, lead, dispatcher, catalogue):
        return []
    out: list[Case] = []
    inspectors = list(
        User.objects.filter(username__in=["jiandu1", "jiandu2", "jiandu3"]).order_by("username")
    )
    for i, inspector in enumerate(inspectors):
        codes = list(
            ResponsibilityGrid.objects.filter(inspector=inspector)
            .order_by("code")
            .values_list("members__grid_code", flat=True)[: len(_SCRIPT) * 3]
        )
        grids = {g.code: g for g in UnitGrid.objects.current().filter(code__in=codes)}
        for j, (key, text, stage) in enumerate(_SCRIPT):
            grid = grids.get(codes[(j * 3 + i) % len(codes)]) if codes else None
            category = _category(catalogue, key)
            if grid is None or category is None:
                continue
            point = grid.geometry.representative_point()
            # Reported between 2 and 40 hours ago, each step an hour later.
            at = now - timedelta(hours=2 + 6 * j + 2 * i)
            try:
                with transaction.atomic():
                    out.append(
                        _script_case(
                            inspector,
                            category,
                            text,
                            grid,
                            point,
                            at,
                            stage,
                            intake,
                            lead,
                            dispatcher,
                        )
                    )
            except CalendarDataMissing:
                # Late in a year whose successor's holidays are not entered
                # yet, a deadline cannot be computed: that case is left out.
                continue
    return out


def _script_case(
    inspector, category, text, grid, point, at, stage, intake, lead, dispatcher
) -> Case:
    case = actions.case_report(
        actor=inspector,
        source=Source.INSPECTOR,
        description=text,
        lon=point.x,
        lat=point.y,
        category=category,
        address=f"{grid.name or grid.code}附近",
        reported_at=at,
        now=at,
    )
    return advance(case, stage, at, inspector, intake, lead, dispatcher)


def advance(case: Case, stage: str, at: datetime, inspector, intake, lead, dispatcher) -> Case:
    """Move ``case`` through the lifecycle up to ``stage`` (one of ``STAGES``)
    by the demo's personas, one step every 40 minutes after ``at``."""
    target = STAGES.index(stage)
    steps = 0

    def t() -> datetime:
        nonlocal steps
        steps += 1
        return at + timedelta(minutes=40 * steps)

    if target == 1:
        return actions.case_send_to_verify(actor=intake, case_id=case.pk, now=t())
    if target >= 2:
        case = actions.case_accept(actor=intake, case_id=case.pk, now=t())
    if target >= 3:
        case = actions.case_file(actor=lead, case_id=case.pk, now=t())
    if target >= 4:
        case = actions.case_dispatch(actor=dispatcher, case_id=case.pk, now=t())
    if target >= 5:
        handler = handler_for(case)
        if handler is None:
            return case
        case = actions.case_feedback(
            actor=handler, case_id=case.pk, note="已清理完毕，现场恢复整洁。", now=t()
        )
    if target >= 6:
        case = actions.case_check(
            actor=inspector, case_id=case.pk, passed=True, note="现场核查已处置到位。", now=t()
        )
    return case
