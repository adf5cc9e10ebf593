from django.contrib import admin

from followup.models import Evaluation
from layers.admin import MapAdmin


@admin.register(Evaluation)
class EvaluationAdmin(MapAdmin):
    list_display = ("title", "start_date", "months", "action")
    search_fields = ("title",)
    raw_id_fields = ("action",)
