"""Writes of the public-reporting side: keys, requests, updates, rate windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.cases import actions as case_actions
from zhili.cases.lifecycle import IllegalTransition
from zhili.cases.models import Case, Source
from zhili.core import freshness
from zhili.core.db import insert, select_one
from zhili.core.models import record

from .georeport import Open311Error, parse_datetime
from .models import ApiKey, RateWindow, Service, ServiceAttribute, ServiceRequest

MAX_DESCRIPTION = 4000


# --- API keys ----------------------------------------------------------------------


def api_key_issue(*, actor, name: str, rate_per_minute: int = 120) -> tuple[ApiKey, str]:
    """Issue a key for a client application; the secret is returned once."""
    if actor is not None and not actor.has_perm("open311.manage_api_keys"):
        raise PermissionDenied("You may not issue API keys.")
    name = name.strip()
    if not name:
        raise ValidationError("Name the client application the key is for.")
    secret = ApiKey.new_secret()
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name, prefix=secret[:8], key_hash=ApiKey.hash(secret), rate_per_minute=rate_per_minute,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record(actor=actor, action="open311.api_key_issue", obj=key, after={"name": name, "prefix": key.prefix})
    return key, secret


def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    if actor is not None and not actor.has_perm("open311.manage_api_keys"):
        raise PermissionDenied("You may not revoke API keys.")
    with transaction.atomic():
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(actor=actor, action="open311.api_key_revoke", obj=key, after={"prefix": key.prefix})
    return key


def api_key_check(secret: str | None) -> ApiKey:
    if not secret:
        raise Open311Error(403, 403, _("api_key is required to submit requests"))
    # Checked on every write, never cached (a revoked key stops at once).
    key = select_one(ApiKey, "key_hash = %s", [ApiKey.hash(secret)])
    if key is None or key.revoked_at is not None:
        raise Open311Error(403, 403, _("api_key is not valid (unknown or revoked)"))
    return key


def rate_check(client: str, limit: int, *, now: datetime | None = None, per: str = "minute") -> None:
    """Count a request in the client's current minute (or hour); refuse beyond ``limit``.

    The counter is bumped with one conditional UPDATE (created on the first
    request of the window), so concurrent workers count correctly.
    """
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0) if per == "minute" else now.replace(minute=0, second=0, microsecond=0)
    client = f"{client}/{per}"
    # One statement on both databases: insert the window's first request or
    # bump its counter, and read the count back (SQLite ≥ 3.35 and PostgreSQL
    # both have INSERT ... ON CONFLICT ... RETURNING).
    table = RateWindow._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO {table} (client, "window", count) VALUES (%s, %s, 1) '
            f'ON CONFLICT (client, "window") DO UPDATE SET count = {table}.count + 1 RETURNING count',
            [client, window],
        )
        count = cur.fetchone()[0]
    if count > limit:
        raise Open311Error(429, 429, _("rate limit exceeded: at most %(limit)s requests per %(per)s") % {"limit": limit, "per": per})


def rate_windows_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Drop rate windows that ended more than an hour ago (the longest window is
    an hour).  Not audited: the counters are bookkeeping, not records."""
    now = now or timezone.now()
    deleted, _by_model = RateWindow.objects.filter(window__lt=now - timedelta(hours=2)).delete()
    return {"deleted": deleted}


# --- service requests ----------------------------------------------------------------


freshness.register(
    "open311.services",
    lambda c: "(SELECT COUNT(*) FROM {t}), (SELECT MAX({u}) FROM {t})".format(
        t=c.ops.quote_name(Service._meta.db_table), u=c.ops.quote_name("updated_at")
    ),
    2,
)


def active_service(code: str) -> Service | None:
    """The active service with this code, its category and attributes loaded.

    Every report needs its service definition; the definitions change rarely.
    They are kept per process and re-read when the table's fingerprint
    (row count and latest ``updated_at``) moves: one small aggregate instead
    of two ORM queries per request, and never stale (attribute edits go
    through their service, which bumps ``updated_at``).  The objects are
    shared between requests: read them, never change them.
    """
    return freshness.cached("open311.services", _load_services).get(code)


