"""Session time-outs and the two-factor requirement, for every page and API call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts import guessing
from accounts.policy import ABSOLUTE_TIMEOUT, SESSION_REFRESH, requires_two_factor
from core.http import wants_json

LOGIN_AT = "trygg_login_at"
SEEN_AT = "trygg_seen_at"

# Paths a user who still has to give a TOTP code may reach.
_TWO_FACTOR_OPEN = (
    "/konto/logga-in/",
    "/konto/logga-ut/",
    "/konto/verifiera/",
    "/konto/tvafaktor/",
    "/static/",
    "/healthz",
    "/i18n/",
)


class SessionLimitsMiddleware:
    """12 h absolute session life; 30 min idle (SESSION_COOKIE_AGE), refreshed at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            login_at = _read_time(request.session.get(LOGIN_AT))
            if login_at is None:
                request.session[LOGIN_AT] = now.isoformat()
            elif now - login_at > ABSOLUTE_TIMEOUT:
                logout(request)
                return _expired(request)
            seen_at = _read_time(request.session.get(SEEN_AT))
            if seen_at is None or now - seen_at > SESSION_REFRESH:
                request.session[SEEN_AT] = now.isoformat()  # marks the session modified: new expiry
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Send administrators and analysts who have not given a TOTP code this session to do so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_TWO_FACTOR_OPEN)
            and not user.is_verified()  # type: ignore[attr-defined]  # set by django_otp's middleware
            and requires_two_factor(user)
        ):
            if wants_json(request):
                return JsonResponse(
                    {"error": "two-factor verification required", "verify": reverse("otp-verify")},
                    status=403,
                )
            return redirect(f"{reverse('otp-verify')}?next={request.get_full_path()}")
        return self.get_response(request)


class LoginGuardMiddleware:
    """The login forms (the pages' and the admin's) pass ``accounts.guessing`` before any password is
    checked; a successful login marks the browser as a known device of that user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path not in self._login_paths():
            return self.get_response(request)
        username = str(request.POST.get("username", ""))[:150]
        try:
            guessing.before_password_check(request, username)
        except guessing.SlowDown as e:
            return guessing.too_many(request, e.message, e.wait_s)
        response = self.get_response(request)
        if request.user.is_authenticated:
            guessing.remember_device(request, response, request.user.get_username())
        return response

    def _login_paths(self) -> frozenset[str]:
        if self._paths is None:
            self._paths = frozenset({reverse("login"), reverse("admin:login")})
        return self._paths


def _read_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _expired(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": "the session has expired; log in again"}, status=401)
    return redirect(f"{reverse('login')}?next={request.get_full_path()}")
