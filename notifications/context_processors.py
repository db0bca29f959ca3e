"""The bell of every page's header: the signed-in person's unread count."""

from notifications.follow_selectors import UNREAD_CAP, unread_count


def bell(request):
    # A function, not its result: only base.html's header calls it (once, in a `with`),
    # for a signed-in person; a JSON or e-mail rendering never counts anything.
    user = getattr(request, "user", None)
    return {"NOTIFICATIONS_UNREAD": lambda: unread_count(user),
            "NOTIFICATIONS_UNREAD_CAP": UNREAD_CAP}
