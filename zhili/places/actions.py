"""Writes to places: every one a named function in a transaction, with audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.models import record

from .boundaries import Checked, FeatureError, RawFeature, check_divisions, check_grids
from .models import (
    BoundaryVersion,
    Division,
    ResponsibilityGrid,
    ResponsibilityGridMember,
    UnitGrid,
)


class BoundaryImportError(ValidationError):
    """An import refused whole, with one message per failing feature."""

    def __init__(self, errors: list[FeatureError]):
        self.feature_errors = errors
        super().__init__([str(e) for e in errors])


@dataclass
class ImportReport:
    kind: str
    valid_from: date
    created: list[str] = field(default_factory=list)
    redrawn: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def total(self) -> int:
        return len(self.created) + len(self.redrawn) + len(self.unchanged)


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to change boundaries."))


def _bump_version() -> None:
    updated = BoundaryVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    if not updated:
        BoundaryVersion.objects.create(pk=1, version=1)


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-9))


def boundaries_import(
    *,
    actor,
    kind: str,
    features: list[RawFeature],
    valid_from: date | None = None,
    commit: bool = True,
    synthetic: bool = False,
) -> ImportReport:
    """Import divisions or unit grids, all or nothing.

    A code already stored with a different shape is redrawn: its current row
    is closed at ``valid_from`` and a new row opened, so earlier cases keep
    resolving to the old shape.  Raises :class:`BoundaryImportError` listing
    every failing feature; nothing is written then.
    """
    if kind not in ("divisions", "grids"):
        raise ValueError(f"unknown boundary kind {kind!r}")
    _require(actor, "places.import_boundaries")
    valid_from = valid_from or timezone.localdate()
    report = ImportReport(kind=kind, valid_from=valid_from)
    with transaction.atomic():
        model = Division if kind == "divisions" else UnitGrid
        if kind == "divisions":
            existing = {
                d.code: d.geometry for d in Division.objects.current().only("code", "geom_wkb")
            }
            checked: Checked = check_divisions(features, existing)
            records = checked.divisions
        else:
            communities = {
                d.code: d.geometry
                for d in Division.objects.current().filter(level="community").only("code", "geom_wkb")
            }
            existing = {g.code: g.geometry for g in UnitGrid.objects.current().only("code", "geom_wkb")}
            checked = check_grids(features, communities, existing)
            records = checked.grids
        if checked.errors:
            raise BoundaryImportError(checked.errors)
        current = {
            row.code: row for row in model.objects.current().filter(code__in=[r.code for r in records])
        }
        errors: list[FeatureError] = []
        to_create = []
        for rec in records:
            old = current.get(rec.code)
            if old is not None and old.valid_from > valid_from:
                errors.append(
                    FeatureError(
                        rec.index,
                        rec.code,
                        _("the stored version is valid from %(d)s, after this import's date %(v)s")
                        % {"d": old.valid_from, "v": valid_from},
                    )
                )
                continue
            if old is not None and _same(old.geometry, rec.geometry) and old.name == (rec.name or old.name):
                report.unchanged.append(rec.code)
                if kind == "divisions" and rec.population is not None and old.population != rec.population:
                    old.population = rec.population
                    old.save(update_fields=["population"])
                continue
            if old is not None:
                report.redrawn.append(rec.code)
                if old.valid_from == valid_from:
                    # Same-day correction: replace the version rather than
                    # leaving an empty interval behind.
                    old.delete()
                else:
                    old.valid_to = valid_from
                    old.save(update_fields=["valid_to"])
            else:
                report.created.append(rec.code)
            to_create.append(_build_row(kind, rec, valid_from, actor, synthetic))
        if errors:
            raise BoundaryImportError(errors)
        model.objects.bulk_create(to_create, batch_size=500)
        record(
            actor=actor,
            action=f"places.import_{kind}",
            object_type=f"places.{kind}",
            object_id=valid_from.isoformat(),
            summary=_("%(c)d new, %(r)d redrawn, %(u)d unchanged")
            % {"c": len(report.created), "r": len(report.redrawn), "u": len(report.unchanged)},
            after={"created": report.created[:200], "redrawn": report.redrawn[:200]},
        )
        _bump_version()
        if not commit:
            transaction.set_rollback(True)
        report.committed = commit
    return report


def _build_row(kind: str, rec, valid_from: date, actor, synthetic: bool):
    created_by = actor if getattr(actor, "pk", None) else None
    if kind == "divisions":
        row = Division(
            code=rec.code,
            name=rec.name,
            level=rec.level,
            parent_code=rec.parent_code,
            population=rec.population,
            valid_from=valid_from,
            created_by=created_by,
            synthetic=synthetic,
        )
    else:
        row = UnitGrid(
            code=rec.code,
            name=rec.name or rec.code,
            district_code=rec.code[:6],
            street_code=rec.code[:9],
            community_code=rec.code[:12],
            valid_from=valid_from,
            created_by=created_by,
            synthetic=synthetic,
        )
    row.set_geometry(rec.geometry)
    return row


def responsibility_grid_save(
    *, actor, code: str, name: str, grid_codes: list[str], inspector=None
) -> ResponsibilityGrid:
    """Create or update a responsibility grid and its unit grids."""
    _require(actor, "places.change_responsibilitygrid")
    grid_codes = sorted(set(grid_codes))
    with transaction.atomic():
        known = set(UnitGrid.objects.current().filter(code__in=grid_codes).values_list("code", flat=True))
        missing = [c for c in grid_codes if c not in known]
        if missing:
            raise ValidationError(
                _("Unknown unit grids: %(codes)s") % {"codes": ", ".join(missing[:10])}
            )
        taken = list(
            ResponsibilityGridMember.objects.filter(grid_code__in=grid_codes)
            .exclude(responsibility_grid__code=code)
            .values_list("grid_code", "responsibility_grid__code")[:10]
        )
        if taken:
            raise ValidationError(
                _("Unit grids already in another responsibility grid: %(pairs)s")
                % {"pairs": ", ".join(f"{g}→{r}" for g, r in taken)}
            )
        rgrid, created = ResponsibilityGrid.objects.select_for_update().get_or_create(
            code=code, defaults={"name": name, "inspector": inspector}
        )
        before = None if created else {"name": rgrid.name, "inspector": rgrid.inspector_id, "grids": rgrid.grid_codes}
        rgrid.name = name
        rgrid.inspector = inspector
        rgrid.save()
        rgrid.members.exclude(grid_code__in=grid_codes).delete()
        have = set(rgrid.members.values_list("grid_code", flat=True))
        ResponsibilityGridMember.objects.bulk_create(
            [ResponsibilityGridMember(responsibility_grid=rgrid, grid_code=c) for c in grid_codes if c not in have]
        )
        record(
            actor=actor,
            action="places.responsibility_grid_save",
            obj=rgrid,
            before=before,
            after={"name": name, "inspector": getattr(inspector, "pk", None), "grids": grid_codes},
        )
    return rgrid
