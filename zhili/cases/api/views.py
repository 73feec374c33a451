"""REST API views: thin.  Reads go through the access functions, writes
through the action functions; serializers only check input and render."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import shapely
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from zhili.cases import actions as A
from zhili.cases.access import visible_cases
from zhili.cases.models import Case, Catalogue, Category
from zhili.places.coords import convert_point

from . import serializers as S
from .errors import ApiError, Code, ErrorSerializer
from .moves import perform
from .permissions import CanViewCategories, CanViewPlaces, IsGovernmentStaff, default_source
from .queries import DEFAULT_PAGE_SIZE, filter_cases, page_after, place_names

_CASE_RELATED = ("category", "assigned_unit")
_DETAIL_RELATED = (*_CASE_RELATED, "condition", "reporter", "merged_into")


def _errors(*statuses: int) -> dict[int, OpenApiResponse]:
    text = {
        400: gettext_lazy("Invalid input (code validation); `fields` names the problems."),
        401: gettext_lazy("No or invalid token (code not_authenticated)."),
        403: gettext_lazy("Your role may not use this endpoint (code forbidden)."),
        404: gettext_lazy(
            "Not found, or not visible to you: the same answer for both (code not_found)."
        ),
        409: gettext_lazy(
            "illegal_transition: the action is not possible in the case's state or for your role; "
            "stale: the case changed since the version you sent."
        ),
        503: gettext_lazy("The working calendar of a year is missing (code calendar_missing)."),
    }
    return {s: OpenApiResponse(ErrorSerializer, description=text[s]) for s in statuses}


class StaffAPIView(APIView):
    permission_classes = [IsGovernmentStaff]


def _query(serializer_class, request: Request) -> dict[str, Any]:
    """Validated query parameters (repeated parameters as lists where the field wants them)."""
    data: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        data[key] = values if len(values) > 1 or key == "state" else values[0]
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _detail(request: Request, case: Case) -> dict[str, Any]:
    return S.render_case_detail(case, user=request.user, place_names=place_names(case))


def _visible_case(user, number: str) -> Case:
    try:
        return visible_cases(user).select_related(*_DETAIL_RELATED).get(number=number)
    except Case.DoesNotExist:
        raise Http404 from None


# --- cases -----------------------------------------------------------------------


class CaseListView(StaffAPIView):
    @extend_schema(
        tags=["cases"],
        operation_id="cases_list",
        summary=gettext_lazy("List the cases you may see"),
        description=gettext_lazy(
            "Newest first, 50 a page (`page_size` up to 200); follow `next` for the following page. "
            "Inspectors see the cases of their responsibility grids and their own reports, handling "
            "units the cases dispatched to them, the centre and leaders every case."
        ),
        parameters=[S.CaseFilterSerializer],
        responses={200: S.CursorPageSerializer, **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        f = _query(S.CaseFilterSerializer, request)
        qs = filter_cases(visible_cases(request.user), f).select_related(*_CASE_RELATED)
        rows, cursor = page_after(qs, f.get("cursor"), f.get("page_size") or DEFAULT_PAGE_SIZE)
        next_url = (
            replace_query_param(request.build_absolute_uri(), "cursor", cursor) if cursor else None
        )
        return Response({"next": next_url, "results": [S.render_case(c) for c in rows]})

    @extend_schema(
        tags=["cases"],
        operation_id="cases_report",
        summary=gettext_lazy("Report a case"),
        description=gettext_lazy(
            "Creates a case awaiting intake (上报). The location is looked up in the unit grids of the "
            "report's day; give lon/lat (any datum) or, without them, an address."
        ),
        request=S.ReportSerializer,
        responses={201: S.CaseDetailSerializer, **_errors(400, 401, 403, 503)},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        serializer = S.ReportSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        source = d.get("source") or default_source(user.roles, superuser=user.is_superuser)
        if source is None:
            raise ApiError(Code.FORBIDDEN, _("Your role may not report cases."))
        lon, lat = d.get("lon"), d.get("lat")
        if lon is not None and d["datum"] in ("gcj02", "bd09"):
            lon, lat = convert_point(lon, lat, d["datum"], "wgs84")
        case = A.case_report(
            actor=user,
            source=source,
            description=d["description"],
            lon=lon,
            lat=lat,
            category=d.get("category"),
            address=d["address"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            component_id=d["component_id"],
            reported_at=d.get("reported_at"),
        )
        location = request.build_absolute_uri(f"{case.number}/")
        return Response(_detail(request, case), status=201, headers={"Location": location})


_NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Case number (YYYYMMDD + 5 digits).",
)


class CaseDetailView(StaffAPIView):
    @extend_schema(
        tags=["cases"],
        operation_id="cases_retrieve",
        summary=gettext_lazy("One case"),
        parameters=[_NUMBER],
        responses={200: S.CaseDetailSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        return Response(_detail(request, _visible_case(request.user, number)))


class CaseEventsView(StaffAPIView):
    @extend_schema(
        tags=["cases"],
        operation_id="cases_events",
        summary=gettext_lazy("The case's timeline"),
        description=gettext_lazy(
            "Every entry, oldest first: who did what, when, and the state before and after."
        ),
        parameters=[_NUMBER],
        responses={200: S.CaseEventSerializer(many=True), **_errors(401, 403, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        case = _visible_case(request.user, number)
        events = case.events.select_related("actor").order_by("at", "id")
        return Response(S.CaseEventSerializer(events, many=True).data)


class CaseActionView(StaffAPIView):
    @extend_schema(
        tags=["cases"],
        operation_id="cases_act",
        summary=gettext_lazy("Take an action on a case"),
        description=gettext_lazy(
            "`action` chooses the step (accept, send_to_verify, verify, file, decline, dispatch, send_back, "
            "feedback, check, close, reopen, park, unpark, void, merge, request_extension, "
            "decide_extension, comment) and the other fields it takes. Actions that change the state "
            "require `expected_version`: the case's `version` when you read it."
        ),
        parameters=[_NUMBER],
        request=PolymorphicProxySerializer(
            component_name="CaseAction",
            serializers=dict(S.ACTION_SERIALIZERS),
            resource_type_field_name="action",
        ),
        responses={200: S.ActionResultSerializer, **_errors(400, 401, 403, 404, 409, 503)},
    )
    def post(self, request: Request, number: str) -> Response:
        case = _visible_case(request.user, number)
        event = perform(
            user=request.user, case=case, payload=request.data, context={"request": request}
        )
        # Re-read without the visibility filter: the user just acted on the
        # case, and some actions (send back) take it out of their view.
        case = Case.objects.select_related(*_DETAIL_RELATED).get(pk=case.pk)
        return Response(
            {
                "case": _detail(request, case),
                "event": S.CaseEventSerializer(event).data if event else None,
            }
        )


# --- catalogue ------------------------------------------------------------------------


class CategoryListView(StaffAPIView):
    permission_classes = [IsGovernmentStaff, CanViewCategories]

    @extend_schema(
        tags=["categories"],
        operation_id="categories_list",
        summary=gettext_lazy("Categories of a catalogue, with their standard conditions"),
        parameters=[S.CategoryFilterSerializer],
        responses={200: S.CategorySerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        f = _query(S.CategoryFilterSerializer, request)
        if f.get("catalogue"):
            catalogue = Catalogue.objects.filter(code=f["catalogue"]).first()
            if catalogue is None:
                message = _("No catalogue has this code.")
                raise ApiError(Code.VALIDATION, message, {"catalogue": [message]})
        else:
            catalogue = Catalogue.default()
        qs = Category.objects.filter(catalogue=catalogue) if catalogue else Category.objects.none()
        if f.get("kind"):
            qs = qs.filter(kind=f["kind"])
        if f.get("code"):
            qs = qs.filter(code__startswith=f["code"])
        if f.get("active") is not None:
            qs = qs.filter(active=f["active"])
        qs = qs.select_related("catalogue").prefetch_related("conditions").order_by("kind", "code")
        return Response(S.CategorySerializer(qs, many=True).data)


class CategoryDetailView(StaffAPIView):
    permission_classes = [IsGovernmentStaff, CanViewCategories]

    @extend_schema(
        tags=["categories"],
        operation_id="categories_retrieve",
        summary=gettext_lazy("One category"),
        responses={200: S.CategorySerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        category = (
            Category.objects.select_related("catalogue")
            .prefetch_related("conditions")
            .filter(pk=pk)
            .first()
        )
        if category is None:
            raise Http404
        return Response(S.CategorySerializer(category).data)


# --- places -----------------------------------------------------------------------------


class GridDetailView(StaffAPIView):
    @extend_schema(
        tags=["places"],
        operation_id="grids_retrieve",
        summary=gettext_lazy("One unit grid: hierarchy, area, responsibility grid, geometry"),
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Unit grid code (15 digits).",
            ),
            S.AtSerializer,
        ],
        responses={200: S.GridSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        from zhili.places.access import access_grid
        from zhili.places.models import ResponsibilityGridMember
        from zhili.places.services import division_names

        at: date | None = _query(S.AtSerializer, request).get("at")
        grid = access_grid(request.user, code, at=at)
        names = division_names([grid.community_code, grid.street_code, grid.district_code], at=at)
        member = (
            ResponsibilityGridMember.objects.filter(grid_code=grid.code)
            .select_related("responsibility_grid__inspector")
            .first()
        )
        rg = member.responsibility_grid if member else None
        data = {
            "code": grid.code,
            "name": grid.name,
            "area_m2": round(grid.area_m2, 1),
            "valid_from": grid.valid_from,
            "valid_to": grid.valid_to,
            "community": {"code": grid.community_code, "name": names.get(grid.community_code, "")},
            "street": {"code": grid.street_code, "name": names.get(grid.street_code, "")},
            "district": {"code": grid.district_code, "name": names.get(grid.district_code, "")},
            "responsibility_grid": {"code": rg.code, "name": rg.name, "inspector": rg.inspector}
            if rg
            else None,
            "bbox": [grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat],
            # Six decimals is about 0.1 m: far below any grid survey's accuracy.
            "geometry": json.loads(shapely.to_geojson(shapely.set_precision(grid.geometry, 1e-6))),
        }
        return Response(S.GridSerializer(data).data)


class LocateView(StaffAPIView):
    permission_classes = [IsGovernmentStaff, CanViewPlaces]

    @extend_schema(
        tags=["places"],
        operation_id="locate",
        summary=gettext_lazy("The unit grid, community, street and district at a point"),
        parameters=[S.LocateQuerySerializer],
        responses={200: S.LocateSerializer, **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        from zhili.places.services import division_names, locate

        q = _query(S.LocateQuerySerializer, request)
        lon, lat = q["lon"], q["lat"]
        if q["datum"] in ("gcj02", "bd09"):
            lon, lat = convert_point(lon, lat, q["datum"], "wgs84")
        hit = locate(lon, lat, at=q.get("at"))
        data: dict[str, Any] = {"found": hit is not None, "lon": lon, "lat": lat}
        if hit is None:
            data.update(grid=None, community=None, street=None, district=None)
        else:
            names = division_names([hit.community, hit.street, hit.district], at=q.get("at"))
            for level in ("grid", "community", "street", "district"):
                code = getattr(hit, level)
                data[level] = {"code": code, "name": names.get(code, "")}
        return Response(S.LocateSerializer(data).data)


# --- evaluation ---------------------------------------------------------------------------


class EvaluationView(StaffAPIView):
    @extend_schema(
        tags=["evaluation"],
        operation_id="evaluation",
        summary=gettext_lazy("Comprehensive evaluation (综合评价) of a period"),
        description=gettext_lazy(
            "Scores and grades of the cases reported in [from, to] (default: last month), by region "
            "(level: district, street, community, grid), department or post (inspector, intake, "
            "shift_lead, dispatcher, unit). Leaders, office staff and shift leads see everything, "
            "department leaders their own units; others get 404."
        ),
        parameters=[S.EvaluationQuerySerializer],
        responses={200: S.EvaluationSerializer, **_errors(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        from zhili.cases import evaluation as E

        scope = E.access_evaluation(request.user)
        q = _query(S.EvaluationQuerySerializer, request)
        first, last = q.get("from"), q.get("to")
        if first is None or last is None:
            default_first, default_last = E.previous_month(timezone.localdate())
            first, last = first or default_first, last or default_last
        try:
            start, end = E.period_bounds(first, last)
            rows = E.evaluate(
                start=start,
                end=end,
                by=q["by"],
                level=q["level"],
                post=q.get("post"),
                units=scope.unit_ids,
            )
        except E.EvaluationError as exc:
            raise ApiError(Code.VALIDATION, str(exc)) from None
        return Response(
            S.EvaluationSerializer(
                {
                    "from": first,
                    "to": last,
                    "by": q["by"],
                    "level": q["level"],
                    "post": q.get("post"),
                    "rows": [r.as_dict() for r in rows],
                }
            ).data
        )


# --- fallbacks --------------------------------------------------------------------------


class NotFoundView(APIView):
    """Unknown paths under /api/v1/ answer in the API's error format, not with an HTML page."""

    permission_classes: list = []
    authentication_classes: list = []
    schema = None  # not an operation of the API

    def _fail(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ApiError(Code.NOT_FOUND, _("No such API endpoint."))

    get = post = put = patch = delete = _fail
