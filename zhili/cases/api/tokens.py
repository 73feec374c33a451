"""API tokens: issued and revoked by administrators only, each change audited.

A token is a bearer secret as good as the password of its user, so only a
system administrator hands one out (to a connected system's account or a
field app), and the audit log records who did it.  The key itself never
goes into the log, nor into the database: only its SHA-256 is stored
(accounts.ApiToken), so the key is shown once, when issued.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.accounts.models import ApiToken
from zhili.accounts.roles import Role
from zhili.core.models import record


def _check_actor(actor) -> None:
    # actor None = the system itself: the command line, run by whoever holds
    # the server's shell (as every management command).
    if actor is None:
        return
    if not (actor.is_active and (actor.is_superuser or Role.SYSADMIN in actor.roles)):
        raise PermissionDenied(_("Only system administrators may issue or revoke API tokens."))


def api_token_issue(*, actor, user) -> str:
    """A new API token for ``user`` (any earlier one stops working); returns the key."""
    _check_actor(actor)
    if not user.is_active:
        raise ValidationError(
            _("%(user)s is not active; activate the account first.") % {"user": user.username}
        )
    if not user.is_government_staff:
        raise ValidationError(
            _("%(user)s has no staff role; the API is for government staff and connected systems.")
            % {"user": user.username}
        )
    with transaction.atomic():
        replaced = ApiToken.objects.filter(user=user).delete()[0] > 0
        key = ApiToken.create_for(user)
        record(
            actor=actor,
            action="api.token_issue",
            obj=user,
            summary=_("API token issued (the previous one revoked)")
            if replaced
            else _("API token issued"),
            after={"replaced": replaced},
        )
    return key


def api_token_revoke(*, actor, user) -> bool:
    """Revoke ``user``'s API token; False if there was none (nothing recorded then)."""
    _check_actor(actor)
    with transaction.atomic():
        deleted = ApiToken.objects.filter(user=user).delete()[0] > 0
        if deleted:
            record(actor=actor, action="api.token_revoke", obj=user, summary=_("API token revoked"))
    return deleted
