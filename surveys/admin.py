from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from layers.admin import MapAdmin, ScopedAdmin
from layers.tenancy import may_work_in
from surveys import models
from surveys.auth import issue_device_token, revoke_device_token


class ParticipantsInline(admin.TabularInline):  # type: ignore[type-arg]  # the model is named in the class; the stubs also want child and parent as type arguments
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
class WalkParticipantsAdmin(ScopedAdmin):
    municipality_path = "walk__municipality"
    list_display = ["walk", "gender", "age_group", "count"]


class PhotoInline(admin.TabularInline):  # type: ignore[type-arg]  # the model is named in the class; the stubs also want child and parent as type arguments
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
class ObservationPhotoAdmin(ScopedAdmin):
    municipality_path = "observation__municipality"
    list_display = ["client_uuid", "observation", "width", "height", "uploaded_at"]
    exclude = ["image", "thumbnail"]  # files are served only through the permission-checked view
    readonly_fields = ["client_uuid", "observation", "width", "height", "sha256", "uploaded_at"]


class ActionEventInline(admin.TabularInline):  # type: ignore[type-arg]  # the model is named in the class; the stubs also want child and parent as type arguments
    model = models.ActionEvent
    extra = 0
    readonly_fields = ["at", "by", "from_status", "to_status", "note", "changes"]
    can_delete = False


@admin.register(models.Action)
class ActionAdmin(MapAdmin):
    list_display = ["title", "office", "place_name", "status", "due_date", "generated"]
    list_filter = ["status", "office"]
    search_fields = ["title", "description", "place_name"]
    raw_id_fields = ["observation", "plan"]
    readonly_fields = ["suggested_office", "suggestion_reason", "criterion", "measure"]
    inlines = [ActionEventInline]

    def save_model(self, request: HttpRequest, obj: models.Action, form: Any, change: bool) -> None:
        """Changes made here go into the action's history too, like those on the action page."""
        old = models.Action.objects.select_related("office").filter(pk=obj.pk).first()
        super().save_model(request, obj, form, change)
        if old is None:
            return
        changes: dict[str, list[str]] = {}
        if old.office_id != obj.office_id:
            changes["office"] = [old.office.name, obj.office.name]
        if old.due_date != obj.due_date:
            changes["due_date"] = [
                old.due_date.isoformat() if old.due_date else "",
                obj.due_date.isoformat() if obj.due_date else "",
            ]
        if old.rejection_reason != obj.rejection_reason:
            changes["rejection_reason"] = [old.rejection_reason, obj.rejection_reason]
        if old.title != obj.title:
            changes["title"] = [old.title, obj.title]
        if old.assignee_id != obj.assignee_id:
            changes["assignee"] = [
                old.assignee.get_full_name() or old.assignee.username if old.assignee else "",
                obj.assignee.get_full_name() or obj.assignee.username if obj.assignee else "",
            ]
        if changes or old.status != obj.status:
            models.ActionEvent.objects.create(
                action=obj,
                by=request.user if isinstance(request.user, User) else None,
                from_status=old.status,
                to_status=obj.status,
                note="Ändrad i administrationen",
                changes=changes,
            )


@admin.register(models.OfficeStaff)
class OfficeStaffAdmin(ScopedAdmin):
    """Who works at which office: they may be assigned its actions (decision 0824)."""

    municipality_path = "office__municipality"
    list_display = ["user", "office"]
    list_filter = ["office"]


@admin.register(models.ActionDigest)
class ActionDigestAdmin(ScopedAdmin):
    municipality_path = "office__municipality"
    list_display = ["office", "enabled", "last_sent_at"]
    readonly_fields = ["last_sent_at"]


@admin.register(models.ActionEvent)
class ActionEventAdmin(ScopedAdmin):
    municipality_path = "action__municipality"
    list_display = ["action", "at", "from_status", "to_status", "by"]


@admin.register(models.CitizenSurveyResponse)
class CitizenSurveyResponseAdmin(ScopedAdmin):
    list_display = ["survey", "row_number", "area_name", "statistical_area", "age_band", "gender"]
    list_filter = ["survey", "statistical_area"]


class DeviceTokenForm(forms.ModelForm[models.DeviceToken]):
    class Meta:
        model = models.DeviceToken
        fields = ["municipality", "name", "user", "expires_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, municipality = data.get("user"), data.get("municipality")
        if user is not None and municipality is not None and not may_work_in(user, municipality):
            self.add_error(
                "user",
                _("%(user)s arbetar inte i %(muni)s: enhetsnyckeln kan inte gälla där")
                % {"user": user.username, "muni": municipality},
            )
        return data


@admin.register(models.DeviceToken)
class DeviceTokenAdmin(ScopedAdmin):
    """Issue and revoke tablets' device tokens. The token is shown once, on the page after "Spara".

    A token works only in the municipality its user works in (``layers.tenancy.may_work_in``)."""

    form = DeviceTokenForm

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: models.DeviceToken | None = None) -> Any:
        return self._fields(obj)

    def _fields(self, obj: models.DeviceToken | None) -> list[str]:
        if obj is None:
            return ["municipality", "name", "user", "expires_at"]
        return [
            "name",
            "municipality",
            "user",
            "prefix",
            "created_at",
            "created_by",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_by",
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: models.DeviceToken | None = None
    ) -> Any:
        if obj is None:
            return []
        return [f for f in self._fields(obj) if f != "name"]

    def save_model(
        self, request: HttpRequest, obj: models.DeviceToken, form: Any, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = issue_device_token(
            obj.municipality,
            name=obj.name,
            user=obj.user,
            by=request.user if isinstance(request.user, User) else None,
            expires_at=obj.expires_at,
            request=request,
        )
        for f in token._meta.concrete_fields:
            setattr(obj, f.attname, getattr(token, f.attname))
        obj._state.adding = False
        # Shown once on the next page, never stored (only its SHA-256 is) nor put in a message cookie.
        request._issued_device_token = raw  # type: ignore[attr-defined]  # carried to the next admin step on this request only; not an HttpRequest attribute

    def response_add(
        self, request: HttpRequest, obj: models.DeviceToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        raw = getattr(request, "_issued_device_token", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return TemplateResponse(
            request,
            "admin/surveys/devicetoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "token": obj,
                "raw_token": raw,
                "title": _("Enhetsnyckel utfärdad"),
            },
            headers={"Cache-Control": "no-store"},
        )

    @admin.action(description=_("Återkalla valda enhetsnycklar"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[models.DeviceToken]) -> None:
        by = request.user if isinstance(request.user, User) else None
        for token in queryset:
            revoke_device_token(token, by=by, request=request)
        self.message_user(request, _("%(n)d enhetsnycklar återkallade.") % {"n": queryset.count()})
