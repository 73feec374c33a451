"""The site's WSGI application plus one bare view, for bench/case_intake.py and bench/open311_post.py only.

The bare view is the floor the case API is measured against: the same
gunicorn workers, the same middleware stack and settings, a POST with the
same JSON body parsed, and nothing else (no authentication, no database).
Its URL is appended to the site's patterns here, so it exists only in
processes started from this module, never in a deployment.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from zhili import urls  # noqa: E402

BARE_PATH = "bench/bare/"


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    if request.content_type == "application/x-www-form-urlencoded":
        fields = len(request.POST)
    else:
        fields = len(json.loads(request.body or b"{}"))
    return JsonResponse({"ok": True, "fields": fields}, status=200)


urls.urlpatterns.append(path(BARE_PATH, bare))
