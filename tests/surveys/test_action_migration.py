"""The migrations of issue 15 keep every action and its history, and give existing actions a place.

The test migrates the surveys app back to before the change, makes an action and its history with the
models of that time, migrates forward and reads them again (the real migration on real PostGIS).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon

from geo.crs import STORAGE_SRID
from tests.factories import VASBY_CENTRUM
from tests.migrating import migrate, migrated_back

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE = [("surveys", "0003_field_sync")]
AFTER = [("surveys", "0005_action_places")]
X, Y = VASBY_CENTRUM


def test_existing_actions_keep_their_history_and_get_a_place_from_their_observation() -> None:
    with migrated_back(BEFORE) as old:
        _check(old)


def _check(old: Any) -> None:
    municipality = old.get_model("layers", "Municipality").objects.create(
        kommunkod="0114",
        name="Upplands Väsby",
        boundary=MultiPolygon(
            Polygon.from_bbox((X - 5000, Y - 5000, X + 5000, Y + 5000)), srid=STORAGE_SRID
        ),
    )
    office = old.get_model("layers", "Office").objects.create(
        municipality=municipality, name="Kontoret för samhällsbyggnad"
    )
    layer = old.get_model("layers", "ContextLayer").objects.create(
        municipality=municipality, name="OSM"
    )
    old.get_model("layers", "ContextFeature").objects.create(
        municipality=municipality,
        layer=layer,
        kind="street",
        name="Stationsgatan",
        geom=LineString((X - 100, Y + 30), (X + 100, Y + 30), srid=STORAGE_SRID),
    )
    walk = old.get_model("surveys", "Trygghetsvandring").objects.create(
        municipality=municipality, name="Vandring", walked_on=date(2026, 3, 1)
    )
    observation = old.get_model("surveys", "Observation").objects.create(
        municipality=municipality,
        walk=walk,
        client_uuid=uuid.uuid4(),
        location=Point(X, Y, srid=STORAGE_SRID),
        recorded_at=datetime(2026, 3, 1, 19, 0, tzinfo=UTC),
        category="belysning",
        feeling=2,
    )
    Action = old.get_model("surveys", "Action")
    with_observation = Action.objects.create(
        municipality=municipality,
        observation=observation,
        office=office,
        title="Belysning: trasig lampa",
        status="pagar",
        due_date=date(2026, 4, 1),
    )
    without = Action.objects.create(municipality=municipality, office=office, title="Eget ärende")
    ActionEvent = old.get_model("surveys", "ActionEvent")
    for from_status, to_status in [("", "ny"), ("ny", "pagar")]:
        ActionEvent.objects.create(
            action=with_observation, from_status=from_status, to_status=to_status
        )
    updated_at = Action.objects.get(pk=with_observation.pk).updated_at

    new = migrate(AFTER)

    NewAction = new.get_model("surveys", "Action")
    kept = NewAction.objects.get(pk=with_observation.pk)
    assert NewAction.objects.count() == 2
    assert (kept.title, kept.status, kept.due_date) == (
        "Belysning: trasig lampa",
        "pagar",
        date(2026, 4, 1),
    )
    assert kept.location.equals(Point(X, Y, srid=STORAGE_SRID))
    assert (kept.place_name, kept.place_kind) == ("Stationsgatan", "gata")
    assert kept.updated_at == updated_at
    history = new.get_model("surveys", "ActionEvent").objects.filter(action_id=kept.pk)
    assert sorted(history.values_list("from_status", "to_status")) == [("", "ny"), ("ny", "pagar")]
    alone = NewAction.objects.get(pk=without.pk)
    assert alone.location is None and alone.place_name == ""
