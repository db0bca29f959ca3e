from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergyConfig(AppConfig):
    name = "energy"
    verbose_name = _("Energy communities")

    def ready(self) -> None:
        # Registers a member's pledges and results (privacy), and the members-only vote
        # on a community's sharing options (gates).
        from energy import gates, privacy  # noqa: F401
