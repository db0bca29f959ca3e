"""The terms of use, the privacy policy and the contact page.

Their text is a template a city replaces with its own (PLAZA_TEMPLATE_DIRS, see
docs/operations.md, "Terms of use and privacy policy"); the version people accept at
sign-up is TERMS_VERSION, and the address they write to is CONTACT_EMAIL."""

from django.conf import settings
from django.shortcuts import render


def _page(request, template: str):
    return render(request, template, {"terms_version": settings.TERMS_VERSION})


def terms(request):
    return _page(request, "pages/terms.html")


def privacy(request):
    return _page(request, "pages/privacy.html")


def contact(request):
    return _page(request, "pages/contact.html")
