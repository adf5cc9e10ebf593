"""Personal API keys (decision 0525): issue, revoke, and find the user a key belongs to.

A key is ``tryggapi_`` and 256 random bits. A program sends it as ``Authorization: Bearer <key>``, or, for
programs that only know HTTP Basic (QGIS's basic authentication, GDAL's ``GDAL_HTTP_USERPWD``), as the
password with the user's own user name. The key is created from a session that has passed the second
factor where the role needs one, so it may stand in for that session on the read channels: an analyst's
QGIS can read sensitive points, which a password alone may not (decision 0012). Every issue, revocation
and refused use is written to the audit log; the reads themselves are audited as any read is.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ApiToken
from layers import audit
from layers.models import AuditEvent
from surveys.auth import LAST_USED_RESOLUTION, hash_token

PREFIX = "tryggapi_"
LIFETIME = timedelta(days=90)
MAX_ACTIVE_PER_USER = 10


class TooManyTokens(ValueError):
    pass


def is_api_key(value: str) -> bool:
    return value.startswith(PREFIX)


def active(user: User) -> list[ApiToken]:
    now = timezone.now()
    return list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).order_by(
            "-created_at"
        )
    )


def issue(user: User, *, name: str, request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Create a key for ``user``; returns the row and the key, which is never stored or shown again."""
    if len(active(user)) >= MAX_ACTIVE_PER_USER:
        raise TooManyTokens(name)
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        token_sha256=hash_token(raw),
        prefix=raw[: len(PREFIX) + 6],
        expires_at=timezone.now() + LIFETIME,
    )
    _audit(token, "issued", user=user, request=request)
    return token, raw


def revoke(token: ApiToken, *, by: User, request: HttpRequest | None = None) -> ApiToken:
    """Stop a key from working; idempotent (a revoked key keeps its first revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(token, "revoked", user=by, request=request)
    return token


def user_for_key(raw: str, *, request: HttpRequest, username: str | None = None) -> User | None:
    """The active user whose valid key ``raw`` is (and whose name is ``username``, when given), or None."""
    token = (
        ApiToken.objects.select_related("user").filter(token_sha256=hash_token(raw.strip())).first()
    )
    now = timezone.now()
    reason = None
    if token is None:
        reason = "unknown key"
    elif token.revoked_at is not None:
        reason = "revoked key"
    elif token.expires_at <= now:
        reason = "expired key"
    elif not token.user.is_active:
        reason = "inactive user"
    elif username is not None and username != token.user.get_username():
        reason = "key of another user"
    if reason is not None or token is None:
        audit.record(
            AuditEvent.Action.LOGIN_FAILED,
            user=token.user if token is not None else None,
            request=request,
            channel="api-key",
            detail={"reason": reason, "path": request.path[:200]},
        )
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _audit(token: ApiToken, event: str, *, user: User, request: HttpRequest | None) -> None:
    audit.record(
        AuditEvent.Action.API_TOKEN,
        user=user,
        request=request,
        channel="page",
        object_type="accounts.ApiToken",
        count=1,
        detail={
            "event": event,
            "token": token.pk,
            "name": token.name,
            "owner": token.user.username,
        },
    )
