"""The whole journey of following and finding, end to end through the services and the
API: a resident draws their street and follows it; a neighbour proposes there; the
resident's weekly digest tells them; they find the street by name; and, proposing the
same idea 30 m away, they are told it already exists."""

import json

import pytest
from django.contrib.gis.geos import Polygon
from django.urls import reverse

from notifications import delivery, follow_services
from notifications.models import Notification
from proposals import services
from tests.e2e.places_world import streets_make
from tests.factories import project_make, user_make
from tests.notifications.delivery_helpers import fan_out_all

# Around "Carrer de la Plaça Gran" (tests/e2e/places_world.py), inside the project's area.
MY_STREET = Polygon.from_bbox((2.189, 41.419, 2.199, 41.426))
MY_STREET.srid = 4326
ON_THE_STREET = {"type": "Point", "coordinates": [2.1925, 41.4215]}
THIRTY_M_NORTH = {"type": "Point", "coordinates": [2.1925, 41.42177]}  # 0.00027° ≈ 30 m


@pytest.mark.django_db
def test_a_resident_follows_their_street_hears_weekly_finds_it_and_meets_the_duplicate(
        client, mailoutbox):
    project = project_make("my-street")
    streets_make()
    resident, neighbour = user_make("resident"), user_make("neighbour")
    follow_services.follow_area(user=resident, municipality=project.municipality,
                                area=MY_STREET, name="My street")

    idea = services.proposal_create(
        project=project, author=neighbour, title="Benches on Carrer de la Plaça Gran",
        body="Somewhere to rest in the shade.", category="green", geometry=ON_THE_STREET)
    fan_out_all()
    notice = Notification.objects.get(user=resident)
    assert (notice.reason, notice.email) == ("area", "weekly")

    # Monday: the weekly digest, composed once and sent in batches, tells the resident.
    run = delivery.digest_compose(cadence="weekly")
    sent = sum(delivery.digest_send_batch(run_id=run.pk, first=first, last=last)
               for first, last in delivery.digest_ranges(run))
    assert sent == 1
    [mail] = mailoutbox
    assert mail.to == [resident.email]
    assert "Benches on Carrer de la Plaça Gran" in mail.body
    assert f"/proposals/{idea.pk}/" in mail.body
    assert "List-Unsubscribe" in mail.extra_headers

    # They find the street by name, typed without accents.
    found = client.get(reverse("api:place-list"), {"search": "placa gran"}).json()
    assert found["features"][0]["properties"]["name"] == "Carrer de la Plaça Gran"

    # Proposing the same idea 30 m up the street, they are told it exists.
    client.force_login(resident)
    similar = client.get(reverse("api:project-similar", args=[project.pk]), {
        "title": "Benches for Carrer de la Placa Gran",
        "geometry": json.dumps(THIRTY_M_NORTH)}).json()
    assert similar[0]["id"] == idea.pk
    assert 25 <= similar[0]["distance_m"] <= 35
