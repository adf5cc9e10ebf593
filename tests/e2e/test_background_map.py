"""The background map on Trygg's pages in a real headless Chromium (issue 13, decisions 0750–0752):
the vector background from the municipality's own data with street names, and a map service through
Trygg's proxy, started by the test on 127.0.0.1 (tests/basemap/tileserver.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.db import connection

from basemap import cache, services
from layers.models import Municipality
from mapapp import demo
from mapapp.demo_context import LAYER_NAME, STREET_NAMES
from tests.basemap.conftest import make_service
from tests.basemap.tileserver import MARK, running
from tests.e2e.conftest import watch_csp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def basemap_cache(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.BASEMAP_CACHE_DIR = tmp_path / "basemap-cache"
    settings.BASEMAP_URL = ""
    cache.forget_caches()
    services.forget_areas()
    yield
    cache.forget_caches()
    services.forget_areas()


def town_centre() -> tuple[float, float]:
    """(lat, lon) of the middle of the demo's generated town."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Y(c), ST_X(c) FROM (SELECT ST_Transform(ST_Centroid(ST_Extent(f.geom)::geometry"
            " ::geometry(Polygon, 3006)), 4326) AS c FROM layers_contextfeature f"
            " JOIN layers_contextlayer l ON l.id = f.layer_id WHERE l.name = %s AND f.kind = 'street') AS t",
            [LAYER_NAME],
        )
        row = cursor.fetchone()
    assert row is not None and row[0] is not None
    return float(row[0]), float(row[1])


def mark_latlon() -> tuple[float, float]:
    from geo.crs import transformer

    lon, lat = transformer(3006, 4326).transform(*MARK)
    return lat, lon


def show(page: Any, lat: float, lon: float, zoom: int) -> None:
    """Move the page's map to (lat, lon) at ``zoom`` and wait until its background is drawn."""
    page.wait_for_selector("#map[data-basemap]", timeout=20000)
    page.evaluate(
        "([lat, lon, z]) => { TryggBasemap.mapOf(document.getElementById('map'))"
        ".setView([lat, lon], z, { animate: false }); }",
        [lat, lon, zoom],
    )
    page.wait_for_timeout(300)
    page.wait_for_function("() => TryggBasemap.settled()", timeout=20000)
    page.wait_for_timeout(400)  # labels are placed after the tiles' geometry


def background_pixels(page: Any) -> int:
    """How many pixels of the background pane's tiles (canvas or image) are not the plain land colour."""
    return int(
        page.evaluate(
            """() => {
              const pane = document.querySelector('.leaflet-trygg-basemap-pane');
              let n = 0;
              for (const c of pane.querySelectorAll('canvas')) {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 0; i < d.length; i += 4) {
                  if (d[i + 3] > 0 && !(d[i] === 243 && d[i + 1] === 241 && d[i + 2] === 236)) n++;
                }
              }
              return n;
            }"""
        )
    )


def test_without_a_service_the_demo_town_is_drawn_with_named_streets_and_says_it_is_generated(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    demo.load_demo()
    page = page_as(User.objects.get(username="bra"))
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or r.url))
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    vector: list[int] = []
    page.on("response", lambda r: vector.append(r.status) if "/karta/vektor/" in r.url else None)
    csp: list[str] = []
    watch_csp(page, csp)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='true']", timeout=20000)
    lat, lon = town_centre()
    show(page, lat, lon, 16)
    page.screenshot(path=str(tmp_path / "town-z16.png"))

    labels = page.evaluate("() => TryggBasemap.labels()")
    streets = set(STREET_NAMES.values())
    assert streets & set(labels), f"no street name drawn at zoom 16: {labels}"
    assert page.get_attribute("#map", "data-basemap") == "drawn"
    assert (
        background_pixels(page) > 20_000
    )  # streets, blocks and the park, not an empty land colour
    assert vector and all(status in (200, 204) for status in vector)
    assert page.locator(".leaflet-trygg-basemap-pane img").count() == 0  # no service: no raster
    # Zoomed out, the generated town is framed and named as generated; the real districts are named.
    show(page, lat, lon, 13)
    labels = page.evaluate("() => TryggBasemap.labels()")
    assert LAYER_NAME in labels, labels
    from layers.models import StatisticalArea

    nyko = set(StatisticalArea.objects.values_list("name", flat=True))
    assert nyko & set(labels), f"no real NYKO name drawn at zoom 13: {labels}"
    attribution = page.inner_text(".leaflet-control-attribution")
    assert "genererad, inte verklig" in attribution
    assert hosts == {"127.0.0.1"}, hosts
    assert failed == [] and errors == [] and csp == []


