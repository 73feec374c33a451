"""What the API reads and writes: plain serializers, no writes of their own.

Output serializers render objects the views fetched; input serializers only
check and convert input.  Writes happen in the action functions, called by
``moves.py`` and the views.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhili.cases import evaluation as E
from zhili.cases.access import CENTRE_ROLES
from zhili.cases.catalogue import TimeUnit
from zhili.cases.lifecycle import STATE_LABELS, Action, State, allowed_actions
from zhili.cases.models import (
    Case,
    CaseEvent,
    Category,
    ExtensionRequest,
    Source,
    StandardCondition,
)

STATE_CHOICES = [(s.value, STATE_LABELS[s]) for s in State]
DATUMS = ("wgs84", "cgcs2000", "gcj02", "bd09")
DATUM_HELP = _(
    "Datum of lon/lat: wgs84 or cgcs2000 (GPS, the same here), gcj02 (Amap, Tencent, WeChat) "
    "or bd09 (Baidu). Stored and returned as WGS84."
)
# Devices of inspectors queue reports while offline and send them later, so a
# report may carry when it was made.  A week covers any shift's backlog; older
# ones would distort the intake clocks and are refused.
MAX_REPORT_AGE = timedelta(days=7)
# Clocks of phones drift; a report slightly "in the future" is not an error.
CLOCK_SKEW = timedelta(minutes=5)


# --- small pieces --------------------------------------------------------------


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PlacesSerializer(serializers.Serializer):
    grid = CodeNameSerializer()
    community = CodeNameSerializer()
    street = CodeNameSerializer()
    district = CodeNameSerializer()


class UnitBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class CategoryBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField(source="minor_name")
    major_name = serializers.CharField()


class ConditionSerializer(serializers.ModelSerializer):
    time_limit_display = serializers.CharField(read_only=True)
    # Declared explicitly: the inferred range of a PositiveSmallIntegerField
    # depends on the database backend, and the committed schema must not.
    order = serializers.IntegerField(min_value=0, max_value=32767, read_only=True)

    class Meta:
        model = StandardCondition
        fields = [
            "id",
            "standard",
            "order",
            "filing_condition",
            "closing_condition",
            "time_limit",
            "time_unit",
            "time_limit_display",
            "responsible_department",
            "supervising_department",
        ]


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "amount",
            "unit",
            "reason",
            "requested_at",
            "decided_at",
            "decision_note",
        ]


def action_names(case: Case, user) -> list[str]:
    """The API action names ``user``'s roles allow on ``case`` now (a hint for
    clients; the action function decides, e.g. on the handling unit)."""
    names: list[str] = []
    for action in allowed_actions(case.state, user.roles, superuser=user.is_superuser):
        name = "check" if action in (Action.CHECK_PASS, Action.CHECK_FAIL) else action.value
        if name not in names:
            names.append(name)
    return names


def may_see_contact(user) -> bool:
    """Callers' names and phones are private: the centre calls them back and
    leads may audit; inspectors and handling units work from the description."""
    return bool(user.is_superuser or user.reads_all or user.roles & CENTRE_ROLES)


# --- cases ---------------------------------------------------------------------


def _places(case: Case, names: dict[str, str]) -> dict[str, Any]:
    return {
        level: {"code": code, "name": names.get(code, "")}
        for level, code in (
            ("grid", case.grid_code),
            ("community", case.community_code),
            ("street", case.street_code),
            ("district", case.district_code),
        )
    }


def _pending_extension(case: Case) -> dict[str, Any] | None:
    # Only handling and parked cases can have one: spare the query otherwise.
    if case.state not in (State.HANDLING, State.PARKED):
        return None
    req = case.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
    return ExtensionSerializer(req).data if req else None


class CaseListSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.ChoiceField(choices=STATE_CHOICES)
    state_label = serializers.CharField()
    version = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Source.choices)
    category = CategoryBriefSerializer(allow_null=True)
    description = serializers.CharField()
    address = serializers.CharField()
    lon = serializers.FloatField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    grid_code = serializers.CharField()
    community_code = serializers.CharField()
    street_code = serializers.CharField()
    district_code = serializers.CharField()
    reported_at = serializers.DateTimeField()
    step = serializers.CharField(
        help_text="The clocked step now running; empty when the case is final or parked."
    )
    step_deadline = serializers.DateTimeField(allow_null=True)
    step_overdue = serializers.BooleanField()
    assigned_unit = UnitBriefSerializer(allow_null=True)


class CaseDetailSerializer(CaseListSerializer):
    condition = ConditionSerializer(allow_null=True)
    places = serializers.SerializerMethodField()
    reporter = PersonSerializer(allow_null=True)
    contact = serializers.SerializerMethodField()
    component_id = serializers.CharField()
    handle_deadline = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    verified_on_time = serializers.BooleanField(allow_null=True)
    filed_at = serializers.DateTimeField(allow_null=True)
    filed_on_time = serializers.BooleanField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    dispatched_on_time = serializers.BooleanField(allow_null=True)
    handled_at = serializers.DateTimeField(allow_null=True)
    handled_on_time = serializers.BooleanField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    checked_on_time = serializers.BooleanField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_on_time = serializers.BooleanField(allow_null=True)
    valid_report = serializers.BooleanField(allow_null=True)
    send_back_count = serializers.IntegerField()
    rework_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()
    overdue_count = serializers.IntegerField()
    support_count = serializers.IntegerField()
    merged_into = serializers.CharField(
        source="merged_into.number",
        allow_null=True,
        help_text="Number of the case this one was merged into.",
    )
    park_plan = serializers.CharField()
    park_review_on = serializers.DateField(allow_null=True)
    pending_extension = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="Actions your roles allow on the case in its state now."
    )

    @extend_schema_field(PlacesSerializer)
    def get_places(self, case: Case) -> dict[str, Any]:
        return _places(case, self.context.get("place_names", {}))

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
            "description": "The caller's contact; null unless your role may see it (centre, leads).",
        }
    )
    def get_contact(self, case: Case) -> dict[str, str] | None:
        if not may_see_contact(self.context["request"].user):
            return None
        return {"name": case.contact_name, "phone": case.contact_phone}

    @extend_schema_field(ExtensionSerializer(allow_null=True))
    def get_pending_extension(self, case: Case) -> dict[str, Any] | None:
        return _pending_extension(case)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, case: Case) -> list[str]:
        return action_names(case, self.context["request"].user)


# The intake path renders a case per request at hundreds of requests a
# second, and building a DRF serializer's ~60 bound fields costs more than
# the rendering itself.  These functions produce the same data directly; the
# serializers above stay as the declaration the schema is built from, and
# tests/test_cases_api.py checks that both give identical output.
_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


def _dt(value) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def render_case(case: Case) -> dict[str, Any]:
    """``CaseListSerializer(case).data``, fast."""
    cat, unit = case.category, case.assigned_unit
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.state_label,
        "version": case.version,
        "source": case.source,
        "category": None
        if cat is None
        else {
            "id": cat.pk,
            "kind": cat.kind,
            "code": cat.code,
            "name": cat.minor_name,
            "major_name": cat.major_name,
        },
        "description": case.description,
        "address": case.address,
        "lon": None if case.lon is None else float(case.lon),
        "lat": None if case.lat is None else float(case.lat),
        "grid_code": case.grid_code,
        "community_code": case.community_code,
        "street_code": case.street_code,
        "district_code": case.district_code,
        "reported_at": _dt(case.reported_at),
        "step": case.step,
        "step_deadline": _dt(case.step_deadline),
        "step_overdue": case.step_overdue,
        "assigned_unit": None
        if unit is None
        else {"id": unit.pk, "code": unit.code, "name": unit.name},
    }


_DETAIL_DATETIMES = (
    "handle_deadline", "accepted_at", "verified_at", "filed_at", "dispatched_at", "handled_at", "checked_at",
    "closed_at",
)  # fmt: skip
_DETAIL_PLAIN = (
    "verified_on_time", "filed_on_time", "dispatched_on_time", "handled_on_time", "checked_on_time",
    "closed_on_time", "valid_report", "send_back_count", "rework_count", "extension_count", "overdue_count",
    "support_count", "park_plan", "component_id",
)  # fmt: skip


def render_case_detail(case: Case, *, user, place_names: dict[str, str]) -> dict[str, Any]:
    """``CaseDetailSerializer(case, context=...).data``, fast."""
    out = render_case(case)
    reporter = case.reporter
    out["condition"] = None if case.condition is None else ConditionSerializer(case.condition).data
    out["places"] = _places(case, place_names)
    out["reporter"] = (
        None
        if reporter is None
        else {"username": reporter.username, "name": reporter.get_full_name() or reporter.username}
    )
    out["contact"] = (
        {"name": case.contact_name, "phone": case.contact_phone} if may_see_contact(user) else None
    )
    for name in _DETAIL_DATETIMES:
        out[name] = _dt(getattr(case, name))
    for name in _DETAIL_PLAIN:
        out[name] = getattr(case, name)
    out["merged_into"] = case.merged_into.number if case.merged_into_id else None
    out["park_review_on"] = (
        None if case.park_review_on is None else _DATE.to_representation(case.park_review_on)
    )
    out["pending_extension"] = _pending_extension(case)
    out["actions"] = action_names(case, user)
    return {name: out[name] for name in _DETAIL_ORDER}


_DETAIL_ORDER = tuple(CaseDetailSerializer._declared_fields)


class CaseEventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(allow_null=True)
    action_label = serializers.SerializerMethodField()
    from_state_label = serializers.SerializerMethodField()
    to_state_label = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "action_label",
            "from_state",
            "from_state_label",
            "to_state",
            "to_state_label",
            "note",
            "data",
            "public",
        ]

    def get_action_label(self, event: CaseEvent) -> str:
        from zhili.cases.lifecycle import event_label

        return event_label(event.action)

    def get_from_state_label(self, event: CaseEvent) -> str:
        return _state_label(event.from_state)

    def get_to_state_label(self, event: CaseEvent) -> str:
        return _state_label(event.to_state)


def _state_label(value: str) -> str:
    try:
        return str(STATE_LABELS[State(value)])
    except ValueError:
        return ""


class ActionResultSerializer(serializers.Serializer):
    case = CaseDetailSerializer()
    event = CaseEventSerializer(allow_null=True, help_text="The timeline entry the action wrote.")


class CursorPageSerializer(serializers.Serializer):
    """Only for the schema: the shape of a page of cases."""

    next = serializers.URLField(
        allow_null=True, help_text="The next page, or null on the last one."
    )
    results = CaseListSerializer(many=True)


# --- query parameters ------------------------------------------------------------


def _date_help(which: str) -> str:
    return f"Reported on or {which} this day (YYYY-MM-DD, Beijing time)."


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.MultipleChoiceField(
        choices=STATE_CHOICES,
        required=False,
        help_text="One or more states (repeat the parameter).",
    )
    category = serializers.IntegerField(required=False, min_value=1, help_text="Category id.")
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    grid = serializers.RegexField(
        r"^\d{15}$", required=False, help_text="Unit grid code (15 digits)."
    )
    community = serializers.RegexField(
        r"^\d{12}$", required=False, help_text="Community code (12 digits)."
    )
    street = serializers.RegexField(r"^\d{9}$", required=False, help_text="Street code (9 digits).")
    district = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="District code (6 digits)."
    )
    unit = serializers.IntegerField(
        required=False, min_value=1, help_text="Handling unit id (assigned)."
    )
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only cases whose current step is (not) overdue.",
    )
    reported_from = serializers.DateField(required=False, help_text=_date_help("after"))
    reported_to = serializers.DateField(required=False, help_text=_date_help("before"))
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=200,
        help_text="Cases per page (default 50, at most 200).",
    )
    cursor = serializers.CharField(
        required=False, help_text="Opaque position from a previous page's `next`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("reported_from"), attrs.get("reported_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"reported_to": [_("The end date is before the start date.")]}
            )
        return attrs


# --- intake ------------------------------------------------------------------------


def _active_category(pk: int | None) -> Category | None:
    if pk is None:
        return None
    category = Category.objects.filter(pk=pk, active=True).first()
    if category is None:
        raise serializers.ValidationError(_("No active category has this id."))
    return category


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a misspelt "confirmd" must not be
    silently dropped and the default taken."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class ReportSerializer(StrictSerializer):
    source = serializers.ChoiceField(
        choices=Source.choices,
        required=False,
        help_text="Where the report comes from. Inspectors always report as inspector; other roles may "
        "give the sources their role allows (default: sensor for system accounts, otherwise other).",
    )
    description = serializers.CharField(max_length=4000)
    # An id checked in validate_category rather than a PrimaryKeyRelatedField:
    # that field deep-copies its queryset for every request.
    category = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Category id."
    )
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    datum = serializers.ChoiceField(choices=DATUMS, default="wgs84", help_text=DATUM_HELP)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    component_id = serializers.RegexField(
        r"^(\d{16}|\d{17})$",
        required=False,
        allow_blank=True,
        default="",
        help_text="Component ID (17 digits; legacy 16).",
    )
    reported_at = serializers.DateTimeField(
        required=False,
        help_text="When the problem was reported, if earlier than now (at most 7 days ago).",
    )

    def validate_source(self, value: str) -> str:
        from .permissions import user_sources

        allowed = user_sources(self.context["request"].user)
        if value not in allowed:
            raise serializers.ValidationError(
                _("Your role may not report with source “%(source)s”; allowed: %(allowed)s.")
                % {"source": value, "allowed": ", ".join(allowed) or "-"}
            )
        return value

    def validate_category(self, value: int | None) -> Category | None:
        return _active_category(value)

    def validate_reported_at(self, value):
        now = timezone.now()
        if value > now + CLOCK_SKEW:
            raise serializers.ValidationError(_("The report time is in the future."))
        if value < now - MAX_REPORT_AGE:
            raise serializers.ValidationError(_("The report time is more than 7 days ago."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("lon") is None) != (attrs.get("lat") is None):
            raise serializers.ValidationError(
                {
                    "lat" if attrs.get("lat") is None else "lon": [
                        _("Give both longitude and latitude, or neither.")
                    ]
                }
            )
        return attrs


# --- actions -----------------------------------------------------------------------


def _note(required: bool = False, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        max_length=4000,
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        help_text=help_text or "Note for the timeline.",
    )


class ActionSerializer(StrictSerializer):
    """Base of every action body: the discriminator and the version the client saw."""

    action_name: str = ""
    action = serializers.CharField()
    expected_version = serializers.IntegerField(
        min_value=0, help_text="The case `version` you acted on; a newer one gives 409 stale."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"] = serializers.ChoiceField(choices=[self.action_name])


class UnversionedActionSerializer(ActionSerializer):
    """Actions that leave the state alone and cannot conflict with a move:
    they take no expected_version."""

    expected_version = None  # type: ignore[assignment]


class NoteActionSerializer(ActionSerializer):
    note = _note()


class ReasonActionSerializer(ActionSerializer):
    note = _note(required=True, help_text="The reason (required).")


class AcceptSerializer(NoteActionSerializer):
    """受理 accept: the centre takes the report as it is (no site verification); it goes to filing. Intake operators, shift leads."""

    action_name = "accept"
    category = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Category id."
    )

    def validate_category(self, value: int | None) -> Category | None:
        return _active_category(value)


class SendToVerifySerializer(NoteActionSerializer):
    """派核实 send to verify: an inspector checks the report on site first. Intake operators, shift leads."""

    action_name = "send_to_verify"


class VerifySerializer(NoteActionSerializer):
    """核实 verify: the inspector confirms the problem (to filing) or finds nothing (not filed; note required)."""

    action_name = "verify"
    confirmed = serializers.BooleanField(
        help_text="true: the problem is there; false: not found (note required)."
    )


class FileSerializer(NoteActionSerializer):
    """立案 file, against a filing condition of the category; the condition's time limit sets the handling clock. Shift leads."""

    action_name = "file"
    category = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Category id."
    )
    condition = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Filing condition id; its time limit sets the handling clock.",
    )

    def validate_category(self, value: int | None) -> Category | None:
        return _active_category(value)

    def validate_condition(self, value: int | None) -> StandardCondition | None:
        if value is None:
            return None
        condition = StandardCondition.objects.filter(pk=value).first()
        if condition is None:
            raise serializers.ValidationError(_("No filing condition has this id."))
        return condition


