"""The overview map's hot-spot layer (vector tiles from /tiles/hotspots/) in a real headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from mapapp import demo
from tests.e2e.conftest import watch_csp

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_hot_spots_are_off_until_chosen_and_then_drawn_from_vector_tiles(
    page_as: Any, live_server: Any
) -> None:
    demo.load_demo()
    page = page_as(User.objects.get(username="bra"))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    csp: list[str] = []
    watch_csp(page, csp)
    statuses: list[int] = []
    page.on(
        "response", lambda r: statuses.append(r.status) if "/tiles/hotspots/" in r.url else None
    )

    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='true']", timeout=20000)
    before = list(statuses)
    page.get_by_label("Hot spots (Gi*, senaste 12 månaderna)").check()
    page.wait_for_selector("#map[data-hotspot-tiles-loaded]", timeout=30000)
    page.wait_for_load_state("networkidle")
    painted = page.eval_on_selector_all(
        ".leaflet-hotspots-pane canvas.leaflet-tile",
        """cs => cs.filter(c => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; }
             return false;
           }).length""",
    )

    assert before == [], "hot-spot tiles were fetched before the layer was chosen"
    assert statuses and all(s == 200 for s in statuses), statuses
    assert painted > 0, "no hot spot was drawn"
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"
