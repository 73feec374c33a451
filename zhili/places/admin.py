from django.contrib import admin

from .models import (
    Dataset,
    Division,
    Facility,
    ResponsibilityGrid,
    ResponsibilityGridMember,
    UnitGrid,
)


class VersionedAdmin(admin.ModelAdmin):
    # Geometry and versions change only through the import action (it checks
    # every rule and records the audit entry); the admin shows them.
    readonly_fields = ("geom_wkb", "min_lon", "min_lat", "max_lon", "max_lat", "area_m2", "valid_from", "valid_to", "created_by")

    def has_add_permission(self, request):
        return False


@admin.register(Division)
class DivisionAdmin(VersionedAdmin):
    list_display = ("code", "name", "level", "population", "valid_from", "valid_to", "synthetic")
    list_filter = ("level", "synthetic")
    search_fields = ("code", "name")
    exclude = ("geom_wkb",)


@admin.register(UnitGrid)
class UnitGridAdmin(VersionedAdmin):
    list_display = ("code", "name", "community_code", "area_m2", "valid_from", "valid_to")
    search_fields = ("code", "name")
    list_filter = ("street_code", "synthetic")
    exclude = ("geom_wkb",)


class MemberInline(admin.TabularInline):
    model = ResponsibilityGridMember
    extra = 0


@admin.register(ResponsibilityGrid)
class ResponsibilityGridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "inspector", "active")
    search_fields = ("code", "name")
    inlines = [MemberInline]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "capacity", "grid_code", "synthetic")
    list_filter = ("kind", "synthetic")
    search_fields = ("code", "name")


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "rows", "source", "synthetic", "created_at")
    exclude = ("data",)
