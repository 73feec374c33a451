"""zhili access import-network|import-facilities|import-population|spread-population|coverage|gaps|site|list"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.access import exports, imports, readers, services
from zhili.access.models import Analysis
from zhili.places.models import Dataset


class ProgressBar:
    """A one-line bar on a terminal; a line per tenth otherwise (logs, CI)."""

    def __init__(self, stream: Any, label: str = ""):
        self.stream = stream
        self.label = label
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = -1
        self.t0 = time.monotonic()

    def __call__(self, fraction: float, message: str = "") -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        if self.tty:
            filled = int(fraction * 30)
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}% {message[:40]:<40}"
            )
            self.stream.flush()
            return
        step = int(fraction * 10)
        if step > self.last:
            self.last = step
            self.stream.write(
                f"{self.label} {fraction * 100:.0f}% {message} ({time.monotonic() - self.t0:.1f} s)\n"
            )

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Ten-minute service circles: import networks, facilities and population; coverage, gaps and siting."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        net = sub.add_parser(
            "import-network",
            help="Import a walking network from OSM (.osm.pbf/.osm) or GeoJSON lines.",
        )
        net.add_argument("file")
        net.add_argument(
            "--name", default=None, help="Dataset name (default: the file name without suffixes)."
        )
        net.add_argument(
            "--highways",
            default=None,
            help="Comma list of walkable highway=* values (default: footway,path,pedestrian,steps,living_street,residential,service,... without motorway/trunk).",
        )
        net.add_argument(
            "--exclude-tag",
            action="append",
            default=None,
            metavar="KEY=V1|V2",
            help="Tags that make a way unwalkable (default: foot=no|private|use_sidepath, access=no|private, area=yes); repeat.",
        )
        net.add_argument(
            "--replace", action="store_true", help="Replace a stored network of the same name."
        )
        net.add_argument(
            "--commit",
            action="store_true",
            help="Save; without it the file is checked and nothing is stored.",
        )

        fac = sub.add_parser(
            "import-facilities",
            help="Import facilities (CSV, XLSX or GeoJSON points) into the facility registry.",
        )
        fac.add_argument("file")
        fac.add_argument("--commit", action="store_true")

        pop = sub.add_parser(
            "import-population",
            help="Import population points with weights (CSV, XLSX or GeoJSON).",
        )
        pop.add_argument("file")
        pop.add_argument("--name", default=None)
        pop.add_argument("--replace", action="store_true")
        pop.add_argument("--commit", action="store_true")

        spr = sub.add_parser(
            "spread-population",
            help="Spread community populations over unit grids, H3 cells or buildings.",
        )
        spr.add_argument("--method", choices=["grids", "h3", "buildings"], default="grids")
        spr.add_argument("--h3-resolution", type=int, default=9)
        spr.add_argument(
            "--buildings",
            default=None,
            help="GeoJSON of residential buildings (polygons or points; floors/building:levels optional).",
        )
        spr.add_argument("--name", required=True)
        spr.add_argument("--replace", action="store_true")
        spr.add_argument("--commit", action="store_true")

        for verb, text in (
            ("coverage", "Who lives within the walking time of a facility."),
            ("gaps", "Communities and clusters of residents beyond the walking time."),
            ("site", "Recommend new sites (maximal covering, set covering or p-median)."),
        ):
            p = sub.add_parser(verb, help=text)
            p.add_argument(
                "--type",
                dest="kinds",
                default="volunteer",
                help="Facility kinds, comma separated, or a group: volunteer, library, culture.",
            )
            p.add_argument("--minutes", type=float, default=10.0)
            p.add_argument("--speed", type=float, default=4.5, help="Walking speed, km/h.")
            p.add_argument(
                "--network",
                default=None,
                help="Network dataset name (default: the newest that covers the population).",
            )
            p.add_argument(
                "--population", default=None, help="Population dataset name (default: the newest)."
            )
            p.add_argument("--format", choices=["json", "xlsx", "geojson"], default="json")
            p.add_argument(
                "-o",
                "--output",
                default="-",
                help="Output file; - for standard output (json/geojson).",
            )
            if verb == "gaps":
                p.add_argument(
                    "--threshold",
                    type=float,
                    default=100.0,
                    help="List communities covered below this percentage.",
                )
            if verb == "site":
                p.add_argument("--p", type=int, default=5, help="Number of new sites.")
                p.add_argument("--mode", choices=["heuristic", "exact"], default="heuristic")
                p.add_argument(
                    "--objective", choices=["mclp", "set_cover", "p_median"], default="mclp"
                )

        sub.add_parser("list", help="Stored networks, population datasets and recent analyses.")

    def handle(self, *args: Any, verb: str, **opts: Any) -> None:
        try:
            getattr(self, "do_" + verb.replace("-", "_"))(**opts)
        except readers.AccessFileError as exc:
            for e in exc.errors[: readers.MAX_LISTED_ERRORS]:
                self.stderr.write(e)
            raise CommandError(f"{len(exc.errors)} error(s); nothing was saved.") from None
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    # --- imports -------------------------------------------------------------------

    def _saved(self, commit: bool) -> None:
        if not commit:
            self.stdout.write("Checked only: nothing saved. Add --commit to save.")

    def do_import_network(
        self,
        *,
        file: str,
        name: str | None,
        highways: str | None,
        exclude_tag: list[str] | None,
        replace: bool,
        commit: bool,
        **_: Any,
    ) -> None:
        path = Path(file)
        bar = ProgressBar(sys.stderr, "network")
        walk = readers.WalkFilter.parse(highways, exclude_tag)
        net = readers.read_network(path, walk, bar)
        bar.done()
        name = name or path.name.split(".")[0]
        r = imports.network_import(
            actor=None, name=name, network=net, source=path.name, replace=replace, commit=commit
        )
        s = r.stats
        self.stdout.write(
            f"network {r.name}: {s['nodes']} nodes, {s['edges']} edges, {s['length_km']} km, EPSG:{s['epsg']}"
            f" ({s.get('ways_walkable', s.get('lines_walkable', '?'))} walkable ways;"
            f" {s['edges_dropped_outside_main_component']} edges outside the largest connected part dropped)"
            + (" — replaced" if r.replaced else "")
        )
        self._saved(commit)

    def do_import_facilities(self, *, file: str, commit: bool, **_: Any) -> None:
        rows = readers.parse_facilities(readers.read_table(file), source=Path(file).name)
        r = imports.facilities_import(actor=None, rows=rows, commit=commit)
        self.stdout.write(
            f"facilities: {len(r.created)} new, {len(r.updated)} updated, {len(r.unchanged)} unchanged"
        )
        self._saved(commit)

    def do_import_population(
        self, *, file: str, name: str | None, replace: bool, commit: bool, **_: Any
    ) -> None:
        path = Path(file)
        points = readers.parse_population(readers.read_table(path), source=path.name)
        r = imports.population_import(
            actor=None,
            name=name or path.name.split(".")[0],
            points=points,
            source=path.name,
            replace=replace,
            commit=commit,
        )
        self.stdout.write(
            f"population {r.name}: {r.stats['points']} points, {r.stats['population']} residents, {r.stats['without_community']} without a community"
        )
        self._saved(commit)

    def do_spread_population(
        self,
        *,
        method: str,
        h3_resolution: int,
        buildings: str | None,
        name: str,
        replace: bool,
        commit: bool,
        **_: Any,
    ) -> None:
        if method == "grids":
            points = imports.spread_over_grids()
        elif method == "h3":
            points = imports.spread_over_h3(h3_resolution)
        else:
            if not buildings:
                raise CommandError("--buildings FILE is needed with --method buildings")
            rows, areas = readers.read_buildings(buildings)
            points = imports.spread_over_buildings(rows, areas)
        r = imports.population_import(
            actor=None,
            name=name,
            points=points,
            source=f"spread over {method}",
            replace=replace,
            commit=commit,
        )
        self.stdout.write(
            f"population {r.name}: {r.stats['points']} points, {r.stats['population']} residents"
        )
        self._saved(commit)

    # --- analyses -------------------------------------------------------------------

    def _run(
        self, kind: str, opts: dict[str, Any], params: dict[str, Any] | None = None
    ) -> Analysis:
        population = services.dataset_by_name(opts.get("population"), Dataset.Kind.POPULATION)
        network = services.dataset_by_name(
            opts.get("network"), Dataset.Kind.NETWORK, near=population
        )
        a = services.analysis_start(
            actor=None,
            kind=kind,
            facility_kinds=services.resolve_kinds(opts["kinds"]),
            minutes=opts["minutes"],
            speed_kmh=opts["speed"],
            network=network,
            population=population,
            params=params,
            title=f"CLI {kind}",
            enqueue=False,
        )
        bar = ProgressBar(sys.stderr, kind)
        services.analysis_execute(a.pk, progress=bar)
        bar.done()
        a.refresh_from_db()
        if a.status != Analysis.Status.DONE:
            raise CommandError(f"analysis {a.pk} failed: {a.error}")
        return a

    def _emit(self, fmt: str, output: str, data: dict | None, a: Analysis) -> None:
        if fmt == "xlsx":
            if output == "-":
                raise CommandError("--format xlsx needs -o FILE")
            Path(output).write_bytes(exports.analysis_xlsx(a))
            self.stdout.write(f"wrote {output}")
            return
        text = json.dumps(data, ensure_ascii=False, indent=None if fmt == "geojson" else 2)
        if output == "-":
            self.stdout.write(text)
        else:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {output}")

    def do_coverage(self, **opts: Any) -> None:
        a = self._run(Analysis.Kind.COVERAGE, opts)
        data = (
            exports.analysis_geojson(a)
            if opts["format"] == "geojson"
            else exports.analysis_summary_json(a)
        )
        self._emit(opts["format"], opts["output"], data, a)

    def do_gaps(self, **opts: Any) -> None:
        a = self._run(Analysis.Kind.COVERAGE, opts)
        below = sorted(
            (r for r in a.communities if r["pct"] < opts["threshold"]),
            key=lambda r: -r["uncovered"],
        )
        if opts["format"] == "geojson":
            fc = exports.analysis_geojson(a)
            fc["features"] = [
                f
                for f in fc["features"]
                if f["properties"].get("layer") in ("facility", "reach")
                or (f["properties"].get("layer") == "demand" and not f["properties"]["covered"])
            ]
            fc["features"] += [
                {
                    "type": "Feature",
                    "properties": {
                        "layer": "hotspot",
                        **{k: v for k, v in h.items() if k not in ("lon", "lat")},
                    },
                    "geometry": {"type": "Point", "coordinates": [h["lon"], h["lat"]]},
                }
                for h in a.summary.get("hotspots", [])
            ]
            data: dict[str, Any] = fc
        else:
            data = {
                "analysis": a.pk,
                "summary": a.summary,
                "threshold": opts["threshold"],
                "communities": below,
                "hotspots": a.summary.get("hotspots", []),
            }
        self._emit(opts["format"], opts["output"], data, a)

    def do_site(self, **opts: Any) -> None:
        a = self._run(
            Analysis.Kind.SITING,
            opts,
            {"p": opts["p"], "mode": opts["mode"], "objective": opts["objective"]},
        )
        data = (
            exports.analysis_geojson(a, points=False)
            if opts["format"] == "geojson"
            else exports.analysis_summary_json(a)
        )
        self._emit(opts["format"], opts["output"], data, a)

    def do_list(self, **_: Any) -> None:
        for d in services.networks():
            self.stdout.write(f"network     {d.name}  {d.rows} edges  {d.source}")
        for d in services.populations():
            self.stdout.write(f"population  {d.name}  {d.rows} points  {d.source}")
        for a in Analysis.objects.defer("arrays", "isochrones")[:20]:
            self.stdout.write(
                f"analysis    #{a.pk} {a.kind} {a.status} {','.join(a.facility_kinds)} {a.minutes:g} min {a.summary.get('covered_pct', '')}"
            )
