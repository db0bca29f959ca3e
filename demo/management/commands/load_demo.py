"""`python manage.py load_demo`: the demo city and its personas (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loader import ATTRIBUTION, demo_load
from demo.people import DEMO_PASSWORD
from municipalities.models import Municipality


class Command(BaseCommand):
    help = ("Load the demo: Barcelona, Cambridge and Prague, and the demo users "
            "(idempotent).")

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
        self.stdout.write(self.style.SUCCESS(
            "Demo loaded: Barcelona, Cambridge and Prague, three municipalities of the Demo "
            "region. "
            + ATTRIBUTION))
        self.stdout.write("Municipalities (paths on this server):")
        for municipality in Municipality.objects.order_by("-is_default", "name"):
            self.stdout.write(f"  {municipality.prefix:<12} {municipality.name}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for p in personas:
            self.stdout.write(f"  {p.username:<10} {_persona_what(p)}")


def _persona_what(p) -> str:
    if p.superuser:
        return "site administrator"
    if p.regional:
        return "regional planner (sees every city of the region)"
    if p.planner:
        return f"planner of {(p.municipality or 'barcelona').capitalize()}"
    role = f"verified {p.role_slug.replace('-', ' ')} (in every city)" if p.role_slug else ""
    if p.energy_member:
        return f"{role}, member of Prague's Bubeneč energy community (/prague/)"
    if role:
        return role
    return "citizen without a verified role"
