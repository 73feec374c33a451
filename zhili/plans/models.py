"""Action plans and their supervision (督查督办).

A ``Plan`` is the imported document; its ``PlanNode`` rows are the outline
(work areas → tasks → sub-tasks → projects), each with responsible units,
a schedule, a weight, a status and a progress.  Parents' progress and every
node's warning colour are computed (``domain``) and cached on the rows by
``actions.plan_recompute``.  ``NodeHistory`` keeps every change: what was
planned (expected progress, schedule) beside what was done, over time.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .domain import Colour, Frequency, Status

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class StatusChoices(models.TextChoices):
    NOT_STARTED = Status.NOT_STARTED.value, _("Not started")
    IN_PROGRESS = Status.IN_PROGRESS.value, _("In progress")
    COMPLETED = Status.COMPLETED.value, _("Completed")
    SUSPENDED = Status.SUSPENDED.value, _("Suspended")
    CANCELLED = Status.CANCELLED.value, _("Cancelled")


class ColourChoices(models.TextChoices):
    GREEN = Colour.GREEN.value, _("Green")
    YELLOW = Colour.YELLOW.value, _("Yellow")
    RED = Colour.RED.value, _("Red")
    GREY = Colour.GREY.value, _("Grey")


class Plan(models.Model):
    class PlanStatus(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Being carried out")
        CLOSED = "closed", _("Finished")

    class FrequencyChoices(models.TextChoices):
        MONTHLY = Frequency.MONTHLY.value, _("Monthly")
        QUARTERLY = Frequency.QUARTERLY.value, _("Quarterly")

    title = models.CharField(_("title"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    addressees = models.JSONField(_("addressees"), default=list, blank=True)
    source_name = models.CharField(_("source file"), max_length=200, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    parse_warnings = models.JSONField(_("import warnings"), default=list, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    public = models.BooleanField(
        _("public page"),
        default=True,
        help_text=_("Show the plan's tree and progress on a public page."),
    )
    report_frequency = models.CharField(
        _("report frequency"),
        max_length=10,
        choices=FrequencyChoices.choices,
        default=FrequencyChoices.MONTHLY,
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("reports due (working days after the period)"), default=5
    )
    notice_days = models.PositiveSmallIntegerField(_("notice deadline (working days)"), default=5)
    due_soon_days = models.PositiveSmallIntegerField(
        _("due soon within (working days)"), default=10
    )
    yellow_lag = models.DecimalField(
        _("yellow when behind by (points)"), max_digits=5, decimal_places=2, default=Decimal(10)
    )
    red_lag = models.DecimalField(
        _("red when behind by (points)"), max_digits=5, decimal_places=2, default=Decimal(25)
    )
    milestone_red_days = models.PositiveSmallIntegerField(
        _("red when a milestone is missed by (working days)"), default=10
    )
    progress = models.DecimalField(
        _("progress"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    colour = models.CharField(
        _("warning"), max_length=6, choices=ColourChoices.choices, default=Colour.GREY
    )
    computed_at = models.DateTimeField(_("warnings computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("import_plan", "Can import action plans"),
            ("supervise", "Can supervise action plans (督查督办)"),
            ("view_all_plans", "Can read every action plan"),
            ("report_progress", "Can file progress reports for own unit's tasks"),
            ("assess", "Can see and export the assessment of units"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanNode(models.Model):
    class Kind(models.TextChoices):
        SECTION = "section", _("Section")
        AREA = "area", _("Work area")
        TASK = "task", _("Task")
        SUBTASK = "subtask", _("Sub-task")
        ITEM = "item", _("Item")
        BULLET = "bullet", _("Bullet")
        KEYWORD = "keyword", _("Keyword")
        MEASURE = "measure", _("Measure")
        PROJECT = "project", _("Project")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    # Document order within the plan; children sort by it.
    position = models.PositiveIntegerField(_("position"), default=0)
    # The outline reference ("3.1.2") or, for projects, the annex table's code.
    code = models.CharField(_("code"), max_length=40)
    number = models.CharField(_("number"), max_length=20, blank=True)
    heading = models.CharField(_("heading"), max_length=500)
    text = models.TextField(_("text"), blank=True)
    source_line = models.PositiveIntegerField(_("source line"), null=True, blank=True)
    source_start = models.PositiveIntegerField(null=True, blank=True)
    source_end = models.PositiveIntegerField(null=True, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    status = models.CharField(
        _("status"), max_length=12, choices=StatusChoices.choices, default=Status.NOT_STARTED
    )
    progress = models.DecimalField(
        _("progress"), max_digits=5, decimal_places=2, default=Decimal(0), validators=PERCENT
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    deadline_text = models.CharField(_("deadline in the document"), max_length=300, blank=True)
    targets = models.JSONField(_("targets"), default=list, blank=True)
    units = models.ManyToManyField(
        "accounts.OrgUnit",
        through="NodeUnit",
        related_name="plan_nodes",
        verbose_name=_("responsible units"),
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_nodes",
    )
    responsible_person_name = models.CharField(
        _("responsible person (name)"), max_length=60, blank=True
    )
    # Unit names the document gives that matched no organisation unit:
    # [{"name": ..., "role": "lead"|"support"}], kept for review.
    unmatched_units = models.JSONField(_("unmatched unit names"), default=list, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    public = models.BooleanField(_("public"), default=True)
    # Five fixes (五个落实) of a project: 规划, 用地, 资金, 时间进度 (schedule and
    # milestones above), 责任单位/责任人 (units and person above).
    plan_reference = models.CharField(_("planning basis (规划)"), max_length=300, blank=True)
    land_status = models.CharField(_("land (用地)"), max_length=300, blank=True)
    budget_total = models.DecimalField(
        _("budget (万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    funding_sources = models.JSONField(_("funding sources"), default=list, blank=True)
    amount_spent = models.DecimalField(
        _("spent (万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Cached results of the last recompute.
    colour = models.CharField(
        _("warning"), max_length=6, choices=ColourChoices.choices, default=Colour.GREY
    )
    colour_reasons = models.JSONField(default=list, blank=True)
    expected = models.DecimalField(
        _("expected progress"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan node")
        verbose_name_plural = _("plan nodes")
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plans_node_code_unique")
        ]
        indexes = [models.Index(fields=["plan", "parent", "position"])]

    def __str__(self) -> str:
        return f"{self.number} {self.heading}".strip()

    @property
    def tracked(self) -> bool:
        return self.weight > 0


class NodeUnit(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit (牵头单位)")
        SUPPORT = "support", _("Supporting unit (配合单位)")

    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="plan_assignments"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.LEAD)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        constraints = [
            models.UniqueConstraint(fields=["node", "unit"], name="plans_nodeunit_unique")
        ]
        ordering = ["role", "id"]


class Milestone(models.Model):
    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=300)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("reached on"), null=True, blank=True)
    source_text = models.CharField(_("text in the document"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.due} {self.title}"


class ProgressReport(models.Model):
    class ReportStatus(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reports")
    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="plan_reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_reports"
    )
    period = models.CharField(_("period"), max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(_("due on"))
    text = models.TextField(_("progress"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    progress = models.DecimalField(
        _("progress reported"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
    )
    milestones_reached = models.ManyToManyField(Milestone, blank=True, related_name="reports")
    submitted_at = models.DateTimeField(_("submitted at"))
    late = models.BooleanField(_("late"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    quality_mark = models.PositiveSmallIntegerField(
        _("quality mark"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["plan", "status"]), models.Index(fields=["unit", "period"])]

    def __str__(self) -> str:
        return f"{self.period} {self.node}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="plans/reports/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]


class SupervisionNotice(models.Model):
    """A supervision notice (督办单): a unit must act on a task by a deadline."""

    class NoticeStatus(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Level(models.IntegerChoices):
        ORDINARY = 1, _("Supervision (督办)")
        KEY = 2, _("Key supervision (重点督办)")
        LISTED = 3, _("Listed supervision by district leaders (挂牌督办)")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="notices")
    node = models.ForeignKey(
        PlanNode, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="plan_notices"
    )
    number = models.CharField(_("number"), max_length=30, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("requirements"))
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.ORDINARY
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    deadline = models.DateTimeField(_("deadline"))
    deadline_approximate = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The notice's timeline: [{"at", "event", "level", "by", "note", "deadline"}].
    events = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def is_overdue(self, now) -> bool:
        return self.status == self.NoticeStatus.OPEN and self.deadline < now


class NodeHistory(models.Model):
    """One change of a node: plan (expected, schedule) beside actual (progress, status)."""

    node = models.ForeignKey(PlanNode, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30)
    progress = models.DecimalField(_("progress"), max_digits=5, decimal_places=2)
    expected = models.DecimalField(
        _("expected progress"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=12, choices=StatusChoices.choices)
    colour = models.CharField(_("warning"), max_length=6, choices=ColourChoices.choices)
    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("node history")
        verbose_name_plural = _("node history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["node", "at"])]


class AssessmentRule(models.Model):
    """Weights and deductions of the performance assessment (绩效考核)."""

    name = models.CharField(_("name"), max_length=100)
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessment_rules",
        help_text=_("Empty: the default for every plan."),
    )
    weight_completion = models.DecimalField(
        _("weight of completion"), max_digits=6, decimal_places=2, default=Decimal(50)
    )
    weight_timeliness = models.DecimalField(
        _("weight of timeliness"), max_digits=6, decimal_places=2, default=Decimal(30)
    )
    weight_quality = models.DecimalField(
        _("weight of report quality"), max_digits=6, decimal_places=2, default=Decimal(20)
    )
    penalty_late_report = models.DecimalField(
        _("deduction per late report"), max_digits=6, decimal_places=2, default=Decimal(1)
    )
    penalty_missing_report = models.DecimalField(
        _("deduction per missing report"), max_digits=6, decimal_places=2, default=Decimal(2)
    )
    penalty_escalation = models.DecimalField(
        _("deduction per escalation"), max_digits=6, decimal_places=2, default=Decimal(2)
    )
    penalty_overdue_notice = models.DecimalField(
        _("deduction per overdue notice"), max_digits=6, decimal_places=2, default=Decimal(1)
    )
    include_supporting = models.BooleanField(_("assess supporting units too"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assessment rule")
        verbose_name_plural = _("assessment rules")
        ordering = ["plan_id", "name"]

    def __str__(self) -> str:
        return self.name
