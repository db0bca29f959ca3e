"""Pages and files of the gisdata app outside the REST API: vector tiles."""

from django.urls import path

from gisdata import tiles

app_name = "gisdata"
urlpatterns = [
    path("tiles/<int:layer_id>/<int:z>/<int:x>/<int:y>.pbf", tiles.layer_tile,
         name="layer-tile"),
]
