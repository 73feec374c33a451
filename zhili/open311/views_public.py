"""The resident pages: report a problem, follow it, support ("me too"), reopen.

Mobile first and usable without JavaScript: the report form takes a
latitude/longitude or an address; the map tap and the phone's GPS only fill
those fields.  WeChat and Amap give GCJ-02 coordinates: the form says which
datum it sends and the server converts.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.cases.lifecycle import event_label
from zhili.cases.models import Case, Source
from zhili.places.coords import convert

from . import actions
from .georeport import Open311Error
from .models import Service, ServiceRequest

DEVICE_COOKIE = "zhili_device"


def _device(request: HttpRequest) -> str:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if len(value) == 32 and value.isalnum() else uuid.uuid4().hex


def _with_device(response: HttpResponse, device: str) -> HttpResponse:
    response.set_cookie(DEVICE_COOKIE, device, max_age=3 * 365 * 86400, httponly=True, samesite="Lax")
    return response


def report_new(request: HttpRequest) -> HttpResponse:
    device = _device(request)
    services = list(Service.objects.filter(active=True).prefetch_related("attributes"))
    values = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        try:
            actions.rate_check(f"report-ip:{request.META.get('REMOTE_ADDR')}", settings.ZHILI_REPORTS_PER_HOUR_IP, per="hour")
            actions.rate_check(f"report-device:{device}", settings.ZHILI_REPORTS_PER_HOUR_DEVICE, per="hour")
            data = request.POST.copy()
            datum = data.get("datum", "wgs84")
            if data.get("lat") and data.get("long") and datum in ("gcj02", "bd09"):
                try:
                    lon, lat = convert(float(data["long"]), float(data["lat"]), datum, "wgs84")
                except ValueError:
                    raise Open311Error(400, 400, _("Latitude and longitude must be numbers.")) from None
                data["long"], data["lat"] = f"{float(lon):.7f}", f"{float(lat):.7f}"
            data["phone"] = data.get("contact_phone", "")
            data["first_name"] = data.get("contact_name", "")
            data["device_id"] = device
            submitted = actions.request_submit(
                api_key=None,
                data=data,
                actor=request.user if request.user.is_authenticated else None,
                source=Source.RESIDENT,
                files=request.FILES.getlist("photos"),
            )
        except Open311Error as exc:
            error = exc.errors[0][1]
        else:
            if submitted.case is not None:
                return _with_device(redirect("report:done", number=submitted.case.number), device)
            return _with_device(redirect("report:token", token=submitted.request.token), device)
    response = render(
        request,
        "open311/report_new.html",
        {"services": services, "values": values, "error": error},
        status=400 if error else 200,
    )
    return _with_device(response, device)


def report_done(request: HttpRequest, number: str) -> HttpResponse:
    case = Case.objects.filter(number=number, service_request__isnull=False).first()
    if case is None:
        raise Http404
    return render(request, "open311/report_done.html", {"case": case})


def report_token(request: HttpRequest, token: str) -> HttpResponse:
    sr = ServiceRequest.objects.filter(token=token).select_related("case").first()
    if sr is None:
        raise Http404
    if sr.case_id:
        return redirect("report:done", number=sr.case.number)
    return render(request, "open311/report_token.html", {"sr": sr})


def _public_events(case: Case):
    events = list(case.events.filter(public=True).exclude(action="report").order_by("at", "id"))
    for e in events:
        e.label = event_label(e.action)
    return events


def report_lookup(request: HttpRequest) -> HttpResponse:
    number = (request.GET.get("number") or "").strip()
    case = None
    if number:
        case = Case.objects.filter(number=number, service_request__isnull=False).select_related("service_request__service", "assigned_unit").first()
        if case is None:
            messages.error(request, _("No report has the number %(n)s.") % {"n": number})
    ctx = {"number": number, "case": case, "reopen_days": settings.ZHILI_OPEN311_REOPEN_DAYS}
    if case is not None:
        ctx["events"] = _public_events(case)
        ctx["public_text"] = case.service_request.public_text if case.service_request.moderation == "approved" else ""
    return render(request, "open311/report_lookup.html", ctx)


@require_POST
def report_support(request: HttpRequest, number: str) -> HttpResponse:
    device = _device(request)
    case = Case.objects.filter(number=number, service_request__isnull=False).first()
    if case is None:
        raise Http404
    try:
        counted = actions.report_support(case=case, device=device)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: your support was counted.") if counted else _("You already supported this report."))
    return _with_device(redirect(f"{_lookup_url()}?number={case.number}"), device)


@require_POST
def report_reopen(request: HttpRequest, number: str) -> HttpResponse:
    case = Case.objects.filter(number=number, service_request__isnull=False).first()
    if case is None:
        raise Http404
    try:
        actions.report_reopen(case=case, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The report was reopened and goes back to the handling unit."))
    return redirect(f"{_lookup_url()}?number={case.number}")


def _lookup_url() -> str:
    from django.urls import reverse

    return reverse("report:lookup")


def report_nearby(request: HttpRequest) -> HttpResponse:
    """Open, moderated reports near a point, for "me too" instead of a new report."""
    try:
        lat = float(request.GET["lat"])
        lon = float(request.GET["long"])
    except (KeyError, ValueError):
        return render(request, "open311/report_nearby.html", {"cases": [], "asked": False})
    d = 0.005  # ~500 m: a box prefilter, exact distance below
    cases = list(
        Case.objects.filter(
            service_request__moderation="approved",
            lat__range=(lat - d, lat + d),
            lon__range=(lon - d, lon + d),
        )
        .exclude(state__in=["closed", "not_filed", "voided", "merged"])
        .select_related("service_request__service")
        .order_by("-reported_at")[:50]
    )
    from zhili.places.geo import distance_m

    for c in cases:
        c.distance = distance_m(lon, lat, c.lon, c.lat)
    cases = sorted((c for c in cases if c.distance <= 500), key=lambda c: c.distance)
    return render(request, "open311/report_nearby.html", {"cases": cases, "asked": True, "lat": lat, "lon": lon})


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("open311.moderate_reports"):
        raise Http404
    if request.method == "POST":
        sr = ServiceRequest.objects.filter(pk=request.POST.get("request")).first()
        if sr is None:
            raise Http404
        try:
            actions.report_moderate(actor=request.user, request=sr, decision=request.POST.get("decision", ""), public_text=request.POST.get("public_text"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("report:moderation")
    pending = ServiceRequest.objects.filter(moderation="pending", case__isnull=False).select_related("case", "service").order_by("created_at")[:100]
    return render(request, "open311/moderation.html", {"pending": pending})


def public_outline(request: HttpRequest) -> HttpResponse:
    """Street and town outlines for the report map: public information,
    unlike the internal grid layers."""
    import json

    import shapely
    from django.http import JsonResponse

    from zhili.places.models import Division

    features = [
        {"type": "Feature", "properties": {"name": d.name}, "geometry": json.loads(shapely.to_geojson(shapely.set_precision(d.geometry, 1e-5)))}
        for d in Division.objects.current().filter(level="street")
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
