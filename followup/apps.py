from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Effektuppföljning"

    def ready(self) -> None:
        from followup.permissions import grant_to_roles

        # Connected after layers' ensure_roles (INSTALLED_APPS order), which resets the groups'
        # permissions on every post_migrate: this runs after it each time.
        post_migrate.connect(grant_to_roles, dispatch_uid="followup.grant_to_roles")
