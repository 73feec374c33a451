"""Admin for the catalogue, the local standards and the components inventory.

Catalogues and categories are loaded by the ``zhili cases`` loaders (which
check every row and write the audit entry); here they are shown, and only
a category's active flag and a condition's wording, limit and departments
may be corrected by hand.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Catalogue, Category, Component, StandardCondition


@admin.register(Catalogue)
class CatalogueAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_default", "minor_digits", "is_local", "updated_at")
    readonly_fields = (
        "code",
        "minor_digits",
        "is_local",
        "is_default",
        "source",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False


class ConditionInline(admin.TabularInline):
    model = StandardCondition
    extra = 0
    fields = (
        "standard", "order", "filing_condition", "closing_condition", "time_limit", "time_unit",
        "time_limit_remark", "responsible_department", "responsible_org", "supervising_department",
        "supervising_org",
    )  # fmt: skip
    autocomplete_fields = ("responsible_org", "supervising_org")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "minor_name", "major_name", "kind", "catalogue", "is_local", "active")
    list_filter = ("catalogue", "kind", "is_local", "active")
    search_fields = ("code", "minor_name", "major_name")
    readonly_fields = (
        "catalogue",
        "kind",
        "major_code",
        "major_name",
        "minor_code",
        "minor_name",
        "code",
        "source",
        "is_local",
    )
    inlines = [ConditionInline]

    def has_add_permission(self, request):
        return False


@admin.register(StandardCondition)
class StandardConditionAdmin(admin.ModelAdmin):
    list_display = (
        "category",
        "order",
        "short_filing",
        "time_limit_display",
        "responsible_department",
        "standard",
    )
    list_filter = ("standard", "time_unit", "category__catalogue", "category__kind")
    search_fields = (
        "filing_condition",
        "closing_condition",
        "responsible_department",
        "category__minor_name",
        "category__code",
    )
    list_select_related = ("category",)
    autocomplete_fields = ("responsible_org", "supervising_org")
    readonly_fields = (
        "category",
        "standard",
        "time_limit_text",
        "source_row",
        "created_at",
        "created_by",
    )

    @admin.display(description=_("filing condition (立案条件)"))
    def short_filing(self, obj: StandardCondition) -> str:
        text = obj.filing_condition
        return text if len(text) <= 40 else text[:39] + "…"

    def has_add_permission(self, request):
        return False


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = (
        "component_id",
        "name",
        "category",
        "status",
        "grid_code",
        "accuracy",
        "change_date",
    )
    list_filter = ("status", "accuracy", "data_source", "category__major_name")
    search_fields = ("component_id", "name", "grid_code", "owner_unit", "maintainer_unit")
    list_select_related = ("category",)
    raw_id_fields = ("category",)
    autocomplete_fields = ("owner_org", "maintainer_org", "supervising_org")
    readonly_fields = ("community_code", "street_code", "created_at", "updated_at", "created_by")
