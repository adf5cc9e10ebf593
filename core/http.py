"""The HTTP edge every app shares: who wants JSON, the one error body, and the client's address.

**Who wants JSON** (``wants_json``) is decided here and nowhere else (docs/decisions/0622). Programs get
``{"error": ..., "fields"?: ...}`` with the status; people get a page. A request wants JSON when

- it goes to the JSON API or the vector tiles (``/api/``, ``/tiles/``): only programs ask there;
- it goes to the OGC API or the exports (``/ogc/``, ``/export/``) and does not ask for HTML (``f=html``, or
  a browser's ``Accept`` that puts ``text/html`` before any JSON): QGIS, GDAL and scripts;
- elsewhere (the login form, the pages' data), when ``Accept`` asks for JSON before HTML, the request
  says ``X-Requested-With: XMLHttpRequest``, or it carries ``Authorization`` (a program's credentials;
  browsers send cookies);
- never under ``/admin/``, which is pages only.

**The client's address** (``client_address``) is ``REMOTE_ADDR``. Behind Trygg's own reverse proxy
(``TRYGG_BEHIND_PROXY``), ``config.security.ForwardedClientMiddleware`` has already replaced it with the
``X-Real-IP`` the proxy set, and only for requests from the proxy's own addresses (anyone else could
send the header).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

ALWAYS_JSON = ("/api/", "/tiles/")
PROGRAM_PATHS = ("/ogc/", "/export/")
NEVER_JSON = ("/admin/",)


def wants_html(request: HttpRequest) -> bool:
    """Whether the client asks for HTML: OGC's ``f=html``, or ``Accept`` with ``text/html`` before JSON.

    An explicit ``f`` other than ``html`` (``f=json``) is a program's choice.
    """
    fmt = request.GET.get("f")
    if fmt:
        return fmt == "html"
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def wants_json(request: HttpRequest) -> bool:
    """Whether an error for ``request`` is answered as JSON (a program) or as a page (a person)."""
    path = request.path
    if path.startswith(NEVER_JSON):
        return False
    if path.startswith(ALWAYS_JSON):
        return True
    if path.startswith(PROGRAM_PATHS):
        return not wants_html(request)
    if wants_html(request):
        return False
    accept = request.headers.get("Accept", "")
    return (
        "json" in accept
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or bool(request.headers.get("Authorization"))
    )


def error_body(message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one shape of an error for programs: ``{"error": ..., "fields"?: {...}}`` (STYLE.md §6)."""
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return body


def json_error(
    message: str,
    status: int,
    *,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JsonResponse:
    """An error for a program; ``extra`` adds members a protocol needs (OGC's ``code``)."""
    response = JsonResponse({**(extra or {}), **error_body(message, fields)}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(
    request: HttpRequest,
    status: int,
    message: str,
    *,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    template: str | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """An error as the client wants it (``wants_json``): the JSON body, or ``template`` as a page (plain
    text without one)."""
    if wants_json(request):
        return json_error(message, status, fields=fields, headers=headers)
    if template is not None:
        response = render(request, template, {"message": message, **(context or {})}, status=status)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def client_address(request: HttpRequest) -> str:
    """The client's IP address: ``REMOTE_ADDR``, which behind Trygg's proxy the first middleware
    (``config.security.ForwardedClientMiddleware``) has set to the address the proxy saw."""
    return str(request.META.get("REMOTE_ADDR", "") or "")
