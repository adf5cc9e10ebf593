"""Users and personal API keys in the admin.

Administrators see every personal API key of their municipality's users and can revoke one (the key
itself is never shown here). Users are listed per municipality like every other row (``ScopedAdmin``); a
user added by an administrator who is not a superuser works in that administrator's municipality, and only
superusers may make or unmake a superuser.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import api_tokens
from accounts.models import ApiToken
from layers.admin import ScopedAdmin
from layers.models import Membership
from layers.tenancy import USERS, municipality_for

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin[User]):
    municipality_path = USERS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly.append("is_superuser")  # no one grants themselves or others every permission
        return readonly

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        home = municipality_for(request.user)
        if not change and not request.user.is_superuser and home is not None:
            Membership.objects.get_or_create(user=obj, defaults={"municipality": home})


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    municipality_path = USERS + "user"
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
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a user creates their own key, from a verified session (decision 0525)

    @admin.action(description="Återkalla valda nycklar")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_tokens.revoke(token, by=request.user, request=request)  # type: ignore[arg-type]  # the admin is for staff: a real user
