"""The demo city: personas, roles, verified claims; loading twice changes nothing."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import RoleClaim, StakeholderRole, User
from accounts.selectors import voting_weight_resolve
from dashboard.demo import DATA_DIR, DEMO_PASSWORD, PERSONAS, demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_has_each_persona_with_its_verified_role(settings):
    demo_load()
    assert User.objects.count() == len(PERSONAS)
    expert = User.objects.get(username="expert")
    assert voting_weight_resolve(user=expert).role.slug == "expert"
    assert voting_weight_resolve(user=User.objects.get(username="citizen")).role is None
    planner = User.objects.get(username="planner")
    assert planner.is_planner and not planner.is_superuser
    assert authenticate(username="resident", password=DEMO_PASSWORD) is not None


def test_loading_the_demo_twice_creates_nothing_more():
    demo_load()
    counts = (User.objects.count(), StakeholderRole.objects.count(), RoleClaim.objects.count())
    demo_load()
    assert counts == (User.objects.count(), StakeholderRole.objects.count(),
                      RoleClaim.objects.count())


def test_the_command_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_the_demo_data_carries_its_attribution():
    attribution = (DATA_DIR / "ATTRIBUTION.md").read_text()
    assert "Open Data BCN" in attribution and "CC BY 4.0" in attribution
    assert (DATA_DIR / "districtes.zip").exists()
