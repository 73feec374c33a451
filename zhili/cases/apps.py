from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhili.cases"
    label = "cases"
    verbose_name = "Grid city management"
