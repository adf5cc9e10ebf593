"""Write to the append-only audit log (layers.AuditEvent). Call it where the event happens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.http import client_address
from layers.models import AuditEvent
from layers.roles import AnyUser


def record(
    action: str,
    *,
    user: AnyUser | None = None,
    request: HttpRequest | None = None,
    channel: str = "",
    object_type: str = "",
    count: int = 0,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; ``user`` defaults to the request's user, the IP to the request's peer."""
    if user is None and request is not None:
        user = request.user
    real_user = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        action=action,
        user=real_user,
        username=getattr(user, "username", "") or "",
        channel=channel,
        object_type=object_type,
        count=count,
        detail=detail or {},
        ip=(client_address(request) or None) if request is not None else None,
    )
