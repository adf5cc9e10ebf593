"""Audit-log receivers: logins, failed logins, logouts and permission changes (append-only log)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.middleware import LOGIN_AT
from layers import audit
from layers.models import AuditEvent


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        from django.utils import timezone

        request.session[LOGIN_AT] = timezone.now().isoformat()
    audit.record(AuditEvent.Action.LOGIN, user=user, request=request, channel="page")


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(AuditEvent.Action.LOGOUT, user=user, request=request, channel="page")


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    basic = request is not None and request.META.get("HTTP_AUTHORIZATION", "").startswith("Basic ")
    audit.record(
        AuditEvent.Action.LOGIN_FAILED,
        request=request,
        channel="basic" if basic else "page",
        detail={
            "username": str(credentials.get("username", ""))[:150],
            "path": request.path[:200] if request is not None else "",
        },
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.audit_groups")
@receiver(
    m2m_changed, sender=User.user_permissions.through, dispatch_uid="accounts.audit_user_perms"
)
@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="accounts.audit_group_perms")
def _permissions_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, model: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"} or (
        action != "post_clear" and not pk_set
    ):
        return
    audit.record(
        AuditEvent.Action.PERMISSION_CHANGE,
        object_type=f"{type(instance).__name__}:{instance.pk}",
        count=len(pk_set or ()),
        detail={
            "action": action,
            "what": model.__name__,
            "ids": sorted(pk_set or ()),
            "target": str(instance),
        },
    )


@receiver(pre_save, sender=User, dispatch_uid="accounts.audit_user_flags")
def _user_flags_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    before = (
        User.objects.filter(pk=instance.pk).values("is_staff", "is_superuser", "is_active").first()
    )
    if before is None:
        return
    changed = {k: [v, getattr(instance, k)] for k, v in before.items() if getattr(instance, k) != v}
    if changed:
        audit.record(
            AuditEvent.Action.PERMISSION_CHANGE,
            object_type=f"User:{instance.pk}",
            detail={"changed": changed, "target": instance.username},
        )


@receiver(post_save, sender="layers.Membership", dispatch_uid="accounts.audit_membership_saved")
@receiver(post_delete, sender="layers.Membership", dispatch_uid="accounts.audit_membership_deleted")
def _membership_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    audit.record(
        AuditEvent.Action.PERMISSION_CHANGE,
        object_type=f"User:{instance.user_id}",
        detail={
            "what": "Membership",
            "municipality": instance.municipality.kommunkod,
            "action": "deleted"
            if "created" not in kwargs
            else ("created" if kwargs["created"] else "changed"),
        },
    )
