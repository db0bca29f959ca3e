from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GisdataConfig(AppConfig):
    name = "gisdata"
    verbose_name = _("Open GIS data")

    def ready(self) -> None:
        from gisdata import signals  # noqa: F401  (connects the receivers)
