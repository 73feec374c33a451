"""Evaluation pages, included under /cases/evaluation/ (names in the "cases" namespace)."""

from django.urls import path

from . import views_evaluation as views

urlpatterns = [
    path("", views.evaluation, name="evaluation"),
    path("export.xlsx", views.evaluation_export, name="evaluation_export"),
]
