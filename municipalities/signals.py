"""Every deployment has its default municipality: made after migrate (and after a test
database is flushed, which empties the table), from PLAZA_SITE_NAME."""

from django.conf import settings
from django.utils.text import slugify


def ensure_default_municipality(**kwargs) -> None:
    from municipalities import resolver
    from municipalities.models import Municipality

    if not Municipality.objects.filter(is_default=True).exists():
        Municipality.objects.create(
            slug=slugify(settings.SITE_NAME)[:60] or "city", name=settings.SITE_NAME,
            is_default=True)
    resolver.forget()