def test_a_service_is_asked_only_through_trygg_and_its_cache_and_the_vector_background_outlast_it(
    page_as: Any, live_server: Any
) -> None:
    demo.load_demo()
    municipality = Municipality.objects.get()
    with running() as upstream:
        make_service(
            municipality, url=upstream.url("/xyz/{z}/{x}/{y}.png"), attribution="© Testkartan"
        )
        services.forget_areas()
        page = page_as(User.objects.get(username="bra"))
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#map[data-ready='true']", timeout=20000)
        lat, lon = mark_latlon()
        show(page, lat, lon, 16)

        proxied = [u for u in asked if "/karta/bakgrund/" in u]
        assert proxied, "the page asked no background tile"
        assert all(u.startswith(live_server.url) for u in asked), "the page asked another server"
        assert not [u for u in asked if str(upstream.port) in u]
        first = len(upstream.tile_requests())
        assert first > 0
        assert "© Testkartan" in page.inner_text(".leaflet-control-attribution")
        # The red disc at Väsby centrum is drawn where Leaflet puts Väsby centrum.
        assert red_at(page, lat, lon), "the service's mark is not under the point"

        # Second load: every tile from Trygg's cache, none from the service.
        page.reload()
        page.wait_for_selector("#map[data-ready='true']", timeout=20000)
        show(page, lat, lon, 16)
        assert len(upstream.tile_requests()) == first

        # The service goes down: tiles seen before still come, the vector background shows elsewhere.
        upstream.failing = True
        page.reload()
        page.wait_for_selector("#map[data-ready='true']", timeout=20000)
        show(page, lat, lon, 16)
        assert red_at(page, lat, lon), "the cached tile is gone with the service"
        show(page, lat + 0.004, lon + 0.01, 16)  # tiles never seen: the service fails them
        assert page.get_attribute("#map", "data-basemap-failed") == "true"
        assert background_pixels(page) > 5_000, "no vector background under the failed tiles"


def red_at(page: Any, lat: float, lon: float) -> bool:
    """True when the pixel of the screen where the map puts (lat, lon) is the service's red disc."""
    x, y = page.evaluate(
        """([lat, lon]) => {
          const el = document.getElementById('map');
          const map = TryggBasemap.mapOf(el);
          const p = map.latLngToContainerPoint([lat, lon]);
          const r = el.getBoundingClientRect();
          return [Math.round(r.left + p.x), Math.round(r.top + p.y)];
        }""",
        [lat, lon],
    )
    # Hide every layer above the background, so the screenshot shows what the background draws there.
    page.evaluate(
        """() => document.querySelectorAll('.leaflet-pane').forEach(p => {
             if (!p.classList.contains('leaflet-trygg-basemap-pane') && !p.classList.contains('leaflet-map-pane'))
               p.style.visibility = 'hidden';
           })"""
    )
    shot = page.screenshot(clip={"x": x - 1, "y": y - 1, "width": 3, "height": 3})
    import io

    from PIL import Image

    pixels = list(Image.open(io.BytesIO(shot)).convert("RGB").getdata())
    return any(r > 150 and g < 90 and b < 90 for r, g, b in pixels)


# Väsby centrum in WGS 84, where the tablet's GPS says it is.
GPS = {"latitude": 59.5183, "longitude": 17.9115, "accuracy": 12}


