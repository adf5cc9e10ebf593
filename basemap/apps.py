from django.apps import AppConfig


class BasemapConfig(AppConfig):
    name = "basemap"
    verbose_name = "Bakgrundskarta"

    def ready(self) -> None:
        from basemap import checks  # noqa: F401  (registers the settings check)
