from django.apps import AppConfig


class GisdataConfig(AppConfig):
    name = "gisdata"
    verbose_name = "Open GIS data"

    def ready(self) -> None:
        from gisdata import signals  # noqa: F401  (connects the receivers)
