"""Administrator-entered working-calendar data.

The statutory holidays and adjusted working days (调休) of 2004-2026 come
from the ``chinesecalendar`` library (see ``clock.library_calendar_data``).
The State Council publishes each next year's schedule in November or
December; until the library catches up, an administrator enters it here.
Rows are written only through ``actions.py`` (and the audited admin).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """One year of entered data.

    ``complete`` means an administrator has entered the year's full schedule:
    only then may deadlines run through it (a year of a library-covered range
    entered as complete replaces the library's schedule of that year).  An
    incomplete year only overrides single dates of the library's schedule.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("complete"),
        default=False,
        help_text=_("The full schedule of the year has been entered."),
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("The notice the dates come from, e.g. the State Council's holiday notice."),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Part of the calendar cache's fingerprint: every change must touch it.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class HolidayDay(models.Model):
    """A statutory rest day (休息日) or an adjusted working day (调休上班日)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (休息日)")
        WORKDAY = "workday", _("Adjusted working day (调休上班日)")

    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("calendar year"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. 春节"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]
        permissions = [("manage_calendar", "Can manage the working calendar")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    def clean(self) -> None:
        super().clean()
        if self.date is None:
            return
        if self.calendar_year_id is not None and self.date.year != self.calendar_year.year:
            raise ValidationError(
                {"date": _("The date is not in %(year)s.") % {"year": self.calendar_year.year}}
            )
        if self.kind == self.Kind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError(
                {"kind": _("An adjusted working day must fall on a Saturday or Sunday.")}
            )
