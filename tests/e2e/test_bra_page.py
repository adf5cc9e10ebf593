"""The BRÅ page in a real headless Chromium, on the demo data; the offline HTML map with the network cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mapapp import demo
from tests.e2e.conftest import watch_csp
from tests.factories import in_published_year

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bra_page_draws_density_hot_spots_and_the_lagesbild_without_csp_violations(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    demo.load_demo()
    page = page_as(User.objects.get(username="bra"))
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or request.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    csp: list[str] = []
    watch_csp(page, csp)

    page.goto(f"{live_server.url}/bra/")
    page.wait_for_selector("#map[data-ready='true']", timeout=30000, state="attached")
    page.wait_for_selector("body[data-charts-ready='true']", timeout=10000, state="attached")
    screenshot = tmp_path / "bra.png"
    page.screenshot(path=str(screenshot))

    assert page.locator(".leaflet-image-layer").count() >= 1  # the density overlay
    assert int(page.get_attribute("#map", "data-hot-cells") or 0) > 0
    assert page.locator(".marker-cluster").count() > 0
    assert page.locator("#density-legend li").count() == 7
    assert page.locator("canvas#chart-months").bounding_box()["height"] > 50  # type: ignore[index]
    assert "Lägesbild" in page.inner_text("[data-testid=lagesbild]")
    # Sensitive incidents as the newest published year's release, and the page says so (decision 0600).
    year = str(in_published_year().year)
    assert page.get_attribute("#map", "data-sensitive-years") == year
    assert f"redovisas per kalenderår: {year}" in page.inner_text(
        "[data-testid=sensitive-release-note]"
    )
    assert screenshot.stat().st_size > 50_000
    assert hosts == {"127.0.0.1"}, f"requests left this server: {hosts}"
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"


def test_presentation_mode_has_large_type_and_hides_sensitive_points_from_an_analyst(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    demo.load_demo()
    page = page_as(User.objects.get(username="analytiker"))
    csp: list[str] = []
    watch_csp(page, csp)

    page.goto(f"{live_server.url}/bra/")
    page.wait_for_selector("#map[data-ready='true']", timeout=30000, state="attached")
    normal_count = int(page.get_attribute("#map", "data-incident-count") or 0)
    normal_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("[data-testid=presentation-toggle]")
    page.wait_for_selector(
        "body.presentation #map[data-ready='true']", timeout=30000, state="attached"
    )
    page.screenshot(path=str(tmp_path / "bra-presentation.png"))
    shown_count = int(page.get_attribute("#map", "data-incident-count") or 0)
    big_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    assert big_size >= normal_size * 1.2
    assert shown_count < normal_count  # the analyst's sensitive incidents are gone on the projector
    assert csp == []


def test_the_html_map_export_opens_and_draws_with_the_network_cut(
    chromium: Any, live_server: Any, tmp_path: Path
) -> None:
    demo.load_demo()
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username="bra"))
    path = tmp_path / "karta.html"
    path.write_bytes(client.get("/bra/export/karta.html").content)
    context = chromium.new_context(viewport={"width": 1200, "height": 800}, offline=True)
    page = context.new_page()
    outside: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else (outside.append(route.request.url), route.abort())
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-image-layer", timeout=15000, state="attached")
    page.screenshot(path=str(tmp_path / "karta.png"))

    assert page.locator(".marker-cluster").count() > 0
    assert int(page.evaluate("document.body.dataset.incidents")) > 1000
    assert page.locator(".leaflet-bottom .trygg-legend").count() == 1
    assert outside == [] and errors == []
    context.close()
