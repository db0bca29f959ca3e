from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Follows and notifications")

    def ready(self) -> None:
        # The listener that records the lower apps' events (core/events.py) and this
        # app's sections of a person's data.
        from notifications import listeners, privacy  # noqa: F401
