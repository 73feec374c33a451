"""URLs for benchmarks: Zhili's own plus a bare Django JSON view to compare with."""

from django.http import JsonResponse
from django.urls import path

from zhili.urls import urlpatterns as zhili_urlpatterns


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare.json", bare), *zhili_urlpatterns]
