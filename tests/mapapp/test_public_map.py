"""The optional public map: aggregated, non-sensitive hot spots, no login, never a point."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from geo.crs import STORAGE_SRID
from layers.models import Incident
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    DistrictFactory,
    in_published_year,
    sensitive_category,
)

pytestmark = pytest.mark.django_db

HOT = (VASBY_CENTRUM[0] - 1500, VASBY_CENTRUM[1])  # ordinary incidents pile up here
SECRET = (VASBY_CENTRUM[0] + 1500, VASBY_CENTRUM[1])  # sensitive incidents pile up here


def scene() -> None:
    district = DistrictFactory()
    municipality = district.municipality
    ordinary, secret = CategoryFactory(), sensitive_category()
    rng = np.random.default_rng(7)
    when = in_published_year()  # the public map shows the newest published calendar year
    rows = []
    for i, (x, y) in enumerate(rng.uniform(-2000, 2000, size=(60, 2))):  # a thin background
        rows.append((ordinary, VASBY_CENTRUM[0] + x, VASBY_CENTRUM[1] + y, f"bg-{i}"))
    for i in range(40):
        rows.append(
            (ordinary, HOT[0] + rng.uniform(-60, 60), HOT[1] + rng.uniform(-60, 60), f"hot-{i}")
        )
        rows.append(
            (secret, SECRET[0] + rng.uniform(-60, 60), SECRET[1] + rng.uniform(-60, 60), f"s-{i}")
        )
    Incident.objects.bulk_create(
        Incident(
            municipality=municipality,
            category=category,
            source="test",
            source_ref=ref,
            location=Point(x, y, srid=STORAGE_SRID),
            occurred_from=when,
        )
        for category, x, y, ref in rows
    )


def centre_3006(feature: dict) -> tuple[float, float]:
    from geo.crs import transform_xy

    ring = feature["geometry"]["coordinates"][0]
    xs, ys = transform_xy(
        [p[0] for p in ring[:4]], [p[1] for p in ring[:4]], from_srid=4326, to_srid=STORAGE_SRID
    )
    return float(np.mean(xs)), float(np.mean(ys))


def test_the_public_map_is_off_unless_the_municipality_turns_it_on() -> None:
    scene()

    assert Client().get("/offentlig/").status_code == 404
    assert Client().get("/offentlig/brottskoncentrationer.geojson").status_code == 404


def test_turned_on_it_shows_hot_cells_without_login_and_never_the_sensitive_pile() -> None:
    scene()
    Incident.objects.first().municipality.__class__.objects.update(public_map=True)

    page = Client().get("/offentlig/")
    data = Client().get("/offentlig/brottskoncentrationer.geojson").json()

    assert page.status_code == 200 and "Var sker brotten?" in page.content.decode()
    cells = [centre_3006(f) for f in data["features"]]
    assert cells, "the pile of ordinary incidents is a hot spot"
    assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])
    assert all(f["properties"]["class"] > 0 for f in data["features"])
    assert min(np.hypot(x - HOT[0], y - HOT[1]) for x, y in cells) < 200
    assert min(np.hypot(x - SECRET[0], y - SECRET[1]) for x, y in cells) > 500
    assert all(c is None or c >= 5 for c in (f["properties"]["count"] for f in data["features"]))
    assert data["period"]["year"] == str(in_published_year().year)
    assert f"anmäldes under {in_published_year().year}" in page.content.decode()


def test_the_public_map_shows_a_frozen_year_and_nothing_that_happens_after_it() -> None:
    scene()
    Incident.objects.first().municipality.__class__.objects.update(public_map=True)
    before = Client().get("/offentlig/brottskoncentrationer.geojson").json()
    municipality = Incident.objects.first().municipality
    ordinary = CategoryFactory()
    for i, when in enumerate((timezone.now() - datetime.timedelta(days=1), in_published_year())):
        for j in range(8):  # yesterday, and imported late into the published year
            Incident.objects.create(
                municipality=municipality,
                category=ordinary,
                source="test",
                source_ref=f"late-{i}-{j}",
                location=Point(HOT[0] + j, HOT[1], srid=STORAGE_SRID),
                occurred_from=when,
            )

    after = Client().get("/offentlig/brottskoncentrationer.geojson").json()

    assert after["features"] == before["features"] and before["features"]
