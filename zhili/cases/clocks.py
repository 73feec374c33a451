"""Step time limits and deadlines (pure apart from reading the StepLimit table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

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


def step_limit(step: Step) -> Limit:
    from django.db import connection

    from .models import StepLimit

    # Every new case and every move reads one of these rows: plain SQL keeps
    # the ORM's query compiler off that path.
    with connection.cursor() as cur:
        cur.execute(f"SELECT amount, unit FROM {StepLimit._meta.db_table} WHERE step = %s", [step.value])
        row = cur.fetchone()
    if row:
        return Limit(Decimal(str(row[0])), row[1])
    amount, unit = DEFAULT_STEP_LIMITS[step]
    return Limit(amount, unit)


def deadline(start: datetime, limit: Limit) -> datetime:
    from .catalogue import deadline_for

    return deadline_for(start, limit.amount, limit.unit)
