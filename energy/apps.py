from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergyConfig(AppConfig):
    name = "energy"
    verbose_name = _("Energy communities")

    def ready(self) -> None:
        from energy import privacy  # noqa: F401  (registers a member's pledges and results)
