"""One log-in lock per account, whatever the way in.

allauth counts failed log-ins per *typed* login, and only on its own form: five wrong
passwords locked the form for "citizen", while "citizen@example.org", the admin's form
and the API token endpoint each kept their own count, or none. Here every password
check that goes through `django.contrib.auth.authenticate()` (allauth's form, the
admin's, the token endpoint) is counted on the accounts the typed login may name, by
their primary key, with allauth's rate-limit machinery and its `login_failed` rates
(ACCOUNT_RATE_LIMITS): one shared count in the cache, so failures on any path lock all
of them.

Each attempt is counted *before* the password is checked (as allauth does), so many
guesses sent at once cannot all pass before the first is recorded; an attempt that
succeeds is taken back off the count. A login that names no account is counted under
the login itself, so it locks the same way and the lock tells no one who has an account.
"""

from __future__ import annotations

import time

from allauth.account.auth_backends import AuthenticationBackend
from allauth.core.internal import ratelimit
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q

APP = "allauth.account"
ACTION = "login_failed"
# Set on the request when an attempt was refused because the account is locked, with
# the seconds until it opens: the form and the API answer "locked", not "wrong password".
LOCKED_ATTR = "login_locked_retry_after"


def lock_keys(login: str) -> list[str]:
    """The counters an attempt with `login` (a username or an e-mail address, in any
    case) is counted on: one per account it may name, or the login itself if none."""
    login = (login or "").strip().lower()
    users = get_user_model().objects.filter(
        Q(username__iexact=login) | Q(email__iexact=login)
        | Q(emailaddress__email__iexact=login))
    pks = sorted(set(users.values_list("pk", flat=True)))
    return [f"account:{pk}" for pk in pks] or [f"login:{login}"]


def retry_after(request, keys: list[str]) -> int:
    """Seconds until the oldest failure that holds a lock on `keys` leaves its window."""
    now = time.time()
    wait = 0.0
    for rate in ratelimit.get_rates(app=APP, action=ACTION):
        for key in keys:
            cache_key = ratelimit.get_cache_key(request, app=APP, action=ACTION,
                                                rate=rate, key=key)
            live = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
            if len(live) >= rate.amount:  # newest first: the amount-th is the one to wait
                wait = max(wait, live[rate.amount - 1] + rate.duration - now)
    return max(1, int(wait + 0.999))


def attempt_begin(request, login: str) -> ratelimit.RateLimitUsage | None:
    """Count one attempt on every counter of `login`; None (nothing counted) if one of
    them is full, that is, if the account is locked."""
    keys = lock_keys(login)
    usages = []
    for key in keys:
        usage = ratelimit.consume(request, app=APP, action=ACTION, key=key)
        if usage is None:
            for taken in usages:
                taken.rollback()
            setattr(request, LOCKED_ATTR, retry_after(request, keys))
            return None
        usages.append(usage)
    return ratelimit.RateLimitUsage(usage=[u for usage in usages for u in usage.usage])


def clear(request, login: str) -> None:
    """Forget the failures of `login`'s accounts (after a successful password reset)."""
    for key in lock_keys(login):
        ratelimit.clear(request, app=APP, action=ACTION, key=key)


class LockingAuthenticationBackend(AuthenticationBackend):
    """allauth's backend (log in with the username or the e-mail address), behind the
    lock. It is the first backend: when it refuses (wrong password or locked) it raises
    PermissionDenied, so that no later backend checks the same password uncounted; the
    later ones stay listed only so that sessions opened through them stay valid."""

    def authenticate(self, request, **credentials):
        login = credentials.get("email") or credentials.get("username")
        if not login or not credentials.get("password"):
            return None
        # A check with no request (a management command, a shell) has no client to
        # count: it is checked as before.
        usage = attempt_begin(request, login) if request is not None else None
        if request is not None and usage is None:
            raise PermissionDenied  # locked: the password is not even checked
        user = super().authenticate(request, **credentials)
        if user is None:
            raise PermissionDenied
        if usage is not None:
            usage.rollback()
        return user
