from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "zhili.plans"
    label = "plans"
    verbose_name = "Action-plan supervision"
