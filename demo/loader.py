"""The demo city: `demo_load()` makes it, step by step, in the order the steps need.

Idempotent: run it again and it creates only what is missing; each step says what it
makes once. It goes through the same services as the site where a service exists (a
claim is filed, then verified by the demo planner; proposals, votes and comments are
the services'), so the demo shows what real data looks like.

The steps: the people (`people`), Barcelona's neighbourhoods project with its forty
proposals (`neighbourhoods`), the Sant Antoni project in voting (`sant_antoni`), the
open-data layers (`layers`), Cambridge's riverside project (`riverside`), the Sant
Antoni report, the Cambridge ideas, the discussions (`discussions`) and, after every
load, the Catalan and Spanish texts (`translated_texts`).
"""

from __future__ import annotations

from django.db import transaction

from accounts.groups import ensure_planner_group
from demo.discussions import discussions_load
from demo.layers import BCN, layers_load
from demo.neighbourhoods import neighbourhoods_project
from demo.people import PERSONAS, Persona, personas_load
from demo.riverside import riverside_ideas, riverside_project
from demo.sant_antoni import voting_project, voting_report
from demo.translated_texts import demo_translate

ATTRIBUTION = BCN  # what `load_demo` prints


def demo_load() -> list[Persona]:
    """Create the demo roles, personas and projects; returns the personas for printing."""
    ensure_planner_group()
    with transaction.atomic():
        users = personas_load()
        neighbourhoods_project(users)
        voting_project(users, users["planner"])
    layers_load()  # outside the transaction: imports commit their own steps
    riverside_project()  # its constraint layer, the flood zones, is there now
    voting_report(users["planner"])  # once the districts are there
    riverside_ideas(users)  # the home page's first project, once it exists
    discussions_load(users)
    demo_translate()  # the texts in Catalan and Spanish, after every load
    return PERSONAS
