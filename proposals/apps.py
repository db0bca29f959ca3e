from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Projects and proposals")

    def ready(self) -> None:
        from proposals import list_orders, privacy  # noqa: F401  (register what they add)
