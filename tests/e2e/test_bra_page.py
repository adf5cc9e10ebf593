"""The BRÅ page in a real headless Chromium, on the demo data; the offline HTML map with the network cut."""

from __future__ import annotations

import re
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
    path.write_bytes(client.get("/bra/export/karta.html?hours=22-3&weekdays=5,6").content)
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
    assert int(page.evaluate("document.body.dataset.incidents")) > 100  # Fri and Sat, 22–04
    assert page.locator(".leaflet-bottom .trygg-legend").count() == 1
    assert outside == [] and errors == []
    # The title says place, period and filter; the notes privacy and demo data (they said neither).
    title = page.inner_text("[data-testid=title]")
    assert "Lägesbild Upplands Väsby 20" in title
    assert "Urval: fre och lör; händelser som började kl. 22–04" in title
    assert "bara som antal i fasta rutor om 500 m" in title and "Demodata" in title
    # The legend has cold spots, observations and the sources with their freshness.
    legend = page.inner_text(".leaflet-bottom .trygg-legend")
    for words in (
        "Cold spot (Gi*), 95 % säkerhet",
        "Observation från trygghetsvandring: otryggt",
        "Händelse",
    ):
        assert words in legend
    sources = page.inner_text("[data-testid=sources]")
    assert "Polisens öppna händelser: 20" in sources and "senast importerad" in sources
    # The scale bar is metric only (it showed miles and feet too).
    scale = page.inner_text(".leaflet-control-scale")
    assert re.search(r"\d+ (m|km)\b", scale) and not re.search(r"\b(mi|ft)\b", scale)
    context.close()


def test_every_mode_and_link_keeps_a_filter_of_several_categories_and_weekdays(
    page_as: Any, live_server: Any
) -> None:
    # Two categories and two weekdays chosen: "Visningsläge för projektor" kept only the last of
    # each (49 events became 0), and leaving it kept the damage.
    from collections import Counter

    from layers.models import Incident

    demo.load_demo()
    common = Counter(
        Incident.objects.filter(generated=True, category__sensitive=False).values_list(
            "category__code", flat=True
        )
    ).most_common(2)
    codes = sorted(code for code, _n in common)
    page = page_as(User.objects.get(username="bra"))

    page.goto(f"{live_server.url}/bra/")
    page.wait_for_selector("#map[data-ready='true']", timeout=30000, state="attached")
    page.select_option("select[name=category]", codes)
    for day in ("5", "6"):
        page.check(f"input[name=weekdays][value='{day}']")
    page.click("[data-testid=filter-form] button[type=submit]")
    page.wait_for_selector("#map[data-ready='true']", timeout=30000, state="attached")
    chosen = int(page.get_attribute("#map", "data-incident-count") or 0)

    page.click("[data-testid=presentation-toggle]")
    page.wait_for_selector(
        "body.presentation #map[data-ready='true']", timeout=30000, state="attached"
    )
    presenting = int(page.get_attribute("#map", "data-incident-count") or 0)
    links = [
        page.get_attribute(f"[data-testid={name}]", "href")
        for name in ("export-pdf", "export-html", "export-tif", "presentation-toggle")
    ]
    page.click("[data-testid=presentation-toggle]")
    page.wait_for_selector(
        "body:not(.presentation) #map[data-ready='true']", timeout=30000, state="attached"
    )
    after = int(page.get_attribute("#map", "data-incident-count") or 0)
    selected = page.eval_on_selector_all(
        "select[name=category] option:checked", "os => os.map(o => o.value)"
    )
    days = page.eval_on_selector_all("input[name=weekdays]:checked", "xs => xs.map(x => x.value)")

    assert chosen > 0
    assert presenting == chosen == after
    assert sorted(selected) == codes and days == ["5", "6"]
    for href in links:
        assert href and f"category={codes[0]}%2C{codes[1]}" in href and "weekdays=5%2C6" in href
