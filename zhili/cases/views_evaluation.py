"""Evaluation pages (综合评价): the ranking, its colour map and its workbook.

Thin: the form reads the parameters, ``access_evaluation`` decides what the
user may see, ``evaluate`` does the work.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import evaluation as ev
from .models import EvaluationWeights

BY_CHOICES = [
    ("region", gettext_lazy("Region")),
    ("department", gettext_lazy("Department")),
    ("post", gettext_lazy("Post")),
]
LEVEL_CHOICES = [
    ("district", gettext_lazy("District")),
    ("street", gettext_lazy("Street or town")),
    ("community", gettext_lazy("Community")),
    ("grid", gettext_lazy("Unit grid")),
]
POST_CHOICES = [(p, ev.KIND_LABELS[p]) for p in ev.POSTS]
# More than this and one request scans years of cases: split the period.
MAX_DAYS = 366 * 3


class EvaluationForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    by = forms.ChoiceField(label=gettext_lazy("Evaluate by"), choices=BY_CHOICES)
    level = forms.ChoiceField(
        label=gettext_lazy("Region level"), choices=LEVEL_CHOICES, required=False
    )
    post = forms.ChoiceField(label=gettext_lazy("Post"), choices=POST_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            try:
                ev.period_bounds(start, end)
            except ev.EvaluationError as exc:
                raise forms.ValidationError(str(exc)) from None
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        data["level"] = data.get("level") or "street"
        data["post"] = data.get("post") or "inspector"
        return data


def _defaults(scope: ev.Scope) -> dict[str, Any]:
    first, last = ev.previous_month(timezone.localdate())
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "by": "region",
        "level": "street",
        # A department leader sees only handling units among the posts.
        "post": "unit" if scope.unit_ids is not None else "inspector",
    }


def _read(request: HttpRequest, scope: ev.Scope) -> EvaluationForm:
    data = {**_defaults(scope), **{k: v for k, v in request.GET.items() if v}}
    form = EvaluationForm(data)
    if form.is_valid() and scope.unit_ids is not None and form.cleaned_data["by"] == "post":
        form.cleaned_data["post"] = "unit"
    return form


def _run(
    form: EvaluationForm, scope: ev.Scope, weights: dict[str, dict[str, float]] | None = None
) -> list[ev.Row]:
    d = form.cleaned_data
    start, end = ev.period_bounds(d["start"], d["end"])
    return ev.evaluate(
        start=start,
        end=end,
        by=d["by"],
        level=d["level"],
        post=d["post"] if d["by"] == "post" else None,
        weights=weights,
        units=scope.unit_ids,
    )


def _sections(rows: list[ev.Row], hotline: bool) -> list[dict[str, Any]]:
    out = []
    for kind, kind_rows in ev.by_kind(rows).items():
        cols = ev.columns_for(kind, hotline=hotline)
        out.append(
            {
                "kind": kind,
                "title": ev.KIND_LABELS.get(kind, kind),
                "columns": [ev.COLUMN_LABELS[c] for c in cols],
                "rows": [
                    {
                        "row": r,
                        "cells": [ev.format_value(*ev.cell(r, c)) for c in cols],
                        "score": ev.format_value("score", r.score),
                        "colour": ev.GRADE_COLOURS.get(r.grade or "", ""),
                    }
                    for r in kind_rows
                ],
            }
        )
    return out


def _map_data(rows: list[ev.Row], level: str) -> dict[str, Any]:
    layer = (
        reverse("places:grids_geojson")
        if level == "grid"
        else reverse("places:divisions_geojson") + f"?level={level}"
    )
    return {
        "layer": layer,
        "colours": ev.GRADE_COLOURS,
        "scores": {
            r.key: {"label": r.label, "score": r.score, "grade": r.grade, "rank": r.rank}
            for r in rows
        },
    }


@login_required
@require_GET
def evaluation(request: HttpRequest) -> HttpResponse:
    scope = ev.access_evaluation(request.user)
    form = _read(request, scope)
    context: dict[str, Any] = {"form": form, "scope": scope, "grades": ev.GRADE_COLOURS.items()}
    if form.is_valid():
        d = form.cleaned_data
        weights = ev.load_weights()
        rows = _run(form, scope, weights)
        hotline = ev.hotline_relation() is not None
        query = {
            "start": d["start"].isoformat(),
            "end": d["end"].isoformat(),
            "by": d["by"],
            "level": d["level"],
            "post": d["post"],
        }
        context.update(
            {
                "sections": _sections(rows, hotline),
                "by": d["by"],
                "level": d["level"],
                "post": d["post"],
                "posts": [
                    (p, label) for p, label in POST_CHOICES if scope.unit_ids is None or p == "unit"
                ],
                "query": query,
                "export_query": urlencode(query),
                "map": json.dumps(_map_data(rows, d["level"]), ensure_ascii=False)
                if d["by"] == "region"
                else None,
                "weights": weights[rows[0].weight_post] if rows else None,
                "intake_unmeasured": d["by"] == "post"
                and d["post"] == "intake"
                and not ev.intake_timeliness_recorded(),
            }
        )
    return render(
        request, "cases/evaluation/index.html", context, status=200 if form.is_valid() else 400
    )


@login_required
@require_GET
def evaluation_export(request: HttpRequest) -> HttpResponse:
    scope = ev.access_evaluation(request.user)
    form = _read(request, scope)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    d = form.cleaned_data
    rows = _run(form, scope)
    title = _("Comprehensive evaluation %(start)s – %(end)s") % {
        "start": d["start"],
        "end": d["end"],
    }
    data = ev.to_xlsx(
        list(ev.by_kind(rows).items()), title=title, hotline=ev.hotline_relation() is not None
    )
    what = d["level"] if d["by"] == "region" else (d["post"] if d["by"] == "post" else "department")
    name = f"evaluation-{_compact(d['start'])}-{_compact(d['end'])}-{what}.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _compact(d: date) -> str:
    return d.strftime("%Y%m%d")


# --- back office --------------------------------------------------------------------
# Kept here until the cases admin module imports it (admin.py registers it).


class EvaluationWeightsAdmin(admin.ModelAdmin):
    list_display = ("post", "weights", "updated_at", "updated_by")
    readonly_fields = ("defaults", "updated_at", "updated_by")
    fields = ("post", "weights", "defaults", "updated_at", "updated_by")

    @admin.display(description=gettext_lazy("Default weights"))
    def defaults(self, obj: EvaluationWeights) -> str:
        if not obj or not obj.post:
            return json.dumps(ev.DEFAULT_WEIGHTS, ensure_ascii=False)
        return json.dumps(ev.DEFAULT_WEIGHTS.get(obj.post, {}), ensure_ascii=False)

    def save_model(self, request, obj: EvaluationWeights, form, change) -> None:
        # Through the action, so the change is audited like every other write.
        saved = ev.evaluation_weights_save(actor=request.user, post=obj.post, weights=obj.weights)
        obj.pk = saved.pk
