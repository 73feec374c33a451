"""Token authentication that reads the token, its user and the user's roles
in one statement.

Every API request checks the token, and nearly every one then asks for the
user's roles (the staff gate, the case visibility rule, the action rules).
DRF's TokenAuthentication costs one query and ``User.roles`` a second; an
ORM join of the three costs more to compile than to run.  Here one
statement, built once (PostgreSQL runs it prepared), returns one row per
group of the user.  Tokens are stored hashed (accounts.ApiToken): the
presented key is hashed and looked up.  The rules are DRF's: unknown token
or inactive user → 401.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from zhili.accounts.models import ApiToken, User
from zhili.accounts.roles import Role
from zhili.core.db import reader

_SQL: dict[str, str] = {}


def _statement(alias: str) -> str:
    sql = _SQL.get(alias)
    if sql is None:
        qn = connections[alias].ops.quote_name
        memberships = User.groups.through._meta
        sql = _SQL[alias] = (
            f"SELECT {reader(ApiToken, alias).columns('t')}, {reader(User, alias).columns('u')}, g.{qn('name')} "
            f"FROM {qn(ApiToken._meta.db_table)} t "
            f"JOIN {qn(User._meta.db_table)} u ON u.{qn('id')} = t.{qn('user_id')} "
            f"LEFT JOIN {qn(memberships.db_table)} ug ON ug.{qn('user_id')} = u.{qn('id')} "
            f"LEFT JOIN {qn(Group._meta.db_table)} g ON g.{qn('id')} = ug.{qn('group_id')} "
            f"WHERE t.{qn('key_hash')} = %s"
        )
    return sql


class TokenAuthentication(authentication.TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key: str):
        alias = router.db_for_read(ApiToken)
        with connections[alias].cursor() as cursor:
            cursor.execute(_statement(alias), [ApiToken.hash(key)])
            rows = cursor.fetchall()
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        tokens, users = reader(ApiToken, alias), reader(User, alias)
        n = len(tokens.fields)
        token = tokens.instance(rows[0])
        user = users.instance(rows[0][n:])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user = user
        # User.roles caches its answer under this name; if that ever changes,
        # roles are simply read again by their own query.
        user._roles_cache = frozenset(Role(r[-1]) for r in rows if r[-1] in Role.values)
        return user, token
