"""Django settings for Trygg, driven by the environment (see docs/deployment.md).

Secrets come only from the environment. Domain facts (STORAGE_SRID, thresholds) are code constants
in the apps, not settings.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()  # generic admin and queryset classes, for mypy --strict

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; anything else is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a yes/no value, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from e


DEBUG = env_bool("TRYGG_DEBUG", False)

SECRET_KEY = os.environ.get("TRYGG_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("TRYGG_SECRET_KEY must be set when TRYGG_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105  (DEBUG only)

ALLOWED_HOSTS = [
    h for h in os.environ.get("TRYGG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

# Behind HTTPS (production): secure cookies, HSTS, redirect http to https. Off for the local demo and tests.
HTTPS = env_bool("TRYGG_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a reverse proxy (nginx, deploy/nginx.conf): trust X-Forwarded-Proto, and X-Real-IP as the
# client's address when the request comes from one of the proxy's addresses
# (config.security.ForwardedClientMiddleware rewrites REMOTE_ADDR; core.http.client_address reads it).
PROXY_ADDRESSES: tuple[str, ...] = ()
BEHIND_PROXY = env_bool("TRYGG_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    PROXY_ADDRESSES = tuple(
        a.strip()
        for a in os.environ.get("TRYGG_PROXY_ADDRESSES", "127.0.0.1,::1").split(",")
        if a.strip()
    )
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain http
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("TRYGG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "layers",
    "surveys",
    "est",
    "basemap",
    "followup",
    "mapapp",
    "statutory",
]

MIDDLEWARE = [
    "config.security.ForwardedClientMiddleware",  # first: every rule below sees the client's address
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "config.throttle.ThrottleMiddleware",
    "config.security.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginGuardMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "layers.tenancy.MunicipalityMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "est.access.ConfinementMiddleware",  # EST reporters reach their report page only (decision 0830)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users before any password check
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    """DATABASE_URL when set; otherwise the local server on the Unix socket as the current user."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(
            dj_database_url.parse(url, engine="django.contrib.gis.db.backends.postgis")
        )
    else:
        config = {
            "ENGINE": "django.contrib.gis.db.backends.postgis",
            "NAME": os.environ.get("TRYGG_DB_NAME", "trygg"),
            "HOST": os.environ.get("PGHOST", ""),  # empty: the Unix socket
            "PORT": os.environ.get("PGPORT", ""),
            "USER": os.environ.get("PGUSER", ""),
        }
    config["CONN_MAX_AGE"] = env_int("TRYGG_DB_CONN_MAX_AGE", 60)
    config["CONN_HEALTH_CHECKS"] = True
    options = dict(config.get("OPTIONS", {}) or {})  # type: ignore[call-overload]  # values typed object; OPTIONS is a mapping when set
    options.setdefault("connect_timeout", 5)
    config["OPTIONS"] = options
    config["TEST"] = {"NAME": os.environ.get("TRYGG_TEST_DB_NAME") or None}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"

