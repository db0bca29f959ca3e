"""The role verification queue: pending claims with their evidence; verify (with an
optional expiry), reject with a reason; and the verified ones, to change their expiry
or revoke them. The citizen is e-mailed every decision (accounts.services)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services
from accounts.models import ClaimStatus, RoleClaim
from core.form_errors import form_add_service_errors
from dashboard.access import planner_only
from dashboard.action_forms import ClaimDecisionForm

PERMISSION = "accounts.verify_roleclaim"
SHOWN = 100


@planner_only(PERMISSION)
def role_claims(request):
    claims = RoleClaim.objects.select_related("user", "role")
    return render(request, "dashboard/roles.html", {
        "pending": claims.pending().order_by("created_at")[:SHOWN],
        "pending_count": claims.pending().count(),
        "verified": claims.filter(status=ClaimStatus.VERIFIED)
        .select_related("decided_by").order_by("-decided_at")[:SHOWN],
    })


def _end_of(day) -> datetime | None:
    """A date typed in a form means "valid through that day", in the city's time zone."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@planner_only(PERMISSION)
def role_claim(request, pk: int):
    """One claim with its evidence and the decision form; POST records the decision."""
    claim = get_object_or_404(RoleClaim.objects.select_related("user", "role", "decided_by"),
                              pk=pk)
    form = ClaimDecisionForm(request.POST or None, initial={
        "decision": ClaimDecisionForm.VERIFY if claim.status == ClaimStatus.PENDING
        else ClaimDecisionForm.EXPIRY})
    if request.method == "POST" and form.is_valid():
        try:
            _decide(request.user, claim, form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded: %(text)s") % {
                "text": _DONE[form.cleaned_data["decision"]] % {
                    "name": claim.user.public_name, "role": claim.role.name}})
            return redirect("dashboard:roles")
    others = (RoleClaim.objects.filter(user=claim.user).exclude(pk=claim.pk)
              .select_related("role").order_by("-created_at")[:20])
    return render(request, "dashboard/role_claim.html", {
        "claim": claim, "form": form, "others": others,
        "decidable": claim.status in (ClaimStatus.PENDING, ClaimStatus.VERIFIED),
    }, status=400 if request.method == "POST" else 200)


_DONE = {
    ClaimDecisionForm.VERIFY: gettext_lazy("%(name)s is verified as %(role)s."),
    ClaimDecisionForm.REJECT: gettext_lazy("the claim of %(name)s as %(role)s is rejected."),
    ClaimDecisionForm.REVOKE: gettext_lazy("the verification of %(name)s as %(role)s is revoked."),
    ClaimDecisionForm.EXPIRY: gettext_lazy("the verification of %(name)s as %(role)s has a new "
                                "expiry."),
}


def _decide(planner, claim: RoleClaim, data: dict) -> None:
    decision = data["decision"]
    if decision == ClaimDecisionForm.VERIFY:
        services.role_claim_verify(claim_id=claim.pk, planner=planner,
                                   expires_at=_end_of(data["expires_on"]))
    elif decision == ClaimDecisionForm.REJECT:
        services.role_claim_reject(claim_id=claim.pk, planner=planner, reason=data["reason"])
    elif decision == ClaimDecisionForm.REVOKE:
        services.role_claim_revoke(claim_id=claim.pk, planner=planner, reason=data["reason"])
    else:
        services.role_claim_set_expiry(claim_id=claim.pk, planner=planner,
                                       expires_at=_end_of(data["expires_on"]),
                                       reason=data["reason"])
