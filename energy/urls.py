"""The energy app's API routes. config/api.py mounts them under /api/v1/, so that they
are named and listed with the rest of the API (`api:energy-community-list`, …)."""

from django.urls import path

from energy import api

urlpatterns = [
    path("energy/communities/", api.CommunityList.as_view(), name="energy-community-list"),
    path("energy/communities/<int:pk>/simulation/", api.CommunitySimulation.as_view(),
         name="energy-community-simulation"),
]
