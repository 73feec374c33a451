"""Forms of the plan pages.  They only read input; actions do the writing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.accounts.models import OrgUnit, User

from . import domain
from .models import AssessmentRule, Milestone, NodeUnit, Plan, PlanNode

# HTML date inputs take ISO dates only, whatever the language of the page.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def unit_choices() -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in OrgUnit.objects.filter(active=True)
        .order_by("code")
        .values_list("pk", "name")
    ]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Plan document"), required=False, help_text=_("Text, Word (.docx) or web page.")
    )
    text = forms.CharField(
        label=_("…or paste the text"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste the plan's text."))
        return data


class ImportConfirmForm(forms.Form):
    source_text = forms.CharField(widget=forms.HiddenInput, strip=False)
    filename = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=300)
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE)
    report_frequency = forms.ChoiceField(
        label=_("Progress reports"), choices=Plan.FrequencyChoices.choices
    )

    def __init__(self, *args, unit_names: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— no match: review later —")), *unit_choices()]
        self.unit_names = list(unit_names or [])
        for i, name in enumerate(self.unit_names):
            self.fields[f"unit_name_{i}"] = forms.CharField(widget=forms.HiddenInput, initial=name)
            self.fields[f"unit_{i}"] = forms.ChoiceField(
                label=name, choices=choices, required=False
            )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The plan ends before it starts."))
        return data

    def unit_map(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        i = 0
        while f"unit_name_{i}" in self.data:
            name = self.data.get(f"unit_name_{i}", "")
            raw = self.data.get(f"unit_{i}", "")
            out[name] = int(raw) if raw.isdigit() else None
            i += 1
        return out

    def unit_rows(self):
        return [(self[f"unit_{i}"], name) for i, name in enumerate(self.unit_names)]


class PlanSettingsForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "title", "status", "public", "start", "end", "report_frequency", "report_due_days", "notice_days",
            "due_soon_days", "yellow_lag", "red_lag", "milestone_red_days",
        ]  # fmt: skip
        widgets = {"start": DATE, "end": DATE}


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.filter(active=True).order_by("code")
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=NodeUnit.Role.choices, initial=NodeUnit.Role.LEAD
    )
    person = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    resolves = forms.CharField(
        label=_("Stands for the name"), required=False, widget=forms.HiddenInput
    )


class ResolveUnitForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.filter(active=True).order_by("code")
    )


class NodeEditForm(forms.ModelForm):
    sources = forms.CharField(
        label=_("Funding sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: source amount (万元), e.g. 区财政 3000"),
    )

    class Meta:
        model = PlanNode
        fields = [
            "heading", "planned_start", "planned_end", "weight", "status", "public", "plan_reference", "land_status",
            "budget_total", "amount_spent", "responsible_person_name", "internal_note",
        ]  # fmt: skip
        widgets = {
            "planned_start": DATE,
            "planned_end": DATE,
            "internal_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.funding_sources:
            self.fields["sources"].initial = "\n".join(
                f"{s['source']} {s['amount']:g}" if s.get("amount") is not None else s["source"]
                for s in self.instance.funding_sources
            )

    def changes(self) -> dict:
        from .projects import parse_sources

        data = {f: self.cleaned_data[f] for f in self.Meta.fields}
        try:
            data["funding_sources"] = parse_sources(self.cleaned_data.get("sources") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due = forms.DateField(label=_("Due"), widget=DATE)
    done_on = forms.DateField(label=_("Reached on"), widget=DATE, required=False)


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    text = forms.CharField(label=_("Progress made"), widget=forms.Textarea(attrs={"rows": 5}))
    progress = forms.DecimalField(
        label=_("Progress (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        required=False,
    )
    figures = forms.CharField(
        label=_("Figures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "完成投资（万元）: 1200"}),
        help_text=_("One per line: label: value"),
    )
    milestones = forms.ModelMultipleChoiceField(
        label=_("Milestones reached"), queryset=Milestone.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self, *args, node: PlanNode, lead: bool, leaf: bool, today: date | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        current = domain.period_of(today, node.plan.report_frequency)
        previous = domain.previous_period(current, node.plan.report_frequency)
        self.fields["period"].choices = [(current.key, current.key), (previous.key, previous.key)]
        self.fields["period"].initial = current.key
        self.fields["milestones"].queryset = node.milestones.filter(done_on__isnull=True)
        if not (lead and leaf):
            del self.fields["progress"]
        if not self.fields["milestones"].queryset.exists():
            del self.fields["milestones"]


MARKS = [
    ("", _("— no mark —")),
    ("100", _("Excellent (100)")),
    ("85", _("Good (85)")),
    ("70", _("Adequate (70)")),
    ("40", _("Poor (40)")),
]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return for correction"))],
        widget=forms.RadioSelect, initial="accept",
    )  # fmt: skip
    mark = forms.ChoiceField(label=_("Quality of the report"), choices=MARKS, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    corrected_progress = forms.DecimalField(
        label=_("Corrected progress (%)"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2,
        required=False,
    )  # fmt: skip


class NoticeForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("To unit"), queryset=OrgUnit.objects.filter(active=True).order_by("code")
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 4}))
    working_days = forms.IntegerField(label=_("Deadline (working days)"), min_value=1, max_value=60)


class NoticeRespondForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))


class NoticeActionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssessmentForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
    rule = forms.ModelChoiceField(label=_("Rule"), queryset=AssessmentRule.objects.none(), required=False,
                                  empty_label=_("Default rule"))  # fmt: skip

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["rule"].queryset = AssessmentRule.objects.filter(
            Q(plan=plan) | Q(plan__isnull=True), active=True
        )


class ProjectsImportForm(forms.Form):
    file = forms.FileField(label=_("Project table (.xlsx)"))
    commit = forms.BooleanField(label=_("Save (otherwise only check)"), required=False)
