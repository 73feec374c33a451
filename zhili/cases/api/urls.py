"""/api/v1/: the REST API of the case system (see schema.py and openapi.yaml)."""

from django.urls import path, re_path

from . import docs, views
from .schema import SchemaView

app_name = "api"
urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<str:number>/", views.CaseDetailView.as_view(), name="case"),
    path("cases/<str:number>/events/", views.CaseEventsView.as_view(), name="case_events"),
    path("cases/<str:number>/actions/", views.CaseActionView.as_view(), name="case_actions"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<int:pk>/", views.CategoryDetailView.as_view(), name="category"),
    path("grids/<str:code>/", views.GridDetailView.as_view(), name="grid"),
    path("locate", views.LocateView.as_view(), name="locate"),
    path("evaluation", views.EvaluationView.as_view(), name="evaluation"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", docs.docs, name="docs"),
    # Last: anything else under /api/v1/ answers in the API's error format.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