class DeclineSerializer(ReasonActionSerializer):
    """不予立案 decline to file, with the reason. Shift leads."""

    action_name = "decline"


class DispatchSerializer(NoteActionSerializer):
    """派遣 dispatch to the unit the responsibility list names, or to `unit`. Dispatchers, shift leads."""

    action_name = "dispatch"
    unit = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Handling unit id; default: the unit the responsibility list names.",
    )


class SendBackSerializer(ReasonActionSerializer):
    """回退 send back: the handling unit returns a wrongly dispatched case, with the reason."""

    action_name = "send_back"


class FeedbackSerializer(ReasonActionSerializer):
    """处置反馈 feedback: the handling unit reports the work done; an inspector re-checks it."""

    action_name = "feedback"
    note = _note(required=True, help_text="What was done (required).")


class CheckSerializer(NoteActionSerializer):
    """核查 check on site: passed → awaiting closure; failed → rework (返工) with a new handling clock."""

    action_name = "check"
    passed = serializers.BooleanField(
        help_text="true: handled, awaiting closure; false: rework (note required)."
    )


class CloseSerializer(NoteActionSerializer):
    """结案 close a checked case. Shift leads."""

    action_name = "close"


class ReopenSerializer(ReasonActionSerializer):
    """重新处置 reopen a closed case (e.g. the 12345 caller was unsatisfied), with the reason."""

    action_name = "reopen"


