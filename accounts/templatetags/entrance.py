"""`{% login_url %}` and `{% signup_url %}`: the log-in and sign-up pages, coming back to
the page they are on (accounts/entrance.py)."""

from django import template
from django.urls import reverse

from accounts.entrance import page_next, with_next

register = template.Library()


@register.simple_tag(takes_context=True)
def login_url(context, fragment: str = "") -> str:
    """The log-in page, then back here (`fragment`: to that part of this page)."""
    request = context.get("request")
    here = page_next(request) if request is not None else ""
    return with_next(reverse("account_login"), here + fragment if here else "")


@register.simple_tag(takes_context=True)
def signup_url(context) -> str:
    request = context.get("request")
    return with_next(reverse("account_signup"), page_next(request) if request else "")
