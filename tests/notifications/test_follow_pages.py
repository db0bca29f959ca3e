"""The pages of following and the bell, as a browser without JavaScript uses them:
the buttons on the proposal and project pages, "what I follow", following an area by
its GeoJSON, the inbox and its links, the settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import follow_selectors as selectors
from notifications.models import Follow, Kind, Preferences
from tests.factories import project_make, proposal_make, user_make
from tests.notifications.test_follow_services import STREET, event_make, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def idea():
    return project_make("idea")


@pytest.fixture
def reader(client):
    user = user_make("rita")
    client.force_login(user)
    return user


def test_follow_a_proposal_from_its_page_and_stop(client, reader, idea):
    proposal = proposal_make(idea, user_make(), title="Benches on Pujades")
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "Follow this proposal" in page
    response = client.post(reverse("notifications:proposal-follow", args=[proposal.pk]),
                           {"next": f"/proposals/{proposal.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/proposals/{proposal.pk}/"
    assert selectors.is_following(reader, proposal)
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "Stop following this proposal" in page
    client.post(reverse("notifications:proposal-unfollow", args=[proposal.pk]))
    assert not selectors.is_following(reader, proposal)


def test_an_author_sees_they_follow_their_own(client, reader, idea):
    proposal = proposal_make(idea, reader)
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "Stop following this proposal" in page and "as its author" in page


def test_next_must_be_this_sites(client, reader, idea):
    proposal = proposal_make(idea, user_make())
    response = client.post(reverse("notifications:proposal-follow", args=[proposal.pk]),
                           {"next": "https://evil.example/"})
    assert response["Location"] == f"/proposals/{proposal.pk}/"


def test_a_hidden_proposal_cannot_be_followed(client, reader, idea):
    proposal = proposal_make(idea, user_make(), is_hidden=True, hidden_reason="Spam.")
    response = client.post(reverse("notifications:proposal-follow", args=[proposal.pk]))
    assert response.status_code == 404 and not Follow.objects.exists()


def test_follow_a_project_from_its_page(client, reader, idea):
    assert "Follow this project" in client.get(
        reverse("proposals:project", args=[idea.slug])).content.decode()
    client.post(reverse("notifications:project-follow", args=[idea.slug]))
    assert "Stop following this project" in client.get(
        reverse("proposals:project", args=[idea.slug])).content.decode()
    client.post(reverse("notifications:project-unfollow", args=[idea.slug]))
    assert not Follow.objects.exists()


def test_visitors_are_asked_to_log_in(client, idea):
    proposal = proposal_make(idea, user_make())
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "to follow this proposal" in page and 'class="bell"' not in page
    response = client.post(reverse("notifications:proposal-follow", args=[proposal.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_what_i_follow_lists_and_stops(client, reader, idea):
    mine = proposal_make(idea, reader, title="My own <b>idea</b>")
    Follow.objects.create(user=reader, municipality_id=idea.municipality_id, area=STREET,
                          name="<script>alert(1)</script>")
    page = client.get(reverse("notifications:follows")).content.decode()
    assert "My own &lt;b&gt;idea&lt;/b&gt;" in page and "you wrote it" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    follow = Follow.objects.get(user=reader)
    other = user_make()
    client.force_login(other)
    assert client.post(reverse("notifications:follow-stop", args=[follow.pk])
                       ).status_code == 404
    client.force_login(reader)
    client.post(reverse("notifications:follow-stop", args=[follow.pk]))
    assert not Follow.objects.filter(area__isnull=False).exists()
    client.post(reverse("notifications:proposal-unfollow", args=[mine.pk]))
    assert "you wrote it" not in client.get(reverse("notifications:follows")).content.decode()


def test_follow_an_area_by_its_geojson(client, reader, idea):
    assert client.get(reverse("notifications:follow-area")).status_code == 200
    response = client.post(reverse("notifications:follow-area"),
                           {"name": "My street", "area": STREET.geojson})
    assert response.status_code == 302
    assert Follow.objects.get(user=reader).name == "My street"


def test_a_bad_area_comes_back_with_its_error_and_name(client, reader, idea):
    response = client.post(reverse("notifications:follow-area"),
                           {"name": "Whole Catalonia", "area": (
                               '{"type": "Polygon", "coordinates": [[[0.5, 40.6], [3.3, 40.6],'
                               ' [3.3, 42.8], [0.5, 42.8], [0.5, 40.6]]]}')})
    assert response.status_code == 400
    page = response.content.decode()
    assert "too large" in page and 'value="Whole Catalonia"' in page
    response = client.post(reverse("notifications:follow-area"), {"name": "Nothing"})
    assert response.status_code == 400 and "Draw an area" in response.content.decode()
    assert not Follow.objects.exists()


def test_the_bell_counts_and_the_inbox_opens_and_marks_read(client, reader, idea):
    proposal = proposal_make(idea, user_make(), title="Shade <i>now</i>")
    published = notify(reader, event_make(Kind.PROPOSAL_PUBLISHED, idea, proposal))
    notify(reader, event_make(Kind.PROPOSAL_STATUS, idea, proposal,
                              data={"status": "accepted"}))
    selectors.unread_forget([reader.pk])
    home = client.get(reverse("proposals:home")).content.decode()
    assert 'aria-label="Notifications: 2 unread"' in home
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "New proposal in Superilla del Poblenou: “Shade &lt;i&gt;now&lt;/i&gt;”" in page
    assert "“Shade &lt;i&gt;now&lt;/i&gt;” is now: Accepted" in page
    response = client.get(reverse("notifications:open", args=[published.pk]))
    assert response.status_code == 302 and response["Location"] == f"/proposals/{proposal.pk}/"
    published.refresh_from_db()
    assert published.read_at is not None
    client.post(reverse("notifications:read-all"))
    selectors.unread_forget([reader.pk])  # the test's transaction never commits
    assert "Nothing unread." in client.get(reverse("notifications:inbox")).content.decode()


def test_someone_elses_notification_is_not_found(client, reader, idea):
    other = user_make()
    theirs = notify(other, event_make(Kind.PHASE_STARTED, idea))
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_is_paginated_newest_first(client, reader, idea):
    for n in range(selectors.INBOX_PAGE + 1):
        notify(reader, event_make(Kind.PROPOSAL_PUBLISHED, idea,
                                  proposal_make(idea, user_make(), title=f"Idea {n:02d}")))
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "Idea 20" in page and "Idea 00" not in page and "Page 1 of 2" in page
    assert "Idea 00" in client.get(reverse("notifications:inbox") + "?page=2").content.decode()


def test_settings_save_cadence_and_kinds(client, reader):
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "A weekly digest" in page
    data = {"cadence": "daily", **{f"in_app_{k}": "on" for k in Kind.values},
            **{f"email_{k}": "on" for k in Kind.values if k != Kind.COMMENT_POSTED}}
    data.pop(f"in_app_{Kind.PROPOSAL_MERGED}")
    assert client.post(reverse("notifications:settings"), data).status_code == 302
    saved = Preferences.objects.get(user=reader)
    assert (saved.cadence, saved.in_app_off, saved.email_off) == (
        "daily", [Kind.PROPOSAL_MERGED], [Kind.COMMENT_POSTED])
    response = client.post(reverse("notifications:settings"), {"cadence": "hourly"})
    assert response.status_code == 400


def test_the_profile_leads_to_the_settings_and_follows(client, reader):
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("notifications:settings") in page and reverse("notifications:follows") in page


def test_the_bell_is_counted_once_then_cached(client, reader, idea):
    """Every page shows the bell: one bounded count, then none while it is cached."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notify(reader, event_make(Kind.PHASE_STARTED, idea))
    selectors.unread_forget([reader.pk])
    seen = []
    for counted in (1, 0):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("proposals:home")).content.decode()
        assert 'aria-label="Notifications: 1 unread"' in page
        bell = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
        assert len(bell) == counted, bell
        seen += bell
    assert "LIMIT 100" in seen[0]  # a person with thousands unread costs no more


def test_a_comment_notice_quotes_it_escaped_and_leads_to_it_until_hidden(
        client, reader, idea):
    from tests.factories import comment_make

    proposal = proposal_make(idea, reader, title="Benches")
    comment = comment_make(proposal, user_make(), "Yes <b>please</b>, by the school.")
    notice = notify(reader, event_make(Kind.COMMENT_POSTED, idea, proposal, comment=comment))
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "New comment on “Benches”" in page
    assert "Yes &lt;b&gt;please&lt;/b&gt;, by the school." in page
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == reverse("proposals:comment", args=[comment.pk])
    type(comment).objects.filter(pk=comment.pk).update(is_hidden=True, hidden_reason="Spam.")
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "by the school" not in page and "This is no longer available." in page
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == reverse("notifications:inbox")
