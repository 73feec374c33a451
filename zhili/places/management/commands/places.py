"""zhili places import|export|locate|convert|list"""

from __future__ import annotations

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.places import io
from zhili.places.actions import BoundaryImportError, boundaries_import
from zhili.places.boundaries import BoundaryFileError, read_features


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Administrative divisions and unit grids: import, export, point lookup, datum conversion."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        imp = sub.add_parser("import", help="Import divisions or unit grids (GeoJSON, GeoPackage, Shapefile).")
        imp.add_argument("file")
        imp.add_argument("--kind", choices=["divisions", "grids"], required=True)
        imp.add_argument("--valid-from", type=_date, default=None, help="Date the boundaries take effect (default today).")
        imp.add_argument("--commit", action="store_true", help="Save; without it the import is checked and rolled back.")

        exp = sub.add_parser("export", help="Export divisions or unit grids.")
        exp.add_argument("file", help="Output path; - for GeoJSON on standard output.")
        exp.add_argument("--kind", choices=["divisions", "grids"], required=True)
        exp.add_argument("--at", type=_date, default=None, help="Boundaries valid on this date (default current).")
        exp.add_argument("--format", choices=["geojson", "gpkg", "shp"], default=None)

        loc = sub.add_parser("locate", help="Which unit grid, community, street and district contain a point.")
        loc.add_argument("lon", type=float)
        loc.add_argument("lat", type=float)
        loc.add_argument("--datum", choices=["wgs84", "cgcs2000", "gcj02", "bd09"], default="wgs84")
        loc.add_argument("--at", type=_date, default=None)
        loc.add_argument("--format", choices=["text", "json"], default="text")

        conv = sub.add_parser("convert", help="Convert a coordinate between WGS84/CGCS2000, GCJ-02 and BD-09.")
        conv.add_argument("lon", type=float)
        conv.add_argument("lat", type=float)
        conv.add_argument("--from", dest="src", required=True, choices=["wgs84", "cgcs2000", "gcj02", "bd09"])
        conv.add_argument("--to", dest="dst", required=True, choices=["wgs84", "cgcs2000", "gcj02", "bd09"])

    def handle(self, *args, verb: str, **opts) -> None:
        getattr(self, f"do_{verb}")(**opts)

    def do_import(self, *, file: str, kind: str, valid_from: date | None, commit: bool, **_: object) -> None:
        try:
            features = read_features(file)
        except BoundaryFileError as exc:
            raise CommandError(str(exc)) from None
        try:
            report = boundaries_import(actor=None, kind=kind, features=features, valid_from=valid_from, commit=commit)
        except BoundaryImportError as exc:
            for err in exc.feature_errors:
                self.stderr.write(str(err))
            raise CommandError(
                f"{len(exc.feature_errors)} error(s) in {len(features)} feature(s); nothing was saved."
            ) from None
        self.stdout.write(
            f"{kind}: {len(report.created)} new, {len(report.redrawn)} redrawn, "
            f"{len(report.unchanged)} unchanged, valid from {report.valid_from}."
        )
        if not commit:
            self.stdout.write("Checked only: nothing saved. Add --commit to save.")

    def do_export(self, *, file: str, kind: str, at: date | None, format: str | None, **_: object) -> None:
        fmt = format or ("geojson" if file == "-" else io.format_for_path(file))
        if file == "-":
            if fmt != "geojson":
                raise CommandError("only GeoJSON can be written to standard output")
            json.dump(io.export_geojson(kind, at=at), sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
            return
        count = io.export_file(kind, file, fmt=fmt, at=at)
        self.stdout.write(f"wrote {count} {kind} to {file}")

    def do_locate(self, *, lon: float, lat: float, datum: str, at: date | None, format: str, **_: object) -> None:
        from zhili.places.coords import convert
        from zhili.places.services import division_names, locate

        if datum not in ("wgs84", "cgcs2000"):
            lon, lat = (float(v) for v in convert(lon, lat, datum, "wgs84"))
        hit = locate(lon, lat, at=at)
        if hit is None:
            if format == "json":
                self.stdout.write(json.dumps({"lon": lon, "lat": lat, "found": False}))
                return
            raise CommandError(f"({lon:.6f}, {lat:.6f}) lies outside every unit grid")
        names = division_names([hit.community, hit.street, hit.district], at=at)
        out = {
            "lon": lon,
            "lat": lat,
            "found": True,
            "grid": hit.grid,
            "community": {"code": hit.community, "name": names.get(hit.community, "")},
            "street": {"code": hit.street, "name": names.get(hit.street, "")},
            "district": {"code": hit.district, "name": names.get(hit.district, "")},
        }
        if format == "json":
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(f"grid      {hit.grid}")
            for key in ("community", "street", "district"):
                self.stdout.write(f"{key:<9} {out[key]['code']} {out[key]['name']}")

    def do_convert(self, *, lon: float, lat: float, src: str, dst: str, **_: object) -> None:
        from zhili.places.coords import convert

        x, y = convert(lon, lat, src, dst)
        self.stdout.write(f"{float(x):.7f} {float(y):.7f}")
