from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "zhili.places"
    label = "places"
    verbose_name = "Places"
