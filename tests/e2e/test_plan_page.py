"""The planner page /plan/<id>/ in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User

from layers.models import Detaljplan
from layers.roles import Role
from mapapp import demo
from tests.e2e.conftest import watch_csp
from tests.factories import IncidentFactory, sensitive_category, user_with_role
from tests.plan_factories import context_layer, point, rebuilt_plan, small_town

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_plan_page_draws_the_plan_its_score_and_the_dark_gaps_without_csp_violations(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    small_town(context_layer())
    plan = rebuilt_plan()
    for i in range(6):  # sensitive incidents: only a count per 500 m cell reaches the page
        IncidentFactory(category=sensitive_category(), location=point(40 + i, -90))
    page = page_as(user_with_role(Role.PLANNER))
    csp: list[str] = []
    watch_csp(page, csp)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or r.url))

    page.goto(f"{live_server.url}/plan/{plan.pk}/")
    page.wait_for_selector("#plan-map[data-ready='true']", timeout=20000)
    page.click("tbody[data-criterion='lighting'] .criterion-toggle")
    screenshot = tmp_path / "plan-page.png"
    page.screenshot(path=str(screenshot), full_page=True)

    assert page.locator("[data-testid=overall-idag] .overall-value").inner_text().isdigit()
    assert page.locator("[data-testid=overall-planerat] .overall-value").inner_text().isdigit()
    assert page.locator("tbody.criterion").count() == 15  # method 2026.12
    assert page.locator("tbody[data-criterion='lighting'] tr.details").is_visible()
    assert "dark_gaps" in (page.get_attribute("#plan-map", "data-criteria-layers") or "")
    assert page.locator(".leaflet-map-pane path").count() > 10  # context panes and overlay pane
    assert screenshot.stat().st_size > 30_000
    assert hosts == {"127.0.0.1"}
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"


def test_the_printable_report_draws_its_map(page_as: Any, live_server: Any) -> None:
    plan = rebuilt_plan()
    page = page_as(user_with_role(Role.PLANNER))
    csp: list[str] = []
    watch_csp(page, csp)

    page.goto(f"{live_server.url}/plan/{plan.pk}/rapport/?paper=A3")
    page.wait_for_selector("#plan-map[data-ready='true']", timeout=20000)

    assert page.locator("tbody[data-criterion='transport'] tr.details").is_visible()
    assert csp == []


def test_the_demo_plan_page_draws_the_generated_town_and_each_criterions_layers(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    demo.load_demo()
    plan = Detaljplan.objects.get(plan_id="DEMO-2026:1")
    page = page_as(User.objects.get(username="planerare"))
    csp: list[str] = []
    watch_csp(page, csp)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or r.url))

    page.goto(f"{live_server.url}/plan/{plan.pk}/")
    page.wait_for_selector("#plan-map[data-ready='true']", timeout=30000)
    page.click("tbody[data-criterion='transport'] .criterion-toggle")
    screenshot = tmp_path / "demo-plan-page.png"
    page.screenshot(path=str(screenshot), full_page=True)

    # The generated town within 200 m of the plan: streets and paths, blocks, lamps every 30 m,
    # the shops on Centralvägen and the two stops 250 m from the centre.
    drawn = dict(
        item.split(":")
        for item in (page.get_attribute("#plan-map", "data-context-kinds") or "").split(",")
    )
    assert int(drawn["street"]) >= 10 and int(drawn["path"]) >= 1
    assert int(drawn["building"]) >= 20
    assert int(drawn["lamp"]) >= 100
    assert int(drawn["poi"]) >= 8
    assert int(drawn["bus_stop"]) == 2
    layers = page.inner_text(".leaflet-control-layers-overlays")
    for name in ("Gator och gångvägar", "Byggnader", "Gatlampor", "Målpunkter", "Hållplatser"):
        assert name in layers
    # Each criterion's own layer: dark gaps (the unlit park path), stretches without windows,
    # the lit walk to the stop (opened by the click), crime concentrations (on request).
    criteria_layers = (page.get_attribute("#plan-map", "data-criteria-layers") or "").split(",")
    assert {"dark_gaps", "blind_stretches", "routes", "hot_cells"} <= set(criteria_layers)
    assert page.locator("tbody[data-criterion='transport'] tr.details").is_visible()
    assert "99\xa0m" in page.inner_text(
        "tbody[data-criterion='transport']"
    )  # Swedish: no-break space
    # Method 2026.12: the five new criteria with their bars, the children's routes on the map, and
    # the barnkonsekvens section with the routes, Centralvägen's crossings and the measures.
    for key in ("parking", "territoriality", "conflicting_uses", "rear_access", "children_routes"):
        row = page.locator(f"tbody[data-criterion='{key}']")
        assert row.count() == 1, key
        assert row.locator("meter").count() == 2, key  # today and as planned
    page.click("tbody[data-criterion='children_routes'] .criterion-toggle")
    assert page.locator("tbody[data-criterion='children_routes'] tr.details").is_visible()
    assert {"child_routes", "child_crossings"} <= set(criteria_layers)
    section = page.locator("[data-testid=barnkonsekvens]")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    text = section.inner_text()
    assert "Barnkonsekvens" in text and "Förskolan Ekorren" in text and "Dragonskolan" in text
    assert "Centralvägen (utan signal)" in text
    assert page.locator("[data-testid=child-routes] tbody tr").count() >= 3
    assert "Kontoret för samhällsbyggnad" in page.inner_text(
        "[data-testid=barnkonsekvens-measures]"
    )
    barn = tmp_path / "demo-barnkonsekvens.png"
    section.screenshot(path=str(barn))
    assert screenshot.stat().st_size > 50_000
    assert hosts == {"127.0.0.1"}
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"
