"""Places by name: the streets, districts and other named features of the city's
published layers, found as a person types ("gracia" finds "Gràcia", "cambrige"
finds "Cambridge St").

The names are kept in `Place` rows by the database (gisdata migration 0011): one per
distinct name of a layer with a label property. Only the published layers of the
municipality being served are searched; a layer another municipality shares with the
region is its own to name. Names are compared folded (`plaza_fold`: lower case, without
accents), by trigram word similarity or as a part of the name, through the trigram
index on `plaza_fold(name)`. A name that starts with what was typed comes first, then
the most alike, then the shortest.
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Length

from core import tenancy
from gisdata.models import Layer, Place

QUERY_MIN = 2  # one letter would match half the city
QUERY_MAX = 100
LIMIT_DEFAULT = 10
LIMIT_MAX = 50


def query_tidy(query: str | None) -> str:
    return " ".join((query or "").split())[:QUERY_MAX]


def _fold(text: str) -> str:
    # The database's own folding, so the query is written as the index is built.
    with connection.cursor() as cursor:
        cursor.execute("SELECT plaza_fold(%s)", [text])
        return cursor.fetchone()[0]


def places_layers() -> QuerySet[Layer]:
    """The layers whose places may be found here: published ones of the municipality
    being served (every municipality's outside a request)."""
    layers = Layer.objects.filter(is_published=True)
    served = tenancy.current_id()
    return layers if served is None else layers.filter(municipality_id=served)


def places_matching(query: str) -> QuerySet[Place]:
    """The places whose name is like `query` (tidied, at least QUERY_MIN characters),
    best first."""
    folded = _fold(query)
    name = Func(F("name"), function="plaza_fold", output_field=TextField())
    return (Place.objects.filter(layer__in=places_layers())
            .annotate(folded=name)
            .filter(Q(folded__trigram_word_similar=folded) | Q(folded__contains=folded))
            .annotate(starts=Case(When(folded__startswith=folded, then=Value(0)),
                                  default=Value(1), output_field=IntegerField()),
                      likeness=TrigramWordSimilarity(Value(folded), "folded"),
                      length=Length("name"))
            .select_related("layer")
            .order_by("starts", "-likeness", "length", "name", "pk"))


def places_search(query: str | None, *, limit: int = LIMIT_DEFAULT) -> list[Place]:
    """The places whose name is like `query`, best first, at most `limit`; none for a
    query shorter than QUERY_MIN characters."""
    query = query_tidy(query)
    if len(query) < QUERY_MIN:
        return []
    return list(places_matching(query)[:max(1, min(limit, LIMIT_MAX))])


def place_bbox(place: Place) -> list[float]:
    return [place.west, place.south, place.east, place.north]


def places_rebuild(layer: Layer) -> int:
    """Rebuild a layer's places now (the database does it when its label or version
    changes; features written another way, as tests and fixtures do, call this)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT plaza_places_rebuild(%s)", [layer.pk])
        return cursor.fetchone()[0]
