from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zhili.accounts"
    label = "accounts"
    verbose_name = _("Organisation and people")

    def ready(self) -> None:
        from .roles import sync_roles

        # Groups are data derived from code (roles.py); keep them in step
        # after every migrate, including the test database's.
        post_migrate.connect(sync_roles, dispatch_uid="zhili.accounts.sync_roles")