class ParkSerializer(ActionSerializer):
    """挂账 park a long-term case with a plan and a review date; its clock stops. Shift leads."""

    action_name = "park"
    plan = serializers.CharField(max_length=4000, help_text="The long-term plan.")
    review_on = serializers.DateField(help_text="When the parked case is reviewed (a future day).")


class UnparkSerializer(NoteActionSerializer):
    """解除挂账 resume a parked case: back to handling. Shift leads."""

    action_name = "unpark"


class VoidSerializer(ReasonActionSerializer):
    """作废 void an open case, with the reason. Shift leads."""

    action_name = "void"


class MergeSerializer(NoteActionSerializer):
    """合并 merge this duplicate into another open case; its support moves over."""

    action_name = "merge"
    into = serializers.CharField(
        max_length=20, help_text="Number of the open case this duplicate is merged into."
    )


class RequestExtensionSerializer(UnversionedActionSerializer):
    """申请延期 request more time for handling (the clock runs on until approved). Handling units."""

    action_name = "request_extension"
    amount = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0.01"))
    unit = serializers.ChoiceField(choices=TimeUnit.choices)
    reason = serializers.CharField(max_length=4000)


class DecideExtensionSerializer(UnversionedActionSerializer):
    """审批延期 approve or reject an extension request; approval moves the deadline. Shift leads."""

    action_name = "decide_extension"
    extension_request = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Extension request id; default: the case's pending request.",
    )
    approve = serializers.BooleanField()
    note = _note()


