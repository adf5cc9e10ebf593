from typing import Any

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from layers import audit, models
from layers.queries import incidents_for_admin
from layers.roles import can_view_sensitive
from layers.tenancy import municipality_for
from layers.widgets import LeafletGeometryWidget


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18


class MapAdmin(GISModelAdmin):
    """Admin with the local Leaflet map widget for every geometry field; rows of other municipalities
    are not listed for users who belong to one (layers.tenancy)."""

    gis_widget = LeafletGeometryWidget  # type: ignore[assignment]  # stubs type it as an instance

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        field_names = {f.name for f in self.model._meta.get_fields()}
        if "municipality" in field_names and not request.user.is_superuser:
            qs = qs.filter(municipality=municipality_for(request.user))
        return qs


@admin.register(models.Municipality)
class MunicipalityAdmin(MapAdmin):
    list_display = ["kommunkod", "name", "public_map"]
    search_fields = ["kommunkod", "name"]


@admin.register(models.District)
class DistrictAdmin(MapAdmin):
    list_display = ["name", "code", "nyko_prefix", "municipality"]
    list_filter = ["municipality"]


@admin.register(models.StatisticalArea)
class StatisticalAreaAdmin(MapAdmin):
    list_display = ["code", "name", "district", "municipality"]
    list_filter = ["municipality", "district"]
    search_fields = ["code", "name"]


@admin.register(models.Office)
class OfficeAdmin(admin.ModelAdmin[models.Office]):
    list_display = ["name", "kind", "short_name", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]


@admin.register(models.FocusArea)
class FocusAreaAdmin(admin.ModelAdmin[models.FocusArea]):
    list_display = ["number", "name", "sensitive"]
    filter_horizontal = ["offices"]


@admin.register(models.IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin[models.IncidentCategory]):
    list_display = ["code", "label", "focus_area", "sensitive"]
    list_filter = ["focus_area", "sensitive"]
    search_fields = ["code", "label"]


@admin.register(models.ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[models.ImportBatch]):
    list_display = [
        "created_at",
        "kind",
        "filename",
        "rows_read",
        "rows_stored",
        "rows_rejected",
        "status",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_at", "file_sha256", "rejected", "details"]


@admin.register(models.ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin[models.ImportProfile]):
    list_display = ["name", "label", "municipality", "updated_at"]
    list_filter = ["municipality"]
    search_fields = ["name", "label"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(models.Incident)
class IncidentAdmin(MapAdmin):
    list_display = ["occurred_from", "category", "source", "source_ref", "precision", "generated"]
    list_filter = ["source", "precision", "generated", "category__focus_area"]
    search_fields = ["source_ref", "description"]
    date_hierarchy = "occurred_from"
    raw_id_fields = ["import_batch"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Incident]:
        # The admin is one more channel: the same decision as every other (layers.roles).
        return incidents_for_admin(request.user, super().get_queryset(request))

    # Reads of sensitive incidents in the admin go to the audit log, as on every other channel.
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and response.status_code == 200:
            shown = [incident.pk for incident in changelist.result_list]
            self._audit(request, shown, "list")
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and _is_id(object_id):
            self._audit(request, [int(object_id)], "change")
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200 and _is_id(object_id):
            self._audit(request, [int(object_id)], "history")
        return response

    def _audit(self, request: HttpRequest, pks: list[int], view: str) -> None:
        if request.method not in ("GET", "HEAD") or not can_view_sensitive(request.user):
            return
        count = models.Incident.objects.sensitive().filter(pk__in=pks).count() if pks else 0
        if count:
            audit.record(
                models.AuditEvent.Action.READ_SENSITIVE,
                request=request,
                channel="admin",
                object_type="incident",
                count=count,
                detail={"view": view, "query": request.GET.urlencode()[:500]},
            )


class PlanZoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.PlanZone
    extra = 0
    fields = ["scenario", "use_code", "label"]
    show_change_link = True


@admin.register(models.Detaljplan)
class DetaljplanAdmin(MapAdmin):
    list_display = ["plan_id", "name", "status", "kind", "municipality", "generated"]
    list_filter = ["status", "kind", "municipality"]
    search_fields = ["plan_id", "name"]
    inlines = [PlanZoneInline]


@admin.register(models.PlanZone)
class PlanZoneAdmin(MapAdmin):
    list_display = ["plan", "scenario", "use_code", "label"]
    list_filter = ["scenario", "use_code"]


@admin.register(models.RegulationArea)
class RegulationAreaAdmin(MapAdmin):
    list_display = ["plan", "source_ref", "scenario", "zone"]
    list_filter = ["scenario"]
    raw_id_fields = ["plan", "zone", "import_batch"]


@admin.register(models.ContextLayer)
class ContextLayerAdmin(admin.ModelAdmin[models.ContextLayer]):
    list_display = ["name", "source", "municipality"]


@admin.register(models.ContextFeature)
class ContextFeatureAdmin(MapAdmin):
    list_display = ["kind", "name", "source_ref", "layer"]
    list_filter = ["kind", "layer"]
    search_fields = ["name", "source_ref"]


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[models.AuditEvent]):
    """Read-only: the log is append-only, even for administrators."""

    list_display = ["at", "username", "action", "channel", "object_type", "count", "ip"]
    list_filter = ["action", "channel"]
    search_fields = ["username", "object_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.PlanFeature)
class PlanFeatureAdmin(MapAdmin):
    list_display = ["plan", "kind", "name"]
    list_filter = ["kind", "plan"]


@admin.register(models.ScoringWeights)
class ScoringWeightsAdmin(admin.ModelAdmin[models.ScoringWeights]):
    list_display = ["municipality", "source", "updated_at"]


@admin.register(models.PlanAssessment)
class PlanAssessmentAdmin(admin.ModelAdmin[models.PlanAssessment]):
    list_display = ["plan", "scenario", "overall", "weights_source", "computed_at"]
    list_filter = ["scenario"]
    readonly_fields = ["computed_at"]


@admin.register(models.RiskCalibration)
class RiskCalibrationAdmin(admin.ModelAdmin[models.RiskCalibration]):
    list_display = ["municipality", "model", "computed_at"]
    readonly_fields = ["computed_at"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin[models.Membership]):
    """Which municipality each user works for; their role applies there only (layers.tenancy)."""

    list_display = ["user", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(models.PublishedRelease)
class PublishedReleaseAdmin(admin.ModelAdmin[models.PublishedRelease]):
    """Read-only: a release is frozen when first shown; ``manage.py sensitive_release --republish``
    replaces one after a correction (docs/decisions/0600)."""

    list_display = ["municipality", "kind", "period_first", "period_last", "published_at"]
    list_filter = ["kind", "municipality"]
    readonly_fields = [
        "municipality",
        "kind",
        "period_first",
        "period_last",
        "published_at",
        "content",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
