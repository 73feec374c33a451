"""Token authentication that reads the user's roles in the same query.

Every API request checks the token, and nearly every one then asks for the
user's roles (the staff gate, the case visibility rule, the action rules).
DRF's TokenAuthentication costs one query and ``User.roles`` a second; here
the token, its user and the user's group names come in one joined query
(one row per group).  Tokens are stored hashed (accounts.ApiToken): the
presented key is hashed and looked up.  The rules are DRF's: unknown token
or inactive user → 401.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from zhili.accounts.models import ApiToken
from zhili.accounts.roles import Role


class TokenAuthentication(authentication.TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key: str):
        rows = list(
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(key))
            .annotate(role_name=F("user__groups__name"))
        )
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = rows[0].user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # User.roles caches its answer under this name; if that ever changes,
        # roles are simply read again by their own query.
        user._roles_cache = frozenset(Role(r.role_name) for r in rows if r.role_name in Role.values)
        return user, rows[0]
