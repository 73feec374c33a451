"""Open311 GeoReport v2: services, API keys, requests and their tokens.

A service is a public-facing category ("暴露垃圾", "井盖缺失") mapped onto a
category of the national catalogue; a service request is the public face
of a case (its number is the ``service_request_id``).  Contact details sent
with a request are kept here, never in a GET response.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.Model):
    """One district served by this install (``jurisdiction_id``)."""

    jurisdiction_id = models.CharField(_("jurisdiction id"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    district_code = models.CharField(_("district code"), max_length=6, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return self.jurisdiction_id


class Service(models.Model):
    class Type(models.TextChoices):
        REALTIME = "realtime", "realtime"
        BATCH = "batch", "batch"
        BLACKBOX = "blackbox", "blackbox"

    service_code = models.CharField(_("service code"), max_length=40, unique=True)
    service_name = models.CharField(_("service name"), max_length=100)
    service_name_en = models.CharField(_("service name (English)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=60, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True, help_text=_("comma-separated"))
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.REALTIME)
    category = models.ForeignKey("cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["order", "service_code"]

    def __str__(self) -> str:
        return f"{self.service_code} {self.service_name}"


class ServiceAttribute(models.Model):
    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLE = "singlevaluelist", "singlevaluelist"
        MULTI = "multivaluelist", "multivaluelist"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(max_length=40)
    variable = models.BooleanField(default=True)
    datatype = models.CharField(max_length=16, choices=Datatype.choices)
    required = models.BooleanField(default=False)
    datatype_description = models.CharField(max_length=200, blank=True)
    order = models.PositiveIntegerField()
    description = models.CharField(max_length=300)
    # [{"key": "...", "name": "..."}] for the list datatypes.
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="open311_attr_code"),
            models.UniqueConstraint(fields=["service", "order"], name="open311_attr_order"),
        ]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """A client application's key.  Only its SHA-256 is stored; the key is
    shown once when issued."""

    name = models.CharField(_("client application"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=120)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        permissions = [("manage_api_keys", "Can issue and revoke Open311 API keys")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        # Not starting with "-": the prefix is typed on command lines
        # (zhili open311 revoke-key PREFIX), where it would read as an option.
        while True:
            secret = secrets.token_urlsafe(32)
            if not secret.startswith("-"):
                return secret

    @staticmethod
    def hash(key: str) -> str:
        return _hash(key)


class RequestLog(models.Model):
    """Which key made which request (kept for audit and abuse handling)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    ip = models.GenericIPAddressField(null=True, blank=True)


class RateWindow(models.Model):
    """Requests counted per client (key or IP) per minute, for rate limits."""

    client = models.CharField(max_length=80)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "window"], name="open311_rate_window")]


def _token() -> str:
    return uuid.uuid4().hex


class ServiceRequest(models.Model):
    """A request received through the public API or the resident pages."""

    token = models.CharField(max_length=32, default=_token)  # unique: see Meta
    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="service_request")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests")
    jurisdiction = models.ForeignKey(Jurisdiction, null=True, blank=True, on_delete=models.SET_NULL)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="service_requests")
    attributes = models.JSONField(default=dict, blank=True)
    # What the client sent, kept for the batch job and for moderation.
    payload = models.JSONField(default=dict, blank=True)
    # Private contact details: never part of a GET response.
    email = models.EmailField(blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    address_id = models.CharField(max_length=60, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moderation (FixMyStreet-style): the public sees ``public_text`` once a
    # moderator approved it; the original text stays in the case.
    class Moderation(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Public")
        HIDDEN = "hidden", _("Hidden from the public")

    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.PENDING)
    public_text = models.TextField(blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Every report writes these: plain indexes, without the LIKE
        # (pattern-ops) twins that unique=True / db_index=True add on
        # PostgreSQL; tokens and moderation states are compared whole.
        indexes = [
            models.Index(fields=["created_at"], name="open311_sr_created"),
            models.Index(fields=["moderation"], name="open311_sr_moderation"),
        ]
        constraints = [models.UniqueConstraint(fields=["token"], name="open311_sr_token")]
        permissions = [("moderate_reports", "Can moderate public reports")]


class Support(models.Model):
    """A resident's "me too" on a report: counted as support, not a duplicate."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="supports")
    device = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "device"], name="open311_support_once")]
