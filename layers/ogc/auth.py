"""Who is asking: the browser's session, or HTTP Basic for QGIS, GDAL and scripts (docs/decisions/0400).

Pages log in with a session cookie; desktop GIS cannot. The OGC API, the vector tiles and the exports
therefore also take ``Authorization: Basic`` with the user's own Trygg login, checked by Django's
authentication backends (so an inactive user is refused, as on the pages). Checking a password costs a
slow hash by design; a successful check is remembered in this process for a few minutes, keyed by a keyed
hash of the credentials (never the password), so a QGIS session paging through a layer pays once.
A failed attempt is written to the audit log like a failed page login.

Basic carries no second factor, so it is refused for users who must give one (analysts and
administrators, ``layers.roles.needs_second_factor``): they use these channels from a logged-in browser
session, where they have given their TOTP code, or with a personal API key created from such a session,
sent as ``Authorization: Bearer`` or as the Basic password (``accounts.api_tokens``, decisions 0012, 0525).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

from accounts import api_tokens, guessing
from core.http import json_error, wants_html
from layers import audit
from layers.models import AuditEvent
from layers.roles import needs_second_factor

REALM = "Trygg"
REMEMBER_S = 300
_MAX_REMEMBERED = 1000

_remembered: dict[str, tuple[float, int]] = {}  # credential digest -> (expires, user id)
_lock = threading.Lock()

View = Callable[..., HttpResponseBase]


def _digest(raw: bytes) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), raw, hashlib.sha256).hexdigest()


def _from_memory(digest: str) -> User | None:
    with _lock:
        entry = _remembered.get(digest)
    if entry is None or entry[0] < time.monotonic():
        return None
    user = User.objects.filter(pk=entry[1], is_active=True).first()
    return user


def _remember(digest: str, user: User) -> None:
    with _lock:
        if len(_remembered) >= _MAX_REMEMBERED:
            now = time.monotonic()
            for key in [k for k, (expires, _) in _remembered.items() if expires < now]:
                del _remembered[key]
            if len(_remembered) >= _MAX_REMEMBERED:
                _remembered.clear()
        _remembered[digest] = (time.monotonic() + REMEMBER_S, user.pk)


def forget_all() -> None:
    """Drop every remembered login (tests, and after a password change in this process)."""
    with _lock:
        _remembered.clear()


def presented_api_key(request: HttpRequest) -> tuple[str, str | None] | None:
    """A personal API key in the request (Bearer, or the Basic password) and the Basic user name, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and api_tokens.is_api_key(value):
        return value, None
    if scheme.lower() == "basic" and value:
        try:
            username, sep, password = (
                base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None
        if sep and api_tokens.is_api_key(password):
            return password, username
    return None


def basic_user(request: HttpRequest) -> User | None:
    """The user named by a valid ``Authorization: Basic`` header, or None.

    A password is checked only when ``accounts.guessing`` allows it now; otherwise ``SlowDown`` is raised
    (a remembered login is not a new check and is not slowed).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
        username, sep, password = raw.decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    digest = _digest(raw)
    remembered = _from_memory(digest)
    if remembered is not None:
        return remembered
    guessing.before_password_check(request, username)  # raises SlowDown
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User) or not user.is_active:
        # authenticate() has sent user_login_failed: accounts.signals writes it to the audit log.
        return None
    _remember(digest, user)
    return user


def _second_factor_required(user: User) -> bool:
    return bool(getattr(settings, "REQUIRE_TWO_FACTOR", True)) and needs_second_factor(user)


def login_or_basic(view: View) -> View:
    """Like login_required, but a program may send HTTP Basic instead of a session cookie.

    Without a login: a browser asking for HTML goes to the login page; a program gets 401 with a
    ``WWW-Authenticate`` challenge, which QGIS and GDAL answer with the credentials they hold.

    Every answer, refusals included, varies on ``Cookie`` and ``Authorization``: it depends on who asks,
    so no cache may give one user's answer to another.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = _answer(request, *args, **kwargs)
        patch_vary_headers(response, ("Cookie", "Authorization"))
        return response

    def _answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = None if request.user.is_authenticated else presented_api_key(request)
        if key is not None:
            # A key was made from a session that gave its second factor: it stands in for that session.
            key_user = api_tokens.user_for_key(key[0], request=request, username=key[1])
            if key_user is None:
                return _unauthenticated(
                    "the API key is unknown, revoked or expired, or not this user's"
                )
            request.user = key_user
        if not request.user.is_authenticated:
            try:
                user = basic_user(request)
            except guessing.SlowDown as e:
                return guessing.too_many(request, e.message, e.wait_s)
            if user is not None and _second_factor_required(user):
                audit.record(
                    AuditEvent.Action.LOGIN_FAILED,
                    user=user,
                    request=request,
                    channel="basic",
                    detail={
                        "reason": "second factor required; Basic refused",
                        "path": request.path[:200],
                    },
                )
                return JsonResponse(
                    {
                        "code": "SecondFactorRequired",
                        "description": "this account must log in with a second factor: use the browser",
                        "error": "this account must log in with a second factor: use the browser",
                    },
                    status=403,
                )
            if user is not None:
                request.user = user
        if not request.user.is_authenticated:
            if wants_html(request):
                return redirect_to_login(request.get_full_path())
            return _unauthenticated(
                "log in, or send HTTP Basic credentials or a personal API key of a Trygg user"
            )
        return view(request, *args, **kwargs)

    return wrapped


def _unauthenticated(message: str) -> JsonResponse:
    return json_error(
        message,
        401,
        headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        extra={"code": "NotAuthenticated", "description": message},
    )
