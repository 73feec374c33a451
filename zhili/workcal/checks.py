"""Startup check: a malformed ZHILI_OFFICE_HOURS stops ``runserver``/``check``
with a message, instead of every deadline failing later."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .clock import DEFAULT_OFFICE_HOURS, InvalidOfficeHours, validate_office_hours


@checks.register()
def office_hours_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        validate_office_hours(getattr(settings, "ZHILI_OFFICE_HOURS", DEFAULT_OFFICE_HOURS))
    except InvalidOfficeHours as exc:
        return [
            checks.Error(
                f"ZHILI_OFFICE_HOURS is invalid: {exc}",
                hint="Set ZHILI_AM_START/ZHILI_AM_END/ZHILI_PM_START/ZHILI_PM_END to HH:MM, in order.",
                id="workcal.E001",
            )
        ]
    return []
