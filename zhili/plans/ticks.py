"""Clock handlers of action-plan supervision (``zhili tick``).

Time alone turns tasks yellow and red (expected progress grows every
working day), so the warnings are recomputed on every tick; open
supervision notices past their deadline go up one level.
"""

from __future__ import annotations

from datetime import datetime

from zhili.core.ticks import register

from .actions import notices_escalate_overdue, plans_recompute_all


@register("plans.warnings")
def warnings(now: datetime) -> dict:
    return plans_recompute_all(now=now)


@register("plans.notices")
def notices(now: datetime) -> dict:
    return notices_escalate_overdue(now=now)
