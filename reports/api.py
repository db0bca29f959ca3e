"""Reports API: a project's reports (planners: every version; others: the published one),
one report with its progress (what the dashboard's progress bar polls), and asking for a
new one (planners)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from gisdata.models import Layer
from proposals.models import Project
from proposals.selectors import project_for
from reports import selectors, services
from reports.models import FILE_KINDS, DecisionReport, ReportStatus

FILES = inline_serializer("ReportFiles", {
    kind: serializers.URLField(allow_null=True) for kind in FILE_KINDS})
PABULIB_FILES = inline_serializer("ReportPabulibFiles", {
    "budget": serializers.IntegerField(),
    "district": serializers.CharField(allow_null=True,
                                      help_text="Null: the whole city's budget."),
    "url": serializers.URLField(),
    "sha256": serializers.CharField(),
}, many=True)


class ReportSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, help_text="0 to 100.")
    steps_done = serializers.IntegerField(source="progress_done", read_only=True)
    steps_total = serializers.IntegerField(source="progress_total", read_only=True)
    files = serializers.SerializerMethodField(
        help_text="Download links of the PDF, the CSV and the GeoJSON once compiled.")
    pabulib = serializers.SerializerMethodField(
        help_text="A budget vote's pabulib (.pb) file of each budget, as of the report's "
                  "snapshot; empty otherwise.")

    class Meta:
        model = DecisionReport
        fields = ["id", "project", "status", "percent", "steps_done", "steps_total",
                  "message", "district_layer", "created_at", "started_at", "finished_at",
                  "snapshot_at", "weights", "checksum", "summary", "is_published",
                  "published_at", "files", "pabulib"]
        read_only_fields = fields

    @extend_schema_field(FILES)
    def get_files(self, report) -> dict:
        request = self.context.get("request")
        links = {}
        for kind in FILE_KINDS:
            url = None
            if report.status == ReportStatus.SUCCEEDED:
                url = reverse("reports:file", kwargs={"pk": report.pk, "kind": kind})
                url = request.build_absolute_uri(url) if request else url
            links[kind] = url
        return links

    @extend_schema_field(PABULIB_FILES)
    def get_pabulib(self, report) -> list[dict]:
        if report.status != ReportStatus.SUCCEEDED:
            return []
        request = self.context.get("request")
        rows = []
        for entry in report.pabulib:
            url = reverse("reports:pabulib", kwargs={"pk": report.pk,
                                                     "budget_id": entry["budget"]})
            rows.append({"budget": entry["budget"], "district": entry["district"],
                         "url": request.build_absolute_uri(url) if request else url,
                         "sha256": entry["sha256"]})
        return rows


class ReportRequestInput(serializers.Serializer):
    district_layer = serializers.IntegerField(
        required=False, allow_null=True,
        help_text="Id of a layer of polygons to count participation in.")


def _project(request, pk: int) -> Project:
    try:
        return project_for(user=request.user, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


class ProjectReports(APIView):
    """A project's decision reports, newest first: every version for planners, the
    published one for everyone else. `POST` asks for a new one (planners)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(tags=["reports"], responses={200: ReportSerializer(many=True)})
    def get(self, request, pk: int):
        project = _project(request, pk)
        reports = selectors.reports_visible(user=request.user, project=project)[:100]
        return Response(ReportSerializer(reports, many=True,
                                         context={"request": request}).data)

    @extend_schema(tags=["reports"], request=ReportRequestInput,
                   responses={201: ReportSerializer})
    def post(self, request, pk: int):
        project = _project(request, pk)
        data = ReportRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        layer_id = data.validated_data.get("district_layer")
        layer = None
        if layer_id is not None:
            layer = Layer.objects.filter(pk=layer_id).first()
            if layer is None:
                raise serializers.ValidationError({"district_layer": _("No such layer.")})
        report = services.report_request(project=project, user=request.user,
                                         district_layer=layer)
        return Response(ReportSerializer(report, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


@extend_schema(tags=["reports"], summary="One decision report and its progress")
class ReportDetail(RetrieveAPIView):
    serializer_class = ReportSerializer

    def get_queryset(self):
        return selectors.reports_visible(user=self.request.user)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
