"""allauth's account adapter, with the log-in lock of accounts/lockout.py.

The lock is counted by the authentication backend, on every way in; allauth's own count
(per typed login, on its form only) would count each form attempt a second time, so it
is replaced here by a reading of the backend's verdict.

It also keeps the language a person signs up in (their e-mails are written in it, also
by the workers) and writes allauth's own e-mails in the recipient's language."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation

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

    def save_user(self, request, user, form, commit=True):
        """A new account keeps the language its person signed up in."""
        known = {code for code, _name in settings.LANGUAGES}
        language = translation.get_language() or ""
        user.language = language if language in known else ""
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix, email, context):
        """Confirmation, password reset and the like, in the language of the account
        they are about (an unknown address: the language of the request)."""
        user = context.get("user")
        language = getattr(user, "email_language", None) if getattr(user, "pk", None) \
            else None
        with translation.override(language or translation.get_language()):
            return super().send_mail(template_prefix, email, context)
