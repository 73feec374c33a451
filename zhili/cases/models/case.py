"""Cases, their timeline, media, extensions and the dispatch rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..lifecycle import STATE_LABELS, State, Step

__all__ = [
    "Case",
    "CaseEvent",
    "CaseCounter",
    "CaseMedia",
    "ExtensionRequest",
    "DispatchRule",
    "StepLimit",
    "Source",
]


class Source(models.TextChoices):
    INSPECTOR = "inspector", _("Inspector patrol (监督员上报)")
    RESIDENT = "resident", _("Resident report")
    HOTLINE = "hotline", _("12345 hotline")
    INSPECTION = "inspection", _("Inspection finding")
    SENSOR = "sensor", _("Sensor or API")
    PUBLIC_API = "public_api", _("Public API (Open311)")
    OTHER = "other", _("Other")


STATE_CHOICES = [(s.value, STATE_LABELS[s]) for s in State]
STEP_CHOICES = [(s.value, s.value) for s in Step]


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    state = models.CharField(_("state"), max_length=16, choices=STATE_CHOICES)
    # Bumped by every action.  Forms carry the version they showed, so a user
    # acting on a stale page is told the case moved on instead of overwriting.
    version = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    condition = models.ForeignKey(
        "cases.StandardCondition",
        verbose_name=_("filing condition"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    description = models.TextField(_("description"), max_length=4000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    grid_code = models.CharField(_("unit grid"), max_length=15, blank=True)
    community_code = models.CharField(_("community"), max_length=12, blank=True)
    street_code = models.CharField(_("street"), max_length=9, blank=True)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    component_id = models.CharField(_("component ID"), max_length=17, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reported_cases"
    )
    # Contact details of a resident or caller: private, never shown publicly.
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    reported_at = models.DateTimeField(_("reported at"))

    # The clock of the current step.
    step = models.CharField(_("current step"), max_length=10, choices=STEP_CHOICES, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_deadline = models.DateTimeField(_("step deadline"), null=True, blank=True, db_index=True)
    step_overdue = models.BooleanField(_("step overdue"), default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)

    # Milestones, kept on the row so evaluation is one aggregate query.
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_on_time = models.BooleanField(null=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_on_time = models.BooleanField(null=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_on_time = models.BooleanField(null=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatched_on_time = models.BooleanField(null=True)
    handle_deadline = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_on_time = models.BooleanField(null=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_on_time = models.BooleanField(null=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_on_time = models.BooleanField(null=True)

    # Indexed by case_unit_state, which leads with it.
    assigned_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,
    )
    # Who took the last step of each post, for the per-post evaluation.
    intake_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    valid_report = models.BooleanField(_("valid report"), null=True)
    send_back_count = models.PositiveSmallIntegerField(default=0)
    rework_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    overdue_count = models.PositiveSmallIntegerField(_("overdue steps"), default=0)
    support_count = models.PositiveIntegerField(_("support (me too)"), default=0)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases")
    park_plan = models.TextField(_("long-term plan"), blank=True)
    park_review_on = models.DateField(_("review date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at"]
        # Every report writes each of these, so each must earn its place:
        # state, assigned unit and report time are served by the composites
        # that lead with them; the area codes and the source are compared
        # whole, never with LIKE, so they have no pattern-ops twin (which
        # db_index=True would add on PostgreSQL); the overdue flag is indexed
        # only where it is set.
        indexes = [
            models.Index(fields=["state", "step_deadline"], name="case_state_deadline"),
            models.Index(fields=["assigned_unit", "state"], name="case_unit_state"),
            models.Index(fields=["reported_at", "street_code"], name="case_reported_street"),
            models.Index(fields=["grid_code"], name="case_grid"),
            models.Index(fields=["community_code"], name="case_community"),
            models.Index(fields=["street_code"], name="case_street"),
            models.Index(fields=["district_code"], name="case_district"),
            models.Index(fields=["source"], name="case_source"),
            models.Index(fields=["step_overdue"], condition=models.Q(step_overdue=True), name="case_overdue"),
        ]
        permissions = [
            ("view_all_cases", "Can see every case"),
            ("export_cases", "Can export case lists"),
            ("configure_dispatch", "Can edit dispatch rules and step limits"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[State(self.state)])

    @property
    def is_open(self) -> bool:
        return self.state not in {State.CLOSED, State.NOT_FILED, State.VOIDED, State.MERGED}


class CaseCounter(models.Model):
    """Per-day sequence for case numbers (YYYYMMDD + 5 digits)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, when, and the state before/after."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True, help_text="Shown to the reporter and in Open311 status notes.")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]


def _media_path(instance: CaseMedia, filename: str) -> str:
    return f"cases/{instance.case.reported_at:%Y/%m}/{instance.case.number}/{filename}"


class CaseMedia(models.Model):
    class Phase(models.TextChoices):
        REPORT = "report", _("When reported")
        HANDLING = "handling", _("After handling")
        CHECK = "check", _("On-site check")

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="media")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="media")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to=_media_path, max_length=200)
    thumbnail = models.FileField(upload_to=_media_path, max_length=200, blank=True)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=7, decimal_places=2)
    unit = models.CharField(max_length=24)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(status="pending"), name="one_pending_extension")
        ]


class DispatchRule(models.Model):
    """权责清单 row: category × area → handling unit.

    The most specific rule wins: a rule naming the category beats one for any
    category, and a longer area code (grid 15 > community 12 > street 9 >
    district 6 > anywhere) beats a shorter one; ``priority`` breaks ties.
    """

    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="dispatch_rules")
    area_code = models.CharField(_("area code (prefix)"), max_length=15, blank=True, db_index=True)
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="dispatch_rules")
    priority = models.SmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")


class StepLimit(models.Model):
    """Time limit of a workflow step other than handling (handling limits come
    from the category's standard condition)."""

    step = models.CharField(max_length=10, choices=STEP_CHOICES, unique=True)
    amount = models.DecimalField(max_digits=7, decimal_places=2)
    unit = models.CharField(max_length=24)
