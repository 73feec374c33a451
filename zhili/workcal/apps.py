from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "zhili.workcal"
    label = "workcal"
    verbose_name = _("Working calendar")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the office-hours check)
