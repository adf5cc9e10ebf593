"""Actions as tasks in a real headless Chromium (issue 15): an office's tasks on a map with street names,
due dates and overdue marks; a plan review's measure becomes an action in one click."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import LineString, Point
from django.utils import timezone

from geo.crs import STORAGE_SRID
from layers import reference
from layers.models import ContextFeature, ContextLayer, Office, StatisticalArea
from layers.roles import Role
from layers.services import ensure_reference_data
from mapapp.planning import ensure_assessments
from surveys import services
from surveys.models import Action
from tests.e2e.conftest import watch_csp
from tests.factories import (
    VASBY_CENTRUM,
    MunicipalityFactory,
    ObservationFactory,
    WalkFactory,
    square,
    user_with_role,
)
from tests.plan_factories import rebuilt_plan

pytestmark = pytest.mark.django_db(transaction=True)
X, Y = VASBY_CENTRUM


def test_an_office_sees_its_tasks_on_a_map_with_street_due_date_and_overdue_marks(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    layer = ContextLayer.objects.create(municipality=municipality, name="OSM")
    ContextFeature.objects.create(
        municipality=municipality,
        layer=layer,
        kind=ContextFeature.Kind.STREET,
        name="Stationsgatan",
        geom=LineString((X - 200, Y + 20), (X + 200, Y + 20), srid=STORAGE_SRID),
    )
    StatisticalArea.objects.create(
        municipality=municipality, code="210000", name="Centrum", area=square(X, Y, 2000)
    )
    walk = WalkFactory(municipality=municipality)
    late = services.propose_action(
        ObservationFactory(walk=walk, category="belysning", location=Point(X, Y, srid=STORAGE_SRID))
    )
    Action.objects.filter(pk=late.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    on_time = services.propose_action(
        ObservationFactory(
            walk=walk, category="vegetation", location=Point(X + 600, Y + 900, srid=STORAGE_SRID)
        )
    )
    office = Office.objects.get(municipality=municipality, name=reference.SAMHALLSBYGGNAD)
    assert late.office == office and on_time.office == office
    page = page_as(user_with_role(Role.FIELD_STAFF))
    csp: list[str] = []
    watch_csp(page, csp)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/atgarder/kontor/{office.pk}/")
    page.wait_for_selector("#office-map[data-ready='true']", timeout=20000)
    page.screenshot(path=str(tmp_path / "office.png"), full_page=True)

    overdue_row = page.locator(f"[data-testid=office-overdue] tr[data-action='{late.pk}']")
    open_row = page.locator(f"[data-testid=office-open] tr[data-action='{on_time.pk}']")
    assert page.get_attribute("#office-map", "data-drawn") == "2"
    assert page.locator(".leaflet-overlay-pane path.action-point").count() == 2
    assert page.locator(".leaflet-overlay-pane path.action-point.overdue").count() == 1
    assert overdue_row.locator("[data-testid=action-place]").inner_text() == "Stationsgatan"
    assert overdue_row.locator("[data-testid=overdue-mark]").inner_text() == "försenad"
    due = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    assert due in overdue_row.locator("[data-testid=action-due]").inner_text()
    assert open_row.locator("[data-testid=action-place]").inner_text() == "NYKO-område Centrum"
    assert open_row.locator("[data-testid=overdue-mark]").count() == 0
    assert "Laga eller komplettera belysningen" in overdue_row.inner_text()
    assert (tmp_path / "office.png").stat().st_size > 20_000
    assert errors == [] and csp == []


def test_a_plan_review_measure_becomes_an_action_in_one_click(
    page_as: Any, live_server: Any
) -> None:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    plan = rebuilt_plan(municipality)
    key, measure = next(
        (r["key"], r["measures"][0])
        for a in ensure_assessments(plan).values()
        for r in a.results
        if r.get("measures")
    )
    page = page_as(user_with_role(Role.PLANNER))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/plan/{plan.pk}/")
    page.wait_for_selector("#plan-map[data-ready='true']", timeout=20000)
    page.click(f"tbody[data-criterion='{key}'] .criterion-toggle")
    with page.expect_navigation():
        page.locator(f"tbody[data-criterion='{key}'] [data-testid=make-action]").first.click()

    action = Action.objects.get(plan=plan)
    assert (action.criterion, action.measure) == (key, measure["text"])
    assert action.office.name == measure["office"]
    assert "Åtgärden är skapad" in page.locator(".messages").inner_text()
    page.wait_for_selector("#plan-map[data-ready='true']", timeout=20000)
    page.click(f"tbody[data-criterion='{key}'] .criterion-toggle")
    link = page.locator(f"tbody[data-criterion='{key}'] [data-testid=measure-action-link]").first
    with page.expect_navigation():
        link.click()
    assert page.locator("[data-testid=action-plan]").inner_text().startswith(plan.plan_id)
    assert page.locator("[data-testid=action-office]").inner_text() == measure["office"]
    assert Action.objects.filter(plan=plan).count() == 1
    assert errors == []
