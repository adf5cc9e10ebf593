"""Who must use two-factor authentication, and how long a session lasts (docs/security.md)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from layers.roles import AnyUser, Role, needs_second_factor

ABSOLUTE_TIMEOUT = timedelta(hours=12)
# A session's expiry is pushed forward at most this often, so a burst of tile requests does not write
# the session row on every request.
SESSION_REFRESH = timedelta(seconds=60)

TWO_FACTOR_ROLES = frozenset({Role.ANALYST, Role.ADMIN})


def requires_two_factor(user: AnyUser) -> bool:
    """Whether ``user`` must give a TOTP code this session (``layers.roles.needs_second_factor``)."""
    if not getattr(settings, "REQUIRE_TWO_FACTOR", True):
        return False
    return needs_second_factor(user)