class CommentSerializer(UnversionedActionSerializer):
    """备注 comment on an open case; private unless `public`."""

    action_name = "comment"
    note = _note(required=True, help_text="The comment.")
    public = serializers.BooleanField(
        default=False, help_text="Shown to the reporter and in Open311 status notes."
    )


ACTION_SERIALIZERS: dict[str, type[ActionSerializer]] = {
    s.action_name: s
    for s in (
        AcceptSerializer,
        SendToVerifySerializer,
        VerifySerializer,
        FileSerializer,
        DeclineSerializer,
        DispatchSerializer,
        SendBackSerializer,
        FeedbackSerializer,
        CheckSerializer,
        CloseSerializer,
        ReopenSerializer,
        ParkSerializer,
        UnparkSerializer,
        VoidSerializer,
        MergeSerializer,
        RequestExtensionSerializer,
        DecideExtensionSerializer,
        CommentSerializer,
    )
}


# --- catalogue -----------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    catalogue = serializers.SlugRelatedField(slug_field="code", read_only=True)
    conditions = ConditionSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "catalogue",
            "kind",
            "code",
            "major_code",
            "major_name",
            "minor_code",
            "minor_name",
            "is_local",
            "active",
            "conditions",
        ]


class CategoryFilterSerializer(serializers.Serializer):
    catalogue = serializers.CharField(
        required=False, help_text="Catalogue code; default: the default catalogue."
    )
    kind = serializers.ChoiceField(choices=Category.Kind.choices, required=False)
    code = serializers.RegexField(
        r"^\d{2,5}$", required=False, help_text="Category code or its major-code prefix."
    )
    active = serializers.BooleanField(
        required=False, allow_null=True, default=True, help_text="Default: active only."
    )


