"""Reads of municipalities, regions and areas."""

from django.db.models import QuerySet

from core import tenancy
from municipalities.models import Area, AreaLevel, Municipality, Region


def municipality_default() -> Municipality:
    """The municipality that answers requests with no host name or prefix of its own."""
    return Municipality.objects.get(is_default=True)


def municipality_current_or_default_id() -> int:
    """The id a new project, dataset or role belongs to when its maker names none: the
    municipality being served, else the default one (the shell, the demo's loader)."""
    current = tenancy.current_id()
    if current is not None:
        return current
    return Municipality.objects.filter(is_default=True).values_list("pk", flat=True).get()


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("region").order_by("name")


def region_municipalities(region: Region) -> QuerySet[Municipality]:
    return region.municipalities.order_by("name")


def area_tree(municipality: Municipality) -> list[dict]:
    """Districts with their neighbourhoods, in name order: [{area, children: […]}, …]."""
    areas = list(Area.objects.filter(municipality=municipality).defer("geometry")
                 .order_by("level", "name"))
    children: dict[int, list] = {}
    for area in areas:
        if area.parent_id:
            children.setdefault(area.parent_id, []).append(area)
    return [{"area": area, "children": children.get(area.pk, [])}
            for area in areas if area.level == AreaLevel.DISTRICT]
