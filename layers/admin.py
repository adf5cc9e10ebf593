from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from layers import audit, models
from layers.queries import incidents_for_admin
from layers.roles import can_change_sensitivity, can_view_sensitive
from layers.tenancy import USERS, scoped
from layers.widgets import LeafletGeometryWidget


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 18


def scope_path(model: type[Model], admin_site: admin.AdminSite = admin.site) -> str | None:
    """How rows of ``model`` reach their municipality (``layers.tenancy.scoped``), or None for what all
    municipalities share (focus areas, categories, roles): the registered admin's ``municipality_path``,
    else a ``municipality`` field, else a user (``users:``)."""
    registered = admin_site._registry.get(model)
    if isinstance(registered, ScopedAdmin):
        return registered.municipality_path
    if model is User:
        return USERS
    if any(f.name == "municipality" for f in model._meta.get_fields()):
        return "municipality"
    return None


class ScopedAdmin(admin.ModelAdmin[Any]):
    """Admin of rows that belong to a municipality: for everyone but superusers, the lists, the change
    pages and every choice of a related row (foreign keys, many-to-many) hold only the user's own
    municipality's rows, so another municipality's row is "not found" here as on every other channel
    (docs/decisions/0013, 0620)."""

    # How a row reaches its municipality (layers.tenancy.scoped); None: shared by all municipalities.
    municipality_path: str | None = "municipality"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if self.municipality_path is None:
            return qs
        return scoped(qs, self.municipality_path, request.user)

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Filters by a related row offer only the rows this list holds (not every municipality's)."""
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return filters
        scoped_filters: list[Any] = []
        for item in filters:
            if isinstance(item, str) and "__" not in item and _is_relation(self.model, item):
                scoped_filters.append((item, admin.RelatedOnlyFieldListFilter))
            else:
                scoped_filters.append(item)
        return scoped_filters

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return _scoped_form(super().get_form(request, obj, change=change, **kwargs))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _limit_choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        related = db_field.remote_field.model
        path = scope_path(related, self.admin_site)
        if path is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scoped(related._default_manager.all(), path, request.user)


def _is_relation(model: type[Model], name: str) -> bool:
    try:
        return bool(model._meta.get_field(name).is_relation)
    except FieldDoesNotExist:
        return False


def _scoped_form(form_class: Any) -> Any:
    """``form_class`` with two checks the admin lacks.

    A row that names another municipality's row (an action given another municipality's office, a walk
    another's district) is refused: even a superuser, who sees every municipality here, cannot link two
    municipalities' rows. And geometry constraints (``ST_IsValid``) are checked here on the geometry
    itself: Django's own check of them fails on an empty geometry field with a TypeError (a 500), so it
    is left to this form and to PostgreSQL.
    """

    class ScopedForm(form_class):  # type: ignore[misc]  # a class made from a variable base; mypy cannot check it
        def _get_validation_exclusions(self) -> set[str]:
            excluded: set[str] = set(super()._get_validation_exclusions())
            model = self._meta.model
            return excluded | {f.name for f in model._meta.fields if isinstance(f, GeometryField)}

        def clean(self) -> dict[str, Any]:
            data = super().clean() or {}
            own = data.get("municipality") or getattr(self.instance, "municipality", None)
            for name, value in list(data.items()):
                if isinstance(value, GEOSGeometry) and not value.valid:
                    self.add_error(
                        name, _("geometrin är ogiltig: %(why)s") % {"why": value.valid_reason}
                    )
                if name == "municipality" or not isinstance(own, models.Municipality):
                    continue
                rows = list(value) if isinstance(value, QuerySet) else [value]
                if any(
                    getattr(row, "municipality_id", own.pk) != own.pk
                    for row in rows
                    if isinstance(row, Model)
                ):
                    self.add_error(name, _("hör till en annan kommun än %(muni)s") % {"muni": own})
            return data

    ScopedForm.__name__ = form_class.__name__
    return ScopedForm


class MapAdmin(ScopedAdmin, GISModelAdmin):
    """Admin with the local Leaflet map widget for every geometry field, scoped like ``ScopedAdmin``."""

    gis_widget = LeafletGeometryWidget  # type: ignore[assignment]  # stubs type it as an instance


@admin.register(models.Municipality)
class MunicipalityAdmin(MapAdmin):
    municipality_path = "pk"
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
class OfficeAdmin(ScopedAdmin):
    list_display = ["name", "kind", "short_name", "municipality"]
    list_filter = ["kind", "municipality"]
    search_fields = ["name"]


class SensitivityAdmin(ScopedAdmin):
    """What is sensitive is shown read-only to everyone but administrators (layers/sensitivity.py);
    a new row's values may be set by whoever may add it (no incident has it yet)."""

    sensitivity_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not can_change_sensitivity(request.user):
            readonly += [f for f in self.sensitivity_fields if f not in readonly]
        return readonly


@admin.register(models.FocusArea)
class FocusAreaAdmin(SensitivityAdmin):
    """Focus areas are shared by every municipality; their offices belong to one each, so a user who is
    not a superuser sees and sets only their own municipality's, and the others' stay as they were."""

    municipality_path = None
    sensitivity_fields = ("sensitive",)
    list_display = ["number", "name", "sensitive"]
    filter_horizontal = ["offices"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        hidden: list[models.Office] = []
        if change and not request.user.is_superuser:
            visible = scoped(models.Office.objects.all(), "municipality", request.user)
            hidden = list(form.instance.offices.exclude(pk__in=visible.values("pk")))
        super().save_related(request, form, formsets, change)
        if hidden:
            form.instance.offices.add(*hidden)


@admin.register(models.IncidentCategory)
class IncidentCategoryAdmin(SensitivityAdmin):
    municipality_path = None
    sensitivity_fields = ("sensitive", "focus_area")
    list_display = ["code", "label", "focus_area", "sensitive"]
    list_filter = ["focus_area", "sensitive"]
    search_fields = ["code", "label"]


@admin.register(models.ImportBatch)
class ImportBatchAdmin(ScopedAdmin):
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
class ImportProfileAdmin(ScopedAdmin):
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


class PlanZoneInline(admin.TabularInline):  # type: ignore[type-arg]  # the model is named in the class; the stubs also want child and parent as type arguments
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
class ContextLayerAdmin(ScopedAdmin):
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
class ScoringWeightsAdmin(ScopedAdmin):
    list_display = ["municipality", "source", "updated_at"]


@admin.register(models.PlanAssessment)
class PlanAssessmentAdmin(ScopedAdmin):
    list_display = ["plan", "scenario", "overall", "weights_source", "computed_at"]
    list_filter = ["scenario"]
    readonly_fields = ["computed_at"]


@admin.register(models.RiskCalibration)
class RiskCalibrationAdmin(ScopedAdmin):
    list_display = ["municipality", "model", "computed_at"]
    readonly_fields = ["computed_at"]


@admin.register(models.Membership)
class MembershipAdmin(ScopedAdmin):
    """Which municipality each user works for; their role applies there only (layers.tenancy).

    A user who is not a superuser may place in their own municipality its users and users who belong to
    none yet, never move someone out of another municipality."""

    list_display = ["user", "municipality"]
    list_filter = ["municipality"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user" and not request.user.is_superuser:
            own = scoped(User.objects.all(), USERS, request.user)
            kwargs["queryset"] = User.objects.filter(
                Q(pk__in=own.values("pk")) | Q(membership__isnull=True)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(models.PublishedRelease)
class PublishedReleaseAdmin(ScopedAdmin):
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
