from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhili.core"
    label = "core"
    verbose_name = "Core"
