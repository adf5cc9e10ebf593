"""One decision on every channel: each role asks each channel, and sensitive incidents reach only analysts
and administrators, whose every read and export is in the audit log (issue 7, docs/security.md).

The test ids are the matrix: ``test_...[channel-persona]``. For each request the response (text, JSON,
decoded vector tile, GeoPackage, GeoTIFF, photo) is searched for the sensitive incidents of the scene
(tests/security/matrix.py): any coordinate within 1 m of one, its id, its description or reference. Users
without the permission must get none of them, on every channel; analysts and administrators get them where
the channel carries incidents, with an audit entry for the request. Where a channel carries counts on the
fixed grid, everyone gets the same cells: the cell with seven sensitive incidents, never the one with two.

The scene is built once for the module inside a transaction that is rolled back at the end; each test runs
in a savepoint of it. The PDF channels (printed by Chromium in a thread of its own, so they need committed
data) are in test_channel_matrix_pdf.py, once per role class.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.db.models import Max
from django.test import Client
from pyproj import Transformer

from layers import tiles
from layers.models import AuditEvent
from layers.ogc import auth as ogc_auth
from mapapp import planning
from tests.basemap.conftest import make_service
from tests.basemap.tileserver import TileServer, running
from tests.security.matrix import (
    CELL_A,
    CELL_B,
    KEY_PERSONAS,
    MARK,
    N_IN_A,
    PERMITTED,
    PERSONAS,
    Findings,
    Persona,
    Scene,
    body_of,
    build_scene,
    geojson_cells,
    geopackage_cells,
    geopackage_contents,
    inspect,
    raster_value,
    remove_photo_files,
    tile_cells,
    tile_points,
)

SENSITIVE_ACTIONS = (AuditEvent.Action.READ_SENSITIVE, AuditEvent.Action.EXPORT_SENSITIVE)
READ = AuditEvent.Action.READ_SENSITIVE
EXPORT = AuditEvent.Action.EXPORT_SENSITIVE


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any) -> Iterator[Scene]:
    """The scene for the whole module, rolled back at its end (each test runs in a savepoint)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built: Scene | None = None
        try:
            cache.clear()
            ogc_auth.forget_all()
            built = build_scene()
            planning.ensure_assessments(built.plan)  # scored once, not by the first request
            tiles.fresh_bins()
            yield built
        finally:
            if built is not None:
                remove_photo_files(built)
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()


@pytest.fixture(scope="module", autouse=True)
def basemap_service(
    scene: Scene, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TileServer]:
    """The scene's municipality has a map service (a local XYZ server): the proxy is a channel too."""
    from django.conf import settings

    from basemap import cache

    folder, settings.BASEMAP_CACHE_DIR = (
        settings.BASEMAP_CACHE_DIR,
        tmp_path_factory.mktemp("basemap"),
    )
    cache.forget_caches()
    with running() as server, django_db_blocker.unblock():
        make_service(scene.municipality, url=server.url("/xyz/{z}/{x}/{y}.png"))
        yield server
    settings.BASEMAP_CACHE_DIR = folder
    cache.forget_caches()


@pytest.fixture(scope="module")
def clients(scene: Scene, django_db_blocker: Any) -> dict[str, Client]:
    with django_db_blocker.unblock():
        return {persona: scene.client(persona) for persona in [*PERSONAS, *KEY_PERSONAS]}


# --- who gets what --------------------------------------------------------------------------------

Audience = Callable[[User | None], bool]


def login(user: User | None) -> bool:
    return user is not None


def perm(permission: str) -> Audience:
    return lambda user: user is not None and user.has_perm(permission)


def staff(permission: str) -> Audience:
    return lambda user: user is not None and user.is_staff and user.has_perm(permission)


def sensitive_only(audience: Audience) -> Audience:
    """A sensitive incident's own address: it exists only for users who may see it."""
    return lambda user: (
        audience(user) and user is not None and user.has_perm("layers.view_sensitive_incident")
    )


