"""Back office for entered calendar years.

Prefer ``zhili calendar load`` or the upload page, which check a whole year
at once.  Edits made here are audited like the action functions' (the
calendar cache notices them through ``updated_at``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zhili.core.models import record

from .access import can_manage_calendar
from .actions import year_state
from .models import CalendarYear, HolidayDay


class _ManageCalendarOnly:
    """Changing the calendar moves every deadline: only ``manage_calendar`` may."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_manage_calendar(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_calendar(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_calendar(request.user)


class HolidayDayFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        # On the add page the days have no year yet, so the model's own check
        # cannot see it; the year being saved is on the parent instance.
        year = self.instance.year
        for form in self.forms:
            day = form.cleaned_data.get("date") if hasattr(form, "cleaned_data") else None
            if day is None or form.cleaned_data.get("DELETE"):
                continue
            if year and day.year != year:
                form.add_error("date", _("The date is not in %(year)s.") % {"year": year})


class HolidayDayInline(_ManageCalendarOnly, admin.TabularInline):
    model = HolidayDay
    formset = HolidayDayFormSet
    fields = ["date", "kind", "name"]
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(_ManageCalendarOnly, admin.ModelAdmin):
    list_display = ["year", "complete", "source", "created_by", "updated_at"]
    list_filter = ["complete"]
    fields = ["year", "complete", "source", "note"]
    inlines = [HolidayDayInline]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        # The inlines are saved after this, so the database still holds the old days.
        old = CalendarYear.objects.filter(pk=obj.pk).first() if change else None
        obj._audit_before = year_state(old) if old is not None else None  # type: ignore[attr-defined]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        obj.save(update_fields=["updated_at"])
        record(
            actor=request.user,
            action="workcal.admin_change" if change else "workcal.admin_add",
            obj=obj,
            summary=f"{obj.year}: changed in the back office",
            before=getattr(obj, "_audit_before", None),
            after=year_state(obj),
        )

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        record(actor=request.user, action="workcal.admin_delete", obj=obj, before=year_state(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for obj in queryset:
            record(
                actor=request.user, action="workcal.admin_delete", obj=obj, before=year_state(obj)
            )
        super().delete_queryset(request, queryset)


@admin.register(HolidayDay)
class HolidayDayAdmin(admin.ModelAdmin):
    """Read-only list across years; edit days inside their calendar year."""

    list_display = ["date", "kind", "name", "calendar_year"]
    list_filter = ["kind", "calendar_year"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
