"""Excel export of a case list (inbox or all cases) with its filters and order.

openpyxl's write-only mode streams rows to the file without keeping cells
in memory, and the query is read in chunks, so an export of the cap
(100,000 rows) needs a few tens of megabytes, not gigabytes.  A list longer
than the cap is cut, and the workbook says so in its first sheet and after
its last row: a silently truncated export would be taken for the whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .lifecycle import STATE_LABELS, State
from .models import Case, Source

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FIELDS = (
    "number", "reported_at", "source", "state", "category__code", "category__minor_name", "description",
    "address", "street_code", "community_code", "grid_code", "assigned_unit__name", "step", "step_deadline",
    "condition__time_unit", "closed_at", "lon", "lat",
)  # fmt: skip


def headers() -> list[str]:
    return [
        _("Case number"), _("Reported at"), _("Source"), _("State"), _("Category code"), _("Category"),
        _("Description"), _("Address"), _("Street"), _("Community"), _("Unit grid"), _("Handling unit"),
        _("Step deadline"), _("Hours left on the step"), _("Overdue"), _("Closed at"), _("Longitude"), _("Latitude"),
    ]  # fmt: skip


def _naive(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write Beijing wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def case_rows(
    values: Iterable[dict[str, Any]], *, area_names: dict[str, str], now: datetime
) -> Iterator[list[Any]]:
    """Spreadsheet rows from ``Case.values(*FIELDS)`` dicts."""
    from .views import WORKING_UNITS, _calendar, step_unit, step_units, time_left

    units = step_units()
    calendar = _calendar()
    sources = dict(Source.choices)
    states = {s.value: str(STATE_LABELS[s]) for s in State}
    for v in values:
        unit = step_unit(v["step"], v["condition__time_unit"], units) if v["step"] else ""
        left = time_left(now, v["step_deadline"], unit, calendar if unit in WORKING_UNITS else None)
        yield [
            v["number"],
            _naive(v["reported_at"]),
            str(sources.get(v["source"], v["source"])),
            states.get(v["state"], v["state"]),
            v["category__code"] or "",
            v["category__minor_name"] or "",
            v["description"],
            v["address"],
            area_names.get(v["street_code"], v["street_code"]),
            area_names.get(v["community_code"], v["community_code"]),
            v["grid_code"],
            v["assigned_unit__name"] or "",
            _naive(v["step_deadline"]),
            round(left.seconds / 3600, 2) if left else None,
            (_("yes") if left.overdue else _("no")) if left else "",
            _naive(v["closed_at"]),
            v["lon"],
            v["lat"],
        ]


def _safe(ws: Any, value: Any) -> Any:
    """A value as a cell: text stays text.

    Descriptions come from residents.  openpyxl would store "=..." as a
    formula (a spreadsheet injection when the export is opened) and refuses
    control characters that XML cannot hold, failing the whole export.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_xlsx(
    header: list[str], rows: Iterable[list[Any]], *, cap: int, title: str, about: list[str]
) -> tuple[bytes, int, bool]:
    """A workbook of ``rows`` (at most ``cap``); returns (bytes, rows written, cut)."""
    wb = Workbook(write_only=True)
    info = wb.create_sheet(_("About"))
    ws = wb.create_sheet(title[:31])
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    written = 0
    cut = False
    for row in rows:
        if written >= cap:
            cut = True
            break
        ws.append([_safe(ws, v) for v in row])
        written += 1
    notice = _(
        "Only the first %(n)d rows were exported; narrow the filters to export the rest."
    ) % {"n": cap}
    if cut:
        ws.append([notice])
    for line in about:
        info.append([line])
    info.append([_("Rows: %(n)d") % {"n": written}])
    if cut:
        info.append([notice])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), written, cut


def export_response(
    qs: QuerySet[Case], *, kind: str, area_names: dict[str, str], cap: int, now: datetime
) -> HttpResponse:
    values = qs.values(*FIELDS)[: cap + 1].iterator(chunk_size=2000)
    title = _("Inbox") if kind == "inbox" else _("Cases")
    local = timezone.localtime(now)
    about = [str(title), _("Exported at %(t)s") % {"t": f"{local:%Y-%m-%d %H:%M}"}]
    data, _written, _cut = write_xlsx(
        headers(),
        case_rows(values, area_names=area_names, now=now),
        cap=cap,
        title=str(title),
        about=about,
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="cases-{kind}-{local:%Y%m%d-%H%M}.xlsx"'
    )
    return response
