"""The unsubscribe link of the e-mails: no login, the signed token is the permission.

GET shows a page with one button, because mail scanners and link previews open links:
a GET changes nothing. POST unsubscribes: the page's button, or the mail client's own
one-click button (RFC 8058), which posts `List-Unsubscribe=One-Click` with no cookie
and no CSRF token — hence csrf_exempt; the token is unguessable and can only stop mail.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.models import Kind
from notifications.unsubscribe import ALL, unsubscribe_apply, unsubscribe_read


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    found = unsubscribe_read(token)
    user = None
    if found is not None:
        user = get_user_model().objects.filter(pk=found[0], is_active=True).first()
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True},
                      status=400)
    scope = found[1]
    context = {"scope_all": scope == ALL,
               "kind": Kind(scope).label if scope != ALL else "", "done": False}
    if request.method == "POST":
        unsubscribe_apply(user_id=user.pk, scope=scope)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
