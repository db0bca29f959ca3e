from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("Municipalities, regions and areas")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from municipalities import resolver
        from municipalities.models import Municipality
        from municipalities.signals import ensure_default_municipality

        # Each process keeps the small map of host names and prefixes; a change in this
        # process drops it at once, other processes within MUNICIPALITIES_CACHE_SECONDS.
        post_save.connect(resolver.forget, sender=Municipality)
        post_delete.connect(resolver.forget, sender=Municipality)
        post_migrate.connect(ensure_default_municipality, sender=self)