# Password guessing (accounts/guessing.py, decision 0622). A user name is locked only *from the address*
# that failed 5 times (django-axes), for 15 minutes or until an administrator unlocks: never from
# everywhere, so no one can lock a named user out. Guessing from many addresses is slowed per account
# instead (1, 2, 4 … at most 60 s between password checks after 3 failures; a browser the user has logged
# in from is not slowed), and each address has a budget of password checks per minute.
AXES_FAILURE_LIMIT = env_int("TRYGG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TRYGG_LOGIN_COOLOFF_MIN", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = (
    "accounts.guessing.lockout_response"  # JSON 429 for programs, a page for people
)
AXES_CLIENT_IP_CALLABLE = "core.http.client_address"
AXES_VERBOSE = False
LOGIN_GUARD_ENABLED = env_bool("TRYGG_LOGIN_GUARD", True)
LOGIN_SLOWDOWN_FREE = env_int("TRYGG_LOGIN_SLOWDOWN_FREE", 3)
LOGIN_SLOWDOWN_FIRST_S = 1.0
LOGIN_SLOWDOWN_MAX_S = float(env_int("TRYGG_LOGIN_SLOWDOWN_MAX_S", 60))
LOGIN_PER_ADDRESS_PER_MIN = env_int("TRYGG_LOGIN_PER_ADDRESS_PER_MIN", 30)

# Administrators and analysts must give a TOTP code each session (accounts/policy.py).
REQUIRE_TWO_FACTOR = env_bool("TRYGG_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Trygg"

# Sessions end after 30 minutes without activity and 12 hours after login, whatever happens.
SESSION_COOKIE_AGE = 30 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Swedish first, English second. Message ids are Swedish (the primary language), so a missing
# catalogue still shows Swedish; locale/en holds the English catalogue (docs/decisions/0003).
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in demo and tests
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded and generated files (photos, rasters, imports) are never under a public static path:
# they are served through views that check permissions (docs/security.md).
MEDIA_ROOT = Path(os.environ.get("TRYGG_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Nothing is served at MEDIA_URL: photos go out through mapapp/field_views.py, exports through
# layers/ogc/export_views.py.
MEDIA_URL = "/media-not-public/"

# The background map service is set per municipality in the admin (basemap.BasemapService). This XYZ URL
# with {z}/{x}/{y} is the fallback for municipalities without one (older installations set only this);
# its tiles, too, reach browsers only through Trygg's proxy (docs/decisions/0720).
BASEMAP_URL = os.environ.get("TRYGG_BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = os.environ.get("TRYGG_BASEMAP_ATTRIBUTION", "")
# The proxy's tile cache (one SQLite file per service; a cache: never backed up, safe to delete).
BASEMAP_CACHE_DIR = Path(
    os.environ.get("TRYGG_BASEMAP_CACHE_DIR", BASE_DIR / "var" / "basemap-cache")
)
# Sent to the map service with every request, so its operator can tell who asks (OSM's policy requires it).
BASEMAP_USER_AGENT = os.environ.get("TRYGG_BASEMAP_USER_AGENT", "Trygg (kommunal trygghetskarta)")

# E-mail (the weekly digest of actions, docs/decisions/0825): SMTP with the server from the environment in
# production; without TRYGG_EMAIL_HOST nothing leaves the machine (the console backend prints the mail).
EMAIL_HOST = os.environ.get("TRYGG_EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "TRYGG_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("TRYGG_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("TRYGG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TRYGG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TRYGG_EMAIL_TLS", True)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("TRYGG_EMAIL_FROM", "trygg@localhost")
# The address links in e-mails start with (no request to take it from), e.g. https://trygg.kommun.se
TRYGG_BASE_URL = os.environ.get("TRYGG_BASE_URL", "").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "layers.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trygg API",
    "DESCRIPTION": "JSON API for Trygg: layers, walks and observations, actions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The document needs a login like every API call (docs/decisions/0002).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Every operation also documents the answers of the layers around it (401, 403, 404, 429, 413).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "layers.api_schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TRYGG_LOG_LEVEL", "WARNING")},
}

# Debian 12 ships GDAL 3.6, which cannot block file and network access from spatial references
# (gis.W001). Trygg never hands GDAL a user-supplied spatial reference or path: CRSs are EPSG codes
# checked against geo.crs.SWEDISH_SRIDS, and importers open only local files with an allow-list of
# drivers (docs/decisions/0005-gdal-36-on-debian-12.md, docs/security.md).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Sensitive incidents reach users without the permission only as a release per calendar year: counts on a
# fixed grid of this cell size (metres, SWEREF 99 TM), per district and focus area, with counts under
# SENSITIVE_MIN_COUNT suppressed, published this many months after the year's end and then frozen
# (core/disclosure.py, layers/release.py, docs/decisions/0600).
SENSITIVE_CELL_M = env_int("TRYGG_SENSITIVE_CELL_M", 500)
SENSITIVE_MIN_COUNT = env_int("TRYGG_SENSITIVE_MIN_COUNT", 5)
SENSITIVE_RELEASE_LAG_MONTHS = env_int("TRYGG_SENSITIVE_RELEASE_LAG_MONTHS", 3)
if not 0 <= SENSITIVE_RELEASE_LAG_MONTHS <= 12:
    raise ImproperlyConfigured(
        "TRYGG_SENSITIVE_RELEASE_LAG_MONTHS must be 0–12 (months after a year's end)"
    )

# Per-client request budgets (config/throttle.py): map and API reads, and the tablets' sync, separately.
THROTTLE_ENABLED = env_bool("TRYGG_THROTTLE", True)
# gunicorn worker processes: each holds its own buckets
THROTTLE_WORKERS = env_int("TRYGG_WORKERS", 2)
THROTTLE_READ_PER_S = env_int("TRYGG_THROTTLE_READ_PER_S", 100)
THROTTLE_READ_BURST = env_int("TRYGG_THROTTLE_READ_BURST", 200)
THROTTLE_SYNC_PER_S = env_int("TRYGG_THROTTLE_SYNC_PER_S", 100)
THROTTLE_SYNC_BURST = env_int("TRYGG_THROTTLE_SYNC_BURST", 400)
# Map reads running at once per worker: one fewer than its threads, so one is always free for the rest.
THROTTLE_READ_CONCURRENCY = env_int("TRYGG_THROTTLE_READ_CONCURRENCY", 3)
THROTTLE_READ_WAITERS = env_int("TRYGG_THROTTLE_READ_WAITERS", 18)
THROTTLE_READ_QUEUE_MS = env_int("TRYGG_THROTTLE_READ_QUEUE_MS", 500)
# Gallring: how many days each kind of personal data is kept before `manage.py gallra` removes it
# (core/retention.py; what each is and why in docs/security.md). The municipality's information management
# plan (informationshanteringsplan) decides; these are the defaults. The audit log is kept at least a year.
RETENTION_DAYS = {
    "incidents": env_int("TRYGG_RETAIN_INCIDENTS_DAYS", 5 * 365),
    "import_rejections": env_int("TRYGG_RETAIN_IMPORT_REJECTIONS_DAYS", 90),
    "audit_log": env_int("TRYGG_RETAIN_AUDIT_LOG_DAYS", 5 * 365),
    "working_files": env_int("TRYGG_RETAIN_WORKING_FILES_DAYS", 1),
    "observation_photos": env_int("TRYGG_RETAIN_PHOTOS_DAYS", 2 * 365),
    "walk_free_text": env_int("TRYGG_RETAIN_WALK_TEXT_DAYS", 3 * 365),
    "device_tokens": env_int("TRYGG_RETAIN_DEVICE_TOKENS_DAYS", 365),
    "api_tokens": env_int("TRYGG_RETAIN_API_KEYS_DAYS", 365),
    "login_records": env_int("TRYGG_RETAIN_LOGIN_RECORDS_DAYS", 90),
    "sessions": env_int("TRYGG_RETAIN_SESSIONS_DAYS", 1),
    # EST reports (decision 0834): the free text after a tertial's analysis, the reports after 3 years.
    "est_free_text": env_int("TRYGG_RETAIN_EST_TEXT_DAYS", 180),
    "est_reports": env_int("TRYGG_RETAIN_EST_REPORTS_DAYS", 3 * 365),
}

# The largest photo a tablet may upload (surveys/photos.py); larger ones get a 413 naming the limit.
PHOTO_MAX_BYTES = env_int("TRYGG_PHOTO_MAX_MB", 15) * 1024 * 1024
# Each address refuses a larger body before reading it (config.security.body_limits); Django's own
# limit on form and JSON bodies held in memory is the largest of those (a plan from the editor).
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
