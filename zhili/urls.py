from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("zhili.core.urls")),
    path("accounts/", include("zhili.accounts.urls")),
    path("places/", include("zhili.places.urls")),
    path("calendar/", include("zhili.workcal.urls")),
    path("cases/", include("zhili.cases.urls")),
    path("api/v1/", include("zhili.cases.api.urls")),
    path("open311/v2/", include("zhili.open311.urls")),
    path("report/", include("zhili.open311.urls_public")),
    path("plans/", include("zhili.plans.urls")),
    path("access/", include("zhili.access.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
