"""zhili cases import-hotline FILE [--datum gcj02] [--commit]: 12345 work orders → cases."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

VERB = "import-hotline"
HELP = "Import 12345 hotline work orders (CSV UTF-8/GBK, XLSX or JSON) as cases."


def add_arguments(parser: Any) -> None:
    parser.add_argument("file", help="CSV, XLSX or JSON file exported by the 12345 system.")
    parser.add_argument(
        "--datum",
        default="wgs84",
        choices=["wgs84", "cgcs2000", "gcj02", "bd09"],
        help="Datum of the coordinates for rows without a 坐标系 column (default wgs84).",
    )
    parser.add_argument(
        "--commit",
        action="store_true",
        help="Save; without it the file is checked and rolled back.",
    )


def run(command: Any, *, file: str, datum: str, commit: bool, **_: object) -> None:
    from zhili.cases.hotline import HotlineImportError, hotline_import

    try:
        report = hotline_import(actor=None, path=file, commit=commit, datum=datum)
    except HotlineImportError as exc:
        for err in exc.row_errors:
            command.stderr.write(str(err))
        raise CommandError(
            f"{len(exc.row_errors)} error(s) in {file}; nothing was saved."
        ) from None
    for warning in report.warnings:
        command.stdout.write(f"warning: {warning}")
    if report.converted:
        command.stdout.write("The file was GBK/GB18030 text; it was read as such.")
    command.stdout.write(
        f"{report.rows} rows: {report.created} new cases, {len(report.skipped)} already imported "
        f"(skipped), {report.masked} caller numbers masked, {report.uncategorised} without category, "
        f"{report.address_only} located by address only"
    )
    if report.skipped:
        command.stdout.write("already imported: " + ", ".join(report.skipped[:50]))
    if not commit:
        command.stdout.write("Checked only: nothing saved. Add --commit to save.")
