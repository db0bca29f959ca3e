"""Following a proposal, a project or a drawn area; stopping and resuming; what a person
follows, their own or by default (author, voter); the bell's unread count."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from municipalities.selectors import municipality_default
from notifications import follow_selectors as selectors
from notifications import follow_services as services
from notifications.models import Event, Follow, Kind, Notification, Preferences
from tests.budget_factories import budget_project_make
from tests.factories import project_make, proposal_make, user_make
from voting.budget_services import ballot_submit
from voting.services import vote_cast

pytestmark = pytest.mark.django_db

# About 150 m × 110 m in the test projects' area (tests/factories.py AREA_BBOX).
STREET = Polygon.from_bbox((2.170, 41.390, 2.172, 41.391))


def square(lon: float, lat: float, side: float) -> str:
    """A GeoJSON square of `side` degrees from (lon, lat)."""
    return json.dumps({"type": "Polygon", "coordinates": [[
        [lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side],
        [lon, lat]]]})


def open_to_all(project):
    """Everyone's vote counts (set before voting opens, as the database asks)."""
    from decimal import Decimal

    from voting.models import ProjectVoting

    ProjectVoting.objects.create(project=project, unverified_weight=Decimal("1"))


@pytest.fixture
def idea():
    return project_make("idea")


# ------------------------------------------------------------------ proposals, projects

def test_follow_stop_and_resume_a_proposal(idea):
    author, reader = user_make(), user_make()
    proposal = proposal_make(idea, author)
    assert not selectors.is_following(reader, proposal)
    services.follow_proposal(user=reader, proposal=proposal)
    assert selectors.is_following(reader, proposal)
    services.follow_proposal(user=reader, proposal=proposal)  # twice: still one row
    assert Follow.objects.filter(user=reader, proposal=proposal).count() == 1
    services.proposal_follow_stop(user=reader, proposal=proposal)
    assert not selectors.is_following(reader, proposal)
    services.proposal_follow_resume(user=reader, proposal=proposal)
    assert selectors.is_following(reader, proposal)


def test_authors_and_voters_follow_by_default_and_may_stop():
    project = project_make("vote", phase="voting", before_phases=open_to_all)
    author, voter = user_make(), user_make()
    proposal = proposal_make(project, author)
    vote_cast(user=voter, proposal=proposal, value=1)
    assert selectors.implicit_reason(author, proposal) == "author"
    assert selectors.implicit_reason(voter, proposal) == "voter"
    assert selectors.is_following(author, proposal) and selectors.is_following(voter, proposal)
    assert not Follow.objects.exists()  # by default: no row
    services.proposal_follow_stop(user=voter, proposal=proposal)
    row = Follow.objects.get(user=voter, proposal=proposal)
    assert row.active is False  # the row the fan-out reads as "not this one"
    assert not selectors.is_following(voter, proposal)
    assert [i.proposal for i in selectors.follows_of(voter)] == []
    assert [(i.proposal, i.reason) for i in selectors.follows_of(author)] == [
        (proposal, "author")]


def test_a_budget_ballot_makes_its_voter_a_follower():
    from decimal import Decimal

    made = budget_project_make(unverified_weight=Decimal("1"))
    voter = user_make()
    trees = made.proposals["Trees"]
    ballot_submit(user=voter, budget=made.budgets[None], proposal_ids=[trees.pk])
    assert selectors.implicit_reason(voter, trees) == "voter"
    assert not selectors.is_following(voter, made.proposals["Benches"])
    assert {(i.proposal.pk, i.reason) for i in selectors.follows_of(voter)} == {
        (trees.pk, "voter")}


