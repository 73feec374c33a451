"""Back-office views of cases and their configuration.

Cases change only through the action functions (they check the lifecycle and
write the timeline), so the case admin is read-only; configuration tables
(dispatch rules, step limits, duplicate rules, hotline tiers) are editable.
"""

from django.contrib import admin

from .models import (
    Case,
    CaseEvent,
    DispatchRule,
    DuplicateRule,
    HotlineOrder,
    HotlineTier,
    StepLimit,
)


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "from_state", "to_state", "note", "public")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "source", "state", "category", "grid_code", "assigned_unit", "reported_at", "step_deadline", "step_overdue")
    list_filter = ("state", "source", "step_overdue")
    search_fields = ("number", "description", "address")
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "area_code", "unit", "priority", "active", "note")
    list_filter = ("active",)
    raw_id_fields = ("category",)


@admin.register(StepLimit)
class StepLimitAdmin(admin.ModelAdmin):
    list_display = ("step", "amount", "unit")


@admin.register(DuplicateRule)
class DuplicateRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__",)


@admin.register(HotlineTier)
class HotlineTierAdmin(admin.ModelAdmin):
    list_display = ("__str__",)


@admin.register(HotlineOrder)
class HotlineOrderAdmin(admin.ModelAdmin):
    list_display = ("order_no", "received_at", "case", "callback_result")
    search_fields = ("order_no", "content")
    raw_id_fields = ("case",)
