from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Role weights, votes and results")

    def ready(self) -> None:
        from voting import privacy  # noqa: F401  (registers its sections of a person's data)