def test_only_what_one_may_see_can_be_followed(idea):
    author, reader = user_make(), user_make()
    hidden = proposal_make(idea, author, is_hidden=True, hidden_reason="Spam.")
    submitted = proposal_make(idea, author, status="submitted")
    for proposal in (hidden, submitted):
        with pytest.raises(PermissionDenied):
            services.follow_proposal(user=reader, proposal=proposal)
    services.follow_proposal(user=author, proposal=submitted)  # its author sees it
    draft = project_make("draft", visibility="draft")
    with pytest.raises(PermissionDenied):
        services.follow_project(user=reader, project=draft)
    assert not Follow.objects.filter(user=reader).exists()


def test_a_followed_proposal_hidden_since_leaves_the_list(idea):
    author, reader = user_make(), user_make()
    proposal = proposal_make(idea, author)
    services.follow_proposal(user=reader, proposal=proposal)
    assert [i.proposal for i in selectors.follows_of(reader)] == [proposal]
    type(proposal).objects.filter(pk=proposal.pk).update(is_hidden=True, hidden_reason="x")
    assert selectors.follows_of(reader) == []


def test_follow_and_stop_a_project(idea):
    reader = user_make()
    services.follow_project(user=reader, project=idea)
    services.follow_project(user=reader, project=idea)
    assert selectors.is_following_project(reader, idea)
    assert [(i.what, i.project) for i in selectors.follows_of(reader)] == [("project", idea)]
    assert services.project_follow_stop(user=reader, project=idea) == 1
    assert not selectors.is_following_project(reader, idea)