def test_a_walk_opened_online_keeps_its_background_offline_and_the_map_opens_on_its_route(
    page_as: Any, live_server: Any
) -> None:
    from layers.roles import Role
    from layers.services import ensure_reference_data
    from tests.factories import MunicipalityFactory, WalkFactory, user_with_role

    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality, name="Kvällsvandring centrum")
    user = user_with_role(Role.FIELD_STAFF, "falt-bakgrund")
    with running() as upstream:
        make_service(municipality, url=upstream.url("/xyz/{z}/{x}/{y}.png"))
        services.forget_areas()
        page = page_as(user, geolocation=GPS, permissions=["geolocation"])
        context = page.context
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{live_server.url}/falt/?vandring={walk.pk}")
        page.wait_for_selector("#tablet[data-offline-ready='true']", timeout=20000)
        page.wait_for_selector("#tablet-map[data-view='route']", timeout=20000)
        route = walk.route.transform(4326, clone=True)
        inside = page.evaluate(
            """(pts) => { const el = document.getElementById('tablet-map');
                 const m = TryggBasemap.mapOf(el);
                 // On the screen, in the element's real size (not the size Leaflet last measured).
                 return [m.getZoom(), pts.every(p => { const c = m.latLngToContainerPoint([p[1], p[0]]);
                   return c.x >= 0 && c.y >= 0 && c.x <= el.clientWidth && c.y <= el.clientHeight; })]; }""",
            [list(c) for c in route.coords],
        )
        assert inside[1] and inside[0] >= 15, f"the map does not open on the route: {inside}"
        # The walkers move on past the end of the route, out of the view: the map follows them.
        (lon0, lat0), (lon1, lat1) = route.coords[0], route.coords[-1]
        ahead = {"latitude": lat1 + 0.45 * (lat1 - lat0), "longitude": lon1 + 0.45 * (lon1 - lon0)}
        on_screen = """([lat, lon]) => { const el = document.getElementById('tablet-map');
            const c = TryggBasemap.mapOf(el).latLngToContainerPoint([lat, lon]);
            return c.x >= 0 && c.y >= 0 && c.x <= el.clientWidth && c.y <= el.clientHeight; }"""
        before = page.evaluate(on_screen, [ahead["latitude"], ahead["longitude"]])
        context.set_geolocation({**ahead, "accuracy": 10})
        page.wait_for_selector("[data-testid=gps-accuracy][data-accuracy='10']", timeout=20000)
        page.wait_for_function(on_screen, arg=[ahead["latitude"], ahead["longitude"]], timeout=5000)
        assert not before, "the test's position was already in view"
        page.wait_for_selector("[data-testid=tile-storage][data-saved]", timeout=120000)
        saved = int(page.get_attribute("[data-testid=tile-storage]", "data-saved") or "0")
        text = page.inner_text("[data-testid=tile-storage]")
        asked_upstream = len(upstream.tile_requests())
        assert saved > 200, text
        assert "MB" in text and "z13–18" in text, text
        assert page.get_attribute("[data-testid=tile-storage]", "data-failed") == "0"

        context.set_offline(True)
        page.wait_for_function("!navigator.onLine")
        page.reload()
        page.wait_for_selector("#tablet[data-ready='true']", timeout=20000)
        page.wait_for_selector("#tablet-map[data-basemap='drawn']", timeout=20000)
        page.wait_for_function("() => TryggBasemap.settled()", timeout=20000)
        drawn = page.eval_on_selector_all(
            ".leaflet-trygg-basemap-pane img.leaflet-tile-loaded",
            "imgs => imgs.filter(i => i.naturalWidth === 256).length",
        )
        assert drawn >= 4, "the saved raster tiles are not drawn offline"
        assert failed == [], failed
        assert len(upstream.tile_requests()) == asked_upstream

        # The observation's marker can be dragged against the background.
        page.click("[data-testid=new-observation]")
        page.wait_for_selector(".draft-marker")
        page.wait_for_timeout(400)  # the form opens beside the map, which then takes its new size
        box = page.locator(".draft-marker").bounding_box()
        area = page.locator("#tablet-map").bounding_box()
        x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # Towards the middle of the map, so Leaflet's autopan at the edge does not move the map too.
        dx = 60 if x0 < area["x"] + area["width"] / 2 else -60
        dy = 40 if y0 < area["y"] + area["height"] / 2 else -40
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x0 + dx, y0 + dy, steps=8)
        page.mouse.up()
        moved = page.locator(".draft-marker").bounding_box()
        assert abs(moved["x"] - box["x"] - dx) < 3 and abs(moved["y"] - box["y"] - dy) < 3
        assert errors == []


def test_the_offline_html_map_carries_its_background_and_fetches_nothing(
    chromium: Any, live_server: Any, tmp_path: Path
) -> None:
    from django.test import Client

    demo.load_demo()
    municipality = Municipality.objects.get()
    with running() as upstream:
        make_service(
            municipality, url=upstream.url("/xyz/{z}/{x}/{y}.png"), attribution="© Testkartan"
        )
        services.forget_areas()
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
            if route.request.url.startswith("file:")
            else (outside.append(route.request.url), route.abort())
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(path.as_uri())
    page.wait_for_selector("[data-basemap='drawn']", timeout=20000)
    page.wait_for_function("() => TryggBasemap.settled()", timeout=20000)
    page.wait_for_timeout(500)

    assert path.stat().st_size < 25_000_000
    assert background_pixels(page) > 10_000, "no vector background drawn from the file"
    raster = page.eval_on_selector_all(
        ".leaflet-trygg-basemap-pane img.leaflet-tile-loaded",
        "imgs => imgs.filter(i => i.naturalWidth === 256 && i.src.startsWith('data:image/png')).length",
    )
    assert raster >= 4, "the service's tiles are not in the file"
    attribution = page.inner_text(".leaflet-control-attribution")
    assert "© Testkartan" in attribution and "Upplands Väsby kommun" in attribution
    assert outside == [] and errors == []


