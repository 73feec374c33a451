from django.apps import AppConfig


class WorkcalConfig(AppConfig):
    name = "zhili.workcal"
    label = "workcal"
    verbose_name = "Working calendar"
