"""The overview map in a real headless Chromium, on the demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User

from mapapp import demo
from tests.e2e.conftest import watch_csp

pytestmark = pytest.mark.django_db(transaction=True)


def test_map_page_draws_the_districts_and_loads_nothing_from_outside(
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
    tiles: list[tuple[int, int]] = []  # (status, Content-Length) of each incident vector tile
    page.on(
        "response",
        lambda r: (
            tiles.append((r.status, int(r.headers.get("content-length", "0"))))
            if "/tiles/incidents/" in r.url
            else None
        ),
    )

    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='true']", timeout=20000)
    page.wait_for_selector("#map[data-incident-tiles-loaded]", timeout=20000)
    page.wait_for_load_state("networkidle")
    screenshot = tmp_path / "overview-map.png"
    page.screenshot(path=str(screenshot), full_page=True)

    assert page.get_attribute("#map", "data-districts-drawn") == "3"
    assert page.get_attribute("#map", "data-plans-drawn") == "1"  # the demo detaljplan
    # districts (3) + NYKO areas (43) are drawn as SVG/canvas paths
    assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() >= 1
    # Incidents arrive as vector tiles and are drawn on canvas tiles: some pixels are painted.
    assert tiles and all(status == 200 for status, _ in tiles), tiles
    assert any(size > 0 for _, size in tiles), "every incident tile was empty"
    painted = page.eval_on_selector_all(
        ".leaflet-incidents-pane canvas.leaflet-tile",
        """cs => cs.filter(c => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; }
             return false;
           }).length""",
    )
    assert painted > 0, "no incident tile was drawn"
    assert page.inner_text("[data-testid=incident-count]").strip("()").isdigit()
    assert "Demodata" in page.inner_text("[data-testid=generated-notice]")
    assert screenshot.stat().st_size > 20_000
    assert hosts == {"127.0.0.1"}, f"requests left this server: {hosts}"
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"


def test_every_src_and_href_of_the_served_page_is_on_this_server(
    page_as: Any, live_server: Any
) -> None:
    demo.load_demo()
    page = page_as(User.objects.get(username="planerare"))

    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='true']", timeout=20000)
    refs = page.eval_on_selector_all(
        "[src], [href]", "els => els.map(e => e.src || e.href).filter(Boolean)"
    )

    assert refs
    assert all(urlparse(r).hostname == "127.0.0.1" for r in refs), refs


def test_a_tile_refused_under_load_is_asked_for_again_and_drawn(
    page_as: Any, live_server: Any
) -> None:
    # The server's throttle answers 429 with Retry-After when it is overloaded (decision 0524); the map
    # must not keep such a tile empty. Here every incident tile is refused once, then let through.
    demo.load_demo()
    page = page_as(User.objects.get(username="bra"))
    asked: dict[str, int] = {}

    def refuse_once(route: Any) -> None:
        url = route.request.url
        asked[url] = asked.get(url, 0) + 1
        if asked[url] == 1:
            route.fulfill(
                status=429,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": "the server is busy; try again shortly"}',
            )
        else:
            route.continue_()

    page.route("**/tiles/incidents/**", refuse_once)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='true']", timeout=20000)
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.leaflet-incidents-pane canvas.leaflet-tile'))
             .some(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                          for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; }
                          return false; })""",
        timeout=20000,
    )

    # Every first answer was a refusal, so a painted tile is one asked for again; none is asked a third time.
    # (Tiles that Leaflet dropped when the map zoomed to the districts were asked only once.)
    page.wait_for_load_state("networkidle")
    assert any(n == 2 for n in asked.values()) and max(asked.values()) == 2, asked
