"""12345 hotline work orders (工单) and the response tiers that set their deadlines.

The 12345 platform (国办发〔2020〕53号 closed loop: 受理 → 调度 → 办理 → 回复
→ 督办 → 办结 → 回访 → 评价) hands the district work orders; each becomes a
case here.  The order keeps what the hotline sent, as sent, so it can be
exported back in the same layout with the handling result, the reply to the
caller and the callback (回访) added.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..catalogue import TimeUnit

__all__ = ["HotlineOrder", "HotlineTier", "CallbackResult", "SAME_DAY", "DEFAULT_TIERS"]


class CallbackResult(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


# "Same day" is not a duration: an emergency received at 21:00 is due at
# midnight, not 24 hours later.
SAME_DAY = "same_day"
TIER_UNITS = [*TimeUnit.choices, (SAME_DAY, _("Same day (当日)"))]

# (name, aliases, amount, unit, default).  Typical local limits (domain notes):
# emergencies the same day, consultation and help 3 working days,
# complaints 13 working days.  Used while the HotlineTier table is empty.
DEFAULT_TIERS: list[tuple[str, str, Decimal, str, bool]] = [
    ("紧急", "紧急类,特急,emergency,urgent", Decimal("1"), SAME_DAY, False),
    ("咨询", "咨询类,求助,咨询求助,consultation,help", Decimal("3"), TimeUnit.WORK_DAYS, False),
    (
        "一般",
        "一般类,投诉,投诉举报,建议,complaint,general",
        Decimal("13"),
        TimeUnit.WORK_DAYS,
        True,
    ),
]


class HotlineTier(models.Model):
    """A response tier (响应级别) of the hotline and its time limit."""

    name = models.CharField(_("name"), max_length=20, unique=True)
    aliases = models.CharField(
        _("other spellings"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated words the hotline files use for this tier."),
    )
    amount = models.DecimalField(_("time limit"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("time unit"), max_length=24, choices=TIER_UNITS)
    is_default = models.BooleanField(
        _("default tier"), default=False, help_text=_("Used when an order gives no tier.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("hotline response tier")
        verbose_name_plural = _("hotline response tiers")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="hotlinetier_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class HotlineOrder(models.Model):
    """One 12345 work order and what the district did with it."""

    order_no = models.CharField(_("order number"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    # Only ever a masked number (138****1234): the hotline keeps the caller's
    # identity; the district needs no more to handle the problem.
    caller = models.CharField(_("caller (masked)"), max_length=60, blank=True)
    content = models.TextField(_("content"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    # As the file gave them, in ``datum``; the case holds them in WGS84.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    datum = models.CharField(_("coordinate datum"), max_length=10, blank=True)
    category_text = models.CharField(_("category as given"), max_length=100, blank=True)
    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tier = models.CharField(_("response tier"), max_length=20, blank=True)
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    deadline_given = models.BooleanField(
        _("deadline from the file"),
        default=False,
        help_text=_("Otherwise computed from the response tier."),
    )
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="hotline_order",
    )

    handling_result = models.TextField(_("handling result"), blank=True)
    reply = models.TextField(_("reply to the caller"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    callback_result = models.CharField(
        _("callback result"),
        max_length=20,
        choices=CallbackResult.choices,
        blank=True,
        db_index=True,
    )
    callback_at = models.DateTimeField(_("callback at"), null=True, blank=True)
    callback_note = models.TextField(_("callback note"), blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Every callback counts, the latest is in callback_result: the first
    # unsatisfied answer must not vanish when a second call is satisfied.
    callback_count = models.PositiveSmallIntegerField(_("callbacks"), default=0)
    unsatisfied_count = models.PositiveSmallIntegerField(_("unsatisfied callbacks"), default=0)

    source_file = models.CharField(_("imported from"), max_length=200, blank=True)
    source_row = models.PositiveIntegerField(_("row in the file"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("12345 work order")
        verbose_name_plural = _("12345 work orders")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.order_no
