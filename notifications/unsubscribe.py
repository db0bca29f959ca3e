"""The one-click unsubscribe link of every e-mail: a signed token naming the person and
what they stop (every e-mail, or one kind), which works without signing in.

Signed with the site's secret (`django.core.signing`, its own salt): it cannot be made
for someone else nor changed to another scope. It does not expire: a link in a month-old
e-mail must still work, and all it can do is stop e-mails, never start them.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction

from notifications.models import Cadence, Kind, Preferences

SALT = "plaza.notifications.unsubscribe"
ALL = "all"


def unsubscribe_token(user, scope: str = ALL) -> str:
    return signing.dumps({"u": user.pk, "s": scope}, salt=SALT, compress=False)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, scope) of a valid token; None for a bad or tampered one."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("u"), int):
        return None
    scope = value.get("s")
    if scope != ALL and scope not in Kind.values:
        return None
    return value["u"], scope


def unsubscribe_apply(*, user_id: int, scope: str) -> None:
    """Stop the e-mails the scope names: every one (cadence "off"), or one kind. What is
    already waiting for a digest is not sent either; the bell still shows it."""
    with transaction.atomic():
        prefs, _created = Preferences.objects.select_for_update().get_or_create(user_id=user_id)
        if scope == ALL:
            prefs.cadence = Cadence.OFF
        elif scope not in prefs.email_off:
            prefs.email_off = [*prefs.email_off, scope]
        prefs.save()
        unsent = prefs.user.notifications.filter(emailed_at__isnull=True).exclude(
            email=Cadence.OFF)
        if scope != ALL:
            unsent = unsent.filter(event__kind=scope)
        unsent.update(email=Cadence.OFF)
