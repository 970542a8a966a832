from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo seed (``manage.py seed_demo``): at the bottom of the layering, it may import every
    app and nothing imports it."""

    name = "demo"
    verbose_name = "Demo"