# What analysts and administrators get on a channel:
POINTS = "points"  # sensitive incidents as points (a coordinate within 1 m), audited
RECORDS = "records"  # sensitive incidents as records (id, reference or description), audited
AGGREGATE = "aggregate"  # sensitive incidents inside counts or surfaces, no point; audited
CELLS = "cells"  # the fixed k-suppressed cells, the same for everyone; not audited
NOTHING = "nothing"  # the channel carries no sensitive incident for anyone


@dataclass(frozen=True)
class Channel:
    id: str
    kind: str  # page, json-api, ogc, tiles, export, photo, search, admin, error
    url: Callable[[Scene], str]
    audience: Audience
    permitted_get: str
    audit: str | None = None  # READ or EXPORT for analysts' requests that carry sensitive incidents
    # What the request itself sends and a page may show back (a search term, an id in the address).
    echo: Callable[[Scene], list[str]] = lambda s: []
    # The same request for an id that does not exist: without the permission, a sensitive incident's
    # address must answer exactly as that one does.
    twin: Callable[[Scene], str] | None = None
    # Slow channels run for one persona of each kind only (logged out, no role, without and with the
    # permission) rather than for every role.
    personas: tuple[str, ...] = tuple(PERSONAS)

    def __str__(self) -> str:
        return self.id


_to_mercator = Transformer.from_crs(3006, 3857, always_xy=True)


