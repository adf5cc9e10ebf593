"""Error pages: plain, in Swedish, without details; JSON for API clients.

A database that does not answer is a 503 with Retry-After (the app recovers by itself when it is back:
connections are health-checked at the start of each request), not a 500.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from core.http import json_error, wants_json

RETRY_AFTER_S = 30


def _page(request: HttpRequest, template: str, status: int, message: str) -> HttpResponse:
    if wants_json(request):
        return json_error(message, status)
    try:
        body = str(loader.render_to_string(template, {"request_path": request.path}))
    except Exception:
        body = f"<h1>{status}</h1><p>{message}</p>"
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    ):
        response = _page(
            request, "503.html", 503, "the database does not answer; try again shortly"
        )
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
    return _page(request, "500.html", 500, "internal error")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "404.html", 404, "not found")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "403.html", 403, "forbidden")
