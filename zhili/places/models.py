"""Administrative divisions, unit grids and responsibility grids.

Geometries are stored as WKB in WGS84/CGCS2000 longitude/latitude (the two
agree to well under a metre, far below the accuracy of any grid survey), with
their bounding box in plain columns so a database without spatial extensions
can still select by box.  Exact spatial work happens in Shapely and NumPy.

Boundaries are versioned: each row is valid over ``[valid_from, valid_to)``.
Redrawing a grid closes the old row and opens a new one with the same code,
so a case reported last year still resolves to the grid of its time.
"""

from __future__ import annotations

from datetime import date

import shapely
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("District or county (区县)")
    STREET = "street", _("Street or town (街道/镇)")
    COMMUNITY = "community", _("Community or village (社区/村)")


# GB/T 2260 county codes have 6 digits, the street/town level adds 3
# (GB/T 10114), the community/village level 3 more (统计用区划代码).
CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12}
LEVEL_FOR_LENGTH = {v: k for k, v in CODE_LENGTH.items()}
GRID_CODE_LENGTH = 15


class VersionedQuerySet(models.QuerySet):
    def valid_at(self, when: date | None = None) -> VersionedQuerySet:
        if when is None:
            return self.filter(valid_to__isnull=True)
        return self.filter(Q(valid_from__lte=when) & (Q(valid_to__isnull=True) | Q(valid_to__gt=when)))

    def current(self) -> VersionedQuerySet:
        return self.filter(valid_to__isnull=True)


class Shape(models.Model):
    """Geometry, box, area and validity shared by divisions and grids."""

    geom_wkb = models.BinaryField(_("geometry (WKB, WGS84)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    valid_from = models.DateField(_("valid from"), default=date(2000, 1, 1))
    valid_to = models.DateField(_("valid until (exclusive)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def geometry(self) -> shapely.Geometry:
        cached = getattr(self, "_geom", None)
        if cached is None:
            cached = shapely.from_wkb(bytes(self.geom_wkb))
            self._geom = cached
        return cached

    def set_geometry(self, geom: shapely.Geometry) -> None:
        from .geo import area_m2

        self._geom = geom
        self.geom_wkb = shapely.to_wkb(geom)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = (float(v) for v in geom.bounds)
        self.area_m2 = area_m2(geom)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class Division(Shape):
    """A district/county, street/town or community/village."""

    code = models.CharField(_("code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent_code = models.CharField(_("parent code"), max_length=12, blank=True, db_index=True)
    population = models.PositiveIntegerField(_("resident population"), null=True, blank=True)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("governing unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="divisions",
    )
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="division_one_current_per_code"
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="division_code_valid_from"),
        ]
        permissions = [("import_boundaries", "Can import and redraw boundaries")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class UnitGrid(Shape):
    """单元网格: the smallest unit of grid management (GB/T 30428.1).

    Code = 6-digit county + 3-digit street + 3-digit community + 3-digit
    sequence; the first 12 digits are the community the grid lies in.
    """

    code = models.CharField(_("code"), max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    district_code = models.CharField(_("district code"), max_length=6, db_index=True)
    street_code = models.CharField(_("street code"), max_length=9, db_index=True)
    community_code = models.CharField(_("community code"), max_length=12, db_index=True)
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        verbose_name = _("unit grid")
        verbose_name_plural = _("unit grids")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="unitgrid_one_current_per_code"
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="unitgrid_code_valid_from"),
        ]

    def __str__(self) -> str:
        return self.code


class ResponsibilityGrid(models.Model):
    """责任网格: a set of unit grids patrolled by one inspector."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsibility_grids",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("responsibility grid")
        verbose_name_plural = _("responsibility grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def grid_codes(self) -> list[str]:
        return list(self.members.values_list("grid_code", flat=True))


class ResponsibilityGridMember(models.Model):
    """A unit grid in a responsibility grid, by code, so redrawing a unit
    grid does not drop it from its inspector's patch."""

    responsibility_grid = models.ForeignKey(ResponsibilityGrid, on_delete=models.CASCADE, related_name="members")
    grid_code = models.CharField(max_length=15, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["responsibility_grid", "grid_code"], name="respgrid_member_unique"),
            # A unit grid has one inspector: belongs to one responsibility grid.
            models.UniqueConstraint(fields=["grid_code"], name="respgrid_grid_once"),
        ]


class BoundaryVersion(models.Model):
    """A single counter bumped by every boundary change.

    Processes holding an in-memory lookup index compare it with their copy
    (one indexed read) and rebuild when it moved.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)


class Facility(models.Model):
    """A public service facility from the facility registry (cultural
    stations, libraries, volunteer stations...), used by the service-circle
    analyses and shown on maps."""

    class Kind(models.TextChoices):
        CULTURAL_STATION = "cultural_station", _("Cultural station (文化站)")
        LIBRARY = "library", _("Library (图书馆)")
        LIBRARY_BRANCH = "library_branch", _("Library branch (图书馆分馆)")
        SELF_SERVICE_LIBRARY = "self_service_library", _("Self-service library (自助图书馆)")
        VOLUNTEER_STATION = "volunteer_station", _("Volunteer station (志愿服务站)")
        VOLUNTEER_POST = "volunteer_post", _("Volunteer post (志愿服务岗)")
        VOLUNTEER_POINT = "volunteer_point", _("Volunteer point (志愿服务点)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, db_index=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    grid_code = models.CharField(_("unit grid"), max_length=15, blank=True, db_index=True)
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """A named array dataset kept for analyses: a walking network (nodes and
    edges) or population points, stored as a compressed NumPy archive so
    millions of rows load in one read instead of one row per node."""

    class Kind(models.TextChoices):
        NETWORK = "network", _("Street network")
        POPULATION = "population", _("Population points")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    data = models.BinaryField(_("data (npz)"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    synthetic = models.BooleanField(_("synthetic demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")

    def __str__(self) -> str:
        return self.name

    def arrays(self) -> dict:
        import io

        import numpy as np

        with np.load(io.BytesIO(bytes(self.data)), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}

    @staticmethod
    def pack(**arrays) -> bytes:
        import io

        import numpy as np

        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()
