from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Role weights, votes and results")

    def ready(self) -> None:
        from voting import list_orders, privacy  # noqa: F401  (register what they add)
