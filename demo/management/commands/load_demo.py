"""`python manage.py load_demo`: the demo city and its personas (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loader import ATTRIBUTION, demo_load
from demo.people import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load the Barcelona demo city and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Load even with DEBUG off. The demo users share a published password.",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to load demo users with DEBUG off: their password is public. "
                "Pass --allow-production if this really is a demo server."
            )
        personas = demo_load()
        self.stdout.write(self.style.SUCCESS("Demo city loaded: Barcelona. " + ATTRIBUTION))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for p in personas:
            what = ("site administrator" if p.superuser else "planner" if p.planner
                    else f"verified {p.role_slug.replace('-', ' ')}" if p.role_slug
                    else "citizen without a verified role")
            self.stdout.write(f"  {p.username:<10} {what}")
