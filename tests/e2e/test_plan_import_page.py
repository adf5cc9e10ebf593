"""The plan import page in a real headless Chromium: a Detaljplan 4.1 file uploaded, its report, the
plan on the planner page; a bad file refused on the page, naming the object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from layers.models import Detaljplan, ImportBatch
from layers.roles import Role
from tests.e2e.conftest import watch_csp
from tests.factories import MunicipalityFactory, user_with_role
from tests.layers.test_import_detaljplan41 import DATA41, EXAMPLE, PLAN

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_planner_uploads_a_41_file_sees_the_report_and_the_plan(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    MunicipalityFactory()
    page = page_as(user_with_role(Role.PLANNER))
    csp: list[str] = []
    watch_csp(page, csp)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/plan/importera/")
    page.set_input_files("input[name=file]", str(EXAMPLE))
    page.click("form[data-import-form] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/plan/importera/*/", timeout=30000)
    page.wait_for_selector("[data-testid=plan-report]")
    page.screenshot(path=str(tmp_path / "plan-import-report.png"), full_page=True)

    plan = Detaljplan.objects.get()
    assert "Detaljplan 4.1 (JSON)" in page.inner_text("[data-testid=plan-report]")
    assert page.locator("[data-testid=zones] tbody tr").count() == 7
    assert "uppåt +24,0 m RH 2000" in page.inner_text("[data-testid=zones]")
    assert "1 planområde, 7 användningsområden, 6 bestämmelseområden" in page.inner_text(
        "[data-testid=rows-stored]"
    )

    page.click(f"a[href='/plan/{plan.pk}/']")
    page.wait_for_url(f"{live_server.url}/plan/{plan.pk}/", timeout=30000)
    page.wait_for_selector("#plan-map[data-ready='true']", timeout=30000)
    page.screenshot(path=str(tmp_path / "plan-page.png"), full_page=True)

    assert "TESTPLAN 2025:1" in page.content() or plan.name in page.content()
    assert page.locator(".leaflet-overlay-pane path").count() >= 7  # the plan area and its zones
    assert errors == []
    assert csp == [], "the pages break their Content-Security-Policy"


def test_a_41_file_without_a_plan_area_is_refused_on_the_page(
    page_as: Any, live_server: Any
) -> None:
    MunicipalityFactory()
    page = page_as(user_with_role(Role.PLANNER))

    page.goto(f"{live_server.url}/plan/importera/")
    page.set_input_files("input[name=file]", str(DATA41 / "fel_saknar_plangeometri.json"))
    page.click("form[data-import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-error]", timeout=30000)

    message = page.inner_text("[data-testid=import-error]")
    assert PLAN in message and "planområde" in message
    assert ImportBatch.objects.count() == 0 and Detaljplan.objects.count() == 0
