from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Follows and notifications")

    def ready(self) -> None:
        # The listeners that record the lower apps' events (core/events.py) and carry
        # follows over when a duplicate is merged; this app's sections of a person's data.
        from notifications import listeners, merge, privacy  # noqa: F401
