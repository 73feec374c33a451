from django.contrib import admin

from .models import ApiKey, Jurisdiction, RequestLog, Service, ServiceAttribute, ServiceRequest


class AttributeInline(admin.TabularInline):
    model = ServiceAttribute
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("service_code", "service_name", "group", "type", "category", "active")
    list_filter = ("group", "type", "active")
    inlines = [AttributeInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    # Keys are issued and revoked through the actions (zhili open311 issue-key)
    # so that the secret is generated, shown once and audited.
    list_display = ("name", "prefix", "rate_per_minute", "created_at", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "created_by", "revoked_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("jurisdiction_id", "name", "district_code", "is_default")


@admin.register(RequestLog)
class RequestLogAdmin(admin.ModelAdmin):
    list_display = ("at", "api_key", "method", "path", "status", "ip")
    list_filter = ("method", "status")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("token", "case", "service", "api_key", "created_at")
    raw_id_fields = ("case",)
