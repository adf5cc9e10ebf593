"""The open-data page /ogc/ in a real headless Chromium: local assets only, no CSP violation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from layers.models import Detaljplan
from tests.e2e.conftest import watch_csp
from tests.factories import VASBY_CENTRUM, IncidentFactory, WalkFactory, square, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def test_open_data_page_shows_the_qgis_address_and_downloads(
    page_as: Any, live_server: Any
) -> None:
    walk = WalkFactory()
    IncidentFactory(municipality=walk.municipality)
    Detaljplan.objects.create(
        municipality=walk.municipality,
        plan_id="P1",
        name="Centrum",
        area=square(*VASBY_CENTRUM, 100),
    )
    page = page_as(user_with_role("planerare"))
    csp: list[str] = []
    watch_csp(page, csp)

    page.goto(f"{live_server.url}/ogc/")
    address = page.inner_text("[data-testid=ogc-url]")
    plan_link = page.get_attribute("[data-testid=plan-exports] a", "href")
    walk_link = page.get_attribute("[data-testid=walk-exports] a", "href")
    refs = page.eval_on_selector_all("[src], [href]", "els => els.map(e => e.src || e.href)")

    assert address == f"{live_server.url}/ogc/"
    assert plan_link.endswith(".gpkg") and walk_link == f"/export/walk/{walk.pk}.gpkg"
    assert all(urlparse(r).hostname == "127.0.0.1" for r in refs), refs
    assert csp == []
