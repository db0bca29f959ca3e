"""API shapes of projects and proposals. Input serializers name every field a client
may send: anything else in a body (author, status, project, weight…) is ignored."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from rest_framework import serializers

from core import geojson
from proposals.clusters import MAX_ZOOM
from proposals.models import Category, Phase, Project, Proposal, ProposalStatus
from proposals.selectors import MAX_PAGE


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "color"]


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["kind", "starts_at", "ends_at"]


class ProjectSerializer(serializers.ModelSerializer):
    categories = CategorySerializer(many=True, read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)
    current_phase = serializers.SerializerMethodField()
    bbox = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "slug", "title", "description", "visibility", "current_phase",
                  "phases", "categories", "bbox"]

    def get_current_phase(self, project) -> str | None:
        if hasattr(project, "current_phase_kind"):  # annotated by the list's queryset
            return project.current_phase_kind
        phase = project.current_phase()
        return phase.kind if phase else None

    def get_bbox(self, project) -> list[float]:
        return list(project.area.extent)


class ProjectDetailSerializer(ProjectSerializer):
    area = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "area"]

    def get_area(self, project) -> dict:
        return json.loads(project.area.json)


class ProposalWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=140)
    body = serializers.CharField(max_length=5000)
    category = serializers.SlugField(max_length=50)
    geometry = serializers.JSONField(help_text="A GeoJSON Point, LineString or Polygon "
                                     "in WGS 84 longitude/latitude.")


class ProposalUpdateSerializer(ProposalWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ProposalFilterQuerySerializer(serializers.Serializer):
    """The filters the map and the list share: the view and the categories and statuses."""

    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat")
    category = serializers.CharField(required=False, help_text="category slugs, comma-separated")
    status = serializers.CharField(required=False, help_text="statuses, comma-separated")

    def validate_status(self, value: str) -> tuple[str, ...]:
        statuses = tuple(s for s in value.split(",") if s)
        unknown = set(statuses) - set(ProposalStatus.values)
        if unknown:
            raise serializers.ValidationError(_("Unknown status: %(statuses)s.")
                                              % {"statuses": ", ".join(sorted(unknown))})
        return statuses

    def validate_category(self, value: str) -> tuple[str, ...]:
        return tuple(s for s in value.split(",") if s)


class ProposalQuerySerializer(ProposalFilterQuerySerializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)


class ClusterQuerySerializer(ProposalFilterQuerySerializer):
    zoom = serializers.IntegerField(min_value=0, max_value=MAX_ZOOM, help_text=(
        "the map's zoom level (Web Mercator): the cells are about 60 pixels wide at it"))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    answer = serializers.CharField(max_length=5000, required=False, allow_blank=True)


def proposal_feature(proposal: Proposal, request=None) -> dict:
    """One proposal as a GeoJSON Feature, with what its page shows."""
    images = [request.build_absolute_uri(i.image.url) if request else i.image.url
              for i in proposal.images.all()]
    return geojson.feature(proposal.pk, proposal.geometry, {
        "project": proposal.project_id,
        "title": proposal.title,
        "body": proposal.body,
        "category": proposal.category.slug,
        "category_name": proposal.category.name,
        "status": proposal.status,
        "official_answer": proposal.official_answer,
        "hidden": proposal.is_hidden,
        "author": proposal.author.public_name if proposal.author else None,
        "images": images,
        "created_at": proposal.created_at.isoformat(),
        "updated_at": proposal.updated_at.isoformat(),
    })
