from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Konton och säkerhet"

    def ready(self) -> None:
        from accounts import (
            retention,
            signals,  # noqa: F401  (connects the audit-log receivers)
        )

        retention.connect()
