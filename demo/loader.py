"""The demo: Barcelona, Cambridge and Prague, three municipalities of one region.
`demo_load()` makes it, step by step, in the order the steps need.

Idempotent: run it again and it creates only what is missing; each step says what it
makes once. It goes through the same services as the site where a service exists (a
claim is filed, then verified by the city's planner; proposals, votes and comments are
the services'), so the demo shows what real data looks like. Each city's steps run
while that city is being served (`core.tenancy.working_for`): what they make is its
own, as if its planners had made it on its pages.

The steps: the region and its two municipalities (`cities`), the people and their
roles in each city (`people`); in Barcelona the neighbourhoods project with its forty
proposals (`neighbourhoods`), the Sant Antoni project in voting (`sant_antoni`), the
open-data layers (`layers`), its districts and neighbourhoods as areas (`areas`) and
the Sant Antoni report, then the neighbourhoods project's participatory budget with its
ballots (`budget_vote`); in Cambridge its layers and the riverside project with its
ideas (`riverside`); in Prague its roles, Bubeneč's buildings and the energy community
on them, with its members' pledges and votes and a simulation (`energy_bubenec`); a draft
replica of Barcelona's neighbourhoods project in Cambridge;
then the discussions (`discussions`) and, after every load, the Catalan and Spanish texts
(`translated_texts`).
"""

from __future__ import annotations

from django.db import transaction

from accounts.groups import ensure_planner_group
from core.tenancy import working_for
from demo.areas import barcelona_areas, neighbourhoods_replicate
from demo.budget_vote import budget_vote
from demo.cities import (
    cambridge_adopt,
    municipalities_ensure,
    municipality_area_from,
    prague,
)
from demo.discussions import discussions_load
from demo.energy_bubenec import bubenec_load
from demo.layers import (
    BCN,
    CAMBRIDGE_NEIGHBOURHOODS,
    DISTRICTS,
    barcelona_layers_load,
    cambridge_layers_load,
)
from demo.neighbourhoods import neighbourhoods_project
from demo.people import PERSONAS, Persona, personas_load, roles_verify
from demo.riverside import riverside_ideas, riverside_project
from demo.sant_antoni import voting_project, voting_report
from demo.translated_texts import demo_translate

ATTRIBUTION = BCN  # what `load_demo` prints


def demo_load() -> list[Persona]:
    """Create the demo's municipalities, roles, personas and projects; returns the
    personas for printing."""
    ensure_planner_group()
    barcelona, cambridge = municipalities_ensure()
    cambridge_adopt(barcelona, cambridge)  # from a demo loaded before municipalities
    with working_for(barcelona):
        with transaction.atomic():
            users = personas_load()
            neighbourhoods_project(users)
            voting_project(users, users["planner"])
        layers = barcelona_layers_load()  # outside the transaction: imports commit steps
        municipality_area_from(barcelona, layers[DISTRICTS])
        barcelona_areas(barcelona, layers)
        voting_report(users["planner"])  # once the districts are there
        budget_vote(users)  # the budgets are the districts'
    with working_for(cambridge):
        with transaction.atomic():
            roles_verify(users, planner=users["cambridge"])
        layers = cambridge_layers_load()
        municipality_area_from(cambridge, layers[CAMBRIDGE_NEIGHBOURHOODS])
        riverside_project()  # its constraint layer, the flood zones, is there now
        riverside_ideas(users)
    with working_for(city := prague()):
        bubenec_load(users, prague=city)
    # Once Cambridge has its area, which the replica runs for; a draft for its planner.
    neighbourhoods_replicate(users["admin"], barcelona=barcelona, cambridge=cambridge)
    discussions_load(users)
    demo_translate()  # the texts in Catalan and Spanish, after every load
    return PERSONAS