def _load_services() -> dict[str, Service]:
    rows = Service.objects.filter(active=True).select_related("category").prefetch_related("attributes")
    return {s.service_code: s for s in rows}


@dataclass
class Submitted:
    request: ServiceRequest
    case: Case | None


def _attribute_values(service: Service, data) -> dict[str, Any]:
    """Validate ``attribute[code]`` values against the service definition."""
    defs = {a.code: a for a in service.attributes.all()}
    values: dict[str, Any] = {}
    for key in data.keys():
        if not key.startswith("attribute["):
            continue
        code = key[len("attribute[") :].split("]", 1)[0]
        if code not in defs:
            raise Open311Error(400, 400, _("attribute[%(code)s] is not an attribute of service %(service)s") % {"code": code, "service": service.service_code})
    for code, a in defs.items():
        if not a.variable:
            continue
        if a.datatype == ServiceAttribute.Datatype.MULTI:
            raw = [v for v in data.getlist(f"attribute[{code}][]") + data.getlist(f"attribute[{code}]") if str(v).strip()]
        else:
            one = (data.get(f"attribute[{code}]") or "").strip()
            raw = [one] if one else []
        if not raw:
            if a.required:
                raise Open311Error(400, 400, _("attribute[%(code)s] is required: %(question)s") % {"code": code, "question": a.description})
            continue
        keys = {str(v["key"]) for v in a.values}
        if a.datatype == ServiceAttribute.Datatype.NUMBER:
            try:
                values[code] = float(raw[0])
            except ValueError:
                raise Open311Error(400, 400, _("attribute[%(code)s] must be a number, got %(value)s") % {"code": code, "value": repr(raw[0])}) from None
        elif a.datatype == ServiceAttribute.Datatype.DATETIME:
            values[code] = parse_datetime(raw[0], f"attribute[{code}]").isoformat()
        elif a.datatype == ServiceAttribute.Datatype.SINGLE:
            if len(raw) > 1 or raw[0] not in keys:
                raise Open311Error(400, 400, _("attribute[%(code)s] must be one of %(allowed)s, got %(raw)s") % {"code": code, "allowed": sorted(keys), "raw": repr(raw)})
            values[code] = raw[0]
        elif a.datatype == ServiceAttribute.Datatype.MULTI:
            bad = [v for v in raw if v not in keys]
            if bad:
                raise Open311Error(400, 400, _("attribute[%(code)s] values %(bad)s are not among %(allowed)s") % {"code": code, "bad": repr(bad), "allowed": sorted(keys)})
            values[code] = raw
        else:
            values[code] = raw[0]
    return values


def _media_allowed(url: str) -> None:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    hosts = settings.ZHILI_OPEN311_MEDIA_HOSTS
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Open311Error(400, 400, _("media_url is not an http(s) URL: %(url)s") % {"url": repr(url)})
    if parsed.hostname not in hosts:
        raise Open311Error(400, 400, _("media_url host %(host)s is not accepted by this server") % {"host": parsed.hostname})


def _check_files(files) -> None:
    from zhili.cases.media import check_media_file

    limit = settings.ZHILI_OPEN311_MAX_PHOTOS
    if len(files) > limit:
        raise Open311Error(400, 400, _("at most %(limit)s photos per report") % {"limit": limit})
    for f in files:
        try:
            check_media_file(f)
        except ValidationError as exc:
            raise Open311Error(400, 400, "; ".join(exc.messages)) from None
        f.seek(0)


