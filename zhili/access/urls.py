from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_page, name="import"),
    path("import/<str:result_id>/", views.import_status, name="import_status"),
    path("<int:pk>/", views.analysis_page, name="analysis"),
    path("<int:pk>/status.json", views.analysis_status, name="analysis_status"),
    path("<int:pk>/layers.json", views.analysis_layers, name="analysis_layers"),
    path("<int:pk>/whatif/", views.analysis_whatif, name="analysis_whatif"),
    path("<int:pk>/export.<str:fmt>", views.analysis_export, name="analysis_export"),
]
