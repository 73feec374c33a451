"""The OpenAPI schema: built from the API's own URL patterns, served, and committed.

``openapi.yaml`` beside this module is the schema as generated in English;
``tests/test_cases_api.py`` regenerates it and fails when it differs, so a
change to the API shows up in review as a change to that file.  To update it
after changing the API::

    .venv/bin/python -m zhili.cases.api > zhili/cases/api/openapi.yaml

Only the API's own patterns are walked (not the whole site), so DRF views
other apps may add elsewhere never leak into this schema.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.urls import include, path
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer

from .permissions import IsGovernmentStaff

COMMITTED = Path(__file__).resolve().parent / "openapi.yaml"
PREFIX = "api/v1/"


def api_patterns() -> list:
    return [path(PREFIX, include("zhili.cases.api.urls"))]


def build_schema(*, lang: str = "en", request=None) -> dict[str, Any]:
    with translation.override(lang):
        generator = SchemaGenerator(patterns=api_patterns())
        return generator.get_schema(request=request, public=True)


def to_yaml(schema: dict[str, Any]) -> str:
    return OpenApiYamlRenderer().render(schema, renderer_context={}).decode()


@lru_cache(maxsize=4)
def cached_schema(lang: str) -> dict[str, Any]:
    """The schema per language, built once per process (it only changes with the code)."""
    return build_schema(lang=lang)


class SchemaView(SpectacularAPIView):
    # Open API documentation is a classic finding of security reviews
    # (接口文档未授权访问): staff only, with a token or a session.
    permission_classes = [IsGovernmentStaff]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        self.patterns = api_patterns()
        return super().get(request, *args, **kwargs)

    def handle_exception(self, exc):
        # Errors in the API's JSON format, not as a YAML document.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