@freshness.in_snapshot  # one statement checks every cached definition the report relies on
def request_submit(
    *,
    api_key: ApiKey | None,
    data,
    jurisdiction=None,
    actor=None,
    source: str = Source.PUBLIC_API,
    files=None,
    now: datetime | None = None,
) -> Submitted:
    """POST /requests: validate everything first, then create the case (realtime)
    or queue it (batch) — all or nothing.  ``now``: the time of the report
    (default: now; the demo files reports of the past hours)."""
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, 400, _("service_code is required"))
    service = active_service(code)
    if service is None:
        raise Open311Error(404, 404, _("service_code %(code)s is not a service of this server") % {"code": code})
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, 400, _("description is longer than %(max)s characters (%(length)s)") % {"max": MAX_DESCRIPTION, "length": len(description)})
    lat_raw, lon_raw = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    lon = lat = None
    if lat_raw or lon_raw:
        try:
            lat, lon = float(lat_raw), float(lon_raw)
        except ValueError:
            raise Open311Error(400, 400, _("lat and long must both be decimal degrees, got lat=%(lat_raw)s long=%(lon_raw)s") % {"lat_raw": repr(lat_raw), "lon_raw": repr(lon_raw)}) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, 400, _("lat/long out of range: %(lat)s, %(lon)s") % {"lat": lat, "lon": lon})
    elif not address and not address_id:
        raise Open311Error(400, 400, _("a location is required: lat and long, address_string or address_id"))
    attributes = _attribute_values(service, data)
    media_url = (data.get("media_url") or "").strip()
    if media_url:
        _media_allowed(media_url)
    email = (data.get("email") or "").strip()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, 400, _("email is not a valid address: %(email)s") % {"email": repr(email)}) from None
    hit = None
    if lon is not None:
        from zhili.places.services import locate

        # As of today, as the case will be: the hit is handed on to it.
        hit = locate(lon, lat, at=timezone.localdate())
        if hit is None:
            raise Open311Error(400, 400, _("the location lies outside every jurisdiction of this server"))
        if jurisdiction is not None and jurisdiction.district_code and hit.district != jurisdiction.district_code:
            raise Open311Error(400, 400, _("the location lies outside jurisdiction %(jurisdiction)s") % {"jurisdiction": jurisdiction.jurisdiction_id})
    text = description or service.service_name
    files = list(files or [])
    if files:
        _check_files(files)
    with transaction.atomic(savepoint=False):
        sr = ServiceRequest(
            service=service,
            jurisdiction=jurisdiction,
            api_key=api_key,
            attributes=attributes,
            payload={"description": text, "lat": lat, "long": lon, "address_string": address, "source": source},
            email=email,
            device_id=(data.get("device_id") or "").strip()[:100],
            account_id=(data.get("account_id") or "").strip()[:100],
            first_name=(data.get("first_name") or "").strip()[:60],
            last_name=(data.get("last_name") or "").strip()[:60],
            phone=(data.get("phone") or "").strip()[:30],
            media_url=media_url,
            address_id=address_id,
        )
        sr.public_text = text
        case = None
        if service.type != Service.Type.BATCH or files:
            case = _create_case(sr, actor=actor, place=hit, now=now)
            sr.case = case
        insert(sr)
        if files and case is not None:
            from zhili.cases.media import case_attach_media

            try:
                case_attach_media(actor=None, case_id=case.pk, files=files, phase="report")
            except ValidationError as exc:
                raise Open311Error(400, 400, "; ".join(exc.messages)) from None
    if service.type == Service.Type.BATCH or media_url:
        from .tasks import process_request

        process_request.enqueue(request_id=sr.pk)
    return Submitted(sr, case)


def _create_case(sr: ServiceRequest, *, actor=None, place=None, now: datetime | None = None) -> Case:
    p = sr.payload
    try:
        return case_actions.case_report(
            actor=actor,
            source=p.get("source") or Source.PUBLIC_API,
            description=p["description"],
            lon=p.get("long"),
            lat=p.get("lat"),
            category=sr.service.category,
            address=p.get("address_string") or sr.address_id,
            contact_name=f"{sr.last_name}{sr.first_name}".strip(),
            contact_phone=sr.phone,
            place=place,
            reported_at=now,
            now=now,
        )
    except ValidationError as exc:
        raise Open311Error(400, 400, "; ".join(exc.messages)) from None


