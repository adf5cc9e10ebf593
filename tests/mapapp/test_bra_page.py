"""The BRÅ page and its JSON: filters, errors, the lägesbild, the exports' formats."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import rasterio
from django.test import Client

from layers.roles import Role
from mapapp import demo
from tests.factories import IncidentFactory, MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def member() -> Client:
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user_with_role(Role.BRA_MEMBER))
    return client


def test_the_bra_page_needs_a_login(client: Client) -> None:
    MunicipalityFactory()

    for url in ["/bra/", "/bra/data/hotspots/", "/bra/export/tathet.tif"]:
        response = client.get(url)
        assert response.status_code == 302 and "/konto/logga-in/" in response["Location"], url


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("hours=25", "hours"),
        ("from=2025-02-30", "from"),
        ("district=atlantis", "district"),
        ("category=okand", "category"),
        ("bandwidth=1", "bandwidth"),
        ("gi_cell=7", "gi_cell"),
        ("surface=x", "surface"),
    ],
)
def test_a_bad_filter_gives_400_naming_the_field(member: Client, query: str, field: str) -> None:
    MunicipalityFactory()

    response = member.get(f"/bra/data/tathet/?{query}")
    page = member.get(f"/bra/?{query}")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    if field != "surface":
        assert page.status_code == 400
        assert field in page.content.decode()


def test_the_demo_lagesbild_has_counts_change_hours_places_actions_walks_and_the_survey(
    member: Client,
) -> None:
    demo.load_demo()

    data = member.get("/bra/data/lagesbild/").json()

    assert data["totals"]["current"] > 1000
    assert data["totals"]["change_pct"] is not None
    assert [r["number"] for r in data["focus_areas"]][:9] == list(range(1, 10))
    assert any(r["police_current"] for r in data["focus_areas"] if r["police_current"] is not None)
    assert (
        len(data["series"]["months"]) in (12, 13)
        and sum(data["series"]["current"]) == data["totals"]["current"]
    )
    assert sum(map(sum, data["hours"]["table"])) == pytest.approx(
        data["totals"]["current"], abs=1
    )  # cells rounded to 0.01
    assert (
        data["top_places"] and data["top_places"][0]["current"] >= data["top_places"][-1]["current"]
    )
    assert data["top_cells"]
    assert data["actions"] and all(a["open"] >= a["overdue"] for a in data["actions"])
    assert data["walks"]["observations"] > 0 and data["walks"]["by_gender"]
    x9a = data["survey"]["items"][0]
    assert x9a["code"] == "X9a" and x9a["n"] > 1000 and 0 <= x9a["mean"] <= 14


def test_a_district_filter_drops_the_police_counts_which_have_no_place(member: Client) -> None:
    demo.load_demo()

    data = member.get("/bra/data/lagesbild/?district=centrala").json()

    assert all(r["police_current"] is None for r in data["focus_areas"])
    assert data["series"]["police"] is None


def test_the_geotiff_download_is_a_cog_in_sweref99tm(member: Client, tmp_path: Path) -> None:
    municipality = MunicipalityFactory()
    IncidentFactory(municipality=municipality)

    response = member.get("/bra/export/tathet.tif")

    assert response.status_code == 200 and response["Content-Type"] == "image/tiff"
    with rasterio.open(io.BytesIO(response.content)) as r:
        assert r.crs.to_epsg() == 3006
        assert r.read(1).max() > 0


def test_the_html_map_links_to_no_other_host(member: Client) -> None:
    municipality = MunicipalityFactory()
    IncidentFactory(municipality=municipality)

    text = member.get("/bra/export/karta.html").content.decode()

    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls  # an XML namespace name, never fetched
    assert "//cdn" not in text.lower()
    assert "<script src=" not in text and '<link rel="stylesheet" href=' not in text


def test_the_demo_notice_shows_only_when_there_is_generated_data(member: Client) -> None:
    municipality = MunicipalityFactory()
    IncidentFactory(municipality=municipality)

    real = member.get("/bra/").content.decode()
    IncidentFactory(municipality=municipality, generated=True)
    demo_page = member.get("/bra/").content.decode()

    assert 'data-testid="generated-notice"' not in real
    assert 'data-testid="generated-notice"' in demo_page
