from django.urls import path, re_path

from . import api

app_name = "open311"
FMT = r"\.(?P<fmt>[a-z]+)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, api.discovery, name="discovery"),
    re_path(r"^services" + FMT, api.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, api.service_definition, name="service_definition"),
    re_path(r"^requests" + FMT, api.requests_view, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+?)" + FMT, api.request_detail, name="request_detail"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, api.token_detail, name="token_detail"),
    re_path(r"^servicerequestupdates" + FMT, api.updates, name="updates"),
]
del path
