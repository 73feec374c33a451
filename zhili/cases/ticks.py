"""Clock handler: flag and escalate overdue case steps (zhili tick)."""

from __future__ import annotations

from datetime import datetime

from zhili.core.ticks import register

from .actions import flag_overdue


@register("cases.overdue")
def overdue(now: datetime) -> dict:
    return flag_overdue(now=now)
