from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = "Lager"

    def ready(self) -> None:
        from layers import retention, sensitivity
        from layers.roles import ensure_roles

        sensitivity.connect()
        retention.connect()

        # After every app's post_migrate (including the test database's): permissions of an app exist
        # only once its own post_migrate has run, and surveys migrates after layers.
        post_migrate.connect(ensure_roles, dispatch_uid="layers.ensure_roles")
