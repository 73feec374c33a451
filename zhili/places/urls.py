from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("map/", views.grid_map, name="map"),
    path("divisions/", views.division_list, name="division_list"),
]
