"""Step time limits and deadlines (pure apart from reading the StepLimit table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from zhili.core import freshness

from .lifecycle import Step

# Defaults for the steps other than handling, as centres commonly set them
# (minutes to a few working hours); each is editable as a StepLimit row.
DEFAULT_STEP_LIMITS: dict[Step, tuple[Decimal, str]] = {
    Step.INTAKE: (Decimal("0.5"), "work_hours"),
    Step.VERIFY: (Decimal("1"), "work_hours"),
    Step.FILE: (Decimal("0.5"), "work_hours"),
    Step.DISPATCH: (Decimal("0.5"), "work_hours"),
    Step.HANDLE: (Decimal("3"), "work_days"),  # when the category has no standard condition
    Step.CHECK: (Decimal("2"), "work_hours"),
    Step.CLOSE: (Decimal("1"), "work_hours"),
}


@dataclass(frozen=True)
class Limit:
    amount: Decimal
    unit: str


def _limits_sql(connection) -> str:
    """The whole (small) table as one string: any edit, however made, changes it."""
    from .models import StepLimit

    table = connection.ops.quote_name(StepLimit._meta.db_table)
    if connection.vendor == "postgresql":
        return f"(SELECT string_agg(step || '=' || amount::text || ' ' || unit, ',' ORDER BY step) FROM {table})"
    return f"(SELECT group_concat(step || '=' || amount || ' ' || unit, ',') FROM (SELECT * FROM {table} ORDER BY step))"


freshness.register("cases.step_limits", _limits_sql, 1)


def _load_limits() -> dict[str, Limit]:
    from .models import StepLimit

    return {s: Limit(Decimal(str(a)), u) for s, a, u in StepLimit.objects.values_list("step", "amount", "unit")}


def step_limit(step: Step) -> Limit:
    """The limit of ``step``: its StepLimit row, else the default.

    Every new case and every move needs one; the rows are kept per process
    and re-read when the table's content fingerprint moves (one statement
    with the other fingerprints while a report holds a snapshot)."""
    found = freshness.cached("cases.step_limits", _load_limits).get(step.value)
    if found is not None:
        return found
    amount, unit = DEFAULT_STEP_LIMITS[step]
    return Limit(amount, unit)


def deadline(start: datetime, limit: Limit) -> datetime:
    from .catalogue import deadline_for

    return deadline_for(start, limit.amount, limit.unit)
