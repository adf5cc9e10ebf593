from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Trygghetsvandringar och åtgärder"

    def ready(self) -> None:
        from surveys import (
            retention,
            schema,  # noqa: F401  registers the device token with drf-spectacular
        )

        retention.connect()
