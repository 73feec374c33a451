from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_YEAR, MIN_YEAR
from .clock import Unit

UNIT_CHOICES = [
    (Unit.WORKING_HOURS.value, _("working hours (工作时)")),
    (Unit.WORKING_DAYS.value, _("working days (工作日)")),
    (Unit.NATURAL_HOURS.value, _("hours, natural clock (小时)")),
    (Unit.NATURAL_DAYS.value, _("calendar days (自然日)")),
]

MAX_CSV_BYTES = 1_000_000


class ComputeForm(forms.Form):
    """Start plus a time limit: the staff's quick deadline calculator."""

    start = forms.DateTimeField(
        label=_("Start"),
        input_formats=[
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
        ],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_value=100_000, max_digits=9, decimal_places=2
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount, unit = data.get("amount"), data.get("unit")
        if (
            amount is not None
            and unit in (Unit.WORKING_DAYS, Unit.NATURAL_DAYS)
            and amount != int(amount)
        ):
            self.add_error("amount", _("Days must be a whole number."))
        return data


class LoadYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns date,kind,name; kind is holiday (休息日) or workday (调休上班日)."),
    )
    complete = forms.BooleanField(
        label=_("This is the year's full schedule"), required=False, initial=True
    )
    override = forms.BooleanField(
        label=_("Replace or correct the library's data for this year"), required=False
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        required=False,
        help_text=_("The notice the dates come from, e.g. the State Council's holiday notice."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is too large for a calendar (at most 1 MB)."))
        return upload
