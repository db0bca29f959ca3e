from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Projects and proposals")

    def ready(self) -> None:
        from proposals import privacy  # noqa: F401  (registers its sections of a person's data)
