from django.apps import AppConfig


class StatutoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "statutory"
    verbose_name = "Lägesbild och åtgärdsplan (lag 2023:196)"
