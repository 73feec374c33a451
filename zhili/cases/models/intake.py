"""Configuration of intake: how near and how recent a case must be to count as a duplicate."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

__all__ = ["DuplicateRule", "DEFAULT_DUPLICATE_RADIUS_M", "DEFAULT_DUPLICATE_WINDOW"]

# Built-in default when no rule row exists: FixMyStreet-style "same thing, a
# few doors away, this week".  A lamp post or a manhole is pinned within a
# few metres by an inspector's phone, a resident's pin is often 20-30 m off.
DEFAULT_DUPLICATE_RADIUS_M = 50
DEFAULT_DUPLICATE_WINDOW = timedelta(days=7)


class DuplicateRule(models.Model):
    """Radius and time window of the duplicate suggestions, per category.

    The row without a category is the installation's default; a category's
    own row overrides it (a whole road section for a pothole, a few metres
    for manhole covers that stand in rows).
    """

    category = models.OneToOneField(
        "cases.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="duplicate_rule",
        help_text=_("Empty: the default for every category without its own rule."),
    )
    radius_m = models.PositiveIntegerField(
        _("radius (m)"),
        default=DEFAULT_DUPLICATE_RADIUS_M,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
    )
    window_days = models.DecimalField(
        _("time window (days)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(DEFAULT_DUPLICATE_WINDOW.days),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("366"))],
    )

    class Meta:
        verbose_name = _("duplicate rule")
        verbose_name_plural = _("duplicate rules")
        constraints = [
            # OneToOne makes category unique, but NULLs are distinct: this
            # keeps a single default row.
            models.UniqueConstraint(
                Coalesce("category", Value(0)), name="duplicaterule_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'}: {self.radius_m} m / {self.window_days} d"

    @property
    def window(self) -> timedelta:
        return timedelta(days=float(self.window_days))
