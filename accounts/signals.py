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
from layers.tenancy import current_request


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
        request=current_request(),
        object_type=f"{type(instance).__name__}:{instance.pk}",
        count=len(pk_set or ()),
        detail={
            "action": action,
            "what": model.__name__,
            "ids": sorted(pk_set or ()),
            "target": str(instance),
        },
    )


def _roles_of(user_id: int) -> list[str]:
    return sorted(Group.objects.filter(user__id=user_id).values_list("name", flat=True))


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.audit_groups")
def _roles_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Granting or removing a role (a group), from either side: each user's roles before and after."""
    if action.startswith("pre_"):
        if not reverse:
            users = [instance.pk]
        elif pk_set:
            users = sorted(pk_set)
        else:  # group.user_set.clear()
            users = list(instance.user_set.values_list("pk", flat=True))
        instance._roles_before = {pk: _roles_of(pk) for pk in users}
        return
    before_by_user: dict[int, list[str]] = instance.__dict__.pop("_roles_before", {})
    names = dict(User.objects.filter(pk__in=before_by_user).values_list("pk", "username"))
    for pk, before in before_by_user.items():
        after = _roles_of(pk)
        if after == before:
            continue
        audit.record(
            AuditEvent.Action.PERMISSION_CHANGE,
            request=current_request(),
            object_type=f"User:{pk}",
            count=1,
            detail={"what": "roles", "target": names.get(pk, ""), "before": before, "after": after},
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
            request=current_request(),
            object_type=f"User:{instance.pk}",
            detail={
                "changed": changed,
                "target": instance.username,
                "before": {k: v[0] for k, v in changed.items()},
                "after": {k: v[1] for k, v in changed.items()},
            },
        )


@receiver(pre_save, sender="layers.Membership", dispatch_uid="accounts.audit_membership_before")
def _membership_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._municipality_before = (
        sender.objects.filter(pk=instance.pk)
        .values_list("municipality__kommunkod", flat=True)
        .first()
        if instance.pk is not None
        else None
    )


@receiver(post_save, sender="layers.Membership", dispatch_uid="accounts.audit_membership_saved")
@receiver(post_delete, sender="layers.Membership", dispatch_uid="accounts.audit_membership_deleted")
def _membership_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A user placed in, moved to or taken out of a municipality: its kommunkod before and after."""
    deleted = "created" not in kwargs
    if deleted:
        before, after = instance.municipality.kommunkod, None
    else:
        before = instance.__dict__.pop("_municipality_before", None)
        after = instance.municipality.kommunkod
        if before == after:
            return
    audit.record(
        AuditEvent.Action.PERMISSION_CHANGE,
        request=current_request(),
        object_type=f"User:{instance.user_id}",
        detail={
            "what": "Membership",
            "target": str(instance.user),
            "municipality": instance.municipality.kommunkod,
            "action": "deleted" if deleted else ("created" if kwargs["created"] else "changed"),
            "before": before,
            "after": after,
        },
    )
