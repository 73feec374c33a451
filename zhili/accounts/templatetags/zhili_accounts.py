from __future__ import annotations

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int | str:
    """Whole minutes of a duration, rounded up (a lock of 14.5 minutes reads 15)."""
    if not isinstance(value, timedelta):
        return ""
    return math.ceil(value.total_seconds() / 60)
