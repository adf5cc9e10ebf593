"""Who must use two-factor authentication, and how long a session lasts (docs/security.md)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from layers.roles import AnyUser, Role, can_view_sensitive

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# A session's expiry is pushed forward at most this often, so a burst of tile requests does not write
# the session row on every request.
SESSION_REFRESH = timedelta(seconds=60)

TWO_FACTOR_ROLES = frozenset({Role.ANALYST, Role.ADMIN})


def requires_two_factor(user: AnyUser) -> bool:
    """Staff, superusers and everyone who may see sensitive incidents (analysts, administrators) use TOTP.

    Asks the same permission as every channel (``can_view_sensitive``), whose answer Django caches on the
    user for the request, so the check costs no query of its own on pages that read incidents.
    """
    if not getattr(settings, "REQUIRE_TWO_FACTOR", True) or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or can_view_sensitive(user))
