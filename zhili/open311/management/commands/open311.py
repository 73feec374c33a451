"""zhili open311 load-services|issue-key|revoke-key|keys|jurisdiction"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.open311 import actions
from zhili.open311.models import ApiKey, Jurisdiction


class Command(BaseCommand):
    help = "Public reporting (Open311 GeoReport v2): services, API keys, jurisdictions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        s = sub.add_parser("load-services", help="Load or update the public services (JSON).")
        s.add_argument("file", nargs="?", default=str(actions.DEFAULT_SERVICES))
        s.add_argument("--commit", action="store_true")
        k = sub.add_parser("issue-key", help="Issue an API key for a client application (printed once).")
        k.add_argument("name")
        k.add_argument("--rate", type=int, default=120, help="Requests per minute.")
        r = sub.add_parser("revoke-key", help="Revoke an API key by its 8-character prefix.")
        r.add_argument("prefix")
        sub.add_parser("keys", help="List API keys (prefix, client, state, last use).")
        j = sub.add_parser("jurisdiction", help="Add or update a jurisdiction (one district served).")
        j.add_argument("jurisdiction_id")
        j.add_argument("--name", required=True)
        j.add_argument("--district", required=True, help="6-digit county code")
        j.add_argument("--default", action="store_true")

    def handle(self, *args, verb: str, **opts) -> None:
        getattr(self, "do_" + verb.replace("-", "_"))(**opts)

    def do_load_services(self, *, file: str, commit: bool, **_: object) -> None:
        try:
            counts = actions.services_load(actor=None, path=file, commit=commit)
        except ValidationError as exc:
            for m in exc.messages:
                self.stderr.write(m)
            raise CommandError("the services file was refused; nothing saved") from None
        self.stdout.write(f"services: {counts['created']} new, {counts['updated']} updated")
        if not commit:
            self.stdout.write("Checked only: nothing saved. Add --commit to save.")

    def do_issue_key(self, *, name: str, rate: int, **_: object) -> None:
        try:
            key, secret = actions.api_key_issue(actor=None, name=name, rate_per_minute=rate)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"API key for {key.name} (shown once, store it now):\n{secret}")

    def do_revoke_key(self, *, prefix: str, **_: object) -> None:
        keys = list(ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(keys) != 1:
            raise CommandError(f"{len(keys)} active keys start with {prefix!r}; give the exact 8-character prefix")
        actions.api_key_revoke(actor=None, key=keys[0])
        self.stdout.write(f"revoked {keys[0]}")

    def do_keys(self, **_: object) -> None:
        for k in ApiKey.objects.order_by("created_at"):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            last = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
            self.stdout.write(f"{k.prefix}  {k.name:<30} {state:<20} last used {last}  {k.rate_per_minute}/min")

    def do_jurisdiction(self, *, jurisdiction_id: str, name: str, district: str, default: bool, **_: object) -> None:
        if not (district.isdigit() and len(district) == 6):
            raise CommandError("--district must be a 6-digit county code")
        j, created = Jurisdiction.objects.update_or_create(
            jurisdiction_id=jurisdiction_id, defaults={"name": name, "district_code": district, "is_default": default}
        )
        self.stdout.write(f"{'created' if created else 'updated'} jurisdiction {j.jurisdiction_id}")
