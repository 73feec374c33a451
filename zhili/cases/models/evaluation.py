"""Weights of the comprehensive evaluation (综合评价), one row per post type.

No row for a post type means the defaults of ``zhili.cases.evaluation``
(domain/cases.md, CJ/T 292 as read by one implementation) apply.  A row is
the complete weight set of its post type: items it leaves out weigh 0.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["EvaluationWeights"]


class EvaluationWeights(models.Model):
    class Post(models.TextChoices):
        REGION = "region", _("Region (区域)")
        DEPARTMENT = "department", _("Department (部门)")
        INSPECTOR = "inspector", _("Field inspector (监督员)")
        INTAKE = "intake", _("Intake operator (受理员)")
        SHIFT_LEAD = "shift_lead", _("Shift lead (值班长)")
        DISPATCHER = "dispatcher", _("Dispatcher (派遣员)")
        UNIT = "unit", _("Handling unit (处置单位)")

    post = models.CharField(_("evaluated post"), max_length=16, choices=Post.choices, unique=True)
    weights = models.JSONField(
        _("weights"),
        help_text=_(
            'An object of item → weight, e.g. {"closing_rate": 30, …}. Weights are relative: '
            "they need not add up to 100. Items left out weigh 0."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluation weights")
        verbose_name_plural = _("evaluation weights")
        ordering = ["post"]

    def __str__(self) -> str:
        return str(self.get_post_display())

    def clean(self) -> None:
        super().clean()
        from ..evaluation import WeightsError, check_weights

        try:
            self.weights = check_weights(self.post, self.weights)
        except WeightsError as exc:
            raise ValidationError({"weights": str(exc)}) from None