def test_every_map_page_draws_the_background_under_its_layers(
    page_as: Any, live_server: Any
) -> None:
    from layers.models import Detaljplan
    from surveys.models import Trygghetsvandring

    demo.load_demo()
    Municipality.objects.update(public_map=True)
    plan = Detaljplan.objects.order_by("pk").first()
    walk = Trygghetsvandring.objects.exclude(route=None).order_by("pk").first()
    from layers.models import Office
    from surveys.models import Action

    action = Action.objects.order_by("pk").first()
    office = Office.objects.order_by("pk").first()
    assert plan is not None and walk is not None and action is not None
    pages = [
        ("bra", "/"),
        ("bra", "/bra/"),
        ("bra", "/bra/?presentation=1"),
        ("falt", f"/falt/?vandring={walk.pk}"),
        ("falt", f"/vandringar/{walk.pk}/"),
        ("falt", "/vandringar/ny/"),
        ("planerare", f"/plan/{plan.pk}/"),
        ("planerare", f"/plan/{plan.pk}/redigera/"),
        ("planerare", "/offentlig/"),
        ("falt", f"/atgarder/{action.pk}/"),
    ]
    if office is not None:
        pages.append(("falt", f"/atgarder/kontor/{office.pk}/"))
    missing = []
    for username, address in pages:
        page = page_as(User.objects.get(username=username))
        tiles: list[str] = []
        page.on(
            "response",
            lambda r, tiles=tiles: (
                tiles.append(f"{r.status} {r.url}") if "/vektor/" in r.url else None
            ),
        )
        csp: list[str] = []
        watch_csp(page, csp)
        page.goto(f"{live_server.url}{address}")
        try:
            page.wait_for_selector("[data-basemap='drawn']", timeout=20000, state="attached")
        except Exception:
            missing.append(address)
            continue
        prefix = "/offentlig/vektor/" if address.startswith("/offentlig") else "/karta/vektor/"
        assert any(prefix in t for t in tiles), (address, tiles[:3])
        assert all(t.startswith(("200 ", "204 ", "304 ")) for t in tiles), (address, tiles)
        assert csp == [], (address, csp)
        page.close()
    assert missing == [], f"no background on {missing}"


def pixel_at(page: Any, lat: float, lon: float) -> tuple[int, int, int]:
    import io

    from PIL import Image

    x, y = page.evaluate(
        """([lat, lon]) => {
          const el = document.getElementById('map');
          const p = TryggBasemap.mapOf(el).latLngToContainerPoint([lat, lon]);
          const r = el.getBoundingClientRect();
          return [Math.round(r.left + p.x), Math.round(r.top + p.y)];
        }""",
        [lat, lon],
    )
    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))  # type: ignore[return-value]


def test_a_point_and_a_hot_spot_land_on_their_places_over_a_reprojected_sweref_background(
    page_as: Any, live_server: Any
) -> None:
    demo.load_demo()
    municipality = Municipality.objects.get()
    with running() as upstream:
        make_service(
            municipality,
            kind="wmts",
            url=upstream.url("/wmts/1.0.0/WMTSCapabilities.xml"),
            layer="topo",
        )
        services.forget_areas()
        page = page_as(User.objects.get(username="bra"))
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(f"{live_server.url}/bra/")
        page.wait_for_selector("#map[data-ready='true']", timeout=30000)

        # The hot spot: the middle of the strongest cell the page drew.
        cell = page.evaluate(
            """() => fetch(document.getElementById('map').dataset.hotspotsUrl
                         + (document.getElementById('map').dataset.query ? '?' + document.getElementById('map').dataset.query : ''),
                       { credentials: 'same-origin' }).then(r => r.json()).then(fc => {
                 const f = fc.features.find(f => f.properties['class'] === 3);
                 if (!f) return null;
                 const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
                 const xs = ring.map(p => p[0]), ys = ring.map(p => p[1]);
                 return [(Math.min(...ys) + Math.max(...ys)) / 2, (Math.min(...xs) + Math.max(...xs)) / 2];
               })"""
        )
        assert cell is not None, "the demo has no 99 % hot spot"
        show(page, cell[0], cell[1], 15)
        with_hot_spot = pixel_at(page, cell[0], cell[1])
        page.evaluate(
            "() => { document.querySelector('#map .leaflet-cells-pane').style.visibility = 'hidden'; }"
        )
        background_only = pixel_at(page, cell[0], cell[1])
        redness = lambda c: c[0] - (c[1] + c[2]) / 2  # noqa: E731
        assert redness(with_hot_spot) > redness(background_only) + 20, (
            with_hot_spot,
            background_only,
        )

        # The point: the service's red disc at Väsby centrum, warped from SWEREF 99 TM, is under it.
        lat, lon = mark_latlon()
        show(page, lat, lon, 16)
        assert red_at(page, lat, lon), "the reprojected background is not under Väsby centrum"
        assert not [u for u in asked if str(upstream.port) in u]
        assert [u for u in asked if "/karta/bakgrund/" in u]
