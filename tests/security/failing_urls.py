"""A URL that fails, for tests of what an error page shows (tests/security/test_demo_settings.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a-secret-in-the-error")


urlpatterns = [path("fails/", fails), *urlpatterns]
