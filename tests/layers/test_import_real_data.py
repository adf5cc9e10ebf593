"""Imports of the real crime data sets in tests/data: San Francisco, Vancouver, Cincinnati."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime

import pandas as pd
import pytest
import shapely
from django.contrib.gis.gdal import DataSource

from geo.crs import STORAGE_SRID, transform_xy
from layers.geometry import as_multipolygon, to_shapely
from layers.importers.rows import BOUNDARY_BUFFER_M
from layers.models import Incident, Municipality
from layers.services import ensure_reference_data
from tests.layers.import_helpers import SHARED, municipality_covering, profile, run

pytestmark = pytest.mark.django_db

SF = SHARED / "crime_sanfrancisco_2012_geoda"
VANCOUVER = SHARED / "crime_vancouver_thefts_2020"
CINCINNATI = SHARED / "crime_cincinnati_burglary_2016_2018" / "cincinnati_burglary_2016_2018.csv"

SF_CATEGORIES = (
    "DRUG/NARCOTIC=narkotika;VANDALISM=skadegorelse;VEHICLE THEFT=fordonsstold;ROBBERY=ran"
)
SF_MAPPING = {
    "source": "sfpd",
    "id": "incident_num",
    "time": "date",
    "timezone": "America/Los_Angeles",
    "category": "category",
    "categories": SF_CATEGORIES,
    "description": "description,location",
}
VANCOUVER_MAPPING = {
    "source": "vpd",
    "year": "YEAR",
    "month": "MONTH",
    "day": "DAY",
    "hour": "HOUR",
    "minute": "MINUTE",
    "timezone": "America/Vancouver",
    "x": "X",
    "y": "Y",
    "srid": 32610,
    "category": "TYPE",
    "categories": "Theft from Vehicle=fordonsstold;Other Theft=stold;Theft of Bicycle=stold;"
    "Theft of Vehicle=fordonsstold",
    "description": "HUNDRED_BLOCK,NEIGHBOURHOOD",
}
CINCINNATI_MAPPING = {
    "source": "cincinnati_pdi",
    "id": "incident_no,offense",
    "time": "offense_date",
    "lon": "longitude",
    "lat": "latitude",
    "category": "offense",
    "categories": "BURGLARY=inbrott;AGGRAVATED BURGLARY=inbrott",
}


def san_francisco() -> Municipality:
    points = pd.read_csv(SF / "sf_crime_points_jul_dec_2012.csv")
    return municipality_covering(
        "9001", "San Francisco (test)", points.longitude, points.latitude, srid=4326
    )


def test_san_francisco_csv_with_lon_lat_stores_all_13472_points() -> None:
    municipality = san_francisco()

    batch = run(
        SF / "sf_crime_points_jul_dec_2012.csv",
        municipality,
        profile(**SF_MAPPING, lon="longitude", lat="latitude"),
    )

    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (13472, 13472, 0)
    assert batch.details["categories"] == {
        "narkotika": 3897,
        "skadegorelse": 3430,
        "fordonsstold": 3384,
        "ran": 2761,
    }
    assert Incident.objects.filter(municipality=municipality).count() == 13472


def test_san_francisco_geopackage_stores_the_same_incidents_as_its_csv() -> None:
    municipality = san_francisco()

    from_gpkg = run(SF / "sf_crime_points_jul_dec_2012.gpkg", municipality, profile(**SF_MAPPING))
    from_csv = run(
        SF / "sf_crime_points_jul_dec_2012.csv",
        municipality,
        profile(**SF_MAPPING, lon="longitude", lat="latitude"),
    )

    assert from_gpkg.details["layer"] == "crime_points"  # the point layer, not the block groups
    assert (from_gpkg.rows_read, from_gpkg.rows_stored, from_gpkg.rows_rejected) == (
        13472,
        13472,
        0,
    )
    # The same rows give the same source references, so the CSV finds every one already there.
    assert (from_csv.rows_stored, from_csv.details["already_present"]) == (0, 13472)


def test_a_date_without_a_time_is_stored_as_the_whole_local_day() -> None:
    municipality = san_francisco()

    run(SF / "sf_crime_points_jul_dec_2012.gpkg", municipality, profile(**SF_MAPPING))

    # 120522283: VEHICLE THEFT on 2012-07-02, San Francisco summer time (UTC-7).
    incident = Incident.objects.get(municipality=municipality, source_ref="120522283")
    assert incident.occurred_from == datetime(2012, 7, 2, 7, 0, tzinfo=UTC)
    assert incident.occurred_to == datetime(2012, 7, 3, 6, 59, 59, tzinfo=UTC)
    assert incident.description.startswith("VEHICLE THEFT: ATTEMPTED STOLEN VEHICLE")


def test_san_francisco_rows_repeating_an_incident_number_are_all_kept_in_file_order() -> None:
    municipality = san_francisco()
    with (SF / "sf_crime_points_jul_dec_2012.csv").open(encoding="utf-8") as f:
        numbers = [row["incident_num"] for row in csv.DictReader(f)]
    seen: Counter[str] = Counter()
    expected = set()
    for number in numbers:
        seen[number] += 1
        expected.add(number if seen[number] == 1 else f"{number}#{seen[number]}")

    run(
        SF / "sf_crime_points_jul_dec_2012.csv",
        municipality,
        profile(**SF_MAPPING, lon="longitude", lat="latitude"),
    )

    stored = set(
        Incident.objects.filter(municipality=municipality).values_list("source_ref", flat=True)
    )
    assert stored == expected
    assert sum(1 for ref in stored if "#" in ref) == 13472 - len(set(numbers))


def test_vancouver_thefts_in_utm_with_the_time_in_parts() -> None:
    thefts = pd.read_csv(VANCOUVER / "vancouver_thefts_2020.csv")
    municipality = municipality_covering("9002", "Vancouver (test)", thefts.X, thefts.Y, srid=32610)

    batch = run(VANCOUVER / "vancouver_thefts_2020.csv", municipality, profile(**VANCOUVER_MAPPING))

    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (21918, 21918, 0)
    assert batch.details["categories"] == {"fordonsstold": 10428 + 853, "stold": 8650 + 1987}
    # The first row: Other Theft, 2020-01-01 00:00 in Vancouver (UTC-8), 11XX BURNABY ST.
    x, y = transform_xy([490320.299], [5458606.9208], from_srid=32610, to_srid=STORAGE_SRID)
    first = Incident.objects.get(
        municipality=municipality,
        description="Other Theft: 11XX BURNABY ST, West End",
        occurred_from=datetime(2020, 1, 1, 8, 0, tzinfo=UTC),
    )
    assert first.location is not None
    assert first.location.x == pytest.approx(x[0], abs=0.01)
    assert first.location.y == pytest.approx(y[0], abs=0.01)
    assert first.occurred_to is None  # the hour and minute are given


def test_vancouver_points_outside_the_neighbourhoods_are_rejected_with_their_distance() -> None:
    layer = DataSource(str(VANCOUVER / "vancouver_neighbourhoods.geojson"))[0]
    union = None
    for feature in layer:
        geom = feature.geom.geos
        geom.srid = 4326
        geom.transform(STORAGE_SRID)
        union = geom if union is None else union.union(geom)
    assert union is not None
    municipality = Municipality.objects.create(
        kommunkod="9003", name="Vancouver stadsdelar (test)", boundary=as_multipolygon(union)
    )
    ensure_reference_data(municipality)
    thefts = pd.read_csv(VANCOUVER / "vancouver_thefts_2020.csv")
    sx, sy = transform_xy(thefts.X, thefts.Y, from_srid=32610, to_srid=STORAGE_SRID)
    area = shapely.buffer(to_shapely(municipality.boundary), BOUNDARY_BUFFER_M)
    outside_rows = {
        i + 2 for i in range(len(thefts)) if not shapely.contains_xy(area, sx[i], sy[i])
    }

    batch = run(VANCOUVER / "vancouver_thefts_2020.csv", municipality, profile(**VANCOUVER_MAPPING))

    assert outside_rows, "the real neighbourhoods should leave some thefts outside"
    assert batch.rows_rejected == len(outside_rows)
    assert batch.rows_stored == 21918 - len(outside_rows)
    assert {r["row"] for r in batch.rejected} == outside_rows
    assert all(r["reason"].startswith("punkten ligger %(km)s km utanför") for r in batch.rejected)


def test_cincinnati_rejects_the_426_rows_without_coordinates_by_row_number() -> None:
    with CINCINNATI.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    without = {i + 2 for i, row in enumerate(rows) if not row["longitude"] or not row["latitude"]}
    placed = [row for row in rows if row["longitude"]]
    municipality = municipality_covering(
        "9004",
        "Cincinnati (test)",
        [float(r["longitude"]) for r in placed],
        [float(r["latitude"]) for r in placed],
        srid=4326,
    )

    batch = run(CINCINNATI, municipality, profile(**CINCINNATI_MAPPING))

    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (8723, 8297, 426)
    assert len(without) == 426
    assert {r["row"] for r in batch.rejected} == without
    assert {r["reason"] for r in batch.rejected} == {"koordinat saknas (kolumn %(column)s)"}
    assert batch.rejected[0]["ref"] == f"{rows[min(without) - 2]['incident_no']}:BURGLARY"


def test_cincinnati_reference_is_incident_number_and_offence_numbered_in_file_order() -> None:
    with CINCINNATI.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    seen: Counter[str] = Counter()
    expected = set()
    for row in rows:  # rows without coordinates take their number too, so a fixed file keeps them
        key = f"{row['incident_no']}:{row['offense']}"
        seen[key] += 1
        if row["longitude"]:
            expected.add(key if seen[key] == 1 else f"{key}#{seen[key]}")
    placed = [row for row in rows if row["longitude"]]
    municipality = municipality_covering(
        "9005",
        "Cincinnati (test)",
        [float(r["longitude"]) for r in placed],
        [float(r["latitude"]) for r in placed],
        srid=4326,
    )

    run(CINCINNATI, municipality, profile(**CINCINNATI_MAPPING))

    stored = set(
        Incident.objects.filter(municipality=municipality).values_list("source_ref", flat=True)
    )
    assert stored == expected
    assert any(ref.endswith("#2") for ref in stored)
