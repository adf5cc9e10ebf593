"""The database itself refuses bad rows: constraints, not only Python validation."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import IntegrityError, transaction
from django.utils import timezone
from pyproj import Transformer

from geo.crs import STORAGE_SRID, WEB_SRID
from layers.models import Detaljplan, Incident, Municipality
from surveys.models import Action
from tests.factories import (
    VASBY_CENTRUM,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    OfficeFactory,
    square,
)

pytestmark = pytest.mark.django_db


def test_invalid_polygon_is_refused_by_the_database() -> None:
    bow_tie = MultiPolygon(
        Polygon(((0, 0), (200, 200), (200, 0), (0, 200), (0, 0))), srid=STORAGE_SRID
    )  # self-intersecting at (100, 100)
    assert not bow_tie.valid

    with pytest.raises(IntegrityError, match="municipality_boundary_valid"):
        Municipality.objects.create(kommunkod="0115", name="Vallentuna", boundary=bow_tie)


def test_invalid_plan_area_is_refused_by_the_database() -> None:
    municipality = MunicipalityFactory()
    bow_tie = MultiPolygon(Polygon(((0, 0), (10, 10), (10, 0), (0, 10), (0, 0))), srid=STORAGE_SRID)

    with pytest.raises(IntegrityError, match="detaljplan_area_valid"):
        Detaljplan.objects.create(
            municipality=municipality, plan_id="P1", name="Test", area=bow_tie
        )


def test_point_given_in_wgs84_is_stored_in_sweref_and_comes_back_within_1_cm() -> None:
    lon, lat = 17.911523, 59.518347  # Väsby centrum
    incident = IncidentFactory(location=Point(lon, lat, srid=WEB_SRID))

    stored = Incident.objects.get(pk=incident.pk).location
    expected_x, expected_y = Transformer.from_crs(4326, 3006, always_xy=True).transform(lon, lat)
    assert stored.srid == STORAGE_SRID
    assert abs(stored.x - expected_x) < 0.01 and abs(stored.y - expected_y) < 0.01

    back = stored.transform(WEB_SRID, clone=True)
    x_back, y_back = Transformer.from_crs(4326, 3006, always_xy=True).transform(back.x, back.y)
    assert ((x_back - expected_x) ** 2 + (y_back - expected_y) ** 2) ** 0.5 < 0.01


def test_source_reference_is_unique_per_source() -> None:
    IncidentFactory(source="kommunens_incidentrapporter", source_ref="IR-1")
    IncidentFactory(source="polisen", source_ref="IR-1")  # another source may reuse the id

    with pytest.raises(IntegrityError, match="incident_unique_source_ref"):
        IncidentFactory(source="kommunens_incidentrapporter", source_ref="IR-1")


def test_municipality_level_incident_may_not_have_a_place() -> None:
    with pytest.raises(IntegrityError, match="incident_location_matches_precision"):
        IncidentFactory(
            precision=Incident.Precision.MUNICIPALITY,
            location=Point(*VASBY_CENTRUM, srid=STORAGE_SRID),
        )


def test_placed_incident_must_have_a_place() -> None:
    with pytest.raises(IntegrityError, match="incident_location_matches_precision"):
        IncidentFactory(precision=Incident.Precision.POINT, location=None)


def test_incident_interval_must_end_after_it_starts() -> None:
    start = timezone.now()

    with pytest.raises(IntegrityError, match="incident_interval_ordered"):
        IncidentFactory(occurred_from=start, occurred_to=start - datetime.timedelta(hours=1))


def test_rejected_action_needs_a_reason() -> None:
    observation = ObservationFactory()
    office = OfficeFactory(municipality=observation.municipality)

    with pytest.raises(IntegrityError, match="action_rejection_needs_reason"):
        Action.objects.create(
            municipality=observation.municipality,
            observation=observation,
            office=office,
            title="Byt lampa",
            status=Action.Status.REJECTED,
            rejection_reason="",
        )


def test_observation_client_uuid_is_unique() -> None:
    first = ObservationFactory()

    with pytest.raises(IntegrityError, match="client_uuid"), transaction.atomic():
        ObservationFactory(walk=first.walk, client_uuid=first.client_uuid)


def test_feeling_outside_one_to_five_is_refused() -> None:
    with pytest.raises(IntegrityError, match="observation_feeling_1_5"):
        ObservationFactory(feeling=6)


def test_valid_polygon_is_stored() -> None:
    municipality = MunicipalityFactory(boundary=square(*VASBY_CENTRUM, 1000))

    assert Municipality.objects.get(pk=municipality.pk).boundary.area == pytest.approx(4_000_000)
