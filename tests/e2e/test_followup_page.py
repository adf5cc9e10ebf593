"""The effect follow-up page in a real headless Chromium: draw the target, the buffer and the comparison
area with Leaflet.draw, save, and read the result, the map's figures and the monthly series."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from followup.models import Evaluation
from geo.crs import STORAGE_SRID
from layers.roles import Role
from tests.e2e.conftest import watch_csp
from tests.factories import CategoryFactory, IncidentFactory, MunicipalityFactory, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)
LOCAL = ZoneInfo("Europe/Stockholm")


def drag_rectangle(page: Any, x0: int, y0: int, x1: int, y1: int) -> None:
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) // 2, (y0 + y1) // 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()


def test_a_bra_member_draws_three_areas_and_reads_the_result(
    page_as: Any, live_server: Any
) -> None:
    municipality = MunicipalityFactory()
    page = page_as(user_with_role(Role.BRA_MEMBER))
    violations: list[str] = []
    watch_csp(page, violations)

    page.goto(f"{live_server.url}/uppfoljning/ny/")
    page.wait_for_selector("#map[data-ready=true]")
    page.fill("[data-testid=title]", "Belysning vid stationen")
    page.fill("[data-testid=start-date]", "2024-03-01")
    box = page.locator("#map").bounding_box()
    cx, cy = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
    drag_rectangle(page, cx - 200, cy - 40, cx - 120, cy + 40)  # target (the mode it opens in)
    page.check("[data-testid=mode-buffer]")
    drag_rectangle(page, cx - 260, cy - 100, cx - 60, cy + 100)  # a buffer drawn around it
    page.check("[data-testid=mode-comparison]")
    drag_rectangle(page, cx + 120, cy - 40, cx + 200, cy + 40)  # comparison, well away
    page.click("[data-testid=save]")
    page.wait_for_url("**/uppfoljning/*/?sparad=1")
    page.wait_for_selector("#map[data-ready=true]")

    evaluation = Evaluation.objects.get()
    assert evaluation.buffer_drawn
    assert evaluation.buffer_area is not None
    assert not evaluation.buffer_area.intersects(evaluation.comparison_area)
    assert evaluation.target_area.centroid.x < evaluation.comparison_area.centroid.x
    # Too few incidents so far: the page says so, and shows no effect.
    assert "För få händelser för att säga något." in page.inner_text("[data-testid=verdict]")

    # Incidents in the drawn areas, spread evenly over each year: 40 before in each, after 10 in the
    # target and 40 in the comparison area.
    t = evaluation.target_area.point_on_surface
    c = evaluation.comparison_area.point_on_surface
    category = CategoryFactory()
    before, after = datetime(2023, 3, 2, 12, tzinfo=LOCAL), datetime(2024, 3, 2, 12, tzinfo=LOCAL)
    for where, first, n in ((t, before, 40), (c, before, 40), (c, after, 40), (t, after, 10)):
        for i in range(n):
            IncidentFactory(
                municipality=municipality,
                category=category,
                location=Point(where.x + i % 5, where.y, srid=STORAGE_SRID),
                occurred_from=first + timedelta(days=i * 360 // n),
            )
    page.reload()
    page.wait_for_selector("#map[data-ready=true]")

    verdict = page.inner_text("[data-testid=verdict]")
    assert "Minskning i åtgärdsområdet jämfört med jämförelseområdet" in verdict
    counts = page.inner_text("[data-testid=counts]").replace("\u00a0", " ")
    assert "Åtgärdsområde\t40\t10\t-75 %" in counts
    assert "Relativ effektstorlek 4,00" in page.inner_text("[data-testid=res]")
    assert "inte" in page.inner_text("[data-testid=sensitive-note]")
    # The map labels each area with its figures, and the monthly series is drawn.
    labels = page.locator(".leaflet-tooltip.area-label").all_inner_texts()
    assert any(text.startswith("Åtgärdsområde: 40 → 10") for text in labels), labels
    assert any(text.startswith("Jämförelseområde: 40 → 40") for text in labels), labels
    page.wait_for_selector("[data-testid=series-chart][data-ready=true]")
    assert violations == []


def test_grid_cells_and_nyko_areas_are_picked_on_the_page(page_as: Any, live_server: Any) -> None:
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from layers.models import StatisticalArea
    from tests.factories import VASBY_CENTRUM

    municipality = MunicipalityFactory()
    x, y = VASBY_CENTRUM
    ring = ((x + 2500, y), (x + 3000, y), (x + 3000, y + 500), (x + 2500, y + 500), (x + 2500, y))
    StatisticalArea.objects.create(
        municipality=municipality,
        code="0114099",
        name="Jämförbo",
        area=MultiPolygon(Polygon(ring), srid=STORAGE_SRID),
    )
    page = page_as(user_with_role(Role.PLANNER))
    page.goto(f"{live_server.url}/uppfoljning/ny/")
    page.wait_for_selector("#map[data-ready=true]")
    page.fill("[data-testid=title]", "Rutor och NYKO")
    page.fill("[data-testid=start-date]", "2024-03-01")
    page.check("[data-testid=pick-cells]")
    box = page.locator("#map").bounding_box()
    page.mouse.click(int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2))
    assert page.inner_text("[data-testid=cell-count]") == "1"
    page.select_option("[data-testid=comparison-nyko]", "0114099")
    page.click("[data-testid=save]")
    page.wait_for_url("**/uppfoljning/*/?sparad=1")

    evaluation = Evaluation.objects.get()
    assert evaluation.target_kind == "rutor" and len(evaluation.target_refs) == 1
    assert evaluation.target_area.area == pytest.approx(500 * 500)
    assert evaluation.comparison_kind == "nyko" and evaluation.comparison_refs == ["0114099"]
