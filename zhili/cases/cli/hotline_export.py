"""zhili cases export-hotline OUTPUT [--from DATE] [--to DATE]: orders back in the import layout."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import CommandError

VERB = "export-hotline"
HELP = "Export 12345 work orders with handling result, reply and callback (.csv, .xlsx or .json)."


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"“{text}” is not a date (YYYY-MM-DD).") from None


def add_arguments(parser: Any) -> None:
    parser.add_argument("output", help="File to write; the format follows the suffix.")
    parser.add_argument(
        "--from", dest="date_from", default=None, help="First received day (YYYY-MM-DD)."
    )
    parser.add_argument("--to", dest="date_to", default=None, help="Last received day, included.")
    parser.add_argument(
        "--gbk",
        action="store_true",
        help="Write CSV in GB18030 (for systems that cannot read UTF-8).",
    )


def run(
    command: Any,
    *,
    output: str,
    date_from: str | None,
    date_to: str | None,
    gbk: bool = False,
    **_: object,
) -> None:
    from zhili.cases.hotline import hotline_export
    from zhili.cases.models import HotlineOrder
    from zhili.workcal.clock import TZ

    if not output.lower().endswith((".csv", ".xlsx", ".json")):
        raise CommandError("The output file must end in .csv, .xlsx or .json.")
    orders = HotlineOrder.objects.all()
    first = _day(date_from) if date_from else None
    last = _day(date_to) if date_to else None
    if first and last and last < first:
        raise CommandError("--to is before --from.")
    # Whole Beijing days, whatever the server's time zone.
    if first:
        orders = orders.filter(received_at__gte=datetime.combine(first, time(0), tzinfo=TZ))
    if last:
        orders = orders.filter(
            received_at__lt=datetime.combine(last + timedelta(days=1), time(0), tzinfo=TZ)
        )
    n = hotline_export(output, orders, encoding="gb18030" if gbk else "utf-8-sig")
    command.stdout.write(f"{n} orders written to {output}")
