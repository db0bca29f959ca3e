"""REST API for import runs (`/api/v1/imports/…`), planners only: what the progress bar
on the planners' pages polls, and what scripts watch after starting an import."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated

from gisdata.models import ImportRun

ERRORS_SHOWN = 100


class CanImport(BasePermission):
    message = "Only planners can see imports."

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("gisdata.import_dataset"))


class ImportErrorSerializer(serializers.Serializer):
    feature = serializers.IntegerField(allow_null=True, required=False,
                                       help_text="Number of the feature or row, from 1.")
    message = serializers.CharField()
    layer = serializers.CharField(required=False)


class ImportNoteSerializer(serializers.Serializer):
    layer = serializers.CharField()
    message = serializers.CharField(help_text="How the layer was read, e.g. the CRS that "
                                              "an unnamed .prj was taken to be.")


class ImportRunSerializer(serializers.ModelSerializer):
    dataset_name = serializers.CharField(source="dataset.name", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="0 to 100.")
    errors = serializers.SerializerMethodField(
        help_text=f"The first {ERRORS_SHOWN} rows or features skipped or refused.")
    notes = ImportNoteSerializer(many=True, read_only=True)

    class Meta:
        model = ImportRun
        fields = ["id", "dataset", "dataset_name", "status", "progress_done",
                  "progress_total", "percent", "read_count", "imported_count",
                  "repaired_count", "skipped_count", "errors", "notes", "message", "created_at",
                  "started_at", "finished_at", "attempt", "heartbeat_at"]
        read_only_fields = fields

    @extend_schema_field(ImportErrorSerializer(many=True))
    def get_errors(self, run) -> list:
        return list(run.errors or [])[:ERRORS_SHOWN]


class _ImportRuns:
    permission_classes = [IsAuthenticated, CanImport]
    serializer_class = ImportRunSerializer

    def get_queryset(self):
        return ImportRun.objects.select_related("dataset").order_by("-created_at", "-pk")


@extend_schema(tags=["imports"], summary="Recent import runs, newest first (planners)")
class ImportRunList(_ImportRuns, ListAPIView):
    pass


@extend_schema(tags=["imports"], summary="One import run and its progress (planners)")
class ImportRunDetail(_ImportRuns, RetrieveAPIView):
    pass
