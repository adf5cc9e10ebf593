"""Which municipality a request works in: the user's own (docs/decisions/0013).

Every user belongs to at most one municipality (``layers.Membership``); their role (group) applies there
and nowhere else. ``municipality_for(user)`` says which: the membership; else, for an installation that
serves one municipality, that one; else none (no data at all). Within a request,
``layers.queries.default_municipality()`` answers for the request's user (``MunicipalityMiddleware`` puts the
user in a context variable), so every page, API call, OGC request, tile and export is scoped without each
view passing the user down; outside a request (commands) it is the first municipality, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from layers.models import Membership, Municipality
from layers.roles import AnyUser

_NOT_IN_A_REQUEST = object()
_request_user: ContextVar[object] = ContextVar("trygg_request_user", default=_NOT_IN_A_REQUEST)
_resolved: ContextVar[tuple[object, Municipality | None] | None] = ContextVar(
    "trygg_municipality", default=None
)


def first_municipality() -> Municipality | None:
    return Municipality.objects.order_by("pk").first()


def municipality_for(user: AnyUser) -> Municipality | None:
    """The municipality ``user`` works in, or None when they belong to none of several."""
    if user.is_authenticated:
        membership = (
            Membership.objects.filter(user_id=user.pk).select_related("municipality").first()
        )
        if membership is not None:
            return membership.municipality
    first_two = list(Municipality.objects.order_by("pk")[:2])
    if len(first_two) == 1:
        return first_two[0]  # an installation for one municipality: everyone works there
    if user.is_authenticated and user.is_superuser:
        return first_two[0] if first_two else None
    return None


def current_municipality() -> Municipality | None:
    """The request user's municipality inside a request; the first municipality outside one."""
    user = _request_user.get()
    if user is _NOT_IN_A_REQUEST:
        return first_municipality()
    key = getattr(user, "pk", None)  # the user may change during the request (a Basic login)
    cached = _resolved.get()
    if cached is not None and cached[0] == key:
        return cached[1]
    municipality = municipality_for(user)  # type: ignore[arg-type]
    _resolved.set((key, municipality))
    return municipality


class MunicipalityMiddleware:
    """Makes the request's user known to ``current_municipality`` for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_user.set(_LazyUser(request))
        resolved = _resolved.set(None)
        try:
            return self.get_response(request)
        finally:
            _resolved.reset(resolved)
            _request_user.reset(token)


class _LazyUser:
    """The request's user as it is when asked (a view may log a Basic user in after this middleware)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def __getattr__(self, name: str) -> object:
        return getattr(self.request.user, name)
