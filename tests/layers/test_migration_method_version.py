"""Migration layers 0019: assessments stored before the method version was recorded are marked 2026.11."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from tests.migrating import migrate, migrated_back

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("layers", "0018_vertical_limit")]
AFTER = [("layers", "0019_assessment_method_version")]


def test_existing_assessments_are_marked_as_method_2026_11() -> None:
    with migrated_back(BEFORE) as old:
        _check(old)


def _check(old: Any) -> None:
    municipality = old.get_model("layers", "Municipality").objects.create(
        kommunkod="9999",
        name="Före",
        boundary=MultiPolygon(Polygon.from_bbox((0, 6e6, 1000, 6e6 + 1000)), srid=3006),
    )
    plan = old.get_model("layers", "Detaljplan").objects.create(
        municipality=municipality,
        plan_id="OLD-1",
        name="Gammal bedömning",
        area=MultiPolygon(Polygon.from_bbox((100, 6e6 + 100, 200, 6e6 + 200)), srid=3006),
    )
    old.get_model("layers", "PlanAssessment").objects.create(
        municipality=municipality,
        plan=plan,
        scenario="planerat",
        overall=61.0,
        results=[{"key": "lighting", "value": 70.0}],
    )

    new = migrate(AFTER)

    row = new.get_model("layers", "PlanAssessment").objects.get(plan__plan_id="OLD-1")
    assert row.method_version == "2026.11"
    assert row.overall == 61.0  # the stored score is kept as it was
