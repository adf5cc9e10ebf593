"""Security headers that Django does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than the upload limit, before any of it is read.

    Django would otherwise stream a multi-gigabyte body to a temporary file before the view could say no;
    the import views check the size again as they copy the file (``layers.uploads.receive``), which also
    covers a body sent without a Content-Length.
    """

    OVERHEAD = 1024 * 1024  # multipart boundaries and the form's other fields

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils.translation import gettext as _

        from core.http import error_response
        from layers.uploads import Limits

        limit = Limits.from_settings().max_bytes
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + self.OVERHEAD:
            message = _("Förfrågan är större än gränsen %(max)s MB") % {
                "max": limit // (1024 * 1024)
            }
            return error_response(request, 413, message)
        return self.get_response(request)
