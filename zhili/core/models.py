"""Cross-cutting records: the audit log every action function writes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who did what to which object, when, with the state before and after.

    Written by the named action functions inside their own transaction, so an
    action and its audit entry land together or not at all.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        # Every action writes one entry: plain indexes, without the LIKE
        # (pattern-ops) twins db_index=True adds on PostgreSQL.
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["object_id"], name="audit_object_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append an audit entry. Call it inside the action's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    from .db import insert

    return insert(
        AuditEntry(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            summary=summary[:300],
            before=before,
            after=after,
        )
    )


class TickRun(models.Model):
    """One run of ``zhili tick``: which clock handlers ran and what they did.

    The newest unfinished row doubles as the lock that stops two overlapping
    ticks (cron plus a manual run) from escalating the same case twice.
    """

    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=dict)
    ok = models.BooleanField(default=True)

    class Meta:
        ordering = ["-started_at"]


class Lease(models.Model):
    """A named lease claimed with a conditional UPDATE (works on SQLite and PostgreSQL)."""

    name = models.CharField(max_length=60, primary_key=True)
    held_until = models.DateTimeField()
    holder = models.CharField(max_length=80, blank=True)
