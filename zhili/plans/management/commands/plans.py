"""zhili plans import|warnings|assess|export-projects|import-projects

Nothing is saved without ``--commit`` (import, warnings, import-projects).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from zhili.plans import actions
from zhili.plans.assessment import assess, assessment_xlsx
from zhili.plans.due import by_unit, due_rows
from zhili.plans.models import AssessmentRule, Plan
from zhili.plans.projects import ProjectFileError, ProjectImportError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Action-plan supervision: import a plan, warnings, assessment, the project table."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        imp = sub.add_parser("import", help="Parse a plan document; save it with --commit.")
        imp.add_argument("file")
        imp.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="json prints the parsed tree.",
        )
        imp.add_argument(
            "--commit", action="store_true", help="Save; without it nothing is written."
        )
        imp.add_argument("--title", default=None)
        imp.add_argument("--start", type=_date, default=None)
        imp.add_argument("--end", type=_date, default=None)
        imp.add_argument("--frequency", choices=["monthly", "quarterly"], default=None)

        warn = sub.add_parser(
            "warnings", help="Recompute warning colours; list overdue and due-soon items per unit."
        )
        warn.add_argument("--plan", type=int, default=None)
        warn.add_argument("--format", choices=["text", "json"], default="text")
        warn.add_argument("--commit", action="store_true", help="Store the recomputed colours.")

        ass = sub.add_parser("assess", help="Score the responsible units for a period.")
        ass.add_argument("--plan", type=int, default=None)
        ass.add_argument("--from", dest="start", type=_date, required=True)
        ass.add_argument("--to", dest="end", type=_date, required=True)
        ass.add_argument(
            "--rule",
            type=int,
            default=None,
            help="AssessmentRule id (default: the plan's or the default rule).",
        )
        ass.add_argument("--format", choices=["text", "json", "xlsx"], default="text")
        ass.add_argument("--output", "-o", default=None, help="File for xlsx (required for xlsx).")

        exp = sub.add_parser("export-projects", help="Write the project table (.xlsx).")
        exp.add_argument("file")
        exp.add_argument("--plan", type=int, default=None)

        ip = sub.add_parser(
            "import-projects", help="Read the project table (.xlsx), all or nothing."
        )
        ip.add_argument("file")
        ip.add_argument("--plan", type=int, default=None)
        ip.add_argument("--commit", action="store_true")

    def handle(self, *args, verb: str, **opts) -> None:
        getattr(self, "do_" + verb.replace("-", "_"))(**opts)

    def _plan(self, pk: int | None) -> Plan:
        if pk is not None:
            plan = Plan.objects.filter(pk=pk).first()
            if plan is None:
                raise CommandError(f"no plan {pk}")
            return plan
        plans = list(Plan.objects.order_by("pk")[:2])
        if len(plans) != 1:
            raise CommandError("give --plan ID" if plans else "there is no plan yet")
        return plans[0]

    def do_import(
        self, *, file: str, format: str, commit: bool, title, start, end, frequency, **_
    ) -> None:
        if not Path(file).is_file():
            raise CommandError(f"file not found: {file}")
        try:
            result = actions.plan_import(
                actor=None, path_or_text=Path(file), commit=commit, title=title, start=start, end=end,
                report_frequency=frequency,
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages) + " Nothing was saved.") from None
        p = result.preview
        if format == "json":
            out = p.to_dict()
            out["saved_plan_id"] = result.plan.pk if result.plan else None
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{p.title}")
        self.stdout.write(f"{p.issuer} {p.doc_number} {p.issued_on or ''}".strip())
        self.stdout.write(f"period {p.start} – {p.end}")
        for n in p.nodes:
            units = "、".join(p.units[u].unit_name or f"?{u}" for u in n.lead_units)
            extra = f"  [{units}]" if units else ""
            due = f"  ≤{n.planned_end}" if n.planned_end else ""
            weight = "" if n.weight else "  (not tracked)"
            self.stdout.write(
                f"{'  ' * n.depth}{n.code} {n.kind} {n.number}{n.heading[:60]}{extra}{due}{weight}"
            )
        for w in p.warnings:
            self.stderr.write(f"warning: {w}")
        if p.unmatched:
            self.stdout.write("unmatched units: " + "、".join(p.unmatched))
        counts = ", ".join(f"{k} {v}" for k, v in sorted(p.counts().items()))
        self.stdout.write(f"{len(p.nodes)} nodes ({counts}).")
        if result.plan:
            self.stdout.write(f"Saved as plan {result.plan.pk}.")
        else:
            self.stdout.write("Checked only: nothing saved. Add --commit to save.")

    def do_warnings(self, *, plan: int | None, format: str, commit: bool, **_) -> None:
        plans = (
            [self._plan(plan)]
            if plan is not None
            else list(Plan.objects.filter(status=Plan.PlanStatus.ACTIVE))
        )
        out = {"plans": [], "units": []}
        with transaction.atomic():
            for p in plans:
                res = actions.plan_recompute(plan=p, action="warning")
                out["plans"].append(
                    {
                        "id": p.pk,
                        "title": p.title,
                        "progress": float(p.progress),
                        "colour": p.colour,
                        "nodes": res.colours,
                    }
                )
            rows = due_rows(plans)
            for unit, over, soon in by_unit(rows):
                out["units"].append(
                    {
                        "unit": unit,
                        "overdue": [self._row(r) for r in over],
                        "due_soon": [self._row(r) for r in soon],
                    }
                )
            if not commit:
                transaction.set_rollback(True)
        if format == "json":
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        for p in out["plans"]:
            counts = " ".join(f"{k}:{v}" for k, v in sorted(p["nodes"].items()))
            self.stdout.write(
                f"plan {p['id']} {p['title']}: {p['progress']:.1f}% {p['colour']} ({counts})"
            )
        for u in out["units"]:
            self.stdout.write(
                f"{u['unit']}: {len(u['overdue'])} overdue, {len(u['due_soon'])} due soon"
            )
            for r in u["overdue"] + u["due_soon"]:
                self.stdout.write(f"  {r['state']:<8} {r['due']} {r['kind']:<9} {r['title'][:70]}")
        if not commit:
            self.stdout.write("Checked only: colours not stored. Add --commit to store them.")

    @staticmethod
    def _row(r) -> dict:
        return {
            "plan": r.plan.pk, "kind": r.kind, "title": r.title, "due": r.due.isoformat(), "state": r.state,
            "working_days_left": r.days_left, "node": r.node.pk if r.node else None,
        }  # fmt: skip

    def do_assess(
        self,
        *,
        plan: int | None,
        start: date,
        end: date,
        rule: int | None,
        format: str,
        output,
        **_,
    ) -> None:
        p = self._plan(plan)
        chosen = None
        if rule is not None:
            chosen = AssessmentRule.objects.filter(pk=rule).first()
            if chosen is None:
                raise CommandError(f"no assessment rule {rule}")
        result = assess(p, start, end, rule=chosen, today=timezone.localdate())
        if format == "xlsx":
            if not output:
                raise CommandError("--format xlsx needs --output FILE")
            Path(output).write_bytes(assessment_xlsx(result))
            self.stdout.write(f"wrote {len(result.scores)} units to {output}")
            return
        if format == "json":
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{p.title}: {start} – {end}, rule {result.rule_name}")
        for s in result.scores:
            score = "—" if s.score is None else f"{s.score:6.2f}"
            self.stdout.write(f"{s.rank:>3} {score} {s.name}")
        sys.stdout.flush()

    def do_export_projects(self, *, file: str, plan: int | None, **_) -> None:
        p = self._plan(plan)
        Path(file).write_bytes(actions.projects_export_xlsx(plan=p))
        self.stdout.write(f"wrote the project table of plan {p.pk} to {file}")

    def do_import_projects(self, *, file: str, plan: int | None, commit: bool, **_) -> None:
        p = self._plan(plan)
        try:
            report = actions.projects_import_xlsx(
                actor=None, plan=p, file=Path(file), commit=commit
            )
        except ProjectImportError as exc:
            for e in exc.row_errors:
                self.stderr.write(e)
            raise CommandError(f"{len(exc.row_errors)} error(s); nothing was saved.") from None
        except ProjectFileError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"{len(report.created)} new, {len(report.updated)} updated, {len(report.unchanged)} unchanged projects."
        )
        if not commit:
            self.stdout.write("Checked only: nothing saved. Add --commit to save.")
