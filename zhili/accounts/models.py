"""Organisation units and people."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import READ_ALL_ROLES, STAFF_ROLES, Role


class OrgUnit(models.Model):
    """A unit of the organisation tree: government, office, department,
    street or town office, community committee, contractor."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government (区政府)")
        OFFICE = "office", _("Governance office (城市治理办)")
        DEPARTMENT = "department", _("Department (职能部门)")
        STREET = "street", _("Street or town (镇街)")
        COMMUNITY = "community", _("Community (社区/村)")
        CONTRACTOR = "contractor", _("Contractor unit (作业单位)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The administrative division this unit governs (streets, communities);
    # kept as a code so accounts does not depend on places.
    division_code = models.CharField(_("division code"), max_length=12, blank=True, db_index=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[OrgUnit]:
        chain: list[OrgUnit] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def creates_cycle(self, new_parent: OrgUnit | None) -> bool:
        """Whether putting this unit under ``new_parent`` would make a loop.

        Walks up from the new parent; the tree is a few levels deep, so this
        is a handful of single-row queries.
        """
        node = new_parent
        seen: set[int] = set()
        while node is not None:
            if node.pk == self.pk or node.pk in seen:
                return True
            seen.add(node.pk)
            node = node.parent
        return False

    def clean(self) -> None:
        super().clean()
        if self.pk is not None and self.creates_cycle(self.parent):
            raise ValidationError(
                {
                    "parent": _(
                        "A unit cannot be placed under itself or under one of its own sub-units."
                    )
                }
            )

    def descendant_ids(self) -> set[int]:
        """Ids of this unit and every unit below it (one query per level)."""
        ids = {self.pk}
        frontier = [self.pk]
        while frontier:
            frontier = list(
                OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.update(frontier)
        return ids


class User(AbstractUser):
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("manage_roles", "Can assign roles to users")]

    @property
    def roles(self) -> frozenset[Role]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            if not self.pk:
                names: set[str] = set()
            elif "groups" in getattr(self, "_prefetched_objects_cache", {}):
                # Lists of people prefetch groups; reuse them instead of a
                # query per row.
                names = {g.name for g in self.groups.all()}
            else:
                names = set(self.groups.values_list("name", flat=True))
            cached = frozenset(Role(n) for n in names if n in Role.values)
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_names(self) -> list[str]:
        return [str(r.label) for r in sorted(self.roles)]

    @property
    def is_government_staff(self) -> bool:
        return self.is_active and (self.is_superuser or bool(self.roles & STAFF_ROLES))

    @property
    def reads_all(self) -> bool:
        return self.is_active and (self.is_superuser or bool(self.roles & READ_ALL_ROLES))


class ApiToken(models.Model):
    """A user's REST API token (``Authorization: Token <key>``).

    Only the key's SHA-256 is stored: whoever reads the database or a backup
    cannot call the API as the user.  The key (40 hex digits, DRF's format,
    so clients need no change) is shown once when an administrator issues
    it; the first characters are kept to tell tokens apart.
    """

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64)
    prefix = models.CharField(_("key begins with"), max_length=8)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        # A constraint rather than unique=True: no LIKE twin on PostgreSQL.
        constraints = [models.UniqueConstraint(fields=["key_hash"], name="api_token_key_hash")]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def create_for(cls, user: User) -> str:
        """Store a new token for ``user`` and return its key (the only time it exists)."""
        key = secrets.token_hex(20)
        cls.objects.create(user=user, key_hash=cls.hash(key), prefix=key[:6])
        return key
