"""Back office for organisation units and people.

The admin writes rows itself rather than through ``actions.py``; to keep the
audit log complete, each save here also writes an audit entry.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from zhili.core.models import record

from .actions import unit_state, user_state
from .models import ApiToken, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "division_code", "active")
    list_filter = ("kind", "active", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "short_name", "division_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = unit_state(OrgUnit.objects.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            record(
                actor=request.user,
                action="org_unit.admin_change" if change else "org_unit.admin_create",
                obj=obj,
                summary=f"{obj.code} {obj.name}",
                before=before,
                after=unit_state(obj),
            )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "org_unit", "post", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "org_unit__kind")
    search_fields = ("username", "first_name", "last_name", "phone", "post", "org_unit__name")
    list_select_related = ("org_unit",)
    autocomplete_fields = ("org_unit",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("org_unit", "post", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ("first_name", "org_unit", "post", "phone")}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Only a superuser makes superusers; roles need accounts.manage_roles.
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        if not request.user.has_perm("accounts.manage_roles"):
            readonly += ["groups"]
        return readonly

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                actor=request.user,
                action="user.admin_change" if change else "user.admin_create",
                obj=obj,
                summary=obj.username,
                after={k: v for k, v in user_state(obj).items() if k != "roles"},
            )

    def save_related(self, request, form, formsets, change):
        # Groups (roles) are saved after the user row; record them here.
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            obj = form.instance
            obj.__dict__.pop("_roles_cache", None)
            if "groups" in form.changed_data:
                record(
                    actor=request.user,
                    action="user.admin_set_roles",
                    obj=obj,
                    summary=obj.username,
                    after={"roles": sorted(r.value for r in obj.roles)},
                )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds a REST API token, read-only: tokens are issued and revoked
    with ``zhili cases api-token`` (audited; the key is shown once)."""

    list_display = ("user", "prefix", "created_at")
    search_fields = ("user__username", "prefix")
    list_select_related = ("user",)
    readonly_fields = ("user", "prefix", "created_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
