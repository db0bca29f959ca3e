"""A community's open data by building block (`GET /api/v1/energy/communities/{id}/
blocks/`): a GeoJSON FeatureCollection of 200 m grid cells with their members' sums,
and one "rest of the community" feature without a geometry for the members of cells
too small to publish (energy/blocks.py says how, and why the grid is EPSG:3035).

Aggregates only: no cell, nor the rest, sums fewer than three members. The community
follows its project's visibility, in the municipality being served.
"""

from __future__ import annotations

import json

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import geojson
from core.geojson import GeoJSONRenderer
from energy import selectors
from energy.blocks import CELL_M, SCALE, Block, Blocks, community_blocks
from energy.models import Community

_NUMBER = {"type": "number"}
_NULLABLE_NUMBER = {"type": "number", "nullable": True}
PROPERTIES = {
    "type": "object",
    "required": ["block", "rest", "cells", "members", "pledged_kwp", "yearly_demand_kwh",
                 "self_sufficiency"],
    "properties": {
        "block": {"type": "string", "nullable": True,
                  "description": "The cell's INSPIRE-style code (CRS, size, south-west "
                                 "corner in metres); null for the rest of the community."},
        "rest": {"type": "boolean",
                 "description": "True for the members of cells of fewer than three, "
                                "summed without a place."},
        "cells": {"type": "integer", "description": "Grid cells summed (1 for a cell)."},
        "members": {"type": "integer", "minimum": 3, "description": "Active members."},
        "pledged_kwp": {**_NUMBER, "description": "Their PV peak power, kWp."},
        "yearly_demand_kwh": {**_NUMBER, "description": "Their yearly use, kWh."},
        "self_sufficiency": {**_NULLABLE_NUMBER, "description": (
            "0–1: the share of their demand met by their own and shared solar, at "
            "district scale, under the chosen option (else the first), in the latest "
            "finished simulation; null when fewer than three of them were simulated.")},
    },
}
BLOCKS = {
    "type": "object",
    "required": ["type", "community", "grid", "option", "run", "scale", "min_members",
                 "withheld_members", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "community": {"type": "integer"},
        "grid": {"type": "object", "properties": {
            "crs": {"type": "string", "example": "EPSG:3035"},
            "size_m": {"type": "integer", "example": CELL_M}}},
        "option": {"type": "integer", "nullable": True,
                   "description": "The sharing option of `self_sufficiency`."},
        "run": {"type": "integer", "nullable": True,
                "description": "The simulation of `self_sufficiency`; null if none yet."},
        "scale": {"type": "string", "enum": [SCALE]},
        "min_members": {"type": "integer", "description": "No figure sums fewer."},
        "withheld_members": {"type": "integer", "description": (
            "Members in no figure: all of them when the community has fewer than "
            "three, else 0.")},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "id", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": {"type": "object", "nullable": True,
                             "description": "The cell, a GeoJSON Polygon in WGS 84; "
                                            "null for the rest."},
                "properties": PROPERTIES}}},
    },
}


def _feature(block: Block) -> dict:
    share = block.self_sufficiency
    return {"type": "Feature", "id": block.code or "rest",
            "geometry": json.loads(block.geometry) if block.geometry else None,
            "properties": {"block": block.code, "rest": block.code is None,
                           "cells": block.cells, "members": block.members,
                           "pledged_kwp": round(block.pledged_kwp, 2),
                           "yearly_demand_kwh": round(block.yearly_kwh, 1),
                           "self_sufficiency": None if share is None else round(share, 4)}}


def blocks_collection(community: Community, blocks: Blocks) -> str:
    features = [_feature(b) for b in blocks.cells + ([blocks.rest] if blocks.rest else [])]
    return geojson.collection_text(
        json.dumps(features, separators=(",", ":")), community=community.pk,
        grid={"crs": f"EPSG:{blocks.srid}", "size_m": CELL_M}, option=blocks.option_id,
        run=blocks.run.pk if blocks.run else None, scale=SCALE,
        min_members=selectors.MIN_PUBLIC_MEMBERS, withheld_members=blocks.withheld)


class CommunityBlocks(APIView):
    """The community's members summed by building block: 200 m cells of EPSG:3035 (the
    UTM zone outside Europe), each with its active members, their pledged kWp, their
    yearly demand and their district-scale self-sufficiency under the chosen (else
    first) option; cells of fewer than three members summed into one feature without a
    geometry, "the rest of the community". No figure sums fewer than three members."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(responses={
        200: OpenApiResponse(BLOCKS, description="GeoJSON FeatureCollection"),
        404: OpenApiResponse(description="No such community (or not one you may see).")})
    def get(self, request, pk: int):
        try:
            community = selectors.community_for(user=request.user, pk=pk)
        except Community.DoesNotExist as exc:
            raise Http404 from exc
        return geojson.response(blocks_collection(community,
                                                  community_blocks(community=community)))