def request_process_batch(*, request_id: int) -> ServiceRequest:
    """Create the case of a batch request (the token resolves afterwards)."""
    with transaction.atomic():
        sr = ServiceRequest.objects.select_for_update().select_related("service__category").get(pk=request_id)
        if sr.case_id is None:
            try:
                sr.case = _create_case(sr)
            except Open311Error as exc:
                sr.error = str(exc)
            sr.save(update_fields=["case", "error"])
    return sr


def request_update(*, data, api_key: ApiKey) -> dict[str, Any]:
    """POST /servicerequestupdates (FixMyStreet): a resident's update.

    REOPEN (or OPEN on a closed report) reopens the case within the reopen
    window; every other status is recorded as a public comment — residents
    do not move cases forward.
    """
    number = (data.get("service_request_id") or "").strip()
    if not number:
        raise Open311Error(400, 400, _("service_request_id is required"))
    status = (data.get("status") or "").strip().upper()
    if not status:
        raise Open311Error(400, 400, _("status is required"))
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, 400, _("description is longer than %(max)s characters") % {"max": MAX_DESCRIPTION})
    case = Case.objects.filter(number=number).first()
    if case is None or not hasattr(case, "service_request"):
        raise Open311Error(404, 404, _("service request %(number)s does not exist") % {"number": number})
    note = description or status
    try:
        if status in ("REOPEN", "OPEN") and case.state == "closed":
            window = timedelta(days=settings.ZHILI_OPEN311_REOPEN_DAYS)
            if case.closed_at and timezone.now() - case.closed_at > window:
                raise Open311Error(400, 400, _("the request was closed more than %(days)s days ago and cannot be reopened") % {"days": settings.ZHILI_OPEN311_REOPEN_DAYS})
            case = case_actions.case_reopen(actor=None, case_id=case.pk, note=f"[public] {note}")
        elif case.is_open:
            case = case_actions.case_comment(actor=None, case_id=case.pk, note=f"[public {status}] {note}", public=True)
        else:
            raise Open311Error(400, 400, _("request %(number)s is closed; only REOPEN is accepted") % {"number": number})
    except IllegalTransition as exc:
        raise Open311Error(400, 400, str(exc)) from None
    event = case.events.order_by("-at", "-id").first()
    return {"update_id": str(event.pk), "service_request_id": number}


# --- configuration -------------------------------------------------------------------

DEFAULT_SERVICES = __import__("pathlib").Path(__file__).resolve().parent / "data" / "services.json"


