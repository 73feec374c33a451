from django.urls import path

from . import views_public as v

app_name = "report"
urlpatterns = [
    path("", v.report_new, name="new"),
    path("done/<str:number>/", v.report_done, name="done"),
    path("pending/<str:token>/", v.report_token, name="token"),
    path("lookup/", v.report_lookup, name="lookup"),
    path("outline.json", v.public_outline, name="outline"),
    path("nearby/", v.report_nearby, name="nearby"),
    path("<str:number>/support/", v.report_support, name="support"),
    path("<str:number>/reopen/", v.report_reopen, name="reopen"),
    path("moderation/", v.moderation_queue, name="moderation"),
]
