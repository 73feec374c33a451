"""POST /cases/<number>/actions/: one body, dispatched to the named action function.

The body's ``action`` picks the input serializer and the action function;
ids in the body are resolved to objects here (a missing one is a field
error, not a 404 of the whole request).  Every write happens in the action
function, in its transaction, with the user passed explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from zhili.accounts.models import OrgUnit
from zhili.cases import actions as A
from zhili.cases.access import access_case_by_number
from zhili.cases.models import Case, CaseEvent, ExtensionRequest

from .errors import ApiError, Code
from .serializers import ACTION_SERIALIZERS


def _field_error(field: str, message: str) -> ApiError:
    return ApiError(Code.VALIDATION, f"{field}: {message}", {field: [message]})


def _unit(pk: int | None) -> OrgUnit | None:
    if pk is None:
        return None
    unit = OrgUnit.objects.filter(pk=pk, active=True).first()
    if unit is None:
        raise _field_error("unit", _("No active organisation unit has this id."))
    return unit


def _into(user, number: str) -> Case:
    try:
        return access_case_by_number(user, number)
    except Http404:
        # Same answer for missing and invisible cases, as everywhere.
        raise _field_error("into", _("No case with this number, or you may not see it.")) from None


def _extension_request(case: Case, pk: int | None) -> ExtensionRequest:
    qs = ExtensionRequest.objects.filter(case=case)
    req = (
        qs.filter(pk=pk).first()
        if pk is not None
        else qs.filter(status=ExtensionRequest.Status.PENDING).first()
    )
    if req is None:
        if pk is not None:
            raise _field_error(
                "extension_request", _("This case has no extension request with this id.")
            )
        raise ApiError(
            Code.VALIDATION, _("This case has no extension request waiting for a decision.")
        )
    return req


Runner = Callable[[Any, Case, dict[str, Any]], object]


def _v(d: dict[str, Any]) -> dict[str, Any]:
    return {"expected_version": d["expected_version"], "note": d.get("note", "")}


RUNNERS: dict[str, Runner] = {
    "accept": lambda u, c, d: A.case_accept(
        actor=u, case_id=c.pk, category=d.get("category"), **_v(d)
    ),
    "send_to_verify": lambda u, c, d: A.case_send_to_verify(actor=u, case_id=c.pk, **_v(d)),
    "verify": lambda u, c, d: A.case_verify(
        actor=u, case_id=c.pk, confirmed=d["confirmed"], **_v(d)
    ),
    "file": lambda u, c, d: A.case_file(
        actor=u, case_id=c.pk, category=d.get("category"), condition=d.get("condition"), **_v(d)
    ),
    "decline": lambda u, c, d: A.case_decline(actor=u, case_id=c.pk, **_v(d)),
    "dispatch": lambda u, c, d: A.case_dispatch(
        actor=u, case_id=c.pk, unit=_unit(d.get("unit")), **_v(d)
    ),
    "send_back": lambda u, c, d: A.case_send_back(actor=u, case_id=c.pk, **_v(d)),
    "feedback": lambda u, c, d: A.case_feedback(actor=u, case_id=c.pk, **_v(d)),
    "check": lambda u, c, d: A.case_check(actor=u, case_id=c.pk, passed=d["passed"], **_v(d)),
    "close": lambda u, c, d: A.case_close(actor=u, case_id=c.pk, **_v(d)),
    "reopen": lambda u, c, d: A.case_reopen(actor=u, case_id=c.pk, **_v(d)),
    "park": lambda u, c, d: A.case_park(
        actor=u,
        case_id=c.pk,
        plan=d["plan"],
        review_on=d["review_on"],
        expected_version=d["expected_version"],
    ),
    "unpark": lambda u, c, d: A.case_unpark(actor=u, case_id=c.pk, **_v(d)),
    "void": lambda u, c, d: A.case_void(actor=u, case_id=c.pk, **_v(d)),
    "merge": lambda u, c, d: A.case_merge(
        actor=u, case_id=c.pk, into_id=_into(u, d["into"]).pk, **_v(d)
    ),
    "request_extension": lambda u, c, d: A.case_request_extension(
        actor=u, case_id=c.pk, amount=d["amount"], unit=d["unit"], reason=d["reason"]
    ),
    "decide_extension": lambda u, c, d: A.case_decide_extension(
        actor=u,
        request_id=_extension_request(c, d.get("extension_request")).pk,
        approve=d["approve"],
        note=d["note"],
    ),
    "comment": lambda u, c, d: A.case_comment(
        actor=u, case_id=c.pk, note=d["note"], public=d["public"]
    ),
}
assert set(RUNNERS) == set(ACTION_SERIALIZERS), "every API action needs a serializer and a runner"


def perform(*, user, case: Case, payload: Any, context: dict[str, Any]) -> CaseEvent | None:
    """Check ``payload``, run its action on ``case`` as ``user``; the event it wrote."""
    if not isinstance(payload, dict):
        raise ApiError(Code.VALIDATION, _("The body must be a JSON object."))
    name = payload.get("action")
    serializer_class = ACTION_SERIALIZERS.get(name) if isinstance(name, str) else None
    if serializer_class is None:
        message = _("Unknown action; use one of: %(names)s.") % {
            "names": ", ".join(ACTION_SERIALIZERS)
        }
        raise ApiError(Code.VALIDATION, message, {"action": [message]})
    serializer = serializer_class(data=payload, context=context)
    serializer.is_valid(raise_exception=True)
    last = (
        CaseEvent.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first()
        or 0
    )
    RUNNERS[name](user, case, dict(serializer.validated_data))
    return (
        CaseEvent.objects.filter(case=case, id__gt=last)
        .select_related("actor")
        .order_by("-id")
        .first()
    )