def test_the_database_keeps_one_row_per_person_and_proposal(idea):
    reader = user_make()
    proposal = proposal_make(idea, user_make())
    services.follow_proposal(user=reader, proposal=proposal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(user=reader, proposal=proposal,
                              municipality=municipality_default())


def test_follow_stop_is_only_for_ones_own(idea):
    reader, other = user_make(), user_make()
    follow = services.follow_project(user=reader, project=idea)
    with pytest.raises(PermissionDenied):
        services.follow_stop(user=other, follow=follow)
    services.follow_stop(user=reader, follow=follow)
    assert not Follow.objects.exists()


# ------------------------------------------------------------------------------ areas

def test_follow_an_area(idea):
    reader = user_make()
    follow = services.follow_area(user=reader, municipality=municipality_default(),
                                  area=STREET.geojson, name="  My street ")
    assert follow.name == "My street" and follow.area.equals_exact(STREET, 1e-9)
    items = selectors.follows_of(reader)
    assert [(i.what, i.follow.name) for i in items] == [("area", "My street")]
    collection = selectors.areas_feature_collection(items)
    assert collection["features"][0]["properties"] == {"name": "My street"}


@pytest.mark.parametrize(("area", "field", "words"), [
    ("not json", "area", "Draw an area"),
    (json.dumps({"type": "Point", "coordinates": [2.17, 41.39]}), "area", "three corners"),
    # A bow tie: its sides cross.
    (json.dumps({"type": "Polygon", "coordinates": [[[2.17, 41.39], [2.172, 41.391],
                                                     [2.172, 41.39], [2.17, 41.391],
                                                     [2.17, 41.39]]]}), "area", "crosses"),
    (square(2.10, 41.35, 0.1), "area", "too large"),  # ~ 93 km²
    (square(-3.70, 40.41, 0.002), "area", "outside"),  # Madrid
])
def test_a_bad_area_is_refused_clearly(idea, area, field, words):
    with pytest.raises(ValidationError) as caught:
        services.follow_area(user=user_make(), municipality=municipality_default(),
                             area=area, name="Here")
    assert words in " ".join(caught.value.message_dict[field])
    assert not Follow.objects.exists()


def test_an_area_needs_a_name(idea):
    with pytest.raises(ValidationError) as caught:
        services.follow_area(user=user_make(), municipality=municipality_default(),
                             area=STREET.geojson, name="  ")
    assert "name" in caught.value.message_dict


def test_an_area_inside_the_city_outside_every_project_is_followed():
    """The municipality's own outline counts, not only its projects' areas."""
    from django.contrib.gis.geos import MultiPolygon

    city = municipality_default()
    city.area = MultiPolygon(Polygon.from_bbox((2.0, 41.3, 2.3, 41.5)), srid=4326)
    city.save()
    services.follow_area(user=user_make(), municipality=city, area=STREET.geojson,
                         name="Mine")


def test_one_person_follows_a_bounded_number_of_areas(idea, monkeypatch):
    monkeypatch.setattr(services, "AREAS_MAX", 2)
    reader = user_make()
    for name in ("One", "Two"):
        services.follow_area(user=reader, municipality=municipality_default(),
                             area=STREET.geojson, name=name)
    with pytest.raises(ValidationError, match="stop following one"):
        services.follow_area(user=reader, municipality=municipality_default(),
                             area=STREET.geojson, name="Three")


# ---------------------------------------------------------------------- the bell

def event_make(kind, project, proposal=None, **fields) -> Event:
    return Event.objects.create(kind=kind, municipality_id=project.municipality_id,
                                project=project, proposal=proposal, **fields)


def notify(user, event, **fields) -> Notification:
    return Notification.objects.create(user=user, event=event, reason="proposal",
                                       email="off", **fields)


def test_unread_count_counts_in_app_unread_and_is_forgotten_on_read(
        idea, django_capture_on_commit_callbacks):
    reader = user_make()
    proposal = proposal_make(idea, user_make())
    for _ in range(3):
        notify(reader, event_make(Kind.COMMENT_POSTED, idea, proposal))
    notify(reader, event_make(Kind.PROPOSAL_STATUS, idea, proposal), in_app=False)
    selectors.unread_forget([reader.pk])
    assert selectors.unread_count(reader) == 3
    with django_capture_on_commit_callbacks(execute=True):
        first = selectors.inbox(reader).last()
        assert services.notifications_mark_read(user=reader, ids=[first.pk]) == 1
    assert selectors.unread_count(reader) == 2  # forgotten on commit, counted again
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_mark_read(user=reader)
    assert selectors.unread_count(reader) == 0


def test_unread_count_stops_past_the_cap(idea, monkeypatch):
    monkeypatch.setattr(selectors, "UNREAD_CAP", 2)
    reader = user_make()
    for _ in range(5):
        notify(reader, event_make(Kind.PROPOSAL_PUBLISHED, idea, proposal_make(idea, reader)))
    selectors.unread_forget([reader.pk])
    assert selectors.unread_count(reader) == 3  # the bell shows "2+"


def test_the_inbox_hides_what_became_hidden(idea):
    reader = user_make()
    proposal = proposal_make(idea, user_make(), title="Benches")
    notify(reader, event_make(Kind.PROPOSAL_PUBLISHED, idea, proposal))
    [item] = selectors.inbox_items(reader, selectors.inbox(reader))
    assert item.available and item.proposal == proposal
    assert selectors.notification_target(item) == f"/proposals/{proposal.pk}/"
    type(proposal).objects.filter(pk=proposal.pk).update(is_hidden=True, hidden_reason="x")
    [item] = selectors.inbox_items(reader, selectors.inbox(reader))
    assert not item.available and item.proposal is None
    assert selectors.notification_target(item) is None


# -------------------------------------------------------------------- preferences

def test_preferences_default_and_saved():
    reader = user_make()
    assert selectors.preferences_of(reader).cadence == "weekly"
    services.preferences_save(user=reader, cadence="daily", in_app_off=[],
                              email_off=[Kind.COMMENT_POSTED, Kind.COMMENT_POSTED])
    saved = Preferences.objects.get(user=reader)
    assert (saved.cadence, saved.in_app_off, saved.email_off) == (
        "daily", [], [Kind.COMMENT_POSTED])
    with pytest.raises(ValidationError):
        services.preferences_save(user=reader, cadence="hourly", in_app_off=[], email_off=[])
    with pytest.raises(ValidationError):
        services.preferences_save(user=reader, cadence="daily", in_app_off=["nonsense"],
                                  email_off=[])
