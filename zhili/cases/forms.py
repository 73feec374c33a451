"""Forms of the case work pages: list filters, the report page, one form per action.

Each action form carries the case ``version`` it was rendered with and
passes it to the action function as ``expected_version``, so a user acting
on a page that is out of date is refused instead of overwriting someone
else's step.  ``perform`` is the only place a form writes, and it writes
through the named action functions of ``actions.py``.

Fields whose emptiness the action function refuses with a specific message
(a reason to decline, to send back, ...) are not required here: the form
marks them ``required`` in HTML for the browser's sake and leaves the
server-side refusal, with its specific wording, to the action.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.accounts.models import OrgUnit

from . import actions as A
from .access import visible_cases
from .catalogue import TimeUnit
from .lifecycle import ACTION_LABELS, STATE_LABELS, Action, State
from .models import Case, CaseMedia, Category, ExtensionRequest, Source, StandardCondition

SORTS = [
    ("deadline", gettext_lazy("Deadline, soonest first")),
    ("-deadline", gettext_lazy("Deadline, latest first")),
    ("-reported", gettext_lazy("Reported, newest first")),
    ("reported", gettext_lazy("Reported, oldest first")),
]
SORT_ORDER: dict[str, tuple[str, str]] = {
    "deadline": ("step_deadline", "pk"),
    "-deadline": ("-step_deadline", "-pk"),
    "reported": ("reported_at", "pk"),
    "-reported": ("-reported_at", "-pk"),
}

DATUMS = [("wgs84", "WGS84 / CGCS2000"), ("gcj02", "GCJ-02"), ("bd09", "BD-09")]


# --- widgets and fields ------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos from one ``<input type=file multiple>``.

    ``capture="environment"`` opens the back camera on a phone; the stored
    files are checked (type, size, count, thumbnails) by ``media.case_attach_media``.
    """

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"accept": "image/*", "capture": "environment", "class": "photos"}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Photos"))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        items = (
            [d for d in data if d] if isinstance(data, list | tuple) else ([data] if data else [])
        )
        return [single(item, initial) for item in items]


class FastSelect(forms.Select):
    """A select whose options are rendered in Python.

    Django renders each option through a template, about 0.2 ms an option:
    the 400 categories of the national catalogue would cost most of a list
    page's time budget on every request.
    """

    def option_attrs(self, value: Any) -> str:
        return ""

    def render(self, name, value, attrs=None, renderer=None):  # type: ignore[no-untyped-def]
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        parts = []
        for choice, label in self.choices:
            raw = getattr(choice, "value", choice)
            text = "" if raw is None else str(raw)
            parts.append(
                format_html(
                    '<option value="{}"{}{}>{}</option>',
                    text,
                    mark_safe(" selected") if text in selected else "",
                    mark_safe(self.option_attrs(choice)),
                    label,
                )
            )
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(parts)))


class ConditionSelect(FastSelect):
    """Each option says its category, so the page can show only the
    conditions of the category chosen next to it."""

    def option_attrs(self, value: Any) -> str:
        instance = getattr(value, "instance", None)
        return (
            format_html(' data-category="{}"', instance.category_id) if instance is not None else ""
        )


class ConditionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StandardCondition) -> str:
        text = obj.filing_condition.replace("\n", " ")
        if len(text) > 60:
            text = text[:59] + "…"
        return f"{obj.category.code} · {obj.time_limit_display} · {text}"


def category_field(**kwargs: Any) -> forms.ModelChoiceField:
    qs = Category.objects.filter(active=True).order_by(
        "-catalogue__is_default", "catalogue_id", "code"
    )
    kwargs.setdefault("required", False)
    kwargs.setdefault("label", gettext_lazy("Category"))
    kwargs.setdefault("empty_label", "—")
    kwargs.setdefault("widget", FastSelect)
    return forms.ModelChoiceField(queryset=qs, **kwargs)


NOTE = gettext_lazy("Note")


def _note(label: Any = NOTE, *, html_required: bool = False, rows: int = 2) -> forms.CharField:
    attrs: dict[str, Any] = {"rows": rows}
    if html_required:
        attrs["required"] = True
    return forms.CharField(
        label=label, required=False, max_length=2000, widget=forms.Textarea(attrs=attrs)
    )


YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _yes_no(label, yes, no) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", yes), ("no", no)],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


# --- list filters ------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """Filters and sort of the inbox and the all-cases list (GET parameters)."""

    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    category = category_field()
    area = forms.ChoiceField(
        label=gettext_lazy("Street or community"), required=False, widget=FastSelect
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort"), choices=SORTS, required=False)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(
        self, data: Any, *, states: list[State], areas: list[tuple[str, str, str]], max_page: int
    ) -> None:
        super().__init__(data)
        self.fields["state"].choices = [("", "—")] + [(s.value, STATE_LABELS[s]) for s in states]
        # Communities are indented under their street (codes sort that way).
        self.fields["area"].choices = [("", "—")] + [
            (code, ("\u3000" if level == "community" else "") + name) for code, name, level in areas
        ]
        self.fields["page"].validators.append(_max_page(max_page))

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1


def _max_page(limit: int):
    def check(value: int | None) -> None:
        if value is not None and value > limit:
            raise ValidationError(
                _("Only the first %(n)d pages can be shown; narrow the filters or export the list.")
                % {"n": limit}
            )

    return check


# --- the report page -----------------------------------------------------------------


class ReportForm(forms.Form):
    """A new case from the field (inspector, on a phone) or the centre (hotline call)."""

    source = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=Source.choices, initial=Source.INSPECTOR
    )
    category = category_field()
    description = forms.CharField(
        label=gettext_lazy("What is the problem?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address or landmark"), required=False, max_length=200
    )
    lon = forms.FloatField(
        label=gettext_lazy("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lat = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    # The browser's geolocation is WGS84; a position pasted from WeChat or
    # Amap is GCJ-02 and one from Baidu BD-09, hundreds of metres apart.
    datum = forms.ChoiceField(
        label=gettext_lazy("Coordinate system"), choices=DATUMS, initial="wgs84", required=False
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Caller's name"), required=False, max_length=60
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Caller's phone"), required=False, max_length=30
    )
    photos = PhotosField()

    def __init__(self, *args: Any, centre: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.centre = centre
        if not centre:
            # A field inspector's report is always an inspector report.
            for name in ("source", "contact_name", "contact_phone"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        datum = data.get("datum") or "wgs84"
        if lon is not None and lat is not None and datum != "wgs84":
            from zhili.places.coords import convert_point

            data["lon"], data["lat"] = convert_point(lon, lat, datum, "wgs84")
        return data

    def perform(self, *, actor) -> Case:
        d = self.cleaned_data
        return A.case_report(
            actor=actor,
            source=d.get("source") or Source.INSPECTOR,
            description=d["description"],
            lon=d.get("lon"),
            lat=d.get("lat"),
            category=d.get("category"),
            address=d.get("address", ""),
            contact_name=d.get("contact_name", ""),
            contact_phone=d.get("contact_phone", ""),
        )


# --- one form per action ---------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: the case version, and how to perform the action."""

    action: ClassVar[str]
    # The CaseMedia phase photos sent with this form are stored under, if any.
    photo_phase: ClassVar[str | None] = None
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, user, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        self.fields["version"].initial = case.version

    @property
    def title(self) -> str:
        return str(ACTION_LABELS[Action(self.action)])

    def _common(self) -> dict[str, Any]:
        return {
            "actor": self.user,
            "case_id": self.case.pk,
            "expected_version": self.cleaned_data["version"],
        }

    def check_version(self) -> None:
        """For the actions whose function takes no expected_version: compare
        the version the page showed with the case as loaded for this request."""
        if self.cleaned_data["version"] != self.case.version:
            raise A.StaleCase(
                _(
                    "Case %(n)s was changed by someone else since you opened it; reload it and try again."
                )
                % {"n": self.case.number}
            )

    def perform(self) -> Case:
        raise NotImplementedError


class AcceptForm(ActionForm):
    action = Action.ACCEPT
    category = category_field()
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].initial = self.case.category_id

    def perform(self) -> Case:
        return A.case_accept(
            **self._common(), category=self.cleaned_data["category"], note=self.cleaned_data["note"]
        )


class SendToVerifyForm(ActionForm):
    action = Action.SEND_TO_VERIFY
    note = _note()

    def perform(self) -> Case:
        return A.case_send_to_verify(**self._common(), note=self.cleaned_data["note"])


class VerifyForm(ActionForm):
    action = Action.VERIFY
    photo_phase = CaseMedia.Phase.CHECK
    confirmed = _yes_no(
        gettext_lazy("Finding on site"),
        gettext_lazy("The problem is there"),
        gettext_lazy("Not found"),
    )
    note = _note()
    photos = PhotosField()

    def perform(self) -> Case:
        return A.case_verify(
            **self._common(),
            confirmed=self.cleaned_data["confirmed"],
            note=self.cleaned_data["note"],
        )


class FileForm(ActionForm):
    action = Action.FILE
    category = category_field()
    condition = ConditionField(
        queryset=StandardCondition.objects.select_related("category").order_by(
            "category__code", "standard", "order"
        ),
        required=False,
        label=gettext_lazy("Filing condition (sets the handling time limit)"),
        empty_label=gettext_lazy("— none: the default handling limit —"),
        widget=ConditionSelect(attrs={"class": "conditions"}),
    )
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].initial = self.case.category_id
        self.fields["category"].widget.attrs["class"] = "filecategory"
        self.fields["condition"].initial = self.case.condition_id

    def perform(self) -> Case:
        d = self.cleaned_data
        return A.case_file(
            **self._common(), category=d["category"], condition=d["condition"], note=d["note"]
        )


class DeclineForm(ActionForm):
    action = Action.DECLINE
    note = _note(gettext_lazy("Reason"), html_required=True)

    def perform(self) -> Case:
        return A.case_decline(**self._common(), note=self.cleaned_data["note"])


class DispatchForm(ActionForm):
    action = Action.DISPATCH
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.filter(active=True)
        .exclude(kind=OrgUnit.Kind.GOVERNMENT)
        .order_by("kind", "code"),
        required=False,
        label=gettext_lazy("Handling unit"),
        empty_label=gettext_lazy("— as the responsibility list says —"),
        widget=FastSelect,
    )
    note = _note()

    def __init__(self, *args: Any, suggested: OrgUnit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggested = suggested
        if suggested is not None:
            self.fields["unit"].initial = suggested.pk

    def perform(self) -> Case:
        return A.case_dispatch(
            **self._common(), unit=self.cleaned_data["unit"], note=self.cleaned_data["note"]
        )


class SendBackForm(ActionForm):
    action = Action.SEND_BACK
    note = _note(gettext_lazy("Why is this case not yours?"), html_required=True)

    def perform(self) -> Case:
        return A.case_send_back(**self._common(), note=self.cleaned_data["note"])


class FeedbackForm(ActionForm):
    action = Action.FEEDBACK
    photo_phase = CaseMedia.Phase.HANDLING
    note = _note(gettext_lazy("What was done"), html_required=True, rows=3)
    photos = PhotosField(label=gettext_lazy("Photos after handling"))

    def perform(self) -> Case:
        return A.case_feedback(**self._common(), note=self.cleaned_data["note"])


class CheckForm(ActionForm):
    """核查: one form for both outcomes (CHECK_PASS and CHECK_FAIL)."""

    action = "check"
    photo_phase = CaseMedia.Phase.CHECK
    passed = _yes_no(
        gettext_lazy("Result of the on-site check"),
        gettext_lazy("Handled: pass"),
        gettext_lazy("Not handled: rework"),
    )
    note = _note()
    photos = PhotosField(label=gettext_lazy("Photos of the check"))

    @property
    def title(self) -> str:
        return _("On-site check")

    def perform(self) -> Case:
        return A.case_check(
            **self._common(), passed=self.cleaned_data["passed"], note=self.cleaned_data["note"]
        )


class CloseForm(ActionForm):
    action = Action.CLOSE
    note = _note()

    def perform(self) -> Case:
        return A.case_close(**self._common(), note=self.cleaned_data["note"])


class ReopenForm(ActionForm):
    action = Action.REOPEN
    note = _note(gettext_lazy("Reason"), html_required=True)

    def perform(self) -> Case:
        return A.case_reopen(**self._common(), note=self.cleaned_data["note"])


class ParkForm(ActionForm):
    action = Action.PARK
    plan = forms.CharField(
        label=gettext_lazy("Plan (how and when it will be solved)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )  # fmt: skip
    review_on = forms.DateField(
        label=gettext_lazy("Review on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def perform(self) -> Case:
        d = self.cleaned_data
        return A.case_park(**self._common(), plan=d["plan"], review_on=d["review_on"])


class UnparkForm(ActionForm):
    action = Action.UNPARK
    note = _note()

    def perform(self) -> Case:
        return A.case_unpark(**self._common(), note=self.cleaned_data["note"])


class VoidForm(ActionForm):
    action = Action.VOID
    note = _note(gettext_lazy("Reason"), html_required=True)

    def perform(self) -> Case:
        return A.case_void(**self._common(), note=self.cleaned_data["note"])


class MergeForm(ActionForm):
    action = Action.MERGE
    into = forms.CharField(label=gettext_lazy("Number of the case that carries on"), max_length=20)
    note = _note()

    def clean_into(self) -> Case:
        number = self.cleaned_data["into"].strip()
        # Through visible_cases: a number the user may not see is "not found",
        # exactly like one that does not exist.
        into = visible_cases(self.user).filter(number=number).only("pk", "number").first()
        if into is None:
            raise ValidationError(_("There is no case numbered %(n)s.") % {"n": number})
        return into

    def perform(self) -> Case:
        return A.case_merge(
            **self._common(), into_id=self.cleaned_data["into"].pk, note=self.cleaned_data["note"]
        )


class RequestExtensionForm(ActionForm):
    action = Action.REQUEST_EXTENSION
    amount = forms.DecimalField(label=gettext_lazy("Extra time"), max_digits=7, decimal_places=2)
    unit = forms.ChoiceField(
        label=gettext_lazy("Unit"), choices=TimeUnit.choices, initial=TimeUnit.WORK_DAYS
    )
    reason = _note(gettext_lazy("Reason"), html_required=True)

    def perform(self) -> Case:
        self.check_version()
        d = self.cleaned_data
        A.case_request_extension(
            actor=self.user,
            case_id=self.case.pk,
            amount=d["amount"],
            unit=d["unit"],
            reason=d["reason"],
        )
        return self.case


class DecideExtensionForm(ActionForm):
    action = Action.DECIDE_EXTENSION
    approve = _yes_no(gettext_lazy("Decision"), gettext_lazy("Approve"), gettext_lazy("Reject"))
    note = _note()

    def __init__(self, *args: Any, request: ExtensionRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def perform(self) -> Case:
        self.check_version()
        if self.request is None:
            raise ValidationError(_("No extension request of this case is waiting for a decision."))
        A.case_decide_extension(
            actor=self.user,
            request_id=self.request.pk,
            approve=self.cleaned_data["approve"],
            note=self.cleaned_data["note"],
        )
        return self.case


class CommentForm(ActionForm):
    action = Action.COMMENT
    note = _note(gettext_lazy("Comment"), html_required=True)
    public = forms.BooleanField(label=gettext_lazy("Show to the reporter"), required=False)

    def perform(self) -> Case:
        # A comment does not change the case, so a stale page is harmless.
        A.case_comment(
            actor=self.user,
            case_id=self.case.pk,
            note=self.cleaned_data["note"],
            public=self.cleaned_data["public"],
        )
        return self.case


ACTION_FORMS: dict[str, type[ActionForm]] = {
    str(form.action): form
    for form in (
        AcceptForm, SendToVerifyForm, VerifyForm, FileForm, DeclineForm, DispatchForm, SendBackForm,
        FeedbackForm, CheckForm, CloseForm, ReopenForm, ParkForm, UnparkForm, VoidForm, MergeForm,
        RequestExtensionForm, DecideExtensionForm, CommentForm,
    )
}  # fmt: skip


def form_key(action: Action) -> str:
    """The form that offers ``action``: both check outcomes share one form."""
    return "check" if action in (Action.CHECK_PASS, Action.CHECK_FAIL) else action.value
