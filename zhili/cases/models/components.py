"""The components inventory (部件普查): every manhole cover, lamp, bin and bridge.

Each component has the 17-digit ID of GB/T 47678.5: 6-digit county (GB/T
2260) + 2-digit major + 3-digit minor (its category in the default
catalogue) + 6-digit sequence.  Its unit grid is found from its location
when the census does not give it, and checked against it when it does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalogue import Catalogue, Category

__all__ = ["Component"]


class Component(models.Model):
    class Status(models.TextChoices):
        INTACT = "intact", _("Intact (完好)")
        DAMAGED = "damaged", _("Damaged (破损)")
        LOST = "lost", _("Lost (丢失)")
        ABANDONED = "abandoned", _("Abandoned (废弃)")
        REMOVED = "removed", _("Removed (移除)")

    class Accuracy(models.TextChoices):
        # GB/T 47678.5 positioning accuracy classes.
        A = "A", _("A: within 0.5 m (manhole covers, lamps)")
        B = "B", _("B: within 1 m (bins, kiosks, billboards)")
        C = "C", _("C: within 10 m (bridges, car parks)")

    class DataSource(models.TextChoices):
        SURVEYED = "surveyed", _("Surveyed (实测)")
        TOPOGRAPHIC_MAP = "topographic_map", _("Topographic map (地形图)")
        BASE_GEODATA = "base_geodata", _("Base geographic data (基础地理数据)")
        OTHER = "other", _("Other (其他)")

    component_id = models.CharField(_("component ID"), max_length=17, unique=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="components",
        limit_choices_to={"kind": Category.Kind.COMPONENT},
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    owner_unit = models.CharField(_("owner (权属单位)"), max_length=100, blank=True)
    owner_org = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("owner in the organisation"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    maintainer_unit = models.CharField(_("maintainer (养护单位)"), max_length=100, blank=True)
    maintainer_org = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("maintainer in the organisation"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    supervising_unit = models.CharField(
        _("supervising department (主管部门)"), max_length=100, blank=True
    )
    supervising_unit_code = models.CharField(
        _("supervising department code"),
        max_length=18,
        blank=True,
        help_text=_("Unified social credit code (统一社会信用代码), 18 characters."),
    )
    supervising_org = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("supervising department in the organisation"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    grid_code = models.CharField(_("unit grid"), max_length=15, blank=True, db_index=True)
    community_code = models.CharField(_("community code"), max_length=12, blank=True, db_index=True)
    street_code = models.CharField(_("street code"), max_length=9, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INTACT
    )
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    accuracy = models.CharField(
        _("positioning accuracy"), max_length=1, choices=Accuracy.choices, blank=True
    )
    initial_date = models.DateField(_("initial date (初始日期)"), null=True, blank=True)
    change_date = models.DateField(_("change date (变更日期)"), null=True, blank=True)
    data_source = models.CharField(
        _("data source"), max_length=16, choices=DataSource.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["component_id"]
        indexes = [models.Index(fields=["category", "status"])]
        permissions = [("import_components", "Can import the components inventory")]

    def __str__(self) -> str:
        return f"{self.component_id} {self.name or self.category.minor_name}"

    @property
    def county_code(self) -> str:
        return self.component_id[:6]

    @property
    def sequence(self) -> str:
        return self.component_id[11:]

    def clean(self) -> None:
        """The ID's rules, for forms and the admin (the import checks the same, in bulk)."""
        from zhili.places.models import Division, Level

        from ..tabular import check_component_id

        super().clean()
        catalogue = Catalogue.default()
        if catalogue is None:
            raise ValidationError(
                _("No default catalogue is loaded: run zhili cases load-catalogue.")
            )
        codes = catalogue.component_codes()
        counties = set(
            Division.objects.current().filter(level=Level.DISTRICT).values_list("code", flat=True)
        )
        problem = check_component_id(
            self.component_id or "",
            categories=codes,
            counties=counties or None,
            catalogue=catalogue.code,
        )
        if problem:
            raise ValidationError({"component_id": problem})
        expected = codes[self.component_id[6:11]]
        if self.category_id is None:
            self.category = expected
        elif self.category_id != expected.pk:
            raise ValidationError(
                {
                    "category": _("The component ID says %(code)s “%(name)s”.")
                    % {"code": expected.code, "name": expected.minor_name}
                }
            )
        if self.grid_code:
            self.community_code, self.street_code = self.grid_code[:12], self.grid_code[:9]
