"""allauth's account adapter, with the log-in lock of accounts/lockout.py.

The lock is counted by the authentication backend, on every way in; allauth's own count
(per typed login, on its form only) would count each form attempt a second time, so it
is replaced here by a reading of the backend's verdict.

It also keeps the language a person signs up in (their e-mails are written in it, also
by the workers) and writes allauth's own e-mails in the recipient's language, naming
Plaza and linking to SITE_URL like Plaza's own e-mails.

And it decides where people land (accounts/entrance.py): a log-in with no `next` on the
home page, or a planner's on the dashboard; a confirmation link keeps the `next` of the
sign-up, so that it also leads back there when opened in another browser."""

from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts import lockout, services
from accounts.entrance import requested_next, with_next


def email_site() -> SimpleNamespace:
    """The site allauth's e-mails name ("Hello from …", "register an account on …").

    Without django.contrib.sites allauth would take both name and domain from the
    request's host ("127.0.0.1:8765"); people know the site by its name and address."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def on_site_url(url: str) -> str:
    """The same page under SITE_URL. allauth builds its links from the host the request
    came in on, which behind a proxy (or from a process with no request) need not be the
    address people reach Plaza at; Plaza's own e-mails link to SITE_URL too."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


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
        """A new account keeps the language its person signed up in, and the version of
        the terms they accepted (the sign-up form refuses to go on without)."""
        known = {code for code, _name in settings.LANGUAGES}
        language = translation.get_language() or ""
        user.language = language if language in known else ""
        if form.cleaned_data.get("accept_terms"):
            services.user_terms_accept(user=user, version=settings.TERMS_VERSION)
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        """With no `next`: planners to their dashboard, everyone else to the home page."""
        if request.user.is_planner:
            return reverse("dashboard:index")
        return super().get_login_redirect_url(request)

    def get_email_confirmation_url(self, request, emailconfirmation):
        """The link, carrying the `next` of the sign-up (or log-in) that sent it: opened in
        another browser, where allauth cannot log its person in, the log-in page it leads
        to still goes on to that page (accounts.views.EmailConfirmView)."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        return with_next(url, requested_next(request))

    def send_mail(self, template_prefix, email, context):
        """Confirmation, password reset and the like, in the language of the account
        they are about (an unknown address: the language of the request), naming the
        site and linking to SITE_URL (every `…_url` of the context is a link)."""
        context = {key: on_site_url(value) if key.endswith("_url") and isinstance(value, str)
                   else value for key, value in context.items()}
        context["current_site"] = email_site()
        user = context.get("user")
        language = getattr(user, "email_language", None) if getattr(user, "pk", None) \
            else None
        with translation.override(language or translation.get_language()):
            return super().send_mail(template_prefix, email, context)
