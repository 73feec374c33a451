"""Shared case fixtures: the catalogue, a category with a condition, the people of a centre."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.fixtures_places import X0, Y0
from zhili.cases import actions as A
from zhili.cases.models import Case, Category, DispatchRule, StandardCondition

TZ = ZoneInfo("Asia/Shanghai")
# Friday 13 February 2026, 10:00: the last working day before Spring Festival
# (15-23 February off; Saturday 14 February is an adjusted working day).
T0 = datetime(2026, 2, 13, 10, 0, tzinfo=TZ)


@pytest.fixture
def catalogue(db):
    from zhili.cases.actions_catalogue import catalogue_load_gbt

    catalogue_load_gbt(actor=None)


@pytest.fixture
def garbage(catalogue):
    """暴露垃圾-like event category with a 4-working-hour condition."""
    cat = Category.objects.filter(kind="event").order_by("major_code", "minor_code").first()
    cond = StandardCondition.objects.create(
        category=cat, standard="test", order=1, filing_condition="可见垃圾", closing_condition="清理干净",
        time_limit=Decimal("4"), time_unit="work_hours",
    )
    return cat, cond


@pytest.fixture
def people(inspector_li, intake_wang, dispatcher_zhao, handler_chen, make_user, org):
    lead = make_user("wu.zhiban", "shift_lead", org_unit=org["office"], first_name="吴值班")
    return {"inspector": inspector_li, "intake": intake_wang, "lead": lead, "dispatcher": dispatcher_zhao, "handler": handler_chen}


@pytest.fixture
def rule(garbage, org):
    cat, _cond = garbage
    return DispatchRule.objects.create(category=cat, area_code="440699", unit=org["cgj"])


def report(people, now=T0, **kw) -> Case:
    return A.case_report(
        actor=people["inspector"], source="inspector", description="路边暴露垃圾", lon=X0 + 0.001, lat=Y0 + 0.001, now=now, **kw
    )
