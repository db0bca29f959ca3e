"""Which municipality the code is working for (the tenant): the one the request named
(municipalities.middleware), or the one a worker's task is about.

It lives on the ground floor because every floor reads it: the tenant's managers
(`scoped_manager` below) filter by it, the permission backend (accounts.backends)
grants a planner's permissions only in their municipality, the audit log records it.
Outside any request or `working_for` block nothing is filtered: the shell, migrations
and tasks that name their objects by id see every municipality, as they did before.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models

_current: ContextVar = ContextVar("plaza_municipality", default=None)
_visible: ContextVar = ContextVar("plaza_visible_municipalities", default=None)


def current():
    """The municipality being served, or None outside a request."""
    return _current.get()


def visible_ids() -> frozenset[int] | None:
    """The ids of the municipalities whose data may be read now; None: no filter."""
    return _visible.get()


@contextmanager
def working_for(municipality, *, also: Iterable[int] = ()):
    """Serve `municipality` (and read the data of `also`, for regional views)."""
    tokens = enter(municipality, also=also)
    try:
        yield municipality
    finally:
        leave(tokens)


@contextmanager
def across_all():
    """Read every municipality's data: the deployment's own views (the municipalities'
    list, a region's comparison), which then filter explicitly."""
    token = _visible.set(None)
    try:
        yield
    finally:
        _visible.reset(token)


def enter(municipality, *, also: Iterable[int] = ()) -> tuple:
    """Start serving `municipality` for the rest of this request; `leave` ends it."""
    ids = frozenset({municipality.pk, *also}) if municipality is not None else None
    return _current.set(municipality), _visible.set(ids)


def leave(tokens: tuple) -> None:
    _visible.reset(tokens[1])
    _current.reset(tokens[0])


def current_id() -> int | None:
    municipality = _current.get()
    return municipality.pk if municipality is not None else None


def scoped_manager(queryset_class=models.QuerySet, *, path: str, shared=None,
                   with_none: bool = False):
    """A default manager that reads only the visible municipalities' rows.

    `path` leads from the model to its municipality's id ("municipality",
    "project__municipality"). `shared(region_id)`, when given, is a Q of the rows other
    municipalities of the region published to it. The filter is added when a queryset
    is made, so a queryset built in a request keeps it wherever it is read.
    `with_none`: rows of no municipality (about a person, not a place) show everywhere.
    """

    class ScopedManager(models.Manager.from_queryset(queryset_class)):
        def get_queryset(self):
            queryset = super().get_queryset()
            ids = _visible.get()
            if ids is None:
                return queryset
            condition = models.Q(**{f"{path}__in": sorted(ids)})
            if with_none:
                condition |= models.Q(**{f"{path}__isnull": True})
            municipality = _current.get()
            region_id = getattr(municipality, "region_id", None)
            if shared is not None and region_id is not None:
                condition |= shared(region_id)
            return queryset.filter(condition)

    return ScopedManager()