def tile_at(x: float, y: float, z: int) -> tuple[int, int, int]:
    mx, my = _to_mercator.transform(x, y)
    half = 20037508.342789244
    size = 2 * half / (1 << z)
    return z, int((mx + half) // size), int((half - my) // size)


def _tile_url(layer: str, z: int, where: tuple[float, float]) -> Callable[[Scene], str]:
    def url(scene: Scene) -> str:
        tz, tx, ty = tile_at(*where, z)
        return f"/tiles/{layer}/{tz}/{tx}/{ty}.mvt"

    return url


def _basemap_url(kind: str, ext: str, z: int, where: tuple[float, float]) -> Callable[[Scene], str]:
    def url(scene: Scene) -> str:
        tz, tx, ty = tile_at(*where, z)
        return f"/karta/{kind}/{tz}/{tx}/{ty}.{ext}"

    return url


A_POINT = (CELL_A[0] + 202.5, CELL_A[1] + 207.5)
B_POINT = (CELL_B[0] + 252.5, CELL_B[1] + 262.5)
VIEW_INCIDENT = "layers.view_incident"
VIEW_PLAN = "layers.view_detaljplan"
VIEW_OBSERVATION = "surveys.view_observation"
VIEW_WALKS = "surveys.view_trygghetsvandring"
VIEW_ACTIONS = "surveys.view_action"
VIEW_PHOTO = "surveys.view_observationphoto"
MISSING_PK = 9_699_999  # no incident has it
ONE_OF_EACH = (Persona.ANONYMOUS, Persona.NO_ROLE, Persona.PLANNER, Persona.ANALYST)


def first(s: Scene) -> int:
    return s.sensitive_pks[0]  # a sensitive incident of cell A


def last(s: Scene) -> int:
    return s.sensitive_pks[-1]  # a sensitive incident of cell B (under k)


def ids(*which: Callable[[Scene], int]) -> Callable[[Scene], list[str]]:
    return lambda s: [str(w(s)) for w in which]


def words(*sent: str) -> Callable[[Scene], list[str]]:
    return lambda s: list(sent)


CHANNELS = [
    # pages
    Channel("page-overview", "page", lambda s: "/", login, NOTHING),
    Channel("page-bra", "page", lambda s: "/bra/", perm(VIEW_INCIDENT), AGGREGATE, READ),
    Channel(
        "page-bra-print", "page", lambda s: "/bra/utskrift/", perm(VIEW_INCIDENT), AGGREGATE, READ
    ),
    Channel("page-plan", "page", lambda s: f"/plan/{s.plan.pk}/", perm(VIEW_PLAN), NOTHING),
    Channel(
        "page-plan-report",
        "page",
        lambda s: f"/plan/{s.plan.pk}/rapport/",
        perm(VIEW_PLAN),
        NOTHING,
    ),
    Channel("page-walks", "page", lambda s: "/vandringar/", perm(VIEW_WALKS), NOTHING),
    Channel("page-walk", "page", lambda s: f"/vandringar/{s.walk.pk}/", perm(VIEW_WALKS), NOTHING),
    Channel(
        "page-walk-protocol",
        "page",
        lambda s: f"/vandringar/{s.walk.pk}/protokoll/",
        perm(VIEW_WALKS),
        NOTHING,
    ),
    Channel("page-lens", "page", lambda s: "/vandringar/perspektiv/", perm(VIEW_WALKS), NOTHING),
    Channel("page-actions", "page", lambda s: "/atgarder/", perm(VIEW_ACTIONS), NOTHING),
    Channel(
        "page-action", "page", lambda s: f"/atgarder/{s.action.pk}/", perm(VIEW_ACTIONS), NOTHING
    ),
    Channel("page-ogc-landing", "page", lambda s: "/ogc/?f=html", login, NOTHING),
    # JSON API
    Channel(
        "api-incidents",
        "json-api",
        lambda s: "/api/v1/incidents/",
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "api-observations",
        "json-api",
        lambda s: "/api/v1/observations.geojson",
        perm(VIEW_OBSERVATION),
        NOTHING,
    ),
    Channel(
        "bra-data-lagesbild",
        "json-api",
        lambda s: "/bra/data/lagesbild/",
        perm(VIEW_INCIDENT),
        AGGREGATE,
        READ,
    ),
    Channel(
        "bra-data-density",
        "json-api",
        lambda s: "/bra/data/tathet/",
        perm(VIEW_INCIDENT),
        AGGREGATE,
        READ,
    ),
    Channel(
        "bra-data-hotspots",
        "json-api",
        lambda s: "/bra/data/hotspots/",
        perm(VIEW_INCIDENT),
        AGGREGATE,
        READ,
    ),
    Channel(
        "bra-data-trends",
        "json-api",
        lambda s: "/bra/data/trender/",
        perm(VIEW_INCIDENT),
        AGGREGATE,
        READ,
    ),
    Channel(
        "bra-data-incidents",
        "json-api",
        lambda s: "/bra/data/handelser/",
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "bra-data-cells",
        "json-api",
        lambda s: "/bra/data/kansliga-rutor/",
        perm(VIEW_INCIDENT),
        CELLS,
    ),
    Channel(
        "bra-data-observations",
        "json-api",
        lambda s: "/bra/data/observationer/",
        perm(VIEW_INCIDENT),
        NOTHING,
    ),
    Channel(
        "plan-map-json",
        "json-api",
        lambda s: f"/plan/{s.plan.pk}/karta.json",
        perm(VIEW_PLAN),
        AGGREGATE,
        READ,
    ),
    Channel(
        "walk-map-json",
        "json-api",
        lambda s: f"/vandringar/{s.walk.pk}/karta.json",
        perm(VIEW_WALKS),
        NOTHING,
    ),
    # OGC API
    Channel(
        "ogc-items",
        "ogc",
        lambda s: "/ogc/collections/incidents/items?limit=1000",
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "ogc-items-sweref",
        "ogc",
        lambda s: (
            "/ogc/collections/incidents/items?limit=1000&crs=http://www.opengis.net/def/crs/EPSG/0/3006"
        ),
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "ogc-item-sensitive",
        "ogc",
        lambda s: f"/ogc/collections/incidents/items/{first(s)}",
        sensitive_only(perm(VIEW_INCIDENT)),
        POINTS,
        READ,
        echo=ids(first),
        twin=lambda s: f"/ogc/collections/incidents/items/{MISSING_PK}",
    ),
    Channel(
        "ogc-collection",
        "ogc",
        lambda s: "/ogc/collections/incidents",
        perm(VIEW_INCIDENT),
        NOTHING,
    ),
    Channel(
        "ogc-cells",
        "ogc",
        lambda s: "/ogc/collections/sensitive-incident-cells/items",
        perm(VIEW_INCIDENT),
        CELLS,
    ),
    # vector tiles
    Channel(
        "tile-incidents-points",
        "tiles",
        _tile_url("incidents", 14, A_POINT),
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "tile-incidents-counts",
        "tiles",
        _tile_url("incidents", 12, B_POINT),
        perm(VIEW_INCIDENT),
        AGGREGATE,
        READ,
    ),
    Channel(
        "tile-sensitive-cells",
        "tiles",
        _tile_url("sensitive-cells", 13, A_POINT),
        perm(VIEW_INCIDENT),
        CELLS,
    ),
    # the background map: the proxy to the municipality's map service, and the vector background
    Channel(
        "basemap-raster", "tiles", _basemap_url("bakgrund", "png", 16, A_POINT), login, NOTHING
    ),
    Channel("basemap-vector", "tiles", _basemap_url("vektor", "mvt", 14, A_POINT), login, NOTHING),
    Channel("basemap-config", "json-api", lambda s: "/karta/bakgrund.json", login, NOTHING),
    # exports
    Channel(
        "export-geojson",
        "export",
        lambda s: "/export/incidents.geojson",
        perm(VIEW_INCIDENT),
        POINTS,
        EXPORT,
    ),
    Channel(
        "export-csv",
        "export",
        lambda s: "/export/incidents.csv",
        perm(VIEW_INCIDENT),
        POINTS,
        EXPORT,
    ),
    Channel(
        "export-cells-geojson",
        "export",
        lambda s: "/export/sensitive-incident-cells.geojson",
        perm(VIEW_INCIDENT),
        CELLS,
    ),
    Channel(
        "export-plan-gpkg",
        "export",
        lambda s: f"/export/plan/{s.plan.pk}.gpkg",
        perm("layers.view_detaljplan"),
        CELLS,  # a package travels: cells only, for everyone (docs/decisions/0403)
        personas=ONE_OF_EACH,  # about 3 s each: ogr2ogr once per layer
    ),
    Channel(
        "export-walk-gpkg",
        "export",
        lambda s: f"/export/walk/{s.walk.pk}.gpkg",
        perm(VIEW_WALKS),
        NOTHING,
    ),
    Channel(
        "export-bra-html",
        "export",
        lambda s: "/bra/export/karta.html",
        perm(VIEW_INCIDENT),
        POINTS,
        EXPORT,
    ),
    Channel(
        "export-bra-geotiff",
        "export",
        lambda s: "/bra/export/tathet.tif",
        perm(VIEW_INCIDENT),
        AGGREGATE,
        EXPORT,
    ),
    Channel(
        "export-walk-protocol-csv",
        "export",
        lambda s: f"/vandringar/{s.walk.pk}/protokoll.csv",
        perm(VIEW_WALKS),
        NOTHING,
    ),
    Channel(
        "export-actions-csv",
        "export",
        lambda s: "/atgarder/atgarder.csv",
        perm(VIEW_ACTIONS),
        NOTHING,
    ),
    # photos
    Channel(
        "photo",
        "photo",
        lambda s: f"/vandringar/foto/{s.photo.client_uuid}/",
        perm(VIEW_PHOTO),
        NOTHING,
    ),
    Channel(
        "photo-thumbnail",
        "photo",
        lambda s: f"/vandringar/foto/{s.photo.client_uuid}/miniatyr/",
        perm(VIEW_PHOTO),
        NOTHING,
    ),
    Channel(
        "photo-observation-api",
        "photo",
        lambda s: f"/api/v1/observations/{s.observation.client_uuid}/",
        perm(VIEW_OBSERVATION),
        NOTHING,
    ),
    # search
    Channel(
        "search-admin-reference",
        "search",
        lambda s: "/admin/layers/incident/?q=SEKRET-1",
        staff(VIEW_INCIDENT),
        RECORDS,
        READ,
        echo=words("SEKRET-1"),
    ),
    Channel(
        "search-admin-description",
        "search",
        lambda s: f"/admin/layers/incident/?q={MARK}",
        staff(VIEW_INCIDENT),
        RECORDS,
        READ,
        echo=words(MARK),
    ),
    Channel(
        "search-ogc-category",
        "search",
        lambda s: "/ogc/collections/incidents/items?category=vald_nara_relation",
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "search-ogc-sensitive",
        "search",
        lambda s: "/ogc/collections/incidents/items?sensitive=true",
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "search-bra-focus-area",
        "search",
        lambda s: "/bra/data/handelser/?focus=7,8,9",
        perm(VIEW_INCIDENT),
        POINTS,
        READ,
    ),
    Channel(
        "search-export-category",
        "search",
        lambda s: "/export/incidents.csv?category=sexualbrott",
        perm(VIEW_INCIDENT),
        POINTS,
        EXPORT,
    ),
    Channel(
        "search-admin-observations",
        "search",
        lambda s: "/admin/surveys/observation/?q=gatlampa",
        staff("surveys.view_observation"),
        NOTHING,
    ),
    # admin
    Channel(
        "admin-incident-list",
        "admin",
        lambda s: "/admin/layers/incident/",
        staff(VIEW_INCIDENT),
        RECORDS,
        READ,
    ),
    Channel(
        "admin-incident-change",
        "admin",
        lambda s: f"/admin/layers/incident/{first(s)}/change/",
        sensitive_only(staff(VIEW_INCIDENT)),
        POINTS,
        READ,
        echo=ids(first),
        twin=lambda s: f"/admin/layers/incident/{MISSING_PK}/change/",
    ),
    Channel(
        "admin-incident-history",
        "admin",
        lambda s: f"/admin/layers/incident/{first(s)}/history/",
        sensitive_only(staff(VIEW_INCIDENT)),
        RECORDS,
        READ,
        echo=ids(first),
        twin=lambda s: f"/admin/layers/incident/{MISSING_PK}/history/",
    ),
    # error pages (the 500 and 503 pages are in test_an_error_page_...)
    Channel("error-404-page", "error", lambda s: "/plan/987654321/", lambda user: False, NOTHING),
    Channel(
        "error-404-ogc-item",
        "error",
        lambda s: f"/ogc/collections/incidents/items/{last(s)}?f=json",
        sensitive_only(perm(VIEW_INCIDENT)),
        POINTS,
        READ,
        echo=ids(last),
        twin=lambda s: f"/ogc/collections/incidents/items/{MISSING_PK}?f=json",
    ),
    Channel(
        "error-403-import",
        "error",
        lambda s: "/import/",
        perm("layers.add_importbatch"),
        NOTHING,
    ),
]


DENIED = {302, 401, 403, 404}
EXPECTED_CELLS = {(int(CELL_A[0] // 500), int(CELL_A[1] // 500)): N_IN_A}  # never cell B (2 < k)
B_POINT_CELL_M = 320  # the incident squares at zoom 12 (layers.tiles.BIN_SIZE_M)
PLAN_DENSITY_M = 100  # mapapp.planning.DENSITY_CELL_M


def ask(client: Client, url: str) -> tuple[Any, bytes, list[AuditEvent]]:
    """GET ``url``; the response, its body, and the audit entries for sensitive incidents it wrote."""
    last_pk = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    response = client.get(url)
    body = body_of(response)
    events = list(AuditEvent.objects.filter(pk__gt=last_pk, action__in=SENSITIVE_ACTIONS))
    return response, body, events


def tile_address(url: str) -> tuple[int, int, int]:
    z, x, y = (int(p) for p in url.removesuffix(".mvt").split("/")[-3:])
    return z, x, y


def look(
    scene: Scene, channel: Channel, response: Any, body: bytes, url: str, *, echo: list[str]
) -> Findings:
    """Search one response for the sensitive incidents, by what it is."""
    content_type = response.get("Content-Type", "")
    if "vector-tile" in content_type:
        points, features = tile_points(body, *tile_address(url))
        return inspect(scene, " ".join(str(f.get("id", "")) for f in features), [points])
    if "geopackage" in content_type:
        points, text, _counts = geopackage_contents(body)
        return inspect(scene, text, [points])
    if content_type.startswith("image/"):
        return inspect(scene, body.decode("latin-1"), echo=echo)  # the bytes, for any text in them
    return inspect(scene, body.decode("utf-8", errors="replace"), echo=echo)


def cells(channel: Channel, response: Any, body: bytes, url: str) -> dict[tuple[int, int], int]:
    """The fixed cells a cells channel sends: (col, row) of the 500 m grid -> count."""
    content_type = response.get("Content-Type", "")
    if "vector-tile" in content_type:
        return tile_cells(body, *tile_address(url))
    if "geopackage" in content_type:
        return geopackage_cells(body, "kansliga_handelser_rutor")
    return geojson_cells(json.loads(body))


def expected_squares(scene: Scene, persona: str, cell_m: float) -> dict[tuple[int, int], int]:
    """Incidents per square of ``cell_m`` as ``persona`` may count them."""
    points = scene.open_xy
    if persona in PERMITTED:
        points = np.vstack([scene.open_xy, scene.sensitive_xy])
    squares: dict[tuple[int, int], int] = {}
    for x, y in points:
        key = (int(x // cell_m), int(y // cell_m))
        squares[key] = squares.get(key, 0) + 1
    return squares


# The channels for programs also take a personal API key instead of a session (decision 0525).
KEY_CHANNELS = {
    c.id
    for c in CHANNELS
    if c.kind in ("ogc", "tiles")
    or c.id.startswith(("export-geojson", "export-csv", "export-cells", "export-plan-gpkg"))
    or c.id.startswith(("export-walk-gpkg", "search-ogc-", "search-export-", "error-404-ogc"))
}
MATRIX = [pytest.param(c, p, id=f"{c.id}-{p}") for c in CHANNELS for p in c.personas] + [
    pytest.param(c, p, id=f"{c.id}-{p}")
    for c in CHANNELS
    if c.id in KEY_CHANNELS
    for p in KEY_PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "persona"), MATRIX)
def test_sensitive_incidents_reach_only_permitted_roles_and_every_read_is_audited(
    scene: Scene, clients: dict[str, Client], channel: Channel, persona: str
) -> None:
    user = scene.users.get(persona)
    permitted = persona in PERMITTED
    url = channel.url(scene)

    response, body, events = ask(clients[persona], url)

    # What the request sent may come back (a search term): not a leak, so not counted as one; but an
    # analyst's answer must hold the records themselves.
    echo = [] if permitted else channel.echo(scene)
    findings = look(scene, channel, response, body, url, echo=echo)
    if channel.audience(user):
        assert response.status_code == 200, f"{response.status_code}: {body[:300]!r}"
    else:
        assert response.status_code in DENIED, f"{response.status_code}: {body[:300]!r}"
    carries = channel.permitted_get in (POINTS, RECORDS, AGGREGATE)
    if not (permitted and carries):
        # Nothing sensitive, and nothing to audit: this answer holds no sensitive incident.
        assert not findings.leaks, findings.describe()
        assert events == [], [(e.action, e.object_type, e.count) for e in events]
    if channel.twin is not None and not permitted:
        twin, twin_body, _ = ask(clients[persona], channel.twin(scene))
        sent = str(channel.echo(scene)[0])
        assert (response.status_code, body.replace(sent.encode(), b"#")) == (
            twin.status_code,
            twin_body.replace(str(MISSING_PK).encode(), b"#"),
        ), "a sensitive incident's address answers unlike an address of nothing"
    if response.status_code != 200:
        return
    if channel.permitted_get == CELLS:  # the same fixed, k-suppressed cells for everyone
        assert cells(channel, response, body, url) == EXPECTED_CELLS
    if channel.id == "tile-incidents-counts":  # every square counts what the persona may see
        squares = expected_squares(scene, persona, B_POINT_CELL_M)
        got = tile_cells(body, *tile_address(url), B_POINT_CELL_M)
        assert got and all(squares.get(key) == n for key, n in got.items()), (got, squares)
        b_square = (int(B_POINT[0] // B_POINT_CELL_M), int(B_POINT[1] // B_POINT_CELL_M))
        assert (b_square in got) == permitted
    if channel.id == "plan-map-json":  # the density squares count what the persona may see
        density = geojson_cells(json.loads(body)["density"], PLAN_DENSITY_M)
        squares = expected_squares(scene, persona, PLAN_DENSITY_M)
        assert density and all(squares.get(key) == n for key, n in density.items()), density
        a_square = (int(A_POINT[0] // PLAN_DENSITY_M), int(A_POINT[1] // PLAN_DENSITY_M))
        assert (a_square in density) == permitted
    if channel.id == "export-bra-geotiff":  # no density where only sensitive incidents are (cell B)
        value = raster_value(body, *B_POINT)
        assert value > 1.0 if permitted else value == pytest.approx(0.0, abs=1e-6)
    if permitted and carries:
        if channel.permitted_get == POINTS:
            assert findings.sensitive_places, "an analyst's channel lost the sensitive points"
        if channel.permitted_get == RECORDS:
            assert findings.sensitive_ids or findings.marks, "no sensitive record for an analyst"
        assert user is not None
        assert (channel.audit, user.username) in {(e.action, e.username) for e in events}, (
            f"no {channel.audit} audit entry for {url}"
        )
        assert all(e.count > 0 for e in events)
    elif channel.permitted_get == POINTS and channel.kind not in ("search", "error"):
        # The control: the same detector finds the open incidents this channel sends.
        assert findings.open_places, "no open incident found either: the channel sent nothing"


# --- 500 and 503 pages ----------------------------------------------------------------------------


def _secret_message(scene: Scene) -> str:
    """An error message as careless code might write it: the sensitive incident's id, text and place."""
    x, y = scene.sensitive_xy[0]
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(x, y)
    return f"{MARK} SEKRET-1 id {scene.sensitive_pks[0]} at POINT({x} {y}) [{lon:.6f}, {lat:.6f}]"


# (id, address, what fails, the exception, the status, who reaches the failing code)
FAILURES = [
    ("error-500-json-api", "/api/v1/incidents/", "layers.queries.incident_features", RuntimeError, 500, VIEW_INCIDENT),
    ("error-500-page", "/bra/", "mapapp.lagesbild.build", RuntimeError, 500, VIEW_INCIDENT),
    ("error-503-ogc", "/ogc/collections/incidents/items", "layers.ogc.sources.ModelSource.page", OperationalError, 503, VIEW_INCIDENT),
    ("error-503-tiles", "/tiles/incidents/14/9007/4760.mvt", "layers.tiles.incidents_tile_plan", OperationalError, 503, VIEW_INCIDENT),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "persona"),
    [pytest.param(f, p, id=f"{f[0]}-{p}") for f in FAILURES for p in PERSONAS],
)
def test_an_error_page_says_nothing_of_the_sensitive_incident_in_the_error(
    scene: Scene,
    clients: dict[str, Client],
    monkeypatch: pytest.MonkeyPatch,
    failure: tuple[str, str, str, type[Exception], int, str],
    persona: str,
) -> None:
    _id, url, target, error, status, permission = failure
    message = _secret_message(scene)

    def fail(*args: object, **kwargs: object) -> None:
        raise error(message)

    monkeypatch.setattr(target, fail)
    client = scene.client(persona, raise_request_exception=False)
    user = scene.users.get(persona)

    response = client.get(url)

    body = body_of(response).decode("utf-8", errors="replace")
    expected = {status} if user is not None and user.has_perm(permission) else DENIED
    assert response.status_code in expected, (response.status_code, body[:300])
    findings = inspect(scene, body)
    assert not findings.leaks, findings.describe()
    assert "Traceback" not in body and error.__name__ not in body
