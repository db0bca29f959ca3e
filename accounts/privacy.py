"""A participant's rights over their data (GDPR arts. 15, 17 and 20): a copy, and erasure.

`personal_data_export` gathers everything Plaza holds about one user into one JSON
document: profile (with the language of their e-mails), e-mail addresses, role claims,
proposals, comments, votes, reports.

`account_erase` deletes the user. What they contributed to the public debate stays, with
no name on it: proposals and comments become "a former participant's" (their author
becomes NULL), and votes stay in every tally with their weight but without a voter, so
no result changes. What identifies them goes: the user row, e-mail addresses, role
claims with their evidence files, API tokens and their reports of others'
posts. Planners' decisions that name them as the decider keep the decision, not the name.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT_VERSION = 1


def _iso(value):
    return value.isoformat() if value else None


def personal_data_export(*, user) -> dict:
    """Everything Plaza holds about `user`, as JSON-ready data."""
    from allauth.account.models import EmailAddress

    from proposals.models import Comment, CommentFlag, Flag, Proposal
    from voting.models import Vote

    return {
        "format": f"plaza-personal-data/{FORMAT_VERSION}",
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "username": user.username, "display_name": user.display_name,
            "email": user.email, "language": user.email_language,
            "first_name": user.first_name, "last_name": user.last_name,
            "date_joined": _iso(user.date_joined), "last_login": _iso(user.last_login),
            "terms_version": user.terms_version,
            "terms_accepted_at": _iso(user.terms_accepted_at),
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")],
        "role_claims": [
            {"role": c.role.name, "status": c.status, "evidence": c.evidence,
             "evidence_file": c.evidence_file.name.rsplit("/", 1)[-1] or None,
             "created_at": _iso(c.created_at), "decided_at": _iso(c.decided_at),
             "decision_reason": c.decision_reason, "expires_at": _iso(c.expires_at)}
            for c in user.role_claims.select_related("role").order_by("pk")],
        "proposals": [
            {"id": p.pk, "project": p.project.title, "title": p.title, "body": p.body,
             "category": p.category.name, "status": p.status,
             "geometry": json.loads(p.geometry.json),
             "hidden": p.is_hidden, "created_at": _iso(p.created_at)}
            for p in Proposal.objects.filter(author=user)
            .select_related("project", "category").order_by("pk")],
        "comments": [
            {"id": c.pk, "proposal": c.proposal_id, "in_reply_to": c.parent_id,
             "body": c.body, "deleted": c.is_deleted, "hidden": c.is_hidden,
             "created_at": _iso(c.created_at), "edited_at": _iso(c.edited_at)}
            for c in Comment.objects.filter(author=user).order_by("pk")],
        "votes": [
            {"proposal": v.proposal_id, "proposal_title": v.proposal.title,
             "value": v.value, "weight": str(v.weight),
             "role": v.role.name if v.role else None,
             "cast_at": _iso(v.created_at), "changed_at": _iso(v.updated_at)}
            for v in Vote.objects.filter(user=user).select_related("proposal", "role")
            .order_by("pk")],
        "reports_of_content": [
            *({"proposal": f.proposal_id, "reason": f.reason, "at": _iso(f.created_at)}
              for f in Flag.objects.filter(user=user).order_by("pk")),
            *({"comment": f.comment_id, "reason": f.reason, "at": _iso(f.created_at)}
              for f in CommentFlag.objects.filter(user=user).order_by("pk")),
        ],
    }


def account_erase(*, user, password: str) -> None:
    """Erase `user` (who confirms with their password); see the module's docstring."""
    if not user.is_authenticated or not user.check_password(password or ""):
        raise ValidationError({"password": _("The password is not right.")})
    if user.is_superuser:
        raise ValidationError(_("A site administrator's account is erased by another "
                                "administrator, so that the site always has one."))
    files = [c.evidence_file for c in user.role_claims.exclude(evidence_file="")]
    with transaction.atomic():
        # Other sessions of the user end by themselves: their user no longer exists.
        # Votes, proposals, comments and decisions: SET NULL (their foreign keys say so);
        # claims, flags, e-mail addresses and tokens: deleted with the user.
        get_user_model().objects.filter(pk=user.pk).delete()
        # Evidence files go only once the deletion is sure to stay.
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])

