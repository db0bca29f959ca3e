"""The energy app's API routes. config/api.py mounts them under /api/v1/, so that they
are named and listed with the rest of the API (`api:energy-community-list`, …)."""

from django.urls import path

from energy import api, block_api

urlpatterns = [
    path("energy/communities/", api.CommunityList.as_view(), name="energy-community-list"),
    path("energy/communities/<int:pk>/simulation/", api.CommunitySimulation.as_view(),
         name="energy-community-simulation"),
]

# Open data by building block (energy/block_api.py).
urlpatterns += [
    path("energy/communities/<int:pk>/blocks/", block_api.CommunityBlocks.as_view(),
         name="energy-community-blocks"),
]
