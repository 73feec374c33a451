"""Clock handlers of the service circles (``zhili tick``)."""

from __future__ import annotations

from datetime import datetime

from zhili.core.ticks import register

from .services import analyses_fail_stale


@register("access.stale_analyses")
def stale_analyses(now: datetime) -> dict:
    return analyses_fail_stale(now=now)
