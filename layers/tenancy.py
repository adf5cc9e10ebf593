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
from typing import TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.errors import NotInMunicipality
from layers.models import Membership, Municipality
from layers.roles import AnyUser

M = TypeVar("M", bound=Model)
USERS = "users:"  # a scope path through a user (see ``scoped``)

_NOT_IN_A_REQUEST = object()
_request_user: ContextVar[object] = ContextVar("trygg_request_user", default=_NOT_IN_A_REQUEST)
_resolved: ContextVar[tuple[object, Municipality | None] | None] = ContextVar(
    "trygg_municipality", default=None
)


def first_municipality() -> Municipality | None:
    return Municipality.objects.order_by("pk").first()


def home_municipality(user: AnyUser) -> Municipality | None:
    """The municipality ``user`` belongs to: their membership; in an installation that holds one
    municipality, that one (for everyone); else None."""
    if user.is_authenticated:
        membership = (
            Membership.objects.filter(user_id=user.pk).select_related("municipality").first()
        )
        if membership is not None:
            return membership.municipality
    first_two = list(Municipality.objects.order_by("pk")[:2])
    if len(first_two) == 1:
        return first_two[0]  # an installation for one municipality: everyone works there
    return None


def municipality_for(user: AnyUser) -> Municipality | None:
    """The municipality ``user`` works in, or None when they belong to none of several.

    A superuser without a membership reads the first one (the admin shows them every municipality).
    """
    home = home_municipality(user)
    if home is not None:
        return home
    if user.is_authenticated and user.is_superuser:
        return first_municipality()
    return None


def may_work_in(user: AnyUser, municipality: Municipality) -> bool:
    """Whether ``user`` may write in ``municipality``: their own; a superuser without a membership, any."""
    home = home_municipality(user)
    if home is not None:
        return home.pk == municipality.pk
    return bool(user.is_authenticated and user.is_superuser)


def municipality_to_write(user: AnyUser, named: Municipality | None = None) -> Municipality:
    """The municipality a write made for ``user`` goes to (a device token, an import by command).

    It is the user's own; naming another is refused. A user who belongs to none is refused with a
    message saying what to do; a superuser without a membership among several municipalities must name
    one. Raises ``core.errors.NotInMunicipality``.
    """
    home = home_municipality(user)
    username = getattr(user, "username", "") or "anonym"
    if home is not None:
        if named is not None and named.pk != home.pk:
            raise NotInMunicipality(
                _("%(user)s arbetar i %(home)s, inte i %(named)s")
                % {"user": username, "home": home, "named": named}
            )
        return home
    if user.is_authenticated and user.is_superuser:
        if named is not None:
            return named
        raise NotInMunicipality(
            _(
                "%(user)s hör inte till någon kommun och det finns flera: ange vilken "
                "(--municipality KOMMUNKOD) eller ge användaren en kommuntillhörighet"
            )
            % {"user": username}
        )
    raise NotInMunicipality(
        _(
            "%(user)s hör inte till någon kommun: ge användaren en kommuntillhörighet i "
            "administrationen (Kommuntillhörigheter) först"
        )
        % {"user": username}
    )


def own_municipality_or_404() -> Municipality:
    """The request user's municipality; "not found" for a user who works in none (nothing is theirs)."""
    municipality = current_municipality()
    if municipality is None:
        raise Http404(_("Du hör inte till någon kommun."))
    return municipality


def users_of(municipality: Municipality) -> QuerySet[User]:
    """The users who work in ``municipality``: its members; in a one-municipality installation also
    everyone without a membership (they work there too, ``home_municipality``)."""
    belongs = Q(membership__municipality=municipality)
    if Municipality.objects.count() == 1:
        belongs |= Q(membership__isnull=True)
    return User.objects.filter(belongs)


def scoped(qs: QuerySet[M], path: str, user: AnyUser) -> QuerySet[M]:
    """``qs`` limited to the rows of the municipality ``user`` works in; no rows for a user of no
    municipality. Superusers are not limited (the admin's rule: they see every municipality).

    ``path`` says how a row reaches its municipality: a lookup (``"municipality"``,
    ``"walk__municipality"``), ``"pk"`` for municipalities themselves, or ``"users:"`` followed by the
    lookup of a user (``"users:"`` for users themselves, ``"users:user"`` for a user's API keys).
    """
    if user.is_authenticated and user.is_superuser:
        return qs
    municipality = municipality_for(user)
    if municipality is None:
        return qs.none()
    if path == "pk":
        return qs.filter(pk=municipality.pk)
    if path.startswith(USERS):
        field = path.removeprefix(USERS) or "pk"
        return qs.filter(**{f"{field}__in": users_of(municipality).values("pk")})
    return qs.filter(**{path: municipality})


def current_municipality() -> Municipality | None:
    """The request user's municipality inside a request; the first municipality outside one."""
    user = _request_user.get()
    if user is _NOT_IN_A_REQUEST:
        return first_municipality()
    key = getattr(user, "pk", None)  # the user may change during the request (a Basic login)
    cached = _resolved.get()
    if cached is not None and cached[0] == key:
        return cached[1]
    municipality = municipality_for(user)  # type: ignore[arg-type]  # the sentinel was ruled out above; the context variable is typed with it
    _resolved.set((key, municipality))
    return municipality


def current_request() -> HttpRequest | None:
    """The request being answered, or None outside a request (a command)."""
    user = _request_user.get()
    return user.request if isinstance(user, _LazyUser) else None


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
