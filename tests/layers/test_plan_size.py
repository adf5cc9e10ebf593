"""Big plans cannot slow others (issue 10, docs/decisions/0642): a plan holds at most MAX_PLAN_VERTICES,
refused at import and in the editor with a 4xx naming the plan; maps of many plans draw a stored, simplified
outline, so the overview's plan layer stays small whatever a plan stores.

Before: a legal 2,000,000-vertex plan imported, and every user's overview map then fetched 51 MB in 19 s.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client

from geo.crs import STORAGE_SRID, transform_xy
from layers.models import Detaljplan, ImportBatch
from layers.plan_size import MAX_PLAN_VERTICES, OUTLINE_MAX_VERTICES
from layers.roles import Role
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CX, CY = VASBY_CENTRUM


def wiggly_ring(n: int, radius_m: float = 700.0, wiggle_m: float = 8.0) -> np.ndarray:
    """A closed ring of ``n`` positions (the last repeats the first): a circle whose edge zigzags by
    ``wiggle_m``, so simplification at 1 m keeps every vertex (the worst case for a fixed tolerance)."""
    angles = np.linspace(0.0, 2 * np.pi, n - 1, endpoint=False)
    r = radius_m + wiggle_m * (np.arange(n - 1) % 2)
    ring = np.column_stack([CX + r * np.cos(angles), CY + r * np.sin(angles)])
    return np.vstack([ring, ring[:1]])


def as_geos(geom: shapely.Geometry) -> GEOSGeometry:
    multi = shapely.MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom
    return GEOSGeometry(memoryview(shapely.to_wkb(multi)), srid=STORAGE_SRID)


def legal_plans() -> list[Detaljplan]:
    """Three plans of exactly MAX_PLAN_VERTICES in their areas, each shaped to defeat simplification:
    a zigzag boundary, 20,000 separate squares, and a square with 19,999 square holes."""
    municipality = MunicipalityFactory()
    wiggly = shapely.Polygon(wiggly_ring(MAX_PLAN_VERTICES))
    side = 141  # 141 x 142 squares of 4 m on a 6 m pitch, 5 positions each: 100,110; trimmed below
    squares = [
        shapely.box(CX - 500 + 6 * i, CY - 500 + 6 * j, CX - 496 + 6 * i, CY - 496 + 6 * j)
        for i in range(side)
        for j in range(side + 1)
    ][: MAX_PLAN_VERTICES // 5]
    parts = shapely.MultiPolygon(squares)
    holes = shapely.Polygon(
        shapely.box(CX - 510, CY - 510, CX + 400, CY + 400).exterior.coords,
        [s.exterior.coords for s in squares[: MAX_PLAN_VERTICES // 5 - 1]],
    )
    plans = []
    for number, geom in enumerate((wiggly, parts, holes), start=1):
        assert shapely.get_num_coordinates(geom) == MAX_PLAN_VERTICES, number
        assert geom.is_valid, number
        plans.append(
            Detaljplan.objects.create(
                municipality=municipality,
                plan_id=f"STOR-{number}",
                name=f"Stor plan {number}",
                area=as_geos(geom),
            )
        )
    return plans


def test_the_largest_legal_plans_keep_the_overviews_plan_layer_under_a_megabyte_and_fast(
    client: Client,
) -> None:
    plans = legal_plans()
    client.force_login(user_with_role(Role.PLANNER))

    client.get("/plan/planomraden.geojson")  # warm: the first request of a process loads more
    started = time.perf_counter()
    response = client.get("/plan/planomraden.geojson")
    elapsed_s = time.perf_counter() - started

    assert response.status_code == 200
    size = len(response.content)
    assert size <= 1_000_000, f"{size} bytes"
    assert elapsed_s < 1.0, f"{elapsed_s:.2f} s"
    features = {f["properties"]["plan_id"]: f for f in response.json()["features"]}
    assert set(features) == {p.plan_id for p in plans}
    for plan in plans:
        outline = shapely.geometry.shape(features[plan.plan_id]["geometry"])
        assert shapely.get_num_coordinates(outline) <= OUTLINE_MAX_VERTICES, plan.plan_id
        # Still the plan's place: the outline's centre lies within 100 m of the area's (WGS 84 -> SWEREF).
        x, y = transform_xy(
            [outline.centroid.x], [outline.centroid.y], from_srid=4326, to_srid=STORAGE_SRID
        )
        assert (
            plan.area.centroid.distance(GEOSGeometry(f"POINT({x[0]} {y[0]})", srid=STORAGE_SRID))
            < 100
        )


def test_an_ordinary_plans_outline_follows_its_area_to_within_a_metre() -> None:
    municipality = MunicipalityFactory()
    ring = wiggly_ring(3_000, wiggle_m=0.0)  # a round plan, 700 m across, 3,000 vertices
    plan = Detaljplan.objects.create(
        municipality=municipality, plan_id="RUND", name="Rund", area=as_geos(shapely.Polygon(ring))
    )

    plan.refresh_from_db()
    area = shapely.from_wkb(bytes(plan.area.wkb))
    outline = shapely.from_wkb(bytes(plan.outline.wkb))

    assert shapely.get_num_coordinates(outline) < 200  # tolerance: max(1 m, perimeter / 2,000)
    assert shapely.hausdorff_distance(area, outline) < 2.5


def test_the_database_refuses_an_area_of_more_vertices_than_a_plan_may_hold() -> None:
    municipality = MunicipalityFactory()
    too_many = shapely.Polygon(wiggly_ring(MAX_PLAN_VERTICES + 1))

    with pytest.raises(IntegrityError, match="detaljplan_area_vertices"), transaction.atomic():
        Detaljplan.objects.create(
            municipality=municipality, plan_id="X", name="x", area=as_geos(too_many)
        )


def test_a_two_million_vertex_plan_is_refused_at_import_naming_the_file_and_the_plan(
    client: Client,
) -> None:
    MunicipalityFactory()
    client.force_login(user_with_role(Role.PLANNER))
    ring = wiggly_ring(2_000_000)
    coordinates = json.dumps(ring.round(2).tolist())
    document = (
        '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},'
        '"features": [{"type": "Feature", "properties": {"kod": "B", "id": "kv1"},'
        '"geometry": {"type": "Polygon", "coordinates": [' + coordinates + "]}}]}"
    ).encode()

    response = client.post(
        "/plan/importera/",
        {
            "file": SimpleUploadedFile("jatteplan.geojson", document, "application/geo+json"),
            "plan_id": "DP JÄTTE",
        },
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 422, response.content[:300]
    message = response.json()["error"]
    assert "jatteplan.geojson" in message and "DP JÄTTE" in message
    assert "2 000 000" in message and "100 000" in message
    assert (
        not Detaljplan.objects.exists()
        and not ImportBatch.objects.filter(kind="detaljplan").exists()
    )


def test_the_editor_refuses_a_plan_over_the_limit_naming_it_and_saves_nothing(
    client: Client,
) -> None:
    MunicipalityFactory()
    client.force_login(user_with_role(Role.PLANNER))
    ring = wiggly_ring(MAX_PLAN_VERTICES + 1)
    lon, lat = transform_xy(ring[:, 0], ring[:, 1], from_srid=STORAGE_SRID, to_srid=4326)
    area = {
        "type": "Polygon",
        "coordinates": [
            [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]
        ],
    }
    payload = json.dumps(
        {"plan": {"plan_id": "RITAD-STOR", "name": "Stor"}, "area": area, "zones": []}
    )

    response = client.post("/plan/ny/spara/", payload, content_type="application/json")

    assert response.status_code == 422
    body = response.json()
    assert "RITAD-STOR" in body["error"] and "100 001" in body["error"] and "area" in body["fields"]
    assert not Detaljplan.objects.exists()
