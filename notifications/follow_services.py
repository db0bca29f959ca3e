"""Following: a proposal, a project or an area drawn on the map, stopping and resuming;
and how a person wants to hear (their preferences).

Only what the follower may see can be followed (the proposals' own access rules). Authors
and voters follow their proposals without a row (models.py); stopping is a row with
`active=False`, kept even for someone who follows nothing by default, so that a vote
cast later does not bring back what they asked to stop hearing. Stopping a project or an
area deletes its row.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.follow_selectors import unread_forget
from notifications.models import Cadence, Follow, Kind, Notification, Preferences
from proposals import selectors as proposal_selectors
from proposals.models import Project, Proposal

# An area larger than this is not "my street": 25 km² (a fifth of Barcelona's districts
# together would be larger). A clear error rather than a digest of a whole city.
AREA_MAX_M2 = 25_000_000
# How many areas one person may follow in one municipality.
AREAS_MAX = 20
NAME_MAX = Follow._meta.get_field("name").max_length


# ------------------------------------------------------------------ proposals, projects

def _readable_proposal(user, proposal: Proposal) -> None:
    if not proposal_selectors.proposals_readable(user=user).filter(pk=proposal.pk).exists():
        raise PermissionDenied(_("You cannot follow this proposal."))


def follow_proposal(*, user, proposal: Proposal) -> Follow:
    """Follow a proposal the user may see (again, after stopping: the same row, active)."""
    _readable_proposal(user, proposal)
    follow, _created = Follow.objects.update_or_create(
        user=user, proposal=proposal,
        defaults={"active": True, "municipality_id": proposal.project.municipality_id})
    return follow


# Resuming is following again: the row becomes active.
proposal_follow_resume = follow_proposal


def proposal_follow_stop(*, user, proposal: Proposal) -> Follow:
    """Stop hearing of a proposal, whether followed explicitly or as its author or voter:
    an inactive row, which the fan-out reads as "not this one"."""
    follow, _created = Follow.objects.update_or_create(
        user=user, proposal=proposal,
        defaults={"active": False, "municipality_id": proposal.project.municipality_id})
    return follow


def follow_project(*, user, project: Project) -> Follow:
    if not Project.objects.visible_to(user).filter(pk=project.pk).exists():
        raise PermissionDenied(_("You cannot follow this project."))
    follow, _created = Follow.objects.get_or_create(
        user=user, project=project, defaults={"municipality_id": project.municipality_id})
    return follow


def project_follow_stop(*, user, project: Project) -> int:
    """Stop following a project; how many rows went (0: it was not followed)."""
    deleted, _by_model = Follow.objects.filter(user=user, project=project).delete()
    return deleted


def follow_stop(*, user, follow: Follow) -> None:
    """Stop one of the user's follows (the "what I follow" page)."""
    if follow.user_id != user.pk:
        raise PermissionDenied(_("This is not one of your follows."))
    if follow.proposal_id is not None:
        Follow.objects.filter(pk=follow.pk).update(active=False)
    else:
        Follow.objects.filter(pk=follow.pk).delete()


# ------------------------------------------------------------------------------ areas

def area_parse(text: str) -> Polygon:
    """A GeoJSON Polygon in longitude/latitude (what the drawing map writes) → a valid
    polygon; a clear error for anything else."""
    try:
        geometry = GEOSGeometry(text, srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise ValidationError({"area": _("Draw an area on the map.")}) from exc
    if geometry.geom_type != "Polygon" or geometry.empty:
        raise ValidationError({"area": _("Draw an area on the map: one shape with at least "
                                         "three corners.")})
    if not geometry.valid:
        raise ValidationError({"area": _("The area crosses itself: draw it again without "
                                         "crossing lines.")})
    return geometry


def _area_m2(area: Polygon) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Area(ST_GeomFromEWKB(%s)::geography)", [area.ewkb])
        return cursor.fetchone()[0]


def _inside_municipality(municipality, area: Polygon) -> bool:
    """The area touches the municipality's own bounds, or one of its projects' areas."""
    if municipality.area is not None and municipality.area.intersects(area):
        return True
    return Project.objects.filter(municipality=municipality,
                                  area__intersects=area).exists()


def follow_area(*, user, municipality, area: Polygon | str, name: str) -> Follow:
    """Follow what happens inside an area the user drew, named by them."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to follow an area."))
    if isinstance(area, str):
        area = area_parse(area)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the area a name, such as “my street”.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name is too long: at most %(max)d characters.") % {
            "max": NAME_MAX}
    if errors:
        raise ValidationError(errors)
    if _area_m2(area) > AREA_MAX_M2:
        raise ValidationError({"area": _(
            "The area is too large: follow at most %(km2)d km² (a neighbourhood, not a "
            "city).") % {"km2": AREA_MAX_M2 // 1_000_000}})
    if not _inside_municipality(municipality, area):
        raise ValidationError({"area": _("The area is outside %(city)s: draw it on the "
                                         "city's map.") % {"city": municipality.name}})
    with transaction.atomic():
        # One person's areas in one city, counted under a lock on the person's row so
        # that two tabs saving at once cannot pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        held = Follow.objects.filter(user=user, municipality=municipality,
                                     area__isnull=False).count()
        if held >= AREAS_MAX:
            raise ValidationError({"area": _(
                "You follow %(max)d areas already: stop following one first.") % {
                "max": AREAS_MAX}})
        return Follow.objects.create(user=user, municipality=municipality, area=area,
                                     name=name)


# ---------------------------------------------------------------------- the inbox

def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (`ids`: only these; None: all of them)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    marked = qs.update(read_at=timezone.now())
    if marked:
        transaction.on_commit(lambda: unread_forget([user.pk]))
    return marked


# -------------------------------------------------------------------- preferences

def preferences_save(*, user, cadence: str, in_app_off, email_off) -> Preferences:
    """How the user wants to hear: the e-mail cadence, and the kinds switched off in the
    bell and by e-mail. Applies to what is notified from now on."""
    kinds = set(Kind.values)
    if cadence not in Cadence.values:
        raise ValidationError({"cadence": _("Choose how often to get e-mails.")})
    in_app_off, email_off = sorted(set(in_app_off)), sorted(set(email_off))
    if not set(in_app_off) <= kinds or not set(email_off) <= kinds:
        raise ValidationError(_("Unknown kind of notification."))
    preferences, _created = Preferences.objects.update_or_create(
        user=user, defaults={"cadence": cadence, "in_app_off": in_app_off,
                             "email_off": email_off})
    return preferences

