"""REST API for projects and proposals (`/api/v1/…`). Thin: parse, call a service, answer."""

from __future__ import annotations

from django.http import Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import geojson
from core.api_errors import SafeJSONParser
from core.api_http import LastModifiedMixin
from core.geojson import GeoJSONRenderer
from gisdata.constraints import constraints_check
from proposals import area_display, clusters, selectors, services
from proposals.filters import ProjectFilter
from proposals.models import Project, Proposal, Visibility
from proposals.schema import AREA_FEATURE, CLUSTER_COLLECTION, FEATURE, FEATURE_COLLECTION
from proposals.serializers import (
    ClusterQuerySerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ProposalQuerySerializer,
    ProposalUpdateSerializer,
    ProposalWriteSerializer,
    ReasonSerializer,
    StatusSerializer,
    proposal_feature,
)


class ProjectList(LastModifiedMixin, generics.ListAPIView):
    """Public projects, newest first; filtered by `bbox` (their area) and
    `updated_since`, ordered by `ordering` (`created_at`, `updated_at`, `title`, `id`)."""

    serializer_class = ProjectSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilter

    def get_queryset(self):
        return selectors.projects_listed(user=self.request.user).prefetch_related(
            "categories", "phases")


class ProjectDetail(LastModifiedMixin, generics.RetrieveAPIView):
    """One project with its area (GeoJSON), phases and categories."""

    serializer_class = ProjectDetailSerializer

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user).prefetch_related(
            "categories", "phases")


def _project(request, pk: int, *, without_area: bool = False) -> Project:
    try:
        return selectors.project_for(user=request.user, pk=pk, without_area=without_area)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


class ProjectArea(APIView):
    """The project's area for drawing on a map: a GeoJSON Feature, simplified for display
    (proposals/area_display.py). The same rules as the project's page: a public project's
    area is cached by anyone for a day when asked at its current `version` (the pages ask
    so; a changed area has a new one); an unlisted or draft project's only by the
    reader's browser, which asks again each time (304 while unchanged), so that a project
    closed to the reader stops showing at once."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    MAX_AGE = 24 * 3600  # at the current version; the version changes with the area
    MAX_AGE_UNVERSIONED = 300

    @extend_schema(
        parameters=[OpenApiParameter(
            "version", str, description="The area's version, as the project's pages link "
            "it: an answer at the current version may be kept for a day.")],
        responses={200: OpenApiResponse(AREA_FEATURE, description="GeoJSON Feature"),
                   304: OpenApiResponse(description="Not Modified: the copy named by "
                                                    "If-None-Match (the ETag) is current.")})
    def get(self, request, pk: int):
        project = _project(request, pk)
        version = area_display.area_version(project)
        etag = f'"area-{project.pk}-{version}"'
        public = project.visibility == Visibility.PUBLIC
        if not public:
            cache_control = "private, no-cache"
        elif request.query_params.get("version") == version:
            cache_control = f"public, max-age={self.MAX_AGE}"
        else:
            cache_control = f"public, max-age={self.MAX_AGE_UNVERSIONED}"
        asked = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
        if etag in asked or "*" in asked:
            response = HttpResponseNotModified()
        else:
            response = geojson.response(area_display.area_feature_text(project, version))
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        if not public:
            patch_vary_headers(response, ["Cookie"])
        return response


def _filtered(request, project: Project, params: dict):
    """The proposals of `project` the reader may see, as the query's filters select."""
    return selectors.proposals_filter(
        selectors.proposals_visible(user=request.user, project=project),
        selectors.ProposalFilter(
            bbox=selectors.bbox_parse(params["bbox"]) if "bbox" in params else None,
            categories=params.get("category", ()), statuses=params.get("status", ())),
    )


class ProjectProposals(APIView):
    """The proposals of a project as GeoJSON, by bounding box; POST places a new one."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [SafeJSONParser]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(parameters=[ProposalQuerySerializer],
                   responses={200: OpenApiResponse(FEATURE_COLLECTION,
                                                   description="GeoJSON FeatureCollection")})
    def get(self, request, pk: int):
        project = _project(request, pk, without_area=True)
        query = ProposalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        qs = _filtered(request, project, params)
        limit = params.get("limit", selectors.DEFAULT_PAGE)
        offset = params.get("offset", 0)
        features, returned, more = selectors.proposals_feature_collection(
            qs, limit=limit, offset=offset)
        links = [{"rel": "self", "href": request.build_absolute_uri()}]
        if more:
            nxt = request.query_params.copy()
            nxt["offset"], nxt["limit"] = offset + limit, limit
            links.append({"rel": "next", "type": geojson.MEDIA_TYPE,
                          "href": request.build_absolute_uri(f"?{nxt.urlencode()}")})
        return geojson.response(geojson.collection_text(features, numberReturned=returned,
                                                        links=links))

    @extend_schema(request=ProposalWriteSerializer,
                   responses={201: OpenApiResponse(FEATURE, description="The new proposal")})
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = ProposalWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_create(project=project, author=request.user,
                                            **data.validated_data)
        return Response(proposal_feature(proposal, request), status=status.HTTP_201_CREATED)


class ProjectProposalClusters(APIView):
    """What the project map draws at any scale: every proposal in the view that matches
    the filters, counted exactly in cells of the grid at `zoom`, or the proposals
    themselves when at most 500 match (proposals/clusters.py).

    A path of its own rather than a mode of the proposals endpoint: its answer is not a
    page of proposals (no `limit`, no `next` link; cells are not proposals), so each
    path keeps one shape in the schema and API clients paging through proposals are
    not given cells."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(parameters=[ClusterQuerySerializer],
                   responses={200: OpenApiResponse(CLUSTER_COLLECTION,
                                                   description="GeoJSON FeatureCollection")})
    def get(self, request, pk: int):
        project = _project(request, pk, without_area=True)
        query = ClusterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        qs = _filtered(request, project, params)
        bbox = selectors.bbox_parse(params["bbox"]) if "bbox" in params else None
        # The cells are square at the view's latitude; without a view, the area's.
        latitude = bbox.centroid.y if bbox is not None else project.area.centroid.y
        if request.user.is_authenticated:
            view = clusters.proposals_map_view(qs, zoom=params["zoom"], latitude=latitude)
        else:  # what every anonymous reader sees: counted once per map version
            view = clusters.proposals_map_view_shared(
                qs, project_id=project.pk, zoom=params["zoom"], bbox=bbox,
                latitude=latitude, filters=(params.get("category", ()),
                                            params.get("status", ())))
        return geojson.response(geojson.collection_text(
            view.features, clustered=view.clustered, numberMatched=view.matched,
            numberReturned=view.returned))


