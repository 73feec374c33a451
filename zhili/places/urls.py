from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("map/", views.grid_map, name="map"),
    path("divisions/", views.division_list, name="division_list"),
    path("divisions/<str:code>/", views.division_detail, name="division_detail"),
    path("import/", views.import_page, name="import"),
    path("import/<str:result_id>/", views.import_status, name="import_status"),
    path("api/divisions.geojson", views.divisions_geojson, name="divisions_geojson"),
    path("api/grids.geojson", views.grids_geojson, name="grids_geojson"),
    path("api/grids/<str:code>.json", views.grid_info, name="grid_info"),
    path("api/locate", views.locate_view, name="locate"),
]
