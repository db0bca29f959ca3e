"""What accounts holds about a person, for their export and erasure (accounts/privacy_registry.py):
the profile, the e-mail addresses, the role claims and their evidence files.

Erasure deletes all of it. Claims a planner decided about *other* people keep the
decision, not the planner's name (`RoleClaim.decided_by` is SET NULL). Registered by
`AccountsConfig.ready()`.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.privacy_registry import PrivacySection, iso_or_none, privacy_section_register


def _profile_export(user) -> dict:
    return {
        "username": user.username, "display_name": user.display_name,
        "email": user.email, "language": user.email_language,
        "first_name": user.first_name, "last_name": user.last_name,
        "date_joined": iso_or_none(user.date_joined), "last_login": iso_or_none(user.last_login),
        "terms_version": user.terms_version,
        "terms_accepted_at": iso_or_none(user.terms_accepted_at),
    }


def _profile_erase(user) -> None:
    # The user row, and with it what Django and its add-ons keep on it (CASCADE): the
    # API token, group and permission links, the admin's log of their own changes.
    # Their other sessions end by themselves: their user no longer exists.
    get_user_model().objects.filter(pk=user.pk).delete()


def _addresses_export(user) -> list:
    return [{"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")]


def _addresses_erase(user) -> None:
    # With them go their pending confirmations (CASCADE).
    EmailAddress.objects.filter(user=user).delete()


def _claims_export(user) -> list:
    return [
        {"role": c.role.name, "status": c.status, "evidence": c.evidence,
         "evidence_file": c.evidence_file.name.rsplit("/", 1)[-1] or None,
         "created_at": iso_or_none(c.created_at), "decided_at": iso_or_none(c.decided_at),
         "decision_reason": c.decision_reason, "expires_at": iso_or_none(c.expires_at)}
        for c in user.role_claims.select_related("role").order_by("pk")]


def _claims_erase(user) -> None:
    files = [c.evidence_file for c in user.role_claims.exclude(evidence_file="")]
    user.role_claims.all().delete()
    # Evidence files go only once the deletion is sure to stay.
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])


privacy_section_register(PrivacySection(
    name="profile", order=10, export=_profile_export, erase=_profile_erase,
    covers=("authtoken.Token.user", "accounts.User_groups.user",
            "accounts.User_user_permissions.user", "admin.LogEntry.user")))
privacy_section_register(PrivacySection(
    name="email_addresses", order=20, export=_addresses_export, erase=_addresses_erase,
    covers=("account.EmailAddress.user",)))
privacy_section_register(PrivacySection(
    name="role_claims", order=30, export=_claims_export, erase=_claims_erase,
    covers=("accounts.RoleClaim.user",)))
