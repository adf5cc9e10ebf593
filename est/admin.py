"""EST reporters in the admin: an administrator makes a user a reporter for an organisation."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from est.models import Reporter
from layers.admin import ScopedAdmin
from layers.roles import Role
from layers.tenancy import USERS


@admin.register(Reporter)
class ReporterAdmin(ScopedAdmin):
    municipality_path = USERS + "user"  # a reporter belongs to their user's municipality
    list_display = ("user", "organisation", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "organisation")

    def save_model(self, request: HttpRequest, obj: Reporter, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A reporter row without the role would report nothing: the role comes with it.
        obj.user.groups.add(Group.objects.get(name=Role.EST_REPORTER))
