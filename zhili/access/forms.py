from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.places.models import Dataset, Facility

from .models import Analysis

MAX_UPLOAD_MB = 500
NETWORK_SUFFIXES = (
    ".osm.pbf",
    ".pbf",
    ".osm",
    ".osm.bz2",
    ".osm.gz",
    ".geojson",
    ".json",
    ".geojsonl",
    ".geojsons",
    ".ndjson",
)
TABLE_SUFFIXES = (".csv", ".xlsx", ".geojson", ".json")
VOLUNTEER_KINDS = [
    Facility.Kind.VOLUNTEER_STATION,
    Facility.Kind.VOLUNTEER_POST,
    Facility.Kind.VOLUNTEER_POINT,
]


class AnalysisForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Analysis"), choices=Analysis.Kind.choices, initial=Analysis.Kind.COVERAGE
    )
    facility_kinds = forms.MultipleChoiceField(
        label=_("Facilities"),
        choices=Facility.Kind.choices,
        initial=VOLUNTEER_KINDS,
        widget=forms.CheckboxSelectMultiple,
    )
    minutes = forms.FloatField(label=_("Walking minutes"), min_value=1, max_value=60, initial=10)
    speed_kmh = forms.FloatField(
        label=_("Walking speed (km/h)"), min_value=1, max_value=10, initial=4.5
    )
    network = forms.ModelChoiceField(
        label=_("Walking network"), queryset=Dataset.objects.none(), empty_label=None
    )
    population = forms.ModelChoiceField(
        label=_("Population"), queryset=Dataset.objects.none(), empty_label=None
    )
    p = forms.IntegerField(
        label=_("New sites (siting)"), min_value=1, max_value=500, initial=5, required=False
    )
    objective = forms.ChoiceField(
        label=_("Siting objective"),
        choices=Analysis.Objective.choices,
        initial=Analysis.Objective.MCLP,
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Siting method"),
        choices=Analysis.Mode.choices,
        initial=Analysis.Mode.HEURISTIC,
        required=False,
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        nets = (
            Dataset.objects.filter(kind=Dataset.Kind.NETWORK).defer("data").order_by("-created_at")
        )
        pops = (
            Dataset.objects.filter(kind=Dataset.Kind.POPULATION)
            .defer("data")
            .order_by("-created_at")
        )
        self.fields["network"].queryset = nets
        self.fields["population"].queryset = pops
        from .services import matching_network

        self.fields["population"].initial = pop = pops.first()
        self.fields["network"].initial = matching_network(pop)

    def params(self) -> dict:
        d = self.cleaned_data
        if d["kind"] != Analysis.Kind.SITING:
            return {}
        return {
            "p": d.get("p") or 5,
            "objective": d.get("objective") or "mclp",
            "mode": d.get("mode") or "heuristic",
        }


class WhatIfForm(forms.Form):
    op = forms.ChoiceField(choices=[("add", _("Add")), ("move", _("Move")), ("close", _("Close"))])
    code = forms.CharField(max_length=32, required=False)
    lon = forms.FloatField(min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False)
    kind = forms.ChoiceField(choices=Facility.Kind.choices, required=False)
    name = forms.CharField(max_length=100, required=False)

    def clean(self):
        d = super().clean()
        op = d.get("op")
        if op in ("add", "move") and (d.get("lon") is None or d.get("lat") is None):
            raise forms.ValidationError(_("Pick a place on the map."))
        if op in ("move", "close") and not d.get("code"):
            raise forms.ValidationError(_("Pick a facility on the map."))
        return d

    def change(self) -> dict:
        d = self.cleaned_data
        out = {"op": d["op"]}
        if d.get("code"):
            out["code"] = d["code"]
        if d["op"] in ("add", "move"):
            out["lon"], out["lat"] = round(d["lon"], 7), round(d["lat"], 7)
        if d["op"] == "add":
            out["kind"] = d.get("kind") or ""
            out["name"] = d.get("name") or ""
        return out


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("network", _("Walking network (OSM .osm.pbf/.osm, or GeoJSON lines)")),
            ("facilities", _("Facilities (CSV, Excel or GeoJSON points)")),
            ("population", _("Population points with weights (CSV, Excel or GeoJSON)")),
        ],
    )
    name = forms.CharField(
        label=_("Dataset name (network and population)"), max_length=100, required=False
    )
    file = forms.FileField(label=_("File"))
    replace = forms.BooleanField(label=_("Replace a dataset of the same name"), required=False)
    commit = forms.BooleanField(
        label=_("Save (untick to only check the file)"), required=False, initial=True
    )

    def clean(self):
        d = super().clean()
        f = d.get("file")
        what = d.get("what")
        if f is None or what is None:
            return d
        name = f.name.lower()
        allowed = NETWORK_SUFFIXES if what == "network" else TABLE_SUFFIXES
        if not name.endswith(allowed):
            self.add_error(
                "file", _("This kind of data is read from: %(s)s") % {"s": ", ".join(allowed)}
            )
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            self.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB})
        if what in ("network", "population") and not d.get("name"):
            self.add_error("name", _("Name the dataset."))
        return d
