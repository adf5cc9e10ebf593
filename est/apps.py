from django.apps import AppConfig


class EstConfig(AppConfig):
    name = "est"
    verbose_name = "EST-rapportering"

    def ready(self) -> None:
        from est import retention

        retention.connect()
