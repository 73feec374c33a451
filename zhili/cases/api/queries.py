"""Reads for the API: case list filters, keyset pages over (reported_at, id), place names.

Keyset rather than offset or DRF's cursor: a page deep in a million cases
costs the same as the first (an index range scan from the position), and
cases reported at the same instant (bulk imports stamp thousands alike) are
still split exactly by id.  The cursor is opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases.models import Case

from .errors import ApiError, Code

DEFAULT_PAGE_SIZE = 50


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def filter_cases(qs: QuerySet[Case], f: dict[str, Any]) -> QuerySet[Case]:
    """Apply the validated filters of ``CaseFilterSerializer``."""
    if f.get("state"):
        qs = qs.filter(state__in=sorted(f["state"]))
    if f.get("category"):
        qs = qs.filter(category_id=f["category"])
    if f.get("source"):
        qs = qs.filter(source=f["source"])
    for name in ("grid", "community", "street", "district"):
        if f.get(name):
            qs = qs.filter(**{f"{name}_code": f[name]})
    if f.get("unit"):
        qs = qs.filter(assigned_unit_id=f["unit"])
    if f.get("overdue") is not None:
        qs = qs.filter(step_overdue=f["overdue"])
    if f.get("reported_from"):
        qs = qs.filter(reported_at__gte=_day_start(f["reported_from"]))
    if f.get("reported_to"):
        qs = qs.filter(reported_at__lt=_day_start(f["reported_to"] + timedelta(days=1)))
    return qs


def encode_cursor(case: Case) -> str:
    raw = f"{case.reported_at.isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, pk = raw.split("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError
        return moment, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        message = _("The cursor is not valid; use the `next` link of a previous page.")
        raise ApiError(Code.VALIDATION, message, {"cursor": [message]}) from None


def page_after(qs: QuerySet[Case], cursor: str | None, size: int) -> tuple[list[Case], str | None]:
    """One page of ``qs`` newest first, and the cursor of the next page (or None)."""
    if cursor:
        at, pk = decode_cursor(cursor)
        # The redundant ``reported_at <= at`` bounds the index range scan; the
        # OR then settles ties within the same instant by id.
        qs = qs.filter(reported_at__lte=at).filter(Q(reported_at__lt=at) | Q(id__lt=pk))
    rows = list(qs.order_by("-reported_at", "-id")[: size + 1])
    if len(rows) > size:
        return rows[:size], encode_cursor(rows[size - 1])
    return rows, None


# Names of today's grids and divisions, loaded together and kept for a minute:
# every report's response names its places, and those names change only when
# boundaries are re-imported, so a name up to a minute stale is harmless,
# while a query per report is not (intake runs at hundreds of reports a
# second).  Other days (old cases, offline reports) are looked up per case.
NAMES_TTL = 60.0
_today_names: tuple[date, float, dict[str, str]] | None = None


def _names_query(at: date, codes: list[str] | None) -> dict[str, str]:
    from zhili.places.models import Division, UnitGrid

    divisions = Division.objects.valid_at(at).order_by()
    grids = UnitGrid.objects.valid_at(at).exclude(name="").order_by()
    if codes is not None:
        divisions = divisions.filter(code__in=[c for c in codes if len(c) < 15])
        grids = grids.filter(code__in=[c for c in codes if len(c) == 15])
    return dict(
        divisions.values_list("code", "name").union(grids.values_list("code", "name"), all=True)
    )


def place_names(case: Case) -> dict[str, str]:
    """Names of the case's grid and divisions as of its report day."""
    global _today_names
    at = timezone.localtime(case.reported_at).date()
    codes = [
        c for c in (case.grid_code, case.community_code, case.street_code, case.district_code) if c
    ]
    if not codes:
        return {}
    if at != timezone.localdate():
        return _names_query(at, codes)
    now = monotonic()
    cached = _today_names
    if cached is None or cached[0] != at or now - cached[1] > NAMES_TTL:
        cached = (at, now, _names_query(at, None))
        _today_names = cached
    return {c: cached[2].get(c, "") for c in codes}
