from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhili.demo"
    label = "demo"
    verbose_name = "Demo district"
