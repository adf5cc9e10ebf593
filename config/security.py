"""Security headers that Django does not set itself, the request body limits, and the client's address
behind the proxy."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# No 'unsafe-inline' anywhere: templates carry no inline <script>, <style> or style="" attributes; data
# goes to scripts in data-* attributes or <script type="application/json"> (json_script), which never runs.
# Leaflet's inline positioning is set through the CSSOM (element.style.x), which CSP allows.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(self), camera=(self), microphone=()"
        )
        return response


# --- Request bodies: every address has its own limit, refused before the body is read -------------

MB = 1024 * 1024
# Multipart boundaries and the form's other fields around an uploaded file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# An upload form: the file, and the form's fields (mapping, plan id …).
UPLOAD_FORM_OVERHEAD_BYTES = 1 * MB
# Forms and JSON everywhere else: a login, an action, an observation (about 1 kB), a walk's plan.
DEFAULT_BODY_BYTES = 1 * MB
# A plan from the editor: at most MAX_PLAN_VERTICES (100,000) positions in all, about 24 bytes each in
# WGS 84 GeoJSON (2.4 MB); a tablet's GPS track: at most 50,000 positions (2 MB); an administrator's
# change page of a plan, its area as text in the map widget.
GEOMETRY_BODY_BYTES = 4 * MB


@dataclass(frozen=True)
class BodyLimit:
    """The largest body a request to the paths ``path`` (a regular expression) may announce."""

    name: str | Promise  # what takes the body (translated): for nginx's config and for people
    path: str
    max_bytes: int
    field: str = ""  # the field a JSON refusal names (the tablet's photo: "image")

    def matches(self, path: str) -> bool:
        return re.fullmatch(self.path, path) is not None


def body_limits() -> list[BodyLimit]:
    """The addresses that take more than ``DEFAULT_BODY_BYTES``, with their limits, most specific first.

    One table for the application (``RequestSizeLimitMiddleware``) and for nginx in front of it
    (``config.proxy``, docs/deployment.md), read from the settings each time (tests change them).
    """
    from layers.uploads import Limits

    upload = Limits.from_settings().max_bytes + UPLOAD_FORM_OVERHEAD_BYTES
    photo = int(getattr(settings, "PHOTO_MAX_BYTES", 15 * MB)) + MULTIPART_OVERHEAD_BYTES
    return [
        BodyLimit(
            gettext_lazy("foto från plattan"), r"/api/v1/observations/[^/]+/photos/", photo, "image"
        ),
        BodyLimit(
            gettext_lazy("gps-spår från plattan"),
            r"/api/v1/walks/[0-9]+/track/",
            GEOMETRY_BODY_BYTES,
        ),
        BodyLimit(gettext_lazy("import av händelser"), r"/import/", upload),
        BodyLimit(gettext_lazy("import av detaljplan"), r"/plan/importera/", upload),
        BodyLimit(gettext_lazy("import av stadsmiljö"), r"/plan/kontext/importera/", upload),
        BodyLimit(
            gettext_lazy("planritning"), r"/plan/(ny|[0-9]+/redigera)/spara/", GEOMETRY_BODY_BYTES
        ),
        BodyLimit(gettext_lazy("administrationen"), r"/admin/.*", GEOMETRY_BODY_BYTES),
    ]


def body_limit_for(path: str) -> BodyLimit:
    for limit in body_limits():
        if limit.matches(path):
            return limit
    return BodyLimit(gettext_lazy("denna adress"), r"/.*", DEFAULT_BODY_BYTES)


def _megabytes(n: int) -> str:
    return f"{n / MB:.0f}" if n >= MB else f"{n / MB:.1f}".replace(".", ",")


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than its address's limit, before any of it is read.

    Each address has its own limit (``body_limits``): a photo 15 MB, an import 512 MB, a form 1 MB.
    Django would otherwise stream a large body to a temporary file before the view could say no; the
    import views check the size again as they copy the file (``layers.uploads.receive``), which also
    covers a body sent without a Content-Length. nginx in front refuses the same sizes at the door
    (docs/deployment.md), so a slow client never reaches a gunicorn thread.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= DEFAULT_BODY_BYTES:
            return self.get_response(request)
        limit = body_limit_for(request.path_info)
        if declared <= limit.max_bytes:
            return self.get_response(request)
        message = _("Förfrågan är större än gränsen %(max)s MB för %(what)s") % {
            "max": _megabytes(limit.max_bytes),
            "what": limit.name,
        }
        wants_json = (
            request.path_info.startswith(("/api/", "/ogc", "/tiles/", "/export/"))
            or "json" in request.headers.get("Accept", "")
            or "json" in (request.content_type or "")
        )
        if wants_json:
            body: dict[str, object] = {"error": message}
            if limit.field:
                body["fields"] = {limit.field: [message]}
            return JsonResponse(body, status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class ForwardedClientMiddleware:
    """Behind nginx, the client's address is the one nginx saw (``X-Real-IP``), not nginx's own.

    Only when ``TRYGG_BEHIND_PROXY`` is on and the request comes from an address in
    ``TRYGG_PROXY_ADDRESSES`` (the proxy itself): anyone else could send the header. The throttle, the
    lockout and the audit log all read ``REMOTE_ADDR``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        proxies = getattr(settings, "PROXY_ADDRESSES", ())
        if proxies and request.META.get("REMOTE_ADDR") in proxies:
            real = request.META.get("HTTP_X_REAL_IP", "").strip()
            try:
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(real))
            except ValueError:
                pass  # no or a malformed header: keep the proxy's address
        return self.get_response(request)
