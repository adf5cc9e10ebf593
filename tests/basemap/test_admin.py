"""An administrator connects the municipality's map service in the admin: checked on save, errors in
Swedish naming the field, the key kept on the server and never shown again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from basemap.models import BasemapService
from layers.models import Municipality
from layers.roles import Role
from tests.basemap.tileserver import TileServer, running
from tests.conftest import login_verified
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

SECRET = "adminhemlighet-0042"
ADD = "/admin/basemap/basemapservice/add/"


@pytest.fixture
def admin_client(vasby: Municipality) -> Client:
    user = user_with_role(Role.ADMIN, username="anna")
    user.is_staff = user.is_superuser = True
    user.save()
    return login_verified(Client(), user)


def form(vasby: Municipality, **fields: Any) -> dict[str, Any]:
    return {
        "municipality": vasby.pk,
        "active": "on",
        "kind": "wmts",
        "url": "",
        "layer": "",
        "style": "",
        "tile_matrix_set": "",
        "api_key": "",
        "key_placement": "",
        "key_name": "",
        "attribution": "© Lantmäteriet",
        "terms_note": "",
        "terms_url": "",
        "min_zoom": 5,
        "max_zoom": 18,
        "cache_max_mb": 500,
        "refresh_after_days": 7,
        "keep_days": 90,
    } | fields


def errors(response: Any) -> dict[str, list[str]]:
    return {name: list(e) for name, e in response.context["adminform"].form.errors.items()}


def test_saving_a_wmts_service_reads_its_capabilities_and_picks_the_sweref_set(
    admin_client: Client, vasby: Municipality
) -> None:
    with running(key=SECRET, key_param="token") as upstream:
        response = admin_client.post(
            ADD,
            form(
                vasby,
                url=upstream.url("/wmts/1.0.0/WMTSCapabilities.xml"),
                layer="topo",
                api_key=SECRET,
                key_placement="query",
                key_name="token",
            ),
        )

    assert response.status_code == 302, errors(response)
    service = BasemapService.objects.get(municipality=vasby)
    assert service.capabilities["matrix_set"] == "3006" and service.capabilities["srid"] == 3006
    assert service.capabilities["direct"] is False and service.checked_at is not None
    assert service.api_key == SECRET


def test_the_change_page_never_shows_the_key_and_an_empty_field_keeps_it(
    admin_client: Client, vasby: Municipality, upstream: TileServer
) -> None:
    url = upstream.url("/xyz/{z}/{x}/{y}.png")
    admin_client.post(
        ADD,
        form(vasby, kind="xyz", url=url, api_key=SECRET, key_placement="header", key_name="X-Key"),
    )
    service = BasemapService.objects.get(municipality=vasby)
    change = f"/admin/basemap/basemapservice/{service.pk}/change/"

    page = admin_client.get(change)
    saved = admin_client.post(
        change,
        form(
            vasby, kind="xyz", url=url, key_placement="header", key_name="X-Key", attribution="© Ny"
        ),
    )

    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert "En nyckel är sparad." in page.content.decode()
    assert saved.status_code == 302, errors(saved)
    service.refresh_from_db()
    assert (service.api_key, service.attribution) == (SECRET, "© Ny")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (
            {"layer": "finns-inte"},
            "layer",
            "Tjänsten har inget lager ”finns-inte”. Lager som finns: topo.",
        ),
        ({"layer": "topo", "style": "grå"}, "style", "Lagret har ingen stil ”grå”"),
        (
            {"layer": "topo", "tile_matrix_set": "3011"},
            "tile_matrix_set",
            "Lagret har inget rutnät ”3011”",
        ),
        ({"layer": ""}, "layer", "Ange vilket lager"),
        ({"layer": "topo", "key_placement": "header", "api_key": "x"}, "key_name", "Ange namnet"),
    ],
)
def test_a_wrong_setting_is_refused_naming_the_field_in_swedish(
    admin_client: Client,
    vasby: Municipality,
    upstream: TileServer,
    fields: dict[str, str],
    field: str,
    words: str,
) -> None:
    response = admin_client.post(
        ADD, form(vasby, url=upstream.url("/wmts/1.0.0/WMTSCapabilities.xml"), **fields)
    )

    assert response.status_code == 200
    assert any(words in message for message in errors(response)[field]), errors(response)
    assert not BasemapService.objects.exists()


def test_an_unreachable_service_or_a_broken_template_is_refused_on_the_address(
    admin_client: Client, vasby: Municipality, upstream: TileServer
) -> None:
    gone = admin_client.post(
        ADD, form(vasby, url="http://127.0.0.1:9/wmts/1.0.0/WMTSCapabilities.xml", layer="topo")
    )
    refused = admin_client.post(ADD, form(vasby, url=upstream.url("/refused"), layer="topo"))
    no_y = admin_client.post(ADD, form(vasby, kind="xyz", url=upstream.url("/xyz/{z}/{x}.png")))
    not_caps = admin_client.post(ADD, form(vasby, url=upstream.url("/xyz/1/0/0.png"), layer="topo"))

    assert "GetCapabilities kunde inte hämtas" in errors(gone)["url"][0]
    assert "Tjänsten svarade 403 på GetCapabilities (fel nyckel" in errors(refused)["url"][0]
    assert "{y} saknas" in errors(no_y)["url"][0]
    assert "inte en XML-fil" in errors(not_caps)["url"][0]


def test_the_add_page_says_how_to_connect_the_municipalitys_map_service(
    admin_client: Client,
) -> None:
    page = admin_client.get(ADD).content.decode()

    assert "Så ansluts kommunens kartjänst" in page
    assert "GetCapabilities" in page and "upphovstexten" in page
