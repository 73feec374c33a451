"""The catalogue of components and events, and the local standards on them.

A ``Catalogue`` is one code table: GB/T 47678.5-2026 (the default, 2-digit
major + 3-digit minor codes), the older CJ/T 214 list (2 + 2) for cities
still on it, or a local table a city's own standard defines.  Each
``Category`` of it is a component type (部件) or an event type (事项).

A local standard (立案结案标准) gives each category one or more
``StandardCondition`` rows: when to file a case (立案条件), when it may be
closed (结案条件), within what time limit, by which department, under
which supervising department.  The Yuncheng standard, for instance, gives
a water manhole cover four rows: missing → 2 emergency working hours,
broken → 4 hours, rattling → 2 days, surroundings damaged → 5 days.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..catalogue import TimeUnit, deadline_for, format_time_limit

if TYPE_CHECKING:
    from zhili.workcal.clock import WorkingCalendar

__all__ = ["Catalogue", "Category", "StandardCondition", "TimeUnit"]


class Catalogue(models.Model):
    GBT = "GBT47678.5-2026"
    CJT214 = "CJT214"

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(
        _("default catalogue"),
        default=False,
        help_text=_("The catalogue new cases and component IDs use."),
    )
    minor_digits = models.PositiveSmallIntegerField(
        _("digits of the minor code"), default=3, choices=[(2, "2"), (3, "3")]
    )
    is_local = models.BooleanField(
        _("local code table"),
        default=False,
        help_text=_("Created from a local standard rather than from a national one."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("catalogue")
        verbose_name_plural = _("catalogues")
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="catalogue_one_default"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @classmethod
    def default(cls) -> Catalogue | None:
        return cls.objects.filter(is_default=True).first()

    def component_codes(self) -> dict[str, Category]:
        """Active component categories by the 5-digit code a 17-digit component
        ID carries (major + 3-digit minor; 2-digit minors are zero-padded)."""
        return {
            c.major_code + c.minor_code.zfill(3): c
            for c in self.categories.filter(kind=Category.Kind.COMPONENT, active=True)
        }


class Category(models.Model):
    class Kind(models.TextChoices):
        COMPONENT = "component", _("Component (部件)")
        EVENT = "event", _("Event (事项)")

    catalogue = models.ForeignKey(
        Catalogue, verbose_name=_("catalogue"), on_delete=models.CASCADE, related_name="categories"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    major_code = models.CharField(_("major code"), max_length=2)
    major_name = models.CharField(_("major name"), max_length=100)
    minor_code = models.CharField(_("minor code"), max_length=3)
    minor_name = models.CharField(_("minor name"), max_length=100)
    # major + minor: 5 digits in GB/T 47678.5, 4 in CJ/T 214.
    code = models.CharField(_("code"), max_length=5, db_index=True, editable=False)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_local = models.BooleanField(
        _("local addition"),
        default=False,
        help_text=_("Added by a local standard; not in the national list."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["catalogue", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue", "kind", "major_code", "minor_code"],
                name="category_code_unique",
            )
        ]
        permissions = [("manage_catalogue", "Can load catalogues and local case standards")]

    def __str__(self) -> str:
        return f"{self.code} {self.minor_name}"

    def save(self, *args, **kwargs) -> None:
        self.code = f"{self.major_code}{self.minor_code}"
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.major_name} / {self.minor_name}"


class StandardCondition(models.Model):
    """One row of a local standard: filing and closing conditions, time limit, departments."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="conditions"
    )
    standard = models.CharField(
        _("standard"), max_length=200, help_text=_("The local standard this row comes from.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    filing_condition = models.TextField(_("filing condition (立案条件)"))
    closing_condition = models.TextField(_("closing condition (结案条件)"))
    time_limit = models.DecimalField(_("time limit"), max_digits=8, decimal_places=2)
    time_unit = models.CharField(_("time unit"), max_length=24, choices=TimeUnit.choices)
    time_limit_text = models.CharField(
        _("time limit as written"),
        max_length=60,
        blank=True,
        help_text=_("For example 2紧急工作时."),
    )
    time_limit_remark = models.CharField(
        _("time limit remark"),
        max_length=60,
        blank=True,
        help_text=_("What must be done within the limit, when the standard says (制止)."),
    )
    responsible_department = models.CharField(
        _("handling unit (处置单位)"), max_length=300, blank=True
    )
    responsible_org = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("handling unit in the organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supervising_department = models.CharField(
        _("supervising department (主管部门)"), max_length=300, blank=True
    )
    supervising_org = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("supervising department in the organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_row = models.PositiveIntegerField(_("row in the source file"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("standard condition")
        verbose_name_plural = _("standard conditions")
        ordering = ["category", "standard", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "standard", "order"], name="standardcondition_order_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} #{self.order}: {self.time_limit_display}"

    @property
    def time_limit_display(self) -> str:
        return format_time_limit(self.time_limit, self.time_unit) + self.time_limit_remark

    def deadline(self, start: datetime, *, calendar: WorkingCalendar | None = None) -> datetime:
        """When a case filed under this condition at ``start`` is due."""
        return deadline_for(start, self.time_limit, self.time_unit, calendar=calendar)
