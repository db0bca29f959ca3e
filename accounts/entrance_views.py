"""The e-mail confirmation page, which leads on to the log-in when it cannot log in.

allauth logs its person in on confirmation only in the browser session that signed up
(or logged in unconfirmed) and within ACCOUNT_LOGIN_TIMEOUT: it keeps the pending log-in
there, so that a confirmation link read by someone else (a forwarded mail, a log file)
logs nobody in. Opened anywhere else — a phone's mail app, another browser, a day later —
the address is confirmed and allauth would send the visitor to the bare log-in page; here
the log-in page says that the address is confirmed and goes on to the page where the
sign-up began (the `next` the link carries, accounts.adapter).
"""

from urllib.parse import urlencode

from allauth.account.views import ConfirmEmailView
from django.urls import reverse

from accounts.entrance import requested_next


class EmailConfirmView(ConfirmEmailView):
    confirmed = False

    def respond(self, success):
        self.confirmed = success
        return super().respond(success)

    def get_redirect_url(self) -> str:
        if self.request.user.is_authenticated:
            return super().get_redirect_url()
        query = {"next": requested_next(self.request)} if requested_next(self.request) else {}
        if self.confirmed:
            query["confirmed"] = "1"
        url = reverse("account_login")
        return f"{url}?{urlencode(query)}" if query else url
