"""GeoReport v2 endpoints (plus paging, extensions and FixMyStreet updates)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt

from zhili.cases.models import Case, CaseEvent
from zhili.core.db import insert

from . import actions
from .georeport import (
    EXTENDED_STATUS,
    Open311Error,
    core_status,
    param,
    parse_datetime,
    render,
    render_errors,
    w3c,
)
from .models import ApiKey, Jurisdiction, RequestLog, Service, ServiceRequest

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def endpoint(methods: tuple[str, ...]) -> Callable:
    """Common handling: format check, method check, errors in the GeoReport
    format, jurisdiction, request log with the key that made the call."""

    def deco(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            # Machine clients get English descriptions unless they ask for Chinese.
            wants_zh = request.headers.get("Accept-Language", "").lower().startswith("zh")
            with translation.override("zh-hans" if wants_zh else "en"):
                return handle(request, *args, fmt=fmt, **kwargs)

        def handle(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            request.open311_key = None
            if fmt not in ("xml", "json"):
                return render_errors("json", 404, [("404", f"unknown format {fmt!r}: use .xml or .json")])
            try:
                if request.method not in methods:
                    raise Open311Error(405, 405, f"method {request.method} is not allowed here")
                data = request.POST if request.method == "POST" else request.GET
                jurisdiction = _jurisdiction(param(data, "jurisdiction_id"))
                if request.method != "POST" and param(data, "api_key") is None:
                    actions.rate_check(f"ip:{_client_ip(request)}", settings.ZHILI_OPEN311_READS_PER_MINUTE)
                    return view(request, data, fmt, jurisdiction, *args, **kwargs)
                # Every POST, and every read that carries a key (it counts
                # against the key's limit, not the address's: an app's server
                # reads for many residents from one address), is logged with
                # its key.  The key, its rate window and its last use commit
                # first, on their own: inside the request's transaction the
                # counter row would stay locked until the commit and serialise
                # every request of the key.  Then the request, its case and
                # the log entry land together, in one commit.
                _authenticate(request, data)
                with transaction.atomic():
                    response = view(request, data, fmt, jurisdiction, *args, **kwargs)
                    _log(request, response.status_code)
                return response
            except Open311Error as exc:
                response = render_errors(fmt, exc.status, exc.errors)
            if request.method == "POST" or request.open311_key is not None:
                _log(request, response.status_code)
            return response

        return wrapper

    return deco


def _authenticate(request: HttpRequest, data) -> None:
    """Every POST needs a valid key within its rate limit."""
    key = actions.api_key_check(param(data, "api_key"))
    request.open311_key = key
    actions.rate_check(f"key:{key.pk}", key.rate_per_minute)
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        # Once a minute is precise enough, and spares a write per request.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def _log(request: HttpRequest, status: int) -> None:
    insert(
        RequestLog(
            api_key=request.open311_key, method=request.method, path=request.path[:200], status=status, ip=_client_ip(request)
        )
    )


def _jurisdiction(jid: str | None) -> Jurisdiction | None:
    if jid is None:
        return None
    j = Jurisdiction.objects.filter(jurisdiction_id=jid).first()
    if j is None:
        raise Open311Error(404, 404, f"jurisdiction_id {jid} is not served here")
    return j


@endpoint(("GET",))
def discovery(request, data, fmt, jurisdiction):
    base = request.build_absolute_uri("/open311/v2/")
    payload = {
        "changeset": w3c(_changeset()),
        "contact": settings.ZHILI_OPEN311_CONTACT,
        "key_service": settings.ZHILI_OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": w3c(_changeset()),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", None, payload, item_tags={"endpoints": "endpoint", "formats": "format"})


def _changeset():
    """When the service list last changed (clients cache on it)."""
    from django.db.models import Max

    latest = Service.objects.aggregate(m=Max("updated_at"))["m"]
    return latest or timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)


@endpoint(("GET",))
def services(request, data, fmt, jurisdiction):
    rows = Service.objects.filter(active=True).prefetch_related("attributes")
    lang_en = request.LANGUAGE_CODE == "en" if hasattr(request, "LANGUAGE_CODE") else False
    payload = [
        {
            "service_code": s.service_code,
            "service_name": (s.service_name_en if lang_en and s.service_name_en else s.service_name),
            "description": s.description,
            "metadata": any(a.variable for a in s.attributes.all()),
            "type": s.type,
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in rows
    ]
    return render(fmt, "services", "service", payload)


@endpoint(("GET",))
def service_definition(request, data, fmt, jurisdiction, code: str):
    s = Service.objects.filter(service_code=code, active=True).first()
    if s is None:
        raise Open311Error(404, 404, f"service_code {code} is not a service of this server")
    payload = {
        "service_code": s.service_code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": str(v["key"]), "name": v["name"]} for v in a.values],
            }
            for a in s.attributes.all()
        ],
    }
    return render(fmt, "service_definition", None, payload, item_tags={"attributes": "attribute", "values": "value"})


@endpoint(("GET", "POST"))
def requests_view(request, data, fmt, jurisdiction):
    if request.method == "POST":
        return _post_request(request, data, fmt, jurisdiction)
    return _get_requests(request, data, fmt, jurisdiction)


def _post_request(request, data, fmt, jurisdiction):
    submitted = actions.request_submit(
        api_key=request.open311_key, data=data, jurisdiction=jurisdiction, files=request.FILES.getlist("media")
    )
    item = {"service_notice": "", "account_id": submitted.request.account_id}
    if submitted.case is not None:
        item = {"service_request_id": submitted.case.number, **item}
    else:
        item = {"token": submitted.request.token, **item}
    return render(fmt, "service_requests", "request", [item], status=201)


def _case_queryset(jurisdiction):
    qs = Case.objects.filter(service_request__isnull=False).select_related("service_request__service", "assigned_unit")
    if jurisdiction is not None and jurisdiction.district_code:
        qs = qs.filter(district_code=jurisdiction.district_code)
    return qs


def _get_requests(request, data, fmt, jurisdiction):
    qs = _case_queryset(jurisdiction)
    ids = param(data, "service_request_id")
    if ids:
        qs = qs.filter(number__in=[i.strip() for i in ids.split(",") if i.strip()])
    else:
        # Browsing shows what the public pages show: moderated reports only.
        # A client that knows its request's number still follows it.
        qs = qs.filter(service_request__moderation=ServiceRequest.Moderation.APPROVED)
        codes = param(data, "service_code")
        if codes:
            qs = qs.filter(service_request__service__service_code__in=[c.strip() for c in codes.split(",")])
        start = param(data, "start_date")
        end = param(data, "end_date")
        start_dt = parse_datetime(start, "start_date") if start else None
        end_dt = parse_datetime(end, "end_date") if end else None
        if start_dt and end_dt and end_dt < start_dt:
            raise Open311Error(400, 400, "end_date is before start_date")
        if start_dt is None and end_dt is None:
            end_dt = timezone.now()
            start_dt = end_dt - DEFAULT_WINDOW
        elif start_dt is None:
            start_dt = end_dt - DEFAULT_WINDOW
        elif end_dt is None:
            end_dt = start_dt + DEFAULT_WINDOW
        if end_dt - start_dt > DEFAULT_WINDOW:
            raise Open311Error(400, 400, "the date range may span at most 90 days")
        qs = qs.filter(reported_at__gte=start_dt, reported_at__lte=end_dt)
        status = param(data, "status")
        if status:
            wanted = {s.strip().lower() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, 400, f"status must be open and/or closed, got {status!r}")
            if wanted == {"open"}:
                qs = qs.exclude(state__in=["closed", "not_filed", "voided", "merged"])
            elif wanted == {"closed"}:
                qs = qs.filter(state__in=["closed", "not_filed", "voided", "merged"])
    page, page_size = _paging(data)
    qs = qs.order_by("-reported_at", "-id")[(page - 1) * page_size : page * page_size]
    extensions = (param(data, "extensions") or "").lower() == "true"
    cases = list(qs)
    return render(fmt, "service_requests", "request", _request_items(cases, extensions), item_tags=_ITEM_TAGS)


_ITEM_TAGS = {"updates": "update", "attributes": "attribute"}


def _paging(data) -> tuple[int, int]:
    try:
        page = int(param(data, "page") or 1)
        page_size = int(param(data, "page_size") or MAX_RESULTS)
    except ValueError:
        raise Open311Error(400, 400, "page and page_size must be whole numbers") from None
    if page < 1 or not 1 <= page_size <= MAX_RESULTS:
        raise Open311Error(400, 400, f"page must be ≥ 1 and page_size between 1 and {MAX_RESULTS}")
    return page, page_size


def _request_items(cases: list[Case], extensions: bool) -> list[dict]:
    notes: dict[int, str] = {}
    if cases:
        # The report's own event carries the resident's original text: the
        # public gets the moderated description instead (as on the pages).
        for case_id, note in (
            CaseEvent.objects.filter(case_id__in=[c.pk for c in cases], public=True)
            .exclude(action="report")
            .exclude(note="")
            .order_by("case_id", "at", "id")
            .values_list("case_id", "note")
        ):
            notes[case_id] = note
    out = []
    for c in cases:
        sr = c.service_request
        item = {
            "service_request_id": c.number,
            "status": core_status(c.state),
            "status_notes": notes.get(c.pk, ""),
            "service_name": sr.service.service_name,
            "service_code": sr.service.service_code,
            # The moderated text, as on the public pages; the original stays
            # in the case, for staff.  Nothing before moderation or when hidden.
            "description": sr.public_text if sr.moderation == ServiceRequest.Moderation.APPROVED else "",
            "agency_responsible": c.assigned_unit.name if c.assigned_unit else "",
            "service_notice": "",
            "requested_datetime": w3c(c.reported_at),
            "updated_datetime": w3c(c.updated_at),
            "expected_datetime": w3c(c.step_deadline) if c.is_open else "",
            "address": c.address,
            "address_id": sr.address_id,
            "zipcode": "",
            "lat": c.lat if c.lat is not None else "",
            "long": c.lon if c.lon is not None else "",
            "media_url": sr.media_url,
        }
        if extensions:
            item["extended_status"] = EXTENDED_STATUS.get(c.state, "OPEN")
            item["support_count"] = c.support_count
            item["attributes"] = [{"code": k, "value": v if not isinstance(v, list) else ",".join(v)} for k, v in sr.attributes.items()]
            item["updates"] = [
                {"update_id": str(e.pk), "status": EXTENDED_STATUS.get(e.to_state, "OPEN"), "updated_datetime": w3c(e.at), "description": e.note}
                for e in c.events.filter(public=True).exclude(action="report").order_by("at", "id")
            ]
        out.append(item)
    return out


@endpoint(("GET",))
def request_detail(request, data, fmt, jurisdiction, number: str):
    case = _case_queryset(jurisdiction).filter(number=number).first()
    if case is None:
        raise Open311Error(404, 404, f"service request {number} does not exist")
    extensions = (param(data, "extensions") or "").lower() == "true"
    return render(fmt, "service_requests", "request", _request_items([case], extensions), item_tags=_ITEM_TAGS)


@endpoint(("GET",))
def token_detail(request, data, fmt, jurisdiction, token: str):
    sr = ServiceRequest.objects.filter(token=token).select_related("case").first()
    if sr is None:
        raise Open311Error(404, 404, f"token {token} is unknown")
    item = {"service_request_id": sr.case.number if sr.case else "", "token": sr.token}
    return render(fmt, "service_requests", "request", [item])


@endpoint(("GET", "POST"))
def updates(request, data, fmt, jurisdiction):
    if request.method == "POST":
        result = actions.request_update(data=data, api_key=request.open311_key)
        return render(fmt, "service_request_updates", "request_update", [result], status=201)
    start, end = param(data, "start_date"), param(data, "end_date")
    end_dt = parse_datetime(end, "end_date") if end else timezone.now()
    start_dt = parse_datetime(start, "start_date") if start else end_dt - timedelta(hours=24)
    if end_dt < start_dt:
        raise Open311Error(400, 400, "end_date is before start_date")
    events = (
        CaseEvent.objects.filter(public=True, at__gte=start_dt, at__lte=end_dt, case__service_request__isnull=False)
        .filter(~Q(action="report"))
        .select_related("case")
        .order_by("at", "id")[:MAX_RESULTS]
    )
    items = [
        {
            "update_id": str(e.pk),
            "service_request_id": e.case.number,
            "status": EXTENDED_STATUS.get(e.to_state, "OPEN"),
            "updated_datetime": w3c(e.at),
            "description": e.note,
            "media_url": "",
        }
        for e in events
    ]
    return render(fmt, "service_request_updates", "request_update", items)
