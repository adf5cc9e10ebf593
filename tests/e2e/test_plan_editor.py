"""The plan edit page and the import page in a real headless Chromium: drawing with Leaflet.draw,
saving, uploading with progress, and no Content-Security-Policy violations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from layers.models import Detaljplan, ImportBatch
from layers.roles import Role
from tests.e2e.conftest import watch_csp
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def drag_rectangle(page: Any, x0: int, y0: int, x1: int, y1: int) -> None:
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) // 2, (y0 + y1) // 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()


def test_a_planner_draws_a_plan_with_a_zone_and_saves_it(page_as: Any, live_server: Any) -> None:
    MunicipalityFactory()
    page = page_as(user_with_role(Role.PLANNER))
    violations: list[str] = []
    watch_csp(page, violations)

    page.goto(f"{live_server.url}/plan/ny/")
    page.wait_for_selector("#map[data-ready=true]")
    box = page.locator("#map").bounding_box()
    cx, cy = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
    page.fill("[data-testid=plan-id]", "RITAD-E2E")
    page.fill("[data-testid=plan-name]", "Ritad i webbläsaren")
    drag_rectangle(page, cx - 150, cy - 120, cx + 150, cy + 120)  # the plan boundary (mode: plan)
    drag_rectangle(page, cx - 100, cy - 80, cx + 20, cy + 60)  # then a use zone
    page.select_option("[data-testid=zone-code]", "B")
    page.fill("[data-testid=zone-label]", "Bostäder med lokaler")
    page.click("[data-testid=save-plan]")
    page.wait_for_url("**/redigera/?sparad=1")
    page.wait_for_selector("#map[data-ready=true]")

    plan = Detaljplan.objects.get(plan_id="RITAD-E2E")
    zone = plan.zones.get()
    assert zone.use_code == "B" and zone.label == "Bostäder med lokaler"
    assert plan.area.contains(zone.area.point_on_surface)
    assert plan.area.distance(_vasby_point()) < 2000  # drawn where the map opened
    assert "Planen är sparad" in page.inner_text("[data-testid=save-message]")
    assert page.locator("[data-testid=zone-item]").count() == 1
    assert violations == []


def _vasby_point() -> Any:
    from django.contrib.gis.geos import Point

    return Point(*VASBY_CENTRUM, srid=3006)


def test_the_import_page_uploads_with_progress_and_shows_the_report(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    MunicipalityFactory()
    page = page_as(user_with_role(Role.PLANNER))
    violations: list[str] = []
    watch_csp(page, violations)
    cx, cy = VASBY_CENTRUM
    ring = [[cx, cy], [cx + 90, cy], [cx + 90, cy + 60], [cx, cy + 60], [cx, cy]]
    source = tmp_path / "kvarter.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kod": "C"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        )
    )

    page.goto(f"{live_server.url}/plan/importera/")
    page.set_input_files("input[name=file]", str(source))
    page.fill("input[name=plan_id]", "E2E-IMPORT")
    page.click("form[data-import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=plan-report], [data-testid=import-error]")
    assert page.locator("[data-testid=import-error]").count() == 0, page.inner_text("main")

    assert ImportBatch.objects.get().rows_stored == 1
    assert "Centrum" in page.inner_text("[data-testid=zones]")
    assert violations == []


def test_a_refused_upload_shows_the_reason_on_the_page(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    MunicipalityFactory()
    page = page_as(user_with_role(Role.PLANNER))
    hostile = tmp_path / "plan.xml"
    hostile.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )

    page.goto(f"{live_server.url}/plan/importera/")
    page.set_input_files("input[name=file]", str(hostile))
    page.click("form[data-import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-error]")

    assert "DTD" in page.inner_text("[data-testid=import-error]")
    assert not ImportBatch.objects.exists()