def _proposal(request, pk: int) -> Proposal:
    return get_object_or_404(selectors.proposals_readable(user=request.user), pk=pk)


MERGED = inline_serializer("ProposalMerged", {
    "detail": serializers.CharField(), "merged_into": serializers.IntegerField()})


class ProposalDetail(APIView):
    """One proposal as a GeoJSON Feature; its author may PATCH it until voting opens."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [SafeJSONParser]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(responses={200: OpenApiResponse(FEATURE), 301: OpenApiResponse(
        MERGED, description="A duplicate merged into another proposal: `Location` and "
                            "`merged_into` name it.")})
    def get(self, request, pk: int):
        target = selectors.proposal_merged_into(user=request.user, pk=pk)
        if target is not None:
            location = reverse("api:proposal-detail", args=[target.pk])
            return Response({"detail": _("Merged into proposal %(id)s.") % {"id": target.pk},
                             "merged_into": target.pk}, status=status.HTTP_301_MOVED_PERMANENTLY,
                            headers={"Location": request.build_absolute_uri(location)})
        return Response(proposal_feature(_proposal(request, pk), request))

    @extend_schema(request=ProposalUpdateSerializer, responses={200: OpenApiResponse(FEATURE)})
    def patch(self, request, pk: int):
        proposal = _proposal(request, pk)
        data = ProposalUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = services.proposal_update(proposal=proposal, user=request.user,
                                            **data.validated_data)
        return Response(proposal_feature(proposal, request))


class _ProposalAction(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [SafeJSONParser]
    input = ReasonSerializer

    def post(self, request, pk: int):
        proposal = _proposal(request, pk)
        data = self.input(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(proposal, request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=None, responses={204: None})
class ProposalWithdraw(_ProposalAction):
    """The author withdraws their proposal."""

    input = None

    def post(self, request, pk: int):
        services.proposal_withdraw(proposal=_proposal(request, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=ReasonSerializer, responses={204: None})
class ProposalFlag(_ProposalAction):
    """Report a proposal to the planners, with a reason."""

    def act(self, proposal, user, reason):
        services.proposal_flag(proposal=proposal, user=user, reason=reason)


@extend_schema(request=ReasonSerializer, responses={204: None})
class ProposalHide(_ProposalAction):
    """Planners: hide a proposal from everyone but planners and its author."""

    def act(self, proposal, user, reason):
        services.proposal_hide(proposal=proposal, planner=user, reason=reason)


@extend_schema(request=ReasonSerializer, responses={204: None})
class ProposalRestore(_ProposalAction):
    """Planners: show a hidden proposal again."""

    def act(self, proposal, user, reason):
        services.proposal_restore(proposal=proposal, planner=user, reason=reason)


@extend_schema(request=StatusSerializer, responses={204: None})
class ProposalStatusChange(_ProposalAction):
    """Planners: move a proposal along its life, with the city's official answer."""

    input = StatusSerializer

    def act(self, proposal, user, status, answer=""):
        services.proposal_set_status(proposal=proposal, planner=user, status=status,
                                     answer=answer)


class GeometryInput(serializers.Serializer):
    geometry = serializers.JSONField(help_text="A GeoJSON Point, LineString or Polygon.")


FEEDBACK = inline_serializer("ConstraintFeedback", {
    "feedback": serializers.ListField(child=inline_serializer("Feedback", {
        "layer": serializers.CharField(), "severity": serializers.CharField(),
        "message": serializers.CharField(), "matches": serializers.IntegerField()})),
})


class ProjectFeedback(APIView):
    """What the city's layers say about a geometry, while a citizen draws it.

    The same checks as placing the proposal: the geometry rules of the project, then
    each active constraint of a published layer that speaks in this project ("In flood
    zone AE"). Blocking feedback means the proposal would be refused there.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [SafeJSONParser]

    @extend_schema(request=GeometryInput, responses={200: FEEDBACK})
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = GeometryInput(data=request.data)
        data.is_valid(raise_exception=True)
        geometry = services.geometry_for(project=project, geometry=data.validated_data[
            "geometry"])
        feedback = constraints_check(geometry, project_id=project.pk)
        return Response({"feedback": [f.as_dict() for f in feedback]})
