"""zhili cases evaluate: the comprehensive evaluation (综合评价) of a period.

    zhili cases evaluate --from 2026-01-01 --to 2026-01-31 --by region --level street
    zhili cases evaluate --from 2026-01-01 --to 2026-01-31 --by post --format xlsx -o 2026-01.xlsx

``--to`` is inclusive.  Read-only: it changes nothing, so it needs no --commit.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from zhili.cases import evaluation as ev

VERB = "evaluate"
HELP = "Comprehensive evaluation (综合评价) of the cases reported in a period: counts, rates, scores, grades."


def _date(text: str) -> date:
    import argparse

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_arguments(parser) -> None:
    parser.add_argument(
        "--from", dest="start", type=_date, required=True, help="First day (YYYY-MM-DD)."
    )
    parser.add_argument(
        "--to", dest="end", type=_date, required=True, help="Last day, inclusive (YYYY-MM-DD)."
    )
    parser.add_argument("--by", choices=ev.BY_VALUES, default="region")
    parser.add_argument(
        "--level", choices=ev.LEVELS, default="street", help="Region level (with --by region)."
    )
    parser.add_argument(
        "--post", choices=ev.POSTS, help="One post type (with --by post); default all five."
    )
    parser.add_argument("--format", dest="fmt", choices=("text", "json", "xlsx"), default="text")
    parser.add_argument("-o", "--output", help="Write to this file (required for xlsx).")


def run(
    command,
    *,
    start: date,
    end: date,
    by: str,
    level: str,
    post: str | None,
    fmt: str,
    output: str | None,
    **_opts: Any,
) -> None:
    try:
        first, after = ev.period_bounds(start, end)
        rows = ev.evaluate(
            start=first, end=after, by=by, level=level, post=post if by == "post" else None
        )
    except ev.EvaluationError as exc:
        raise CommandError(str(exc)) from None
    sections = list(ev.by_kind(rows).items())
    hotline = ev.hotline_relation() is not None
    if fmt == "xlsx":
        if not output:
            raise CommandError("--format xlsx writes a workbook: give the file with -o FILE.xlsx")
        title = f"综合评价 / Evaluation {start.isoformat()} – {end.isoformat()}"
        Path(output).write_bytes(ev.to_xlsx(sections, title=title, hotline=hotline))
        command.stdout.write(f"{len(rows)} rows written to {output}")
        return
    if fmt == "json":
        doc = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "by": by,
            "level": level if by == "region" else None,
            "rankings": {kind: [r.as_dict() for r in kind_rows] for kind, kind_rows in sections},
        }
        text = json.dumps(doc, ensure_ascii=False, indent=2)
    else:
        text = _text(sections, hotline, start, end)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        command.stdout.write(f"{len(rows)} rows written to {output}")
    else:
        command.stdout.write(text)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(s))
    return gap + s if right else s + gap


def _text(sections, hotline: bool, start: date, end: date) -> str:
    lines = [f"Evaluation {start.isoformat()} – {end.isoformat()}"]
    if not sections:
        lines.append("No cases in this period.")
    for kind, rows in sections:
        cols = ev.columns_for(kind, hotline=hotline)
        header = ["#", "name", "score", "grade", *cols]
        body = [
            [
                "" if r.rank is None else str(r.rank),
                r.label,
                ev.format_value("score", r.score),
                r.grade or "—",
                *[ev.format_value(*ev.cell(r, c)) for c in cols],
            ]
            for r in rows
        ]
        widths = [max(_width(x) for x in col) for col in zip(header, *body, strict=True)]
        lines += ["", f"[{kind}]"]
        for line in [header, *body]:
            lines.append(
                "  ".join(
                    _pad(v, w, right=i not in (1,))
                    for i, (v, w) in enumerate(zip(line, widths, strict=True))
                )
            )
    return "\n".join(lines)
