from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_MB = 200


class BoundaryImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=[("divisions", _("Divisions")), ("grids", _("Unit grids"))])
    file = forms.FileField(label=_("File (.geojson or .gpkg)"))
    valid_from = forms.DateField(label=_("Valid from"), initial=timezone.localdate)
    commit = forms.BooleanField(label=_("Save (untick to only check the file)"), required=False, initial=True)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if Path(f.name).suffix.lower() not in (".geojson", ".json", ".gpkg"):
            raise forms.ValidationError(_("Upload a .geojson or .gpkg file (zip Shapefiles are not accepted here)."))
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB})
        return f
