"""Back office: the assessment rules (weights and deductions) are configured here."""

from django.contrib import admin

from .models import AssessmentRule


@admin.register(AssessmentRule)
class AssessmentRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name", "plan", "weight_completion", "weight_timeliness", "weight_quality", "include_supporting", "active",
    )  # fmt: skip
    list_filter = ("active", "plan")
