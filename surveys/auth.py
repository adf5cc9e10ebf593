"""Device tokens: how a tablet without a session authenticates to the sync API.

An administrator issues a token for a named device acting as a user; the token is shown once and only its
SHA-256 is stored. Requests send ``Authorization: Bearer <token>``; no session cookie, so no CSRF check.
Revoking (or the token's expiry, or the user's deactivation) stops it at the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.errors import NotInMunicipality
from layers import audit
from layers.models import AuditEvent, Municipality
from layers.tenancy import may_work_in, municipality_for
from surveys.models import DeviceToken

TOKEN_PREFIX = "trygg_"  # noqa: S105  (a public prefix, not a secret)
KEYWORD = "Bearer"
# last_used_at is written at most this often per token, not on every request of a sync burst.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    """The stored form of a token. Tokens are 256 random bits, so a plain SHA-256 is enough (no salt)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_device_token(
    municipality: Municipality,
    *,
    name: str,
    user: User,
    by: User | None = None,
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[DeviceToken, str]:
    """Create a token for a device; returns the row and the token, which is never stored or shown again.

    The token works only in ``municipality``, which must be the one ``user`` works in
    (``layers.tenancy.may_work_in``); otherwise ``core.errors.NotInMunicipality`` is raised and nothing
    is stored.
    """
    if not may_work_in(user, municipality):
        raise NotInMunicipality(
            _("%(user)s arbetar inte i %(muni)s: enhetsnyckeln kan inte gälla där")
            % {"user": user.username, "muni": municipality}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = DeviceToken.objects.create(
        municipality=municipality,
        name=name.strip(),
        user=user,
        token_sha256=hash_token(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        created_by=by,
        expires_at=expires_at,
    )
    audit.record(
        AuditEvent.Action.DEVICE_TOKEN,
        user=by,
        request=request,
        channel="admin",
        object_type="surveys.DeviceToken",
        count=1,
        detail={
            "event": "issued",
            "token": token.pk,
            "device": token.name,
            "as_user": user.username,
        },
    )
    return token, raw


def revoke_device_token(
    token: DeviceToken, *, by: User | None = None, request: HttpRequest | None = None
) -> DeviceToken:
    """Stop a token from working; idempotent (a revoked token keeps its first revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            AuditEvent.Action.DEVICE_TOKEN,
            user=by,
            request=request,
            channel="admin",
            object_type="surveys.DeviceToken",
            count=1,
            detail={"event": "revoked", "token": token.pk, "device": token.name},
        )
    return token


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <device token>`` for the sync API (DRF authentication class)."""

    def authenticate(self, request: Request) -> tuple[User, DeviceToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Bearer needs exactly one token")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as e:
            raise exceptions.AuthenticationFailed("the device token is not ASCII") from e
        token = (
            DeviceToken.objects.select_related("user").filter(token_sha256=hash_token(raw)).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("unknown device token")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("the device token has been revoked")
        if not token.is_active:
            raise exceptions.AuthenticationFailed("the device token has expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("the device's user is deactivated")
        if not may_work_in(token.user, token.municipality):
            # The user moved to another municipality (or the token predates this check): the token
            # must not keep writing where its user no longer works.
            raise exceptions.AuthenticationFailed(
                "the device's user does not work in the token's municipality"
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


def request_municipality(request: Request | Any) -> Municipality | None:
    """The municipality a device token is bound to; for a session, the user's own (layers.tenancy)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, DeviceToken):
        return auth.municipality  # checked against the user's own at authentication
    return municipality_for(request.user)
