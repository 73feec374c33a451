"""zhili cases api-token USERNAME [--revoke]: issue or revoke a user's API token.

Issuing replaces any earlier token of the user, so a leaked key is rotated
by issuing again.  The key is printed once, on standard output only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

VERB = "api-token"
HELP = "Issue (or --revoke) the REST API token of a user; issuing replaces the previous token."


def add_arguments(parser) -> None:
    parser.add_argument("username", help="The user the token is for (a staff account).")
    parser.add_argument(
        "--revoke", action="store_true", help="Revoke the user's token instead of issuing one."
    )


def run(command, *, username: str, revoke: bool = False, **_options: Any) -> None:
    from zhili.accounts.models import User

    from ..api.tokens import api_token_issue, api_token_revoke

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    try:
        if revoke:
            if api_token_revoke(actor=None, user=user):
                command.stdout.write(f"Revoked the API token of {username}.")
            else:
                command.stdout.write(f"{username} had no API token.")
            return
        key = api_token_issue(actor=None, user=user)
    except (ValidationError, PermissionDenied) as exc:
        raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
    command.stderr.write(f"API token of {username} (any earlier token no longer works):")
    command.stdout.write(key)
