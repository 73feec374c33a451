from django.urls import path

from . import views

app_name = "workcal"
urlpatterns = [
    path("", views.index, name="index"),
    path("load/", views.load, name="load"),
    path("years/<int:year>/delete/", views.delete_year, name="delete_year"),
]
