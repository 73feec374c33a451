"""Clock handlers of public reporting (``zhili tick``)."""

from __future__ import annotations

from datetime import datetime

from zhili.core.ticks import register

from .actions import rate_windows_prune


@register("open311.rate_windows")
def rate_windows(now: datetime) -> dict:
    return rate_windows_prune(now=now)
