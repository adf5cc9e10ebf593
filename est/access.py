"""Who is an EST reporter, and what a reporter may reach (docs/decisions/0830).

A user whose only role is ``est_rapportor`` (no other role group, not staff) is *confined*: they reach
the report page, its sync address and their own reports, and nothing else of Trygg, on any channel. The
municipality's own staff who also hold another role keep that role's pages, and still see only their own
EST reports. The rule is applied by ``ConfinementMiddleware`` to every request: before the view for a
session, and after it for the channels that authenticate inside the view (HTTP Basic, personal API keys,
device tokens), whose answer is then replaced by a refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.http import json_error, wants_json
from layers.roles import ROLE_LABELS, AnyUser, Role

# What a confined reporter may reach: the report page and everything under it (service worker, manifest,
# sync, own reports), logging in and out, static files, the language switch and the health check.
OPEN_TO_REPORTERS = (
    "/est/rapport/",
    "/konto/logga-in/",
    "/konto/logga-ut/",
    "/static/",
    "/i18n/",
    "/healthz",
)
REPORT_PAGE = "/est/rapport/"
REPORT_PERMISSION = "est.add_estreport"
_CACHE = "_trygg_est_confined"


def is_reporter(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.groups.filter(name=Role.EST_REPORTER).exists())


def is_confined(user: AnyUser | None) -> bool:
    """True for an EST reporter with no other role and no staff flag: they see only their own reports."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return bool(cached)
    if user.is_staff or user.is_superuser or not user.has_perm(REPORT_PERMISSION):
        confined = False  # the permission cache is what most views load anyway: no extra query
    else:
        names = set(user.groups.values_list("name", flat=True))
        other_roles = (names & set(ROLE_LABELS)) - {Role.EST_REPORTER}
        confined = Role.EST_REPORTER in names and not other_roles
    setattr(user, _CACHE, confined)
    return confined


def reaches(path: str) -> bool:
    """Whether a confined reporter may ask for ``path``."""
    return path.startswith(OPEN_TO_REPORTERS)


def refusal(request: HttpRequest) -> HttpResponse:
    message = _("EST-rapportörer kan bara se rapportsidan och sina egna rapporter.")
    if wants_json(request):
        return json_error(message, 403)
    return render(request, "est/forbidden.html", {"message": message}, status=403)


class ConfinementMiddleware:
    """Keep confined EST reporters on their own report page, on every channel."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not reaches(request.path) and is_confined(getattr(request, "user", None)):
            if request.path == "/" and not wants_json(request):
                return redirect(REPORT_PAGE)  # where the login sends everyone
            return refusal(request)
        response = self.get_response(request)
        # Basic, API keys and device tokens set request.user inside the view: refuse their answer too.
        if not reaches(request.path) and is_confined(getattr(request, "user", None)):
            return refusal(request)
        return response
