"""An energy community's sharing options are voted on by its members: only a user with
an active pledge to the community may vote on them (proposals/vote_gates.py). Members'
votes weigh as any other in Plaza: by their verified role in the project.

A vote cast while the member's pledge was active stays when they withdraw it later, as
a resident's vote stays when they move away; the member may take it back (withdrawing
a vote is never gated). Any other proposal of the project, and every other project, is
left alone. Registered by `EnergyConfig.ready()`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from energy.models import Pledge, PledgeStatus, SharingOption
from proposals.vote_gates import vote_gate_register


def members_only(user, proposal) -> str | None:
    """Why `user` may not vote on `proposal`, when it is a community's sharing option and
    they have no active pledge to that community; else None. One query."""
    if not getattr(user, "is_authenticated", False):
        return None  # voting itself asks them to log in
    pledges = Pledge.objects.filter(community=OuterRef("community"), member=user)
    option = (SharingOption.objects.filter(proposal_id=proposal.pk)
              .annotate(active=Exists(pledges.filter(status=PledgeStatus.ACTIVE)),
                        pledged=Exists(pledges))
              .values("active", "pledged").first())
    if option is None or option["active"]:
        return None
    if option["pledged"]:
        return _("You withdrew your pledge to this energy community: only members with "
                 "an active pledge vote on its sharing options.")
    return _("Only the energy community's members vote on its sharing options: pledge "
             "your roof or your consumption to the community to vote.")


vote_gate_register(members_only, proposals_in=(SharingOption._meta.db_table, "proposal_id"))
