from django.contrib import admin

from layers.admin import MapAdmin
from surveys import models


class ParticipantsInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.WalkParticipants
    extra = 0


@admin.register(models.Trygghetsvandring)
class TrygghetsvandringAdmin(MapAdmin):
    list_display = ["name", "walked_on", "light", "district", "status", "generated"]
    list_filter = ["status", "light", "district"]
    search_fields = ["name"]
    inlines = [ParticipantsInline]
    filter_horizontal = ["partners"]


@admin.register(models.WalkParticipants)
class WalkParticipantsAdmin(admin.ModelAdmin[models.WalkParticipants]):
    list_display = ["walk", "gender", "age_group", "count"]


class PhotoInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.ObservationPhoto
    extra = 0
    fields = ("client_uuid", "width", "height", "uploaded_at")
    readonly_fields = fields


@admin.register(models.Observation)
class ObservationAdmin(MapAdmin):
    list_display = ["recorded_at", "walk", "category", "feeling", "severity", "generated"]
    list_filter = ["category", "feeling", "severity", "walk"]
    search_fields = ["note", "client_uuid"]
    inlines = [PhotoInline]


@admin.register(models.ObservationPhoto)
class ObservationPhotoAdmin(admin.ModelAdmin[models.ObservationPhoto]):
    list_display = ["client_uuid", "observation", "width", "height", "uploaded_at"]
    exclude = ["image", "thumbnail"]  # files are served only through the permission-checked view
    readonly_fields = ["client_uuid", "observation", "width", "height", "sha256", "uploaded_at"]


class ActionEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.ActionEvent
    extra = 0
    readonly_fields = ["at", "by", "from_status", "to_status", "note"]
    can_delete = False


@admin.register(models.Action)
class ActionAdmin(admin.ModelAdmin[models.Action]):
    list_display = ["title", "office", "status", "due_date", "generated"]
    list_filter = ["status", "office"]
    search_fields = ["title", "description"]
    raw_id_fields = ["observation"]
    inlines = [ActionEventInline]


@admin.register(models.ActionEvent)
class ActionEventAdmin(admin.ModelAdmin[models.ActionEvent]):
    list_display = ["action", "at", "from_status", "to_status", "by"]


@admin.register(models.CitizenSurveyResponse)
class CitizenSurveyResponseAdmin(admin.ModelAdmin[models.CitizenSurveyResponse]):
    list_display = ["survey", "row_number", "area_name", "statistical_area", "age_band", "gender"]
    list_filter = ["survey", "statistical_area"]
