"""What proposals holds about a person, for their export and erasure
(accounts/privacy_registry.py): their proposals, their comments, and their reports of
others' proposals and comments.

Erasure keeps the public debate: proposals and comments stay, as "a former
participant's" (their author becomes NULL), since others replied to them, voted on
them and planners answered them. Reports of posts are deleted: they say what the
person thought of someone else's words, and their purpose ends with the account.
Moderations a planner made stay, without the planner's name (their actor is SET NULL).
Registered by `ProposalsConfig.ready()`.
"""

from __future__ import annotations

import json

from accounts.privacy_registry import PrivacySection, iso_or_none, privacy_section_register
from proposals.models import Comment, CommentFlag, Flag, Proposal


def _proposals_export(user) -> list:
    return [
        {"id": p.pk, "project": p.project.title, "title": p.title, "body": p.body,
         "category": p.category.name, "status": p.status,
         "geometry": json.loads(p.geometry.json),
         "hidden": p.is_hidden, "created_at": iso_or_none(p.created_at)}
        for p in Proposal.objects.filter(author=user)
        .select_related("project", "category").order_by("pk")]


def _proposals_erase(user) -> None:
    Proposal.objects.filter(author=user).update(author=None)


def _comments_export(user) -> list:
    return [
        {"id": c.pk, "proposal": c.proposal_id, "in_reply_to": c.parent_id,
         "body": c.body, "deleted": c.is_deleted, "hidden": c.is_hidden,
         "created_at": iso_or_none(c.created_at), "edited_at": iso_or_none(c.edited_at)}
        for c in Comment.objects.filter(author=user).order_by("pk")]


def _comments_erase(user) -> None:
    Comment.objects.filter(author=user).update(author=None)


def _flags_export(user) -> list:
    return [
        *({"proposal": f.proposal_id, "reason": f.reason, "at": iso_or_none(f.created_at)}
          for f in Flag.objects.filter(user=user).order_by("pk")),
        *({"comment": f.comment_id, "reason": f.reason, "at": iso_or_none(f.created_at)}
          for f in CommentFlag.objects.filter(user=user).order_by("pk")),
    ]


def _flags_erase(user) -> None:
    Flag.objects.filter(user=user).delete()
    CommentFlag.objects.filter(user=user).delete()


privacy_section_register(PrivacySection(
    name="proposals", order=40, export=_proposals_export, erase=_proposals_erase,
    covers=("proposals.Proposal.author",)))
privacy_section_register(PrivacySection(
    name="comments", order=50, export=_comments_export, erase=_comments_erase,
    covers=("proposals.Comment.author",)))
privacy_section_register(PrivacySection(
    name="reports_of_content", order=70, export=_flags_export, erase=_flags_erase,
    covers=("proposals.Flag.user", "proposals.CommentFlag.user")))
