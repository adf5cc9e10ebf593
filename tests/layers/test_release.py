"""layers.release: what users without the permission see of sensitive incidents (decision 0600)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from core.disclosure import State
from geo.crs import STORAGE_SRID
from layers import release
from layers.models import AuditEvent, Incident, IncidentCategory, PublishedRelease
from layers.roles import Role
from layers.services import ensure_reference_data
from tests.conftest import login_verified
from tests.factories import (
    MunicipalityFactory,
    in_published_year,
    square,
    user_with_role,
)

pytestmark = pytest.mark.django_db

# A cell of the 500 m grid (lower-left corner) and a district border through it, west of its centre.
CELL = (664_500.0, 6_601_000.0)
BORDER_X = CELL[0] + 100.0


@pytest.fixture(autouse=True)
def _no_cached_releases() -> None:
    cache.clear()


@pytest.fixture
def town():  # type: ignore[no-untyped-def]
    from layers.models import District

    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    # together they hold the centre of every cell that touches the municipality
    west = square(BORDER_X - 6000, CELL[1], 6000)
    east = square(BORDER_X + 6000, CELL[1], 6000)
    District.objects.create(municipality=municipality, code="vastra", name="Västra", area=west)
    District.objects.create(municipality=municipality, code="ostra", name="Östra", area=east)
    return municipality


def sensitive(municipality, code: str, x: float, y: float, n: int, **extra):  # type: ignore[no-untyped-def]
    category = IncidentCategory.objects.get(code=code)
    for i in range(n):
        Incident.objects.create(
            municipality=municipality,
            category=category,
            source="test",
            source_ref=f"{code}-{x}-{y}-{i}",
            location=Point(x + i, y, srid=STORAGE_SRID) if x else None,
            precision=Incident.Precision.POINT if x else Incident.Precision.MUNICIPALITY,
            occurred_from=extra.get("when") or in_published_year(hour=(3 * i) % 24),
        )


def bra() -> Client:
    client = Client()
    client.force_login(user_with_role(Role.BRA_MEMBER, "bra"))
    return client


def year_query() -> str:
    y = in_published_year().year
    return f"from={y}-01-01&to={y}-12-31"


def test_a_district_takes_whole_cells_by_their_centre_never_clipped(town) -> None:  # type: ignore[no-untyped-def]
    sensitive(town, "vald_nara_relation", CELL[0] + 52.5, CELL[1] + 252.5, 2)  # west of the border
    sensitive(
        town, "vald_nara_relation", CELL[0] + 302.5, CELL[1] + 252.5, 4
    )  # east, with the centre
    client = bra()

    east = client.get(f"/bra/data/kansliga-rutor/?{year_query()}&district=ostra").json()
    west = client.get(f"/bra/data/kansliga-rutor/?{year_query()}&district=vastra").json()
    rows_east = client.get(f"/bra/data/lagesbild/?{year_query()}&district=ostra").json()
    rows_west = client.get(f"/bra/data/lagesbild/?{year_query()}&district=vastra").json()

    assert [f["properties"]["count"] for f in east["features"]] == [6]
    assert west["features"] == [] and west["release"]["district"] == "vastra"
    domestic = next(r for r in rows_east["focus_areas"] if r["number"] == 7)
    assert domestic["current"]["value"] == 6
    domestic = next(r for r in rows_west["focus_areas"] if r["number"] == 7)
    assert domestic["current"] == {"value": None, "shown": "färre än 5", "suppressed": True}


def test_the_stored_release_holds_no_count_under_k(town) -> None:  # type: ignore[no-untyped-def]
    sensitive(town, "vald_nara_relation", CELL[0] + 302.5, CELL[1] + 252.5, 6)
    sensitive(town, "vald_nara_relation", CELL[0] + 2302.5, CELL[1] + 252.5, 3)
    sensitive(town, "extremism", CELL[0] + 2312.5, CELL[1] + 252.5, 1)

    bra().get(f"/bra/data/kansliga-rutor/?{year_query()}")

    stored = PublishedRelease.objects.get(kind=PublishedRelease.Kind.SENSITIVE)
    assert [(c[3], c[4]) for c in stored.content["cells"]] == [(6, "published")]
    assert stored.content["groups_shown"]["7"] == {"value": 9, "state": "published"}
    assert stored.content["groups_shown"]["9"] == {"value": None, "state": "fewer"}
    text = str(stored.content)
    assert "'value': 1" not in text and "'value': 3" not in text and "4," not in text


def test_a_row_that_would_give_a_smaller_one_away_is_hidden_and_says_so(town) -> None:  # type: ignore[no-untyped-def]
    # Domestic violence: 2 in the west, 7 in the east, 9 in the municipality: 9 − 7 would give the 2.
    sensitive(town, "vald_nara_relation", CELL[0] - 1197.5, CELL[1] + 252.5, 2)
    sensitive(town, "vald_nara_relation", CELL[0] + 1302.5, CELL[1] + 252.5, 7)
    client = bra()

    def row(district: str) -> str:
        query = year_query() + (f"&district={district}" if district else "")
        rows = client.get(f"/bra/data/lagesbild/?{query}").json()["focus_areas"]
        return next(r["current"]["shown"] for r in rows if r["number"] == 7)

    assert (row(""), row("vastra"), row("ostra")) == ("9", "färre än 5", "minst 5, dolt")
    page = client.get(f"/bra/?{year_query()}&district=ostra").content.decode()
    assert "minst 5, dolt" in page and "Känsliga händelser redovisas per kalenderår" in page


def test_a_published_year_is_frozen_and_a_republish_is_written_to_the_audit_log(town) -> None:  # type: ignore[no-untyped-def]
    sensitive(town, "vald_nara_relation", CELL[0] + 302.5, CELL[1] + 252.5, 6)
    client = bra()
    first = client.get(f"/bra/data/kansliga-rutor/?{year_query()}").json()
    sensitive(town, "vald_nara_relation", CELL[0] + 302.5, CELL[1] + 352.5, 1)  # imported late
    frozen = client.get(f"/bra/data/kansliga-rutor/?{year_query()}").json()
    out = StringIO()

    call_command(
        "sensitive_release", "--year", str(in_published_year().year), "--republish", stdout=out
    )
    cache.clear()
    again = client.get(f"/bra/data/kansliga-rutor/?{year_query()}").json()
    listing = StringIO()
    call_command("sensitive_release", stdout=listing)

    assert [f["properties"]["count"] for f in first["features"]] == [6]
    assert frozen["features"] == first["features"]
    assert [f["properties"]["count"] for f in again["features"]] == [7]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.RELEASE_PUBLISHED).order_by("pk")
    assert [e.detail["republished"] for e in events] == [False, True]
    assert f"{in_published_year().year}: fastställd" in listing.getvalue()


def test_sensitive_police_events_count_in_the_release_and_never_in_the_police_column(town) -> None:  # type: ignore[no-untyped-def]
    sensitive(town, "sexualbrott", 0, 0, 2, when=in_published_year())  # police events, no place
    analyst = login_verified(Client(), user_with_role(Role.ANALYST, "analytiker"))

    mine = bra().get(f"/bra/data/lagesbild/?{year_query()}").json()
    theirs = analyst.get(f"/bra/data/lagesbild/?{year_query()}").json()

    public_space = next(r for r in mine["focus_areas"] if r["number"] == 2)
    assert public_space["police_current"] == 0 and sum(mine["series"]["police"]) == 0
    assert mine["police_counts_sensitive"] is False
    other = next(r for r in mine["focus_areas"] if r["number"] is None and r["sensitive"])
    assert other["current"]["shown"] == "färre än 5"
    assert next(r for r in theirs["focus_areas"] if r["number"] == 2)["police_current"] == 2
    assert sum(theirs["series"]["police"]) == 2


def test_an_ogc_cell_is_found_by_its_id_which_names_its_year(town) -> None:  # type: ignore[no-untyped-def]
    sensitive(town, "vald_nara_relation", CELL[0] + 302.5, CELL[1] + 252.5, 6)
    client = bra()
    year = in_published_year().year

    listed = client.get("/ogc/collections/sensitive-incident-cells/items").json()["features"]
    item = client.get(f"/ogc/collections/sensitive-incident-cells/items/500m-1329-13202-{year}")
    other_year = client.get(
        f"/ogc/collections/sensitive-incident-cells/items/500m-1329-13202-{year - 1}"
    )

    assert [f["id"] for f in listed] == [f"500m-1329-13202-{year}"]
    assert item.status_code == 200 and item.json()["properties"]["count"] == 6
    assert item.json()["properties"]["period_to"] == f"{year}-12-31"
    assert other_year.status_code == 404


def test_a_release_answers_the_same_whatever_the_other_filters_say(town) -> None:  # type: ignore[no-untyped-def]
    sensitive(town, "vald_nara_relation", CELL[0] + 302.5, CELL[1] + 252.5, 6)
    sensitive(town, "extremism", CELL[0] + 312.5, CELL[1] + 252.5, 2)
    client = bra()

    plain = client.get(f"/bra/data/kansliga-rutor/?{year_query()}").json()
    sliced = client.get(
        f"/bra/data/kansliga-rutor/?{year_query()}&hours=21&category=extremism&light=morker"
    ).json()

    assert sliced["features"] == plain["features"]
    assert [f["properties"]["count"] for f in plain["features"]] == [8]
    assert sliced["release"]["not_applied"] == ["category", "hours", "light"]
    assert "utan timmar, veckodagar, ljus och val av kategorier" in sliced["release"]["note"]


def test_the_state_of_every_value_is_one_the_pages_know() -> None:
    assert {s.value for s in State} == {"published", "fewer", "hidden", "withheld"}
    assert release.Shown(None, State.HIDDEN).text(5) == "minst 5, dolt"
    assert release.Shown(12, State.PUBLISHED).text(5) == "12"
