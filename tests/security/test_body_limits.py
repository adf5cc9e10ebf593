"""Every address refuses a body announced larger than its own limit before reading any of it
(config.security.body_limits, docs/decisions/0643), and behind nginx the client's address is the one
nginx saw.

Before: one limit for every address (the import's 512 MB + 1 MB), so a photo upload announcing 500 MB
(limit 15 MB) or a 100 MB POST to /healthz was taken in and read.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.security import (
    DEFAULT_BODY_BYTES,
    MB,
    ForwardedClientMiddleware,
    body_limit_for,
    body_limits,
)
from layers.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db

SAMPLE = {"int": "1", "uuid": str(uuid.UUID(int=1)), "str": "x", "slug": "x", "path": "x"}
# Addresses given by regular expressions, which cannot be filled in mechanically.
REGEX_SAMPLES = [
    "/export/incidents.geojson",
    "/admin/",
    "/admin/login/",
    "/admin/layers/detaljplan/1/change/",
]


class Untouchable(io.RawIOBase):
    """A request body that records whether anyone read it."""

    def __init__(self) -> None:
        self.was_read = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.was_read = True
        return 0


def every_address() -> list[str]:
    paths: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for p in patterns:
            route = getattr(p.pattern, "_route", None)
            if route is None:
                continue  # a regular expression: see REGEX_SAMPLES
            filled = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + filled)
            else:
                paths.append("/" + prefix + filled)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths)) + REGEX_SAMPLES


ADDRESSES = every_address()


def test_the_list_of_addresses_covers_the_uploads_the_editor_and_the_tablet() -> None:
    assert len(ADDRESSES) > 80
    for name, kwargs in [
        ("import:upload", {}),
        ("plan-import", {}),
        ("context-import", {}),
        ("plan-create", {}),
        ("plan-save", {"pk": 1}),
        ("api-observation-photos", {"client_uuid": uuid.UUID(int=1)}),
        ("api-walk-track", {"walk_id": 1}),
        ("healthz", {}),
    ]:
        assert reverse(name, kwargs=kwargs) in ADDRESSES, name


@pytest.mark.parametrize("path", ADDRESSES)
def test_every_address_refuses_a_body_above_its_limit_before_reading_it(path: str) -> None:
    limit = body_limit_for(path).max_bytes
    body = Untouchable()

    response = Client().generic(
        "POST", path, CONTENT_LENGTH=str(limit + 1), CONTENT_TYPE="application/octet-stream",
        **{"wsgi.input": body},
    )  # fmt: skip

    assert response.status_code == 413, (path, response.status_code)
    assert not body.was_read, path
    assert "MB" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "kwargs", "expected_mb"),
    [
        ("api-observation-photos", {"client_uuid": uuid.UUID(int=1)}, 15),
        ("import:upload", {}, 513),
        ("plan-import", {}, 513),
        ("plan-save", {"pk": 7}, 4),
        ("api-walk-track", {"walk_id": 3}, 4),
        ("healthz", {}, 1),
        ("index", {}, 1),
        ("api-observation-create", {}, 1),
    ],
)
def test_each_address_has_the_limit_its_content_needs(
    name: str, kwargs: dict[str, Any], expected_mb: int
) -> None:
    assert round(body_limit_for(reverse(name, kwargs=kwargs)).max_bytes / MB) == expected_mb


def test_a_photo_announcing_500_mb_is_refused_at_once_naming_the_field(client: Client) -> None:
    MunicipalityFactory()
    client.force_login(user_with_role(Role.FIELD_STAFF))
    body = Untouchable()

    response = client.generic(
        "POST", f"/api/v1/observations/{uuid.uuid4()}/photos/", CONTENT_LENGTH=str(500 * MB),
        CONTENT_TYPE="multipart/form-data; boundary=x", **{"wsgi.input": body},
    )  # fmt: skip

    assert response.status_code == 413
    assert not body.was_read
    assert "15 MB" in response.json()["error"]
    assert list(response.json()["fields"]) == ["image"]


def test_a_body_within_its_limit_reaches_the_view(client: Client) -> None:
    # A 2 MB GPS track is more than the default 1 MB, within the track's 4 MB: the view answers (401:
    # no login), not the size check.
    response = client.generic(
        "POST", "/api/v1/walks/1/track/", b"x" * (2 * MB), content_type="application/json"
    )

    assert response.status_code == 401


def test_every_limit_is_at_least_the_default() -> None:
    assert all(limit.max_bytes >= DEFAULT_BODY_BYTES for limit in body_limits())


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.META["REMOTE_ADDR"])


@override_settings(PROXY_ADDRESSES=("127.0.0.1",))
def test_behind_the_proxy_the_client_address_is_the_one_nginx_saw() -> None:
    middleware = ForwardedClientMiddleware(ok)
    factory = RequestFactory()

    via_proxy = middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.1.2.3"))
    direct = middleware(factory.get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_REAL_IP="10.1.2.3"))
    garbage = middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="<script>"))

    assert via_proxy.content == b"10.1.2.3"
    assert direct.content == b"192.0.2.9"  # only the proxy may say who the client is
    assert garbage.content == b"127.0.0.1"


def test_without_a_proxy_the_header_is_ignored() -> None:
    response = ForwardedClientMiddleware(ok)(
        RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.1.2.3")
    )

    assert response.content == b"127.0.0.1"
