"""What a region of municipalities adds to the demo: Barcelona's districts and
neighbourhoods as areas that proposals and projects can be placed in, and Barcelona's
neighbourhoods project replicated to Cambridge, as a planner would copy a good format
to another city of the region.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from dashboard.replication import project_replicate
from demo.layers import DISTRICTS, NEIGHBOURHOODS
from demo.neighbourhoods import PROJECT_SLUG
from gisdata.models import Layer
from municipalities.models import Area, Municipality
from proposals.areas import areas_import
from proposals.models import Project

# The replica opens for ideas two weeks after the first load.
REPLICA_STARTS_IN_DAYS = 14


def barcelona_areas(barcelona: Municipality, layers: dict[str, Layer | None]) -> None:
    """The ten districts (the districts Shapefile: `DISTRICTE`, `NOM`) and their 73
    neighbourhoods (the barris CSV: `codi_barri`, `nom_barri`, inside `codi_districte`),
    once."""
    districts, neighbourhoods = layers[DISTRICTS], layers[NEIGHBOURHOODS]
    if districts is None or neighbourhoods is None:
        return
    if Area.objects.filter(municipality=barcelona).exists():
        return
    areas_import(planner=None, municipality=barcelona,
                 districts_layer=districts, district_code="DISTRICTE", district_name="NOM",
                 neighbourhoods_layer=neighbourhoods, neighbourhood_code="codi_barri",
                 neighbourhood_name="nom_barri", neighbourhood_parent="codi_districte")


def neighbourhoods_replicate(admin: User, *, barcelona: Municipality,
                             cambridge: Municipality) -> None:
    """Barcelona's neighbourhoods project copied to Cambridge by the site administrator
    (a planner of both), once. Run outside any municipality: it reads both."""
    project = Project.objects.filter(municipality=barcelona, slug=PROJECT_SLUG).first()
    if project is None or Project.objects.filter(municipality=cambridge,
                                                 replicated_from=project).exists():
        return
    project_replicate(planner=admin, project=project, to=cambridge,
                      starts_on=timezone.localdate() + timedelta(days=REPLICA_STARTS_IN_DAYS))
