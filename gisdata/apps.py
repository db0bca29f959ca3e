from django.apps import AppConfig


class GisdataConfig(AppConfig):
    name = "gisdata"
    verbose_name = "Open GIS data"
