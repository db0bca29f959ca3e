"""The orders of the project page's list: newest (the default), most supported, most
commented. Every order ends with newest, then id, so that two proposals that tie keep
one place and a reader paging through the list sees each proposal exactly once.

The list lives on the proposals floor, but "most supported" is the tally's score, which
the voting floor above defines (voting/tally.py) and proposals may not import. So the
orders are a registry, as a person's data is (accounts/privacy_registry.py): each app
registers the orders it knows from its own module, imported by its `AppConfig.ready()`
(proposals: below; voting: voting/list_orders.py). The import goes down the floors, and
the score is computed where it is defined.

An order is a key (its spelling in the page's URL, `?order=`), a label, and a function
that annotates a queryset of proposals with what it sorts by and gives the leading sort
fields. A key nobody registered falls back to newest, so a damaged link still opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from proposals.comment_selectors import comments_public_q
from proposals.models import Proposal

DEFAULT_ORDER = "newest"
TIE_BREAK = ("-created_at", "-pk")


@dataclass(frozen=True)
class ListOrder:
    key: str
    label: str
    position: int  # its place among the choices
    # (queryset) -> (annotated queryset, leading sort fields, before TIE_BREAK)
    sort: Callable[[QuerySet[Proposal]], tuple[QuerySet[Proposal], tuple[str, ...]]]


_ORDERS: dict[str, ListOrder] = {}


def list_order_register(order: ListOrder) -> None:
    if order.key in _ORDERS and _ORDERS[order.key] != order:
        raise ValueError(f"Two list orders named {order.key!r}")
    _ORDERS[order.key] = order


def list_order_choices() -> list[tuple[str, str]]:
    return [(o.key, o.label) for o in sorted(_ORDERS.values(), key=lambda o: o.position)]


def list_order_apply(qs: QuerySet[Proposal], key: str | None) -> QuerySet[Proposal]:
    """`qs` in the order `key` names (newest when it names none), ties by newest, id."""
    order = _ORDERS.get(key or DEFAULT_ORDER) or _ORDERS[DEFAULT_ORDER]
    qs, leading = order.sort(qs)
    return qs.order_by(*leading, *TIE_BREAK)


def _newest(qs):
    return qs, ()


def _most_commented(qs):
    # The comments everyone can read, as the published report counts them.
    return qs.annotate(public_comments=Count("comments", filter=comments_public_q(
        "comments__"))), ("-public_comments",)


list_order_register(ListOrder(DEFAULT_ORDER, _("Newest first"), 0, _newest))
list_order_register(ListOrder("most_commented", _("Most commented"), 20, _most_commented))
