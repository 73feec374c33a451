from django.conf import settings
from django.http import HttpRequest


def zhili(request: HttpRequest) -> dict:
    return {
        "ZHILI_BASEMAP_URL": settings.ZHILI_BASEMAP_URL,
        "ZHILI_BASEMAP_ATTRIBUTION": settings.ZHILI_BASEMAP_ATTRIBUTION,
    }