def services_load(*, actor, path=DEFAULT_SERVICES, commit: bool = True) -> dict[str, int]:
    """Load or update the public services from a JSON file (all or nothing).

    Each service names its category as ``kind:major:minor`` in the default
    catalogue (``event:06:010`` = 暴露垃圾).  Attributes are replaced whole.
    """
    import json

    from zhili.cases.models import Catalogue

    if actor is not None and not actor.has_perm("open311.change_service"):
        raise PermissionDenied("You may not change public services.")
    try:
        spec = json.loads(__import__("pathlib").Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"Cannot read the services file: {exc}") from None
    catalogue = Catalogue.objects.filter(is_default=True).first()
    if catalogue is None:
        raise ValidationError("Load the catalogue first (zhili cases load-catalogue --commit).")
    errors: list[str] = []
    rows = spec.get("services") if isinstance(spec, dict) else None
    if not isinstance(rows, list):
        raise ValidationError("The services file must be an object with a list 'services'.")
    kinds = {"event": "event", "component": "component"}
    seen: set[str] = set()
    prepared = []
    for i, row in enumerate(rows, start=1):
        code = str(row.get("service_code", "")).strip()
        if not code or code in seen:
            errors.append(f"service {i}: missing or repeated service_code {code!r}")
            continue
        seen.add(code)
        try:
            kind, major, minor = str(row.get("category", "")).split(":")
            category = catalogue.categories.get(kind=kinds[kind], major_code=major, minor_code=minor)
        except (ValueError, KeyError, catalogue.categories.model.DoesNotExist):
            errors.append(f"service {code}: category {row.get('category')!r} is not in catalogue {catalogue.code}")
            continue
        attrs = row.get("attributes") or []
        for j, a in enumerate(attrs, start=1):
            if a.get("datatype") not in ServiceAttribute.Datatype.values:
                errors.append(f"service {code} attribute {j}: unknown datatype {a.get('datatype')!r}")
            if a.get("datatype") in ("singlevaluelist", "multivaluelist") and not a.get("values"):
                errors.append(f"service {code} attribute {a.get('code')}: a list attribute needs values")
        if row.get("type", "realtime") not in Service.Type.values:
            errors.append(f"service {code}: unknown type {row.get('type')!r}")
        prepared.append((i, code, row, category, attrs))
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0}
    with transaction.atomic():
        for order, code, row, category, attrs in prepared:
            service, created = Service.objects.update_or_create(
                service_code=code,
                defaults={
                    "service_name": row["service_name"],
                    "service_name_en": row.get("service_name_en", ""),
                    "description": row.get("description", ""),
                    "group": row.get("group", ""),
                    "keywords": row.get("keywords", ""),
                    "type": row.get("type", "realtime"),
                    "category": category,
                    "order": order,
                    "active": True,
                },
            )
            counts["created" if created else "updated"] += 1
            service.attributes.all().delete()
            ServiceAttribute.objects.bulk_create(
                [
                    ServiceAttribute(
                        service=service, code=a["code"], variable=a.get("variable", True), datatype=a["datatype"],
                        required=bool(a.get("required")), datatype_description=a.get("datatype_description", ""),
                        order=j, description=a.get("description", a["code"]), values=a.get("values", []),
                    )
                    for j, a in enumerate(attrs, start=1)
                ]
            )
        record(actor=actor, action="open311.services_load", object_type="open311.service", object_id="*", after=counts)
        if not commit:
            transaction.set_rollback(True)
    return counts


# --- resident actions ------------------------------------------------------------------


def report_support(*, case: Case, device: str) -> bool:
    """A "me too": one per device per report; False when already counted."""
    from .models import Support

    if not case.is_open:
        raise ValidationError(_("This report is closed."))
    try:
        with transaction.atomic():
            Support.objects.create(case=case, device=device)
            Case.objects.filter(pk=case.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True


def report_reopen(*, case: Case, reason: str) -> Case:
    """A resident reopens a closed report within the configured window."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the problem is not solved."))
    if case.state != "closed":
        raise ValidationError(_("Only a closed report can be reopened."))
    window = timedelta(days=settings.ZHILI_OPEN311_REOPEN_DAYS)
    if case.closed_at is None or timezone.now() - case.closed_at > window:
        raise ValidationError(_("Reports can be reopened within %(days)s days of closure.") % {"days": settings.ZHILI_OPEN311_REOPEN_DAYS})
    return case_actions.case_reopen(actor=None, case_id=case.pk, note=f"[resident] {reason}")


def report_moderate(*, actor, request: ServiceRequest, decision: str, public_text: str | None = None) -> ServiceRequest:
    """Approve, edit or hide what the public sees; the original text is kept in the case."""
    if not actor.has_perm("open311.moderate_reports"):
        raise PermissionDenied(_("You may not moderate reports."))
    if decision not in ServiceRequest.Moderation.values:
        raise ValidationError(f"Unknown moderation decision {decision!r}.")
    with transaction.atomic():
        before = {"moderation": request.moderation, "public_text": request.public_text}
        request.moderation = decision
        if public_text is not None:
            request.public_text = public_text.strip()[:MAX_DESCRIPTION]
        request.moderated_by = actor
        request.moderated_at = timezone.now()
        request.save(update_fields=["moderation", "public_text", "moderated_by", "moderated_at"])
        record(actor=actor, action="open311.moderate", obj=request, before=before,
               after={"moderation": request.moderation, "public_text": request.public_text})
    return request
