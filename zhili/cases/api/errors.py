"""The one error format of the API, and the handler that produces it.

Every failure answers ``{"error": {"code": ..., "message": ..., "fields": {...}}}``:
``code`` is stable and meant for programs, ``message`` is for people (in the
interface language, Chinese unless the language cookie says otherwise) and
``fields`` maps input field names to their problems (empty when the problem
is not about one field).  Missing and forbidden objects give the same 404, as
the pages do, so the API cannot be used to probe which case numbers exist.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from zhili.cases.actions import StaleCase
from zhili.cases.lifecycle import IllegalTransition
from zhili.workcal.clock import CalendarDataMissing

log = logging.getLogger(__name__)


class Code:
    VALIDATION = "validation"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    ILLEGAL_TRANSITION = "illegal_transition"
    STALE = "stale"
    THROTTLED = "throttled"
    CALENDAR_MISSING = "calendar_missing"
    SERVER_ERROR = "server_error"


STATUS_OF_CODE: dict[str, int] = {
    Code.VALIDATION: 400,
    Code.NOT_AUTHENTICATED: 401,
    Code.FORBIDDEN: 403,
    Code.NOT_FOUND: 404,
    Code.METHOD_NOT_ALLOWED: 405,
    Code.NOT_ACCEPTABLE: 406,
    Code.UNSUPPORTED_MEDIA_TYPE: 415,
    Code.ILLEGAL_TRANSITION: 409,
    Code.STALE: 409,
    Code.THROTTLED: 429,
    # The working calendar of a year was never entered: deadlines cannot be
    # computed until an administrator loads it, so the request may succeed later.
    Code.CALENDAR_MISSING: 503,
    Code.SERVER_ERROR: 500,
}


class ApiError(exceptions.APIException):
    """Raised by views for an error with a given code (and optional field errors)."""

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        self.status_code = STATUS_OF_CODE[code]
        self.error_code = code
        self.fields = fields or {}
        super().__init__(detail=message, code=code)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail → {"field": ["message", ...]} (dotted names for nesting)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif (
            isinstance(value, list)
            and value
            and all(not isinstance(v, (dict, list)) for v in value)
        ):
            out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                walk(f"{prefix}.{i}" if prefix else str(i), sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def _validation_message(fields: dict[str, list[str]]) -> str:
    general = fields.pop("non_field_errors", None)
    if general and not fields:
        return " ".join(general)
    if general:
        fields["non_field_errors"] = general
    if len(fields) == 1:
        name, problems = next(iter(fields.items()))
        return _("%(field)s: %(problem)s") % {"field": name, "problem": " ".join(problems)}
    return _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(sorted(fields))}


def to_response(exc: Exception) -> Response | None:
    """The error response for ``exc``, or None if it is not one the API expects."""
    headers: dict[str, str] = {}
    fields: dict[str, list[str]] = {}
    # StaleCase is an IllegalTransition: test it first.
    if isinstance(exc, StaleCase):
        code, message = Code.STALE, str(exc)
    elif isinstance(exc, IllegalTransition):
        code, message = Code.ILLEGAL_TRANSITION, str(exc)
    elif isinstance(exc, CalendarDataMissing):  # also a ValidationError: test it first
        code, message = Code.CALENDAR_MISSING, str(exc)
    elif isinstance(exc, DjangoValidationError):
        code = Code.VALIDATION
        if hasattr(exc, "error_dict"):
            fields = {
                ("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
                for k, v in exc.message_dict.items()
            }
            message = _validation_message(fields)
        else:
            message = " ".join(str(m) for m in exc.messages)
    elif isinstance(exc, Http404):
        code, message = Code.NOT_FOUND, _("Not found, or you may not see it.")
    elif isinstance(exc, DjangoPermissionDenied):
        code, message = Code.FORBIDDEN, str(exc) or _("You may not do this.")
    elif isinstance(exc, ApiError):
        code, message, fields = exc.error_code, str(exc.detail), exc.fields
    elif isinstance(exc, exceptions.ValidationError):
        code = Code.VALIDATION
        fields = _flatten(exc.detail)
        message = _validation_message(fields)
    elif isinstance(exc, exceptions.ParseError):
        code, message = (
            Code.VALIDATION,
            _("The request body is not valid JSON: %(err)s") % {"err": exc.detail},
        )
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        code, message = Code.NOT_AUTHENTICATED, str(exc.detail)
        headers["WWW-Authenticate"] = 'Token realm="api"'
    elif isinstance(exc, exceptions.PermissionDenied):
        code, message = Code.FORBIDDEN, str(exc.detail)
    elif isinstance(exc, exceptions.NotFound):
        code, message = Code.NOT_FOUND, _("Not found, or you may not see it.")
    elif isinstance(exc, exceptions.MethodNotAllowed):
        code, message = Code.METHOD_NOT_ALLOWED, str(exc.detail)
    elif isinstance(exc, exceptions.NotAcceptable):
        code, message = Code.NOT_ACCEPTABLE, str(exc.detail)
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        code, message = Code.UNSUPPORTED_MEDIA_TYPE, str(exc.detail)
    elif isinstance(exc, exceptions.Throttled):
        code, message = Code.THROTTLED, str(exc.detail)
        if exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
    else:
        return None
    return Response(error_body(code, message, fields), status=STATUS_OF_CODE[code], headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error in the one format."""
    response = to_response(exc)
    if response is None:
        # A bug, not bad input: keep the traceback in the log, give the client
        # the format it parses instead of an HTML page.
        view = context.get("view")
        log.exception("API error in %s", type(view).__name__ if view else "?", exc_info=exc)
        response = Response(
            error_body(Code.SERVER_ERROR, _("Internal error; it has been logged.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    set_rollback()
    return response


# --- schema -----------------------------------------------------------------


class _ErrorDetailSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=sorted(STATUS_OF_CODE),
        help_text="Stable machine-readable code: validation (400), not_authenticated (401), "
        "forbidden (403), not_found (404: missing or not visible to you), method_not_allowed (405), "
        "not_acceptable (406), unsupported_media_type (415), illegal_transition and stale (409), "
        "throttled (429), server_error (500), calendar_missing (503).",
    )
    message = serializers.CharField(help_text="For people, in the interface language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Problems per input field (dotted names for nested fields); empty if none.",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = _ErrorDetailSerializer()
