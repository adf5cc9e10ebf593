"""Keep password guessing slow without letting anyone lock a named user out (issue 10, decision 0622).

Four rules, all applied before a password is checked (the login form, the admin's login, HTTP Basic):

1. **User name and address together** (django-axes, ``AXES_LOCKOUT_PARAMETERS``): after 5 failures from one
   address, that user name is locked *from that address* for 15 minutes. Nobody else is locked: the lock
   by user name alone, which let anyone lock ``admin`` out from anywhere, is gone.
2. **A slow-down per account**: after ``LOGIN_SLOWDOWN_FREE`` failures of a user name (from any
   addresses, within the cool-off time), its password is checked again only once ``delay(n)`` has passed
   since the last failure: 1, 2, 4 … seconds, at most ``LOGIN_SLOWDOWN_MAX_S`` (60). An attempt that
   comes earlier is answered 429 with ``Retry-After``, without checking the password and without counting
   as a failure. So an attacker with any number of addresses gets at most one guess a minute per account,
   and the real user waits at most a minute.
3. **A known device is not slowed**: a browser that has logged in as a user carries a signed cookie for
   that user name (``trygg_enhet``, 180 days, HttpOnly); with it the slow-down does not apply (OWASP's
   "device cookies"), so an attacker who keeps an account slowed does not keep its owner out. Rules 1 and
   4 still apply to it.
4. **A rate per address**: each address may have passwords checked at most
   ``LOGIN_PER_ADDRESS_PER_MIN`` times a minute, whatever user names it tries (password spraying).

Refusals are 429 with ``Retry-After``: JSON (``{"error": ...}``) for programs, a page for people
(``core.http.error_response``).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.http import client_address, error_response
from core.ratelimit import Limiter

DEVICE_COOKIE = "trygg_enhet"
DEVICE_COOKIE_MAX_AGE = timedelta(days=180)
_DEVICE_SALT = "trygg.accounts.device"


class SlowDown(Exception):
    """A password check refused for now; ``wait_s`` says for how long."""

    def __init__(self, wait_s: float, message: str) -> None:
        super().__init__(message)
        self.wait_s = wait_s
        self.message = message


def delay_s(failures: int) -> float:
    """Seconds between password checks of an account after ``failures`` recent failures.

    >>> [delay_s(n) for n in (0, 2, 3, 4, 5, 8, 9, 40)]  # 3 free failures, then 1 s, at most 60 s
    [0.0, 0.0, 1.0, 2.0, 4.0, 32.0, 60.0, 60.0]
    """
    free = int(getattr(settings, "LOGIN_SLOWDOWN_FREE", 3))
    first = float(getattr(settings, "LOGIN_SLOWDOWN_FIRST_S", 1.0))
    most = float(getattr(settings, "LOGIN_SLOWDOWN_MAX_S", 60.0))
    if failures < free:
        return 0.0
    return min(most, first * 2.0 ** min(failures - free, 30))


def recent_failures(username: str, now: datetime) -> tuple[int, datetime | None]:
    """Failures of ``username`` from every address within the cool-off time, and the last one's time."""
    since = now - settings.AXES_COOLOFF_TIME
    found = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    return int(found["failures"] or 0), found["last"]


def account_wait_s(username: str, now: datetime | None = None) -> float:
    """Seconds until ``username``'s password may be checked again (0: now)."""
    now = now or timezone.now()
    failures, last = recent_failures(username, now)
    if last is None:
        return 0.0
    return max(0.0, (last + timedelta(seconds=delay_s(failures)) - now).total_seconds())


class _AddressRate:
    """Password checks per address per minute, shared by the worker's threads (rule 4)."""

    def __init__(self) -> None:
        self.limiter: Limiter | None = None
        self.per_min = 0

    def wait_s(self, address: str) -> float:
        per_min = int(getattr(settings, "LOGIN_PER_ADDRESS_PER_MIN", 30))
        if self.limiter is None or per_min != self.per_min:
            workers = max(1, int(getattr(settings, "THROTTLE_WORKERS", 1)))
            share = max(1.0, per_min / workers)
            self.limiter, self.per_min = Limiter(share / 60.0, share), per_min
        return self.limiter.wait_for(address)


_per_address = _AddressRate()


def forget_addresses() -> None:
    """Start every address's budget afresh (tests)."""
    _per_address.limiter = None


def before_password_check(request: HttpRequest, username: str) -> None:
    """Raise ``SlowDown`` when a password for ``username`` may not be checked now (rules 2–4)."""
    if not getattr(settings, "LOGIN_GUARD_ENABLED", True):
        return
    if username and not known_device(request, username):
        wait = account_wait_s(username)
        if wait > 0:
            raise SlowDown(
                wait,
                _(
                    "För många misslyckade inloggningar för kontot just nu. Vänta %(s)s sekunder "
                    "och försök igen."
                )
                % {"s": math.ceil(wait)},
            )
    wait = _per_address.wait_s(client_address(request))
    if wait > 0:
        raise SlowDown(
            wait,
            _("För många inloggningsförsök från din adress. Vänta %(s)s sekunder och försök igen.")
            % {"s": math.ceil(wait)},
        )


def too_many(request: HttpRequest, message: str, wait_s: float) -> HttpResponse:
    """429 with ``Retry-After``: JSON for programs, the "locked" page for people."""
    return error_response(
        request,
        429,
        message,
        headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
        template="accounts/locked.html",
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """django-axes' answer once a user name is locked from this address (``AXES_LOCKOUT_CALLABLE``)."""
    cooloff = settings.AXES_COOLOFF_TIME.total_seconds()
    return too_many(
        request,
        _(
            "Kontot är tillfälligt låst från din adress efter för många misslyckade inloggningar. "
            "Försök igen om %(min)s minuter, eller be en administratör låsa upp det."
        )
        % {"min": math.ceil(cooloff / 60)},
        cooloff,
    )


# --- known devices (rule 3) -----------------------------------------------------------------------


def known_device(request: HttpRequest, username: str) -> bool:
    """Whether the request carries this browser's signed cookie of a past login as ``username``."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        names = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return False
    return isinstance(names, list) and username in names


def remember_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """Mark this browser as one ``username`` logs in from (a few user names at most per browser)."""
    names: list[str] = []
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if raw:
        try:
            loaded = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
            names = [str(n) for n in loaded] if isinstance(loaded, list) else []
        except signing.BadSignature:
            names = []
    names = ([username] + [n for n in names if n != username])[:5]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(names, salt=_DEVICE_SALT),
        max_age=int(DEVICE_COOKIE_MAX_AGE.total_seconds()),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
