"""zhili.core.freshness: the caches' fingerprints, one statement per report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhili.cases.clocks import step_limit
from zhili.cases.lifecycle import Step
from zhili.cases.models import StepLimit
from zhili.core import freshness
from zhili.open311 import actions as _open311  # noqa: F401  (registers its fingerprint)
from zhili.places.services import boundary_version

pytestmark = pytest.mark.django_db


def test_outside_a_snapshot_each_check_is_its_own_statement(django_assert_num_queries):
    with django_assert_num_queries(2):
        freshness.fingerprint("places.boundaries")
        freshness.fingerprint("cases.step_limits")


def test_inside_a_snapshot_every_check_shares_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1), freshness.snapshot():
        for name in ("places.boundaries", "cases.step_limits", "workcal.entered", "open311.services"):
            freshness.fingerprint(name)
        boundary_version()
        with freshness.snapshot():  # nested: the outer one serves
            freshness.fingerprint("workcal.entered")


def test_a_snapshot_sees_the_data_as_it_began_and_the_next_one_sees_changes():
    StepLimit.objects.create(step=Step.INTAKE.value, amount=Decimal("2"), unit="work_hours")
    assert step_limit(Step.INTAKE).amount == Decimal("2")
    with freshness.snapshot():
        assert step_limit(Step.INTAKE).amount == Decimal("2")
        # An edit that bypasses save() (no timestamp to bump) is still seen:
        # the step-limit fingerprint is the table's content.
        StepLimit.objects.filter(step=Step.INTAKE.value).update(unit="natural_hours")
        assert step_limit(Step.INTAKE).unit == "work_hours"
    assert step_limit(Step.INTAKE).unit == "natural_hours"
    StepLimit.objects.all().delete()
    assert step_limit(Step.INTAKE).amount == Decimal("0.5")  # the default again