# --- places --------------------------------------------------------------------------


class ResponsibilityGridSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    inspector = PersonSerializer(allow_null=True)


class GridSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    area_m2 = serializers.FloatField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    community = CodeNameSerializer()
    street = CodeNameSerializer()
    district = CodeNameSerializer()
    responsibility_grid = ResponsibilityGridSerializer(allow_null=True)
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="minLon, minLat, maxLon, maxLat",
    )
    geometry = serializers.JSONField(help_text="GeoJSON geometry (WGS84, 6 decimals).")


class AtSerializer(serializers.Serializer):
    at = serializers.DateField(
        required=False, help_text="Boundaries valid on this day; default: the current ones."
    )


class LocateQuerySerializer(AtSerializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    datum = serializers.ChoiceField(choices=DATUMS, default="wgs84", help_text=DATUM_HELP)


class LocateSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    lon = serializers.FloatField(help_text="WGS84 longitude after datum conversion.")
    lat = serializers.FloatField(help_text="WGS84 latitude after datum conversion.")
    grid = CodeNameSerializer(allow_null=True)
    community = CodeNameSerializer(allow_null=True)
    street = CodeNameSerializer(allow_null=True)
    district = CodeNameSerializer(allow_null=True)


# --- evaluation ------------------------------------------------------------------------


# "from" is a Python keyword, hence the class built from a dict.
EvaluationQuerySerializer = type(
    "EvaluationQuerySerializer",
    (serializers.Serializer,),
    {
        "from": serializers.DateField(
            required=False, help_text="First day of the period (default: first day of last month)."
        ),
        "to": serializers.DateField(
            required=False,
            help_text="Last day of the period, inclusive (default: last day of last month).",
        ),
        "by": serializers.ChoiceField(choices=E.BY_VALUES, default="region"),
        "level": serializers.ChoiceField(
            choices=E.LEVELS, default="street", help_text="Region level (by=region)."
        ),
        "post": serializers.ChoiceField(
            choices=E.POSTS, required=False, help_text="One post type (by=post); default: all."
        ),
    },
)


class EvaluationRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        allow_null=True, help_text="Competition rank within its kind; null without a score."
    )
    kind = serializers.CharField(
        help_text="Region level, department, or post type: each kind is ranked on its own."
    )
    key = serializers.CharField(help_text="Division or grid code, unit id or user id.")
    label = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    grade = serializers.CharField(
        allow_null=True, help_text="A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E."
    )
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))


EvaluationSerializer = type(
    "EvaluationSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "by": serializers.CharField(),
        "level": serializers.CharField(),
        "post": serializers.CharField(allow_null=True),
        "rows": EvaluationRowSerializer(many=True),
    },
)
