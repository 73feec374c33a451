"""zhili cases load-catalogue|set-default|load-standard|import-components|categories

Each verb is a pair of methods: ``args_<verb>`` declares its arguments and
``do_<verb>`` runs it (hyphens become underscores).  To add a verb, add it to
``VERBS`` and write the two methods, or drop a module into ``zhili/cases/cli``
(``VERB``, ``HELP``, ``add_arguments``, ``run``).  Commands that write change
nothing unless given ``--commit``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.cases.actions_catalogue import (
    CatalogueImportError,
    catalogue_load_cjt214,
    catalogue_load_gbt,
    catalogue_set_default,
    components_import,
    standard_load,
)
from zhili.cases.catalogue import TimeUnit
from zhili.cases.models import Catalogue, Category

KIND_ARG = {
    "部件": Category.Kind.COMPONENT,
    "component": Category.Kind.COMPONENT,
    "事项": Category.Kind.EVENT,
    "事件": Category.Kind.EVENT,
    "event": Category.Kind.EVENT,
}
DRY_RUN = "Checked only: nothing saved. Add --commit to save."


class Command(BaseCommand):
    help = "Catalogue of components and events, local case standards, components inventory."

    plugins: dict[str, Any]
    VERBS: tuple[str, ...] = (
        "load-catalogue",
        "set-default",
        "load-standard",
        "import-components",
        "categories",
    )

    def add_arguments(self, parser: CommandParser) -> None:
        from zhili.cases import cli

        sub = parser.add_subparsers(dest="verb", required=True)
        for verb in self.VERBS:
            getattr(self, "args_" + verb.replace("-", "_"))(sub)
        # Verbs contributed by modules of zhili/cases/cli (see its docstring).
        self.plugins = {}
        for mod in cli.modules():
            mod.add_arguments(sub.add_parser(mod.VERB, help=getattr(mod, "HELP", None)))
            self.plugins[mod.VERB] = mod

    def handle(self, *args: Any, verb: str, **opts: Any) -> None:
        plugin = getattr(self, "plugins", {}).get(verb)
        if plugin is not None:
            plugin.run(self, **opts)
            return
        getattr(self, "do_" + verb.replace("-", "_"))(**opts)

    def _refused(self, exc: CatalogueImportError, what: str) -> CommandError:
        for err in exc.row_errors:
            self.stderr.write(str(err))
        return CommandError(f"{len(exc.row_errors)} error(s) in {what}; nothing was saved.")

    # --- load-catalogue ----------------------------------------------------------
    def args_load_catalogue(self, sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser(
            "load-catalogue",
            help="Load or refresh GB/T 47678.5-2026 (default) or the older CJ/T 214 list.",
        )
        p.add_argument("--cjt214", action="store_true", help="Load the CJ/T 214 component list.")
        p.add_argument("--file", default=None, help="Read this CSV instead of the shipped one.")
        p.add_argument("--default", action="store_true", help="Make it the default catalogue.")
        p.add_argument(
            "--commit",
            action="store_true",
            help="Save; without it the load is checked and rolled back.",
        )

    def do_load_catalogue(
        self, *, cjt214: bool, file: str | None, default: bool, commit: bool, **_: object
    ) -> None:
        loader = catalogue_load_cjt214 if cjt214 else catalogue_load_gbt
        kwargs: dict[str, Any] = {"actor": None, "commit": commit}
        if file:
            kwargs["path"] = file
        if default:
            kwargs["make_default"] = True
        try:
            report = loader(**kwargs)
        except CatalogueImportError as exc:
            raise self._refused(exc, "the catalogue file") from None
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        self.stdout.write(
            f"{report.code}: {report.created} new, {report.updated} changed, {report.unchanged} unchanged, "
            f"{report.deactivated} withdrawn; active: {counts}"
            + ("; default catalogue" if report.is_default else "")
        )
        if not commit:
            self.stdout.write(DRY_RUN)

    # --- set-default -----------------------------------------------------------------
    def args_set_default(self, sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser("set-default", help="Make a loaded catalogue the default one.")
        p.add_argument("code", help="Catalogue code, e.g. GBT47678.5-2026 or CJT214.")

    def do_set_default(self, *, code: str, **_: object) -> None:
        from django.core.exceptions import ValidationError

        try:
            catalogue = catalogue_set_default(actor=None, code=code)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"default catalogue: {catalogue}")

    # --- load-standard ----------------------------------------------------------------
    def args_load_standard(self, sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser(
            "load-standard",
            help="Import a local filing/closing standard (Yuncheng layout; CSV or XLSX).",
        )
        p.add_argument("file")
        p.add_argument(
            "--catalogue",
            default=None,
            help="Target catalogue code (default: the default catalogue).",
        )
        p.add_argument(
            "--new-catalogue",
            default=None,
            metavar="NAME",
            help="Create --catalogue as a local catalogue of this name, holding the file's categories.",
        )
        p.add_argument(
            "--name", default=None, help="Name of the standard (default: the file name)."
        )
        p.add_argument(
            "--day-unit",
            choices=[TimeUnit.NATURAL_DAYS.value, TimeUnit.WORK_DAYS.value],
            default=TimeUnit.NATURAL_DAYS.value,
            help="What a plain 天 means in this standard (default natural days).",
        )
        p.add_argument(
            "--commit",
            action="store_true",
            help="Save; without it the file is checked and rolled back.",
        )

    def do_load_standard(
        self, *, file: str, catalogue: str | None, new_catalogue: str | None, name: str | None,
        day_unit: str, commit: bool, **_: object,
    ) -> None:  # fmt: skip
        try:
            report = standard_load(
                actor=None, path=file, catalogue_code=catalogue, commit=commit,
                standard_name=name, new_catalogue=new_catalogue, day_unit=day_unit,
            )  # fmt: skip
        except CatalogueImportError as exc:
            raise self._refused(exc, file) from None
        if report.converted:
            self.stdout.write("The file was GBK/GB18030 text; converted to Unicode.")
        units = ", ".join(f"{v} {k}" for k, v in sorted(report.by_unit.items()))
        self.stdout.write(
            f"{report.standard} → {report.catalogue}"
            + (" (new local catalogue)" if report.catalogue_created else "")
            + f": {report.rows} conditions; {report.categories_matched} categories matched, "
            f"{report.categories_created} added; {report.conditions_replaced} earlier conditions replaced; "
            f"{report.orgs_matched} departments linked to organisation units. Limits: {units}."
        )
        if not commit:
            self.stdout.write(DRY_RUN)

    # --- import-components --------------------------------------------------------------
    def args_import_components(self, sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser(
            "import-components", help="Import the components inventory (CSV, XLSX, GeoJSON points)."
        )
        p.add_argument("file")
        p.add_argument("--datum", choices=["wgs84", "cgcs2000", "gcj02", "bd09"], default="wgs84")
        p.add_argument(
            "--commit",
            action="store_true",
            help="Save; without it the file is checked and rolled back.",
        )

    def do_import_components(self, *, file: str, datum: str, commit: bool, **_: object) -> None:
        try:
            report = components_import(actor=None, path=file, commit=commit, datum=datum)
        except CatalogueImportError as exc:
            raise self._refused(exc, file) from None
        if report.encoding == "gb18030":
            self.stdout.write("The file was GBK/GB18030 text; converted to Unicode.")
        self.stdout.write(
            f"components: {report.created} new, {report.updated} updated, "
            f"{report.grids_assigned} unit grids assigned from the location"
            + (
                f", {report.converted_legacy} 16-digit IDs widened"
                if report.converted_legacy
                else ""
            )
            + f" (catalogue {report.catalogue})."
        )
        if not commit:
            self.stdout.write(DRY_RUN)

    # --- categories ------------------------------------------------------------------------
    def args_categories(self, sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser("categories", help="List the categories of a catalogue.")
        p.add_argument("--kind", choices=sorted(KIND_ARG), default=None)
        p.add_argument(
            "--catalogue", default=None, help="Catalogue code (default: the default catalogue)."
        )
        p.add_argument("--all", action="store_true", help="Include withdrawn categories.")
        p.add_argument("--format", choices=["text", "json"], default="text")

    def do_categories(
        self, *, kind: str | None, catalogue: str | None, all: bool, format: str, **_: object
    ) -> None:
        cat = Catalogue.objects.filter(code=catalogue).first() if catalogue else Catalogue.default()
        if cat is None:
            raise CommandError(
                f"no catalogue {catalogue}"
                if catalogue
                else "no catalogue loaded: run zhili cases load-catalogue --commit"
            )
        qs = cat.categories.all()
        if kind:
            qs = qs.filter(kind=KIND_ARG[kind])
        if not all:
            qs = qs.filter(active=True)
        from django.db.models import Count

        rows = list(qs.annotate(n_conditions=Count("conditions")).order_by("kind", "code"))
        if format == "json":
            out = {
                "catalogue": cat.code,
                "categories": [
                    {
                        "kind": c.kind,
                        "code": c.code,
                        "major_code": c.major_code,
                        "major_name": c.major_name,
                        "minor_code": c.minor_code,
                        "minor_name": c.minor_name,
                        "active": c.active,
                        "local": c.is_local,
                        "conditions": c.n_conditions,
                    }
                    for c in rows
                ],
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(f"{cat} — {len(rows)} categories")
        labels = {Category.Kind.COMPONENT: "部件", Category.Kind.EVENT: "事项"}
        for c in rows:
            flags = ("" if c.active else " [withdrawn]") + (" [local]" if c.is_local else "")
            extra = f"  ({c.n_conditions} conditions)" if c.n_conditions else ""
            self.stdout.write(
                f"{labels[c.kind]} {c.code}  {c.major_name} / {c.minor_name}{flags}{extra}"
            )
