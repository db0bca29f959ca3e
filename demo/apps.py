from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: the app exists so that `load_demo` is a management command wherever
    Plaza runs (`make run` loads the demo, and so may a demo server with DEBUG off)."""

    name = "demo"
    label = "demo"
