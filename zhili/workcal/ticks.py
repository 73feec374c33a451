"""Clock handler: warn before the calendar runs out of data.

Deadlines are computed up to weeks ahead; from December on, a missing
schedule for next year would make new cases fail to get a deadline in
January, so the tick reports it while there is time to enter it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from zhili.core.ticks import register

from .clock import default_calendar

log = logging.getLogger(__name__)


@register("workcal.next_year_data")
def check_next_year(now: datetime) -> dict:
    today = timezone.localtime(now).date()
    cal = default_calendar()
    missing = [y for y in (today.year, today.year + 1) if not cal.covers(y)]
    if today.month < 11 and today.year + 1 in missing:
        missing.remove(today.year + 1)
    for year in missing:
        log.warning("no working-calendar data for %s: enter it with zhili calendar load", year)
    return {"missing_years": missing}
