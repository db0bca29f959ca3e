"""OGC API – Features, mounted at /ogc/ by config/urls.py (the landing page at /ogc too,
so that `OAPIF:https://…/ogc` works with or without the slash)."""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from opendata import ogc

app_name = "ogc"
urlpatterns = [
    path("", ogc.Landing.as_view(), name="landing"),
    path("conformance", ogc.Conformance.as_view(), name="conformance"),
    path("api", ogc.ApiDefinition.as_view(), name="api"),
    # Split: the set-up script is a file, so the page runs under the site's CSP.
    path("api.html", SpectacularSwaggerSplitView.as_view(url_name="ogc:api"), name="api-docs"),
    path("collections", ogc.Collections.as_view(), name="collections"),
    path("collections/<str:collection_id>", ogc.CollectionDetail.as_view(),
         name="collection"),
    path("collections/<str:collection_id>/items", ogc.Items.as_view(), name="items"),
    path("collections/<str:collection_id>/items/<int:feature_id>", ogc.Item.as_view(),
         name="item"),
]
