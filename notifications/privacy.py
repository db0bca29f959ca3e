"""What notifications holds about a person, for their export and erasure
(accounts/privacy_registry.py): what they follow (areas drawn included), their
notifications, and their preferences.

Erasure deletes all of it: none of it is part of the public debate. Events the person
caused stay (others were told of them), without their name: `actor` becomes NULL.
Registered by `NotificationsConfig.ready()`.
"""

from __future__ import annotations

import json

from accounts.privacy_registry import PrivacySection, iso_or_none, privacy_section_register
from notifications.models import Event, Follow, Notification, Preferences


def _follows_export(user) -> list:
    return [
        {"proposal": f.proposal_id, "project": f.project_id,
         "area": json.loads(f.area.json) if f.area else None, "name": f.name,
         "active": f.active, "created_at": iso_or_none(f.created_at)}
        for f in Follow.objects.filter(user=user).order_by("pk")]


def _follows_erase(user) -> None:
    Follow.objects.filter(user=user).delete()


def _notifications_export(user) -> list:
    return [
        {"kind": n.event.kind, "project": n.event.project_id, "proposal": n.event.proposal_id,
         "comment": n.event.comment_id, "reason": n.reason, "in_app": n.in_app,
         "email": n.email, "created_at": iso_or_none(n.created_at),
         "read_at": iso_or_none(n.read_at), "emailed_at": iso_or_none(n.emailed_at)}
        for n in Notification.objects.filter(user=user).select_related("event").order_by("pk")]


def _notifications_erase(user) -> None:
    Notification.objects.filter(user=user).delete()
    Event.objects.filter(actor=user).update(actor=None)


def _preferences_export(user) -> dict | None:
    prefs = Preferences.objects.filter(user=user).first()
    if prefs is None:
        return None
    return {"cadence": prefs.cadence, "in_app_off": prefs.in_app_off,
            "email_off": prefs.email_off, "updated_at": iso_or_none(prefs.updated_at)}


def _preferences_erase(user) -> None:
    Preferences.objects.filter(user=user).delete()


privacy_section_register(PrivacySection(
    name="follows", order=80, export=_follows_export, erase=_follows_erase,
    covers=("notifications.Follow.user",)))
privacy_section_register(PrivacySection(
    name="notifications", order=82, export=_notifications_export, erase=_notifications_erase,
    covers=("notifications.Notification.user", "notifications.Event.actor")))
privacy_section_register(PrivacySection(
    name="notification_preferences", order=84, export=_preferences_export,
    erase=_preferences_erase, covers=("notifications.Preferences.user",)))
