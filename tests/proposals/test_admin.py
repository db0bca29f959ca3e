"""Planners set up projects in the admin; the moderation queue lists reported proposals."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from proposals import services
from proposals.models import Project
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db
T0 = datetime(2027, 1, 1, 9, 0)


def day(n):
    return T0 + timedelta(days=n)


def test_phases_in_order_pass():
    services.phases_check([("ideation", day(0), day(30)), ("voting", day(30), day(45))])


@pytest.mark.parametrize("phases, message", [
    ([("ideation", day(0), day(30)), ("voting", day(20), day(40))], "starts before"),
    ([("ideation", day(10), day(5))], "open before it closes"),
    ([("voting", day(0), day(10)), ("ideation", day(10), day(20))], "follow each other"),
    ([("ideation", day(0), day(5)), ("ideation", day(5), day(9))], "once"),
])
def test_bad_phases_are_explained(phases, message):
    with pytest.raises(ValidationError, match=message):
        services.phases_check(phases)


def project_form(**overrides):
    data = {
        "slug": "raval", "title_en": "Raval squares", "description_en": "Squares.",
        "visibility": "public",
        "area": '{"type": "MultiPolygon", "coordinates": [[[[2.16, 41.37], [2.18, 41.37], '
                '[2.18, 41.39], [2.16, 41.39], [2.16, 41.37]]]]}',
        "phases-TOTAL_FORMS": "2", "phases-INITIAL_FORMS": "0",
        "phases-0-kind": "ideation", "phases-0-starts_at_0": "2027-01-01",
        "phases-0-starts_at_1": "09:00", "phases-0-ends_at_0": "2027-02-01",
        "phases-0-ends_at_1": "09:00",
        "phases-1-kind": "voting", "phases-1-starts_at_0": "2027-02-01",
        "phases-1-starts_at_1": "09:00", "phases-1-ends_at_0": "2027-02-15",
        "phases-1-ends_at_1": "09:00",
        "categories-TOTAL_FORMS": "1", "categories-INITIAL_FORMS": "0",
        "categories-0-slug": "green", "categories-0-name_en": "Green",
        "categories-0-color": "#00aa00", "categories-0-position": "0",
    }
    data.update(overrides)
    return data


def test_a_planner_sets_up_a_project_with_phases_and_categories(client, planner):
    client.force_login(planner)
    response = client.post(reverse("admin:proposals_project_add"), project_form())
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    project = Project.objects.get(slug="raval")
    assert [p.kind for p in project.phases.all()] == ["ideation", "voting"]
    assert project.area.geom_type == "MultiPolygon"


def test_overlapping_phases_in_the_admin_are_an_error_not_a_crash(client, planner):
    client.force_login(planner)
    response = client.post(reverse("admin:proposals_project_add"),
                           project_form(**{"phases-1-starts_at_0": "2027-01-20"}))
    assert response.status_code == 200
    assert "starts before the ideation phase ends" in response.content.decode()
    assert not Project.objects.exists()


def test_citizens_have_no_admin(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("admin:proposals_project_add"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_dashboard_lists_reported_proposals_most_reported_first(client, planner, citizen):
    project = project_make()
    once = proposal_make(project, citizen, title="Reported once")
    twice = proposal_make(project, citizen, title="Reported twice")
    services.proposal_flag(proposal=once, user=user_make(), reason="Spam")
    for _ in range(2):
        services.proposal_flag(proposal=twice, user=user_make(), reason="Rude")
    proposal_make(project, citizen, title="Never reported")
    client.force_login(planner)
    html = client.get(reverse("dashboard:index")).content.decode()
    assert html.index("Reported twice") < html.index("Reported once")
    assert "Never reported" not in html


def change_form(project, **overrides):
    """The admin's change form of `project` as the page would post it, untouched."""
    from django.utils import timezone
    data = {"slug": project.slug, "title_en": project.title_en,
            "description_en": project.description_en, "visibility": project.visibility,
            "area": project.area.geojson}
    phases = list(project.phases.all())
    data |= {"phases-TOTAL_FORMS": str(len(phases)),
             "phases-INITIAL_FORMS": str(len(phases))}
    for i, phase in enumerate(phases):
        start, end = timezone.localtime(phase.starts_at), timezone.localtime(phase.ends_at)
        data |= {f"phases-{i}-id": phase.pk, f"phases-{i}-project": project.pk,
                 f"phases-{i}-kind": phase.kind,
                 f"phases-{i}-starts_at_0": f"{start:%Y-%m-%d}",
                 f"phases-{i}-starts_at_1": f"{start:%H:%M:%S}",
                 f"phases-{i}-ends_at_0": f"{end:%Y-%m-%d}",
                 f"phases-{i}-ends_at_1": f"{end:%H:%M:%S}"}
    categories = list(project.categories.all())
    data |= {"categories-TOTAL_FORMS": str(len(categories)),
             "categories-INITIAL_FORMS": str(len(categories))}
    for i, c in enumerate(categories):
        data |= {f"categories-{i}-id": c.pk, f"categories-{i}-project": project.pk,
                 f"categories-{i}-slug": c.slug, f"categories-{i}-name_en": c.name_en,
                 f"categories-{i}-color": c.color, f"categories-{i}-position": c.position}
    return data | overrides


def test_a_project_changed_in_the_admin_is_logged_by_the_set_up_service(client, planner):
    from audit.models import AuditEntry
    project = project_make(phase="voting")
    client.force_login(planner)
    response = client.post(reverse("admin:proposals_project_change", args=[project.pk]),
                           change_form(project, title_en="Superilla, second round"))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert Project.objects.get().title == "Superilla, second round"
    entry = AuditEntry.objects.get()
    # What dashboard.project_services.project_save writes: the field, before and after.
    assert (entry.action, entry.actor_id, entry.project_id) == ("project.update",
                                                                planner.pk, project.pk)
    assert entry.details == {"title": ["Superilla del Poblenou", "Superilla, second round"]}


@pytest.mark.quality("admin-second-write-path")
def test_what_the_set_up_service_refuses_is_a_message_and_nothing_changes(client, planner):
    from audit.models import AuditEntry
    project = project_make(phase="voting")
    client.force_login(planner)
    response = client.post(reverse("admin:proposals_project_change", args=[project.pk]),
                           change_form(project, title_en="Renamed", slug="new",
                                       **{"categories-0-color": "#000000"}), follow=True)
    assert response.status_code == 200
    assert ["Give the project an address made of letters and digits (not “new”)."] == [
        str(m) for m in response.context["messages"]]
    project.refresh_from_db()
    assert (project.title, project.slug) == ("Superilla del Poblenou", "plaza-test")
    assert project.categories.get(slug="green").color == "#2e7d32"
    assert not AuditEntry.objects.exists()


def test_the_comment_admin_shows_its_moderation_from_the_audit_log(client, planner, citizen):
    from proposals import comment_services
    from tests.factories import comment_make
    comment = comment_make(proposal_make(project_make(), citizen), citizen)
    comment_services.comment_hide(comment=comment, planner=planner, reason="Insults a neighbour.")
    client.force_login(planner)
    html = client.get(reverse("admin:proposals_comment_change", args=[comment.pk])).content
    assert "Comment hidden · planner: Insults a neighbour." in html.decode()
