from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from layers.models import AuditEvent, PublishedRelease
from tests.conftest import login_verified
from tests.factories import IncidentFactory, sensitive_category

pytestmark = pytest.mark.django_db


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "action"} and value is not None:
                self.refs.append(value)


def local_refs_only(html: str) -> list[str]:
    """Return the src/href/action values that point anywhere but this server."""
    parser = _Refs()
    parser.feed(html)
    assert parser.refs, "the page has no src or href at all"
    return [
        r
        for r in parser.refs
        if not (r.startswith("/") and not r.startswith("//"))
        and not r.startswith("#")
        and not r.startswith("http://127.0.0.1")
    ]


def test_index_asks_for_a_login() -> None:
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_index_is_swedish_and_loads_only_local_assets(bra_client: Client) -> None:
    IncidentFactory()

    response = bra_client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert "Karta över kommunen" in html
    assert local_refs_only(html) == []


def test_index_speaks_english_when_asked(bra_client: Client) -> None:
    response = bra_client.get("/", headers={"Accept-Language": "en"})

    assert "Map of the municipality" in response.content.decode()


def test_login_page_loads_only_local_assets() -> None:
    response = Client().get(reverse("login"))

    assert response.status_code == 200
    assert local_refs_only(response.content.decode()) == []


def test_healthz_answers_200_when_the_database_answers() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_incidents_api_hides_sensitive_incidents_from_a_bra_member(bra_client: Client) -> None:
    IncidentFactory(category=sensitive_category(), source_ref="S-1")
    IncidentFactory(source_ref="N-1")

    features = bra_client.get("/api/v1/incidents/").json()["features"]

    assert [f["properties"]["category"] for f in features] == ["misshandel"]


def test_incidents_api_shows_sensitive_incidents_to_an_analyst(analyst_client: Client) -> None:
    IncidentFactory(category=sensitive_category(), source_ref="S-1")
    IncidentFactory(source_ref="N-1")

    features = analyst_client.get("/api/v1/incidents/").json()["features"]

    assert sorted(f["properties"]["category"] for f in features) == [
        "misshandel",
        "vald_nara_relation",
    ]


def test_incidents_api_needs_a_login() -> None:
    response = Client().get("/api/v1/incidents/")

    assert response.status_code == 403
    assert "error" in response.json()


def test_incident_geojson_is_wgs84_lon_lat(bra_client: Client) -> None:
    IncidentFactory()

    lon, lat = bra_client.get("/api/v1/incidents/").json()["features"][0]["geometry"]["coordinates"]

    assert 17.8 < lon < 18.0 and 59.4 < lat < 59.6


def test_openapi_document_is_served(bra_client: Client) -> None:
    response = bra_client.get(
        "/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    )

    assert response.status_code == 200
    assert "/api/v1/incidents/" in response.content.decode()


@pytest.fixture
def superuser_client(client: Client) -> Client:
    return login_verified(
        client, User.objects.create_superuser("root-admin", "a@example.org", "x-test-password-1")
    )


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m._meta.app_label in {"layers", "surveys"}],
    ids=lambda m: m.__name__,
)
def test_every_model_has_an_admin_whose_pages_load_only_local_assets(
    superuser_client: Client, model: type
) -> None:
    assert admin.site.is_registered(model)
    opts = model._meta

    changelist = superuser_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    )
    assert changelist.status_code == 200
    # Append-only (the audit log) and frozen (the releases, decision 0600): nobody adds, changes or
    # deletes, not even a superuser.
    if model in (AuditEvent, PublishedRelease):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(changelist.wsgi_request)
        assert not model_admin.has_delete_permission(changelist.wsgi_request)
        return
    add = superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert add.status_code == 200
    assert local_refs_only(add.content.decode()) == []


def test_admin_hides_sensitive_incidents_from_staff_without_the_permission(client: Client) -> None:
    staff = User.objects.create_user("staff", password="x-test-password-1", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_incident"))
    login_verified(client, staff)
    IncidentFactory(category=sensitive_category(), source_ref="S-9")
    IncidentFactory(source_ref="N-9")

    html = client.get(reverse("admin:layers_incident_changelist")).content.decode()

    assert "N-9" in html and "S-9" not in html


def test_the_incident_api_costs_the_same_queries_for_1_and_20_incidents(bra_client: Client) -> None:
    IncidentFactory()
    bra_client.get("/api/v1/incidents/")  # the session's first refresh write happens here
    with CaptureQueriesContext(connection) as one:
        bra_client.get("/api/v1/incidents/")
    for _ in range(19):
        IncidentFactory()

    with CaptureQueriesContext(connection) as twenty:
        bra_client.get("/api/v1/incidents/")

    assert len(twenty.captured_queries) == len(one.captured_queries) <= 8
