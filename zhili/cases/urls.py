from django.urls import include, path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("evaluation/", include("zhili.cases.urls_evaluation")),
]
