from django.urls import include, path, re_path

from . import views, views_map

app_name = "cases"
# Case numbers are YYYYMMDD + a sequence, or carry a short letter prefix
# (synthetic "S…", imported series); a digit right after the letters keeps
# them apart from the fixed paths.
NUMBER = r"(?P<number>[A-Z]{0,3}\d[0-9A-Z-]{2,19})"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("all/", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("map/", views_map.case_map, name="map"),
    path("map/data.json", views_map.case_map_data, name="map_data"),
    re_path(rf"^{NUMBER}/$", views.case_detail, name="detail"),
    re_path(rf"^{NUMBER}/act/(?P<action>[a-z_]+)/$", views.case_act, name="act"),
    re_path(rf"^{NUMBER}/media/(?P<pk>\d+)/$", views.case_media, name="media"),
    path("evaluation/", include("zhili.cases.urls_evaluation")),
]
