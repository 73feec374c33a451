"""GeoReport v2 wire format: XML and JSON ("Spark convention") rendering,
errors, dates and parameters.  Pure: no database.

Written from the specification text (wiki.open311.org/GeoReport_v2): XML is
the reference format; JSON drops the wrapper element and turns containers
into arrays; every date carries its time zone; identifiers are strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

# Status mapping between Zhili's case states and Open311's open/closed plus
# FixMyStreet's extended statuses (its servicerequestupdates extension).
CLOSED_STATES = frozenset({"closed", "not_filed", "voided", "merged"})
EXTENDED_STATUS = {
    "reported": "OPEN",
    "verifying": "INVESTIGATING",
    "to_file": "INVESTIGATING",
    "to_dispatch": "OPEN",
    "handling": "IN_PROGRESS",
    "parked": "ACTION_SCHEDULED",
    "to_check": "IN_PROGRESS",
    "to_close": "FIXED",
    "closed": "FIXED",
    "not_filed": "NO_FURTHER_ACTION",
    "voided": "INVALID",
    "merged": "DUPLICATE",
}


def core_status(state: str) -> str:
    return "closed" if state in CLOSED_STATES else "open"


class Open311Error(Exception):
    """One or more GeoReport errors, with the HTTP status they answer with."""

    def __init__(self, status: int, code: int | str, description: str):
        super().__init__(description)
        self.status = status
        self.errors = [(str(code), description)]


def w3c(dt: datetime | None) -> str:
    """ISO 8601 with the zone offset (never naive)."""
    if dt is None:
        return ""
    return timezone.localtime(dt).isoformat(timespec="seconds")


def parse_datetime(value: str, name: str) -> datetime:
    """A w3c datetime; a date alone means its midnight in the server zone."""
    text = value.strip().replace(" ", "+") if value.count(":") >= 2 and " " in value.strip() else value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return timezone.make_aware(datetime(d.year, d.month, d.day))
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, 400, f"{name} is not a valid date (use ISO 8601, e.g. 2026-11-23T08:00:00+08:00): {value!r}") from None
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return dt


def param(data: Mapping[str, Any], name: str) -> str | None:
    """An optional parameter: empty counts as absent (the spec says so)."""
    value = data.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)


def _xml_value(tag: str, value: Any, item_tags: Mapping[str, str]) -> str:
    if isinstance(value, Mapping):
        inner = "".join(_xml_value(k, v, item_tags) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, list):
        item = item_tags.get(tag, tag.rstrip("s"))
        inner = "".join(_xml_value(item, v, item_tags) for v in value)
        return f"<{tag}>{inner}</{tag}>"
    return f"<{tag}>{escape(_text(value))}</{tag}>"


def to_xml(root: str, item: str | None, payload: Any, item_tags: Mapping[str, str] | None = None) -> str:
    """``root`` wraps a list of ``item`` elements, or one object when ``item`` is None."""
    tags = dict(item_tags or {})
    if item is None:
        body = "".join(_xml_value(k, v, tags) for k, v in payload.items())
    else:
        body = "".join(_xml_value(item, obj, tags) for obj in payload)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<{root}>{body}</{root}>'


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return w3c(value)
    return value


def render(fmt: str, root: str, item: str | None, payload: Any, *, status: int = 200, item_tags: Mapping[str, str] | None = None) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, item, payload, item_tags)
    else:
        body = json.dumps(_jsonable(payload), ensure_ascii=False)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, errors: Iterable[tuple[str, str]]) -> HttpResponse:
    items = [{"code": code, "description": description} for code, description in errors]
    return render(fmt, "errors", "error", items, status=status)
