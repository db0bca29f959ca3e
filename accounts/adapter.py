"""allauth's account adapter, with the log-in lock of accounts/lockout.py.

The lock is counted by the authentication backend, on every way in; allauth's own count
(per typed login, on its form only) would count each form attempt a second time, so it
is replaced here by a reading of the backend's verdict."""

from allauth.account.adapter import DefaultAccountAdapter

from accounts import lockout


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials):
        """Nothing to count here: the backend counts the attempt on the account."""

    def authentication_failed(self, request, **credentials):
        if getattr(request, lockout.LOCKED_ATTR, None):
            raise self.validation_error("too_many_login_attempts")

    def _delete_login_attempts_cached_email(self, request, **credentials):
        """A successful password reset opens the account's lock (allauth calls this)."""
        lockout.clear(request, credentials.get("email", ""))
