"""The scene and the leak detectors of the role × channel matrix (tests/security/test_channel_matrix*.py).

The scene puts sensitive incidents where nothing else is: seven in one fixed 500 m cell (enough to pass
k = 5), two in another (under k), with ids, descriptions and references that are easy to find in any file.
The detectors look for them in whatever a channel sends: every pair of numbers in a text, a JSON document,
a decoded vector tile, a GeoPackage or a PDF is read as a coordinate in each CRS Trygg writes (WGS 84 in
either axis order, SWEREF 99 TM in either order, Web Mercator) and compared with the sensitive positions.
"""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from PIL import Image
from pyproj import Transformer

from accounts import api_tokens
from geo.crs import STORAGE_SRID
from layers.models import Detaljplan, Incident, IncidentCategory, Municipality
from layers.roles import Role
from layers.services import ensure_reference_data
from surveys import services as survey_services
from surveys.models import Action, Observation, ObservationPhoto, Trygghetsvandring
from tests.conftest import login_verified
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, WalkFactory, in_published_year
from tests.plan_factories import context_layer, rebuilt_plan, small_town

CX, CY = VASBY_CENTRUM
TOLERANCE_M = 1.0  # a coordinate this close to a sensitive incident is that incident

# Sensitive incidents: ids far above the sequence, and text no other row holds.
SENSITIVE_PK0 = 9_700_000
MARK = "HEMLIGT-SKYDDAD-ADRESS"  # in every sensitive description
REF = "SEKRET-"  # every sensitive source_ref starts with it

# Fixed 500 m cells of the releases (layers.release; SWEREF 99 TM, lower-left corners). In cell A seven
# sensitive incidents of last week and seven more of the newest published year (its release shows A with
# 7 ≥ k); in cell B two of last week (under k: no one without the permission may learn of them).
# Positions are x, y ≡ 2.5 (mod 5) m, so no grid line of any cell size Trygg uses (5 m and up, in
# multiples of 5) passes within 2.5 m of one: a cell corner is never mistaken for an incident.
CELL_A = (665_000.0, 6_601_500.0)
CELL_B = (663_000.0, 6_600_500.0)
SENSITIVE = [
    # (category code, x, y): focus areas 7, 8, 9, 4, and a sensitive category in a non-sensitive area
    ("vald_nara_relation", CELL_A[0] + 202.5, CELL_A[1] + 207.5),
    ("vald_nara_relation", CELL_A[0] + 217.5, CELL_A[1] + 217.5),
    ("vald_nara_relation", CELL_A[0] + 232.5, CELL_A[1] + 227.5),
    ("hedersrelaterat", CELL_A[0] + 247.5, CELL_A[1] + 237.5),
    ("extremism", CELL_A[0] + 262.5, CELL_A[1] + 247.5),
    ("hot_medarbetare", CELL_A[0] + 277.5, CELL_A[1] + 257.5),
    ("sexualbrott", CELL_A[0] + 292.5, CELL_A[1] + 267.5),
    # the same seven a year or more ago, in the newest published year: what the release shows of A
    ("vald_nara_relation", CELL_A[0] + 207.5, CELL_A[1] + 212.5),
    ("vald_nara_relation", CELL_A[0] + 222.5, CELL_A[1] + 222.5),
    ("vald_nara_relation", CELL_A[0] + 237.5, CELL_A[1] + 232.5),
    ("hedersrelaterat", CELL_A[0] + 252.5, CELL_A[1] + 242.5),
    ("extremism", CELL_A[0] + 267.5, CELL_A[1] + 252.5),
    ("hot_medarbetare", CELL_A[0] + 282.5, CELL_A[1] + 262.5),
    ("sexualbrott", CELL_A[0] + 297.5, CELL_A[1] + 272.5),
    ("vald_nara_relation", CELL_B[0] + 252.5, CELL_B[1] + 262.5),
    ("sexualbrott", CELL_B[0] + 267.5, CELL_B[1] + 277.5),
]
N_IN_A = 7
# Non-sensitive incidents: around the centre (the plan and the walk are there) and three in cell A.
OPEN = [
    ("misshandel", CX + dx, CY + dy)
    for dx, dy in [(-60, -80), (-20, -40), (30, -60), (80, -20), (120, 40), (-90, 60), (10, 90)]
] + [
    ("skadegorelse", CX + 200, CY - 150),
    ("stold", CX - 250, CY + 180),
    ("skadegorelse", CELL_A[0] + 100, CELL_A[1] + 100),
    ("stold", CELL_A[0] + 400, CELL_A[1] + 400),
    ("misshandel", CELL_A[0] + 50, CELL_A[1] + 450),
]


class Persona:
    """Who asks: a role (Django group), staff or not, or nobody logged in."""

    ANONYMOUS = "anonym"
    NO_ROLE = "utan-roll"
    PLANNER = "planerare"
    FIELD_STAFF = "faltpersonal"
    BRA_MEMBER = "bra-ledamot"
    STAFF_PLANNER = (
        "planerare-i-admin"  # a planner who edits plans in the admin (staff, no permission)
    )
    ANALYST = "analytiker"
    ADMIN = "administrator"
    # Programs with a personal API key (decision 0525), no session: the key's user decides.
    BRA_KEY = "bra-ledamot-med-nyckel"
    ANALYST_KEY = "analytiker-med-nyckel"


PERSONAS = [
    Persona.ANONYMOUS,
    Persona.NO_ROLE,
    Persona.PLANNER,
    Persona.FIELD_STAFF,
    Persona.BRA_MEMBER,
    Persona.STAFF_PLANNER,
    Persona.ANALYST,
    Persona.ADMIN,
]
PERMITTED = frozenset({Persona.ANALYST, Persona.ADMIN, Persona.ANALYST_KEY})  # can_view_sensitive
# A key persona acts as the user of another persona, through its own personal API key.
KEY_PERSONAS = {Persona.BRA_KEY: Persona.BRA_MEMBER, Persona.ANALYST_KEY: Persona.ANALYST}

# persona -> (group, is_staff, is_superuser), as the demo makes them (mapapp/demo.py)
_ACCOUNTS: dict[str, tuple[str | None, bool, bool]] = {
    Persona.NO_ROLE: (None, False, False),
    Persona.PLANNER: (Role.PLANNER, False, False),
    Persona.FIELD_STAFF: (Role.FIELD_STAFF, False, False),
    Persona.BRA_MEMBER: (Role.BRA_MEMBER, False, False),
    Persona.STAFF_PLANNER: (Role.PLANNER, True, False),
    Persona.ANALYST: (Role.ANALYST, True, False),
    Persona.ADMIN: (Role.ADMIN, True, True),
}


@dataclass
class Scene:
    municipality: Municipality
    plan: Detaljplan
    walk: Trygghetsvandring
    observation: Observation
    photo: ObservationPhoto
    action: Action
    sensitive_pks: list[int]
    sensitive_xy: np.ndarray  # (n, 2) SWEREF 99 TM
    open_xy: np.ndarray
    users: dict[str, User] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # key persona -> its personal API key

    @property
    def sensitive_in_a(self) -> list[int]:
        return self.sensitive_pks[:N_IN_A]

    def client(self, persona: str, *, raise_request_exception: bool = True) -> Client:
        """A client logged in as ``persona`` (analysts, administrators and staff with a TOTP code)."""
        if persona in self.keys:  # a program: no session, the key in every request
            return Client(
                SERVER_NAME="127.0.0.1",
                raise_request_exception=raise_request_exception,
                headers={"Authorization": f"Bearer {self.keys[persona]}"},
            )
        client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=raise_request_exception)
        user = self.users.get(persona)
        if user is None:
            return client
        if user.is_staff or persona in PERMITTED:
            return login_verified(client, user)
        client.force_login(user)
        return client


def build_scene(media_dir: Path | None = None) -> Scene:
    """Create the scene's rows (in whatever transaction the caller holds)."""
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    when = timezone.now() - timedelta(days=10)
    published = in_published_year()
    sensitive_pks = []
    for i, (code, x, y) in enumerate(SENSITIVE, start=1):
        in_release = N_IN_A < i <= 2 * N_IN_A
        incident = Incident.objects.create(
            pk=SENSITIVE_PK0 + i,
            municipality=municipality,
            category=categories[code],
            source="test",
            source_ref=f"{REF}{i}",
            description=f"{MARK} nr {i}",
            location=Point(x, y, srid=STORAGE_SRID),
            occurred_from=(published if in_release else when) - timedelta(hours=3 * i),
        )
        sensitive_pks.append(incident.pk)
    for i, (code, x, y) in enumerate(OPEN, start=1):
        Incident.objects.create(
            municipality=municipality,
            category=categories[code],
            source="test",
            source_ref=f"OPEN-{i}",
            description="Öppen händelse",
            location=Point(x, y, srid=STORAGE_SRID),
            occurred_from=when - timedelta(hours=2 * i),
        )
    small_town(context_layer(municipality))
    plan = rebuilt_plan(municipality, plan_id="MATRIS-1")
    walk = WalkFactory(municipality=municipality, name="Matrisvandringen")
    observation = Observation.objects.create(
        walk=walk,
        municipality=municipality,
        client_uuid=uuid.uuid4(),
        location=Point(CX + 50, CY + 5, srid=STORAGE_SRID),
        recorded_at=timezone.now() - timedelta(days=2),
        category=Observation.Category.LIGHTING,
        feeling=2,
        severity=2,
        note="Trasig gatlampa vid gångtunneln",
    )
    action = Action.objects.create(
        municipality=municipality,
        observation=observation,
        office=municipality.offices.order_by("pk").first(),
        title="Byt gatlampan",
    )
    with tempfile.TemporaryDirectory(dir=media_dir) as folder:
        path = Path(folder) / "foto.jpg"
        Image.new("RGB", (64, 48), (200, 120, 40)).save(path, format="JPEG")
        photo = survey_services.attach_photo(observation, client_uuid=uuid.uuid4(), path=path).photo
    scene = Scene(
        municipality=municipality,
        plan=plan,
        walk=walk,
        observation=observation,
        photo=photo,
        action=action,
        sensitive_pks=sensitive_pks,
        sensitive_xy=np.array([(x, y) for _c, x, y in SENSITIVE]),
        open_xy=np.array([(x, y) for _c, x, y in OPEN]),
    )
    for persona, (group, staff, superuser) in _ACCOUNTS.items():
        user = User.objects.create_user(
            username=f"matris-{persona}",
            password="x-test-password-1",
            is_staff=staff,
            is_superuser=superuser,
        )
        if group is not None:
            user.groups.add(Group.objects.get(name=group))
        scene.users[persona] = user
    for persona, base in KEY_PERSONAS.items():
        scene.users[persona] = scene.users[base]
        scene.keys[persona] = api_tokens.issue(scene.users[base], name="matris")[1]
    return scene


def remove_photo_files(scene: Scene) -> None:
    for stored in (scene.photo.image, scene.photo.thumbnail):
        if stored:
            stored.storage.delete(stored.name)


# --- detectors ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_TO_STORAGE = {
    srid: Transformer.from_crs(srid, STORAGE_SRID, always_xy=True) for srid in (4326, 3857)
}
# Plausible ranges per CRS (x, y), so only candidates are transformed.
_RANGES = {
    4326: ((10.0, 25.0), (55.0, 70.0)),
    3006: ((200_000.0, 1_000_000.0), (6_100_000.0, 7_700_000.0)),
    3857: ((1_000_000.0, 3_000_000.0), (7_000_000.0, 10_000_000.0)),
}


def numbers_in(text: str) -> np.ndarray:
    return np.array([float(n) for n in _NUMBER.findall(text)], dtype=float)


def consecutive_pairs(numbers: np.ndarray) -> np.ndarray:
    """Every two neighbouring numbers as a candidate coordinate (x, y); both orders are tried later."""
    if len(numbers) < 2:
        return np.empty((0, 2))
    return np.column_stack([numbers[:-1], numbers[1:]])


def to_storage(pairs: np.ndarray) -> np.ndarray:
    """Each pair read as every CRS and axis order Trygg writes, in SWEREF 99 TM (rows that fit a range)."""
    if len(pairs) == 0:
        return np.empty((0, 2))
    out = []
    for a, b in ((pairs[:, 0], pairs[:, 1]), (pairs[:, 1], pairs[:, 0])):  # x, y and y, x
        for srid, ((x0, x1), (y0, y1)) in _RANGES.items():
            keep = (a >= x0) & (a <= x1) & (b >= y0) & (b <= y1)
            if not keep.any():
                continue
            if srid == STORAGE_SRID:
                out.append(np.column_stack([a[keep], b[keep]]))
            else:
                xs, ys = _TO_STORAGE[srid].transform(a[keep], b[keep])
                out.append(np.column_stack([xs, ys]))
    return np.vstack(out) if out else np.empty((0, 2))


def found_near(
    points: np.ndarray, targets: np.ndarray, tolerance_m: float = TOLERANCE_M
) -> set[int]:
    """Indexes of ``targets`` that some point lies within ``tolerance_m`` of (both in SWEREF 99 TM)."""
    if len(points) == 0:
        return set()
    found: set[int] = set()
    for start in range(0, len(points), 20_000):
        chunk = points[start : start + 20_000]
        d = np.hypot(
            chunk[:, None, 0] - targets[None, :, 0], chunk[:, None, 1] - targets[None, :, 1]
        )
        found.update(int(i) for i in np.nonzero((d <= tolerance_m).any(axis=0))[0])
    return found


@dataclass
class Findings:
    """What of the sensitive incidents a response holds, and how many open incidents (the control)."""

    sensitive_places: set[int]  # indexes into SENSITIVE found as coordinates
    sensitive_ids: set[int]
    marks: set[str]  # descriptions or references of sensitive incidents
    open_places: set[int]  # indexes into OPEN found as coordinates

    @property
    def leaks(self) -> bool:
        return bool(self.sensitive_places or self.sensitive_ids or self.marks)

    def describe(self) -> str:
        return (
            f"sensitive places {sorted(self.sensitive_places)}, ids {sorted(self.sensitive_ids)}, "
            f"texts {sorted(self.marks)}"
        )


def inspect(
    scene: Scene, text: str = "", points: Iterable[np.ndarray] = (), echo: Iterable[str] = ()
) -> Findings:
    """Look for the sensitive incidents in ``text`` (numbers read as coordinates, ids, texts) and in
    ``points`` (coordinates already in SWEREF 99 TM, e.g. from a GeoPackage or a decoded tile).

    ``echo``: what the request itself sent (a search term, an id in the address), which a page may show
    back without telling anything; it is taken out of ``text`` first.
    """
    for sent in echo:
        text = text.replace(sent, " ")
    candidates = [to_storage(consecutive_pairs(numbers_in(text)))]
    candidates.extend(np.asarray(p, dtype=float).reshape(-1, 2) for p in points)
    stacked = np.vstack(candidates) if candidates else np.empty((0, 2))
    ids = {
        pk for pk in scene.sensitive_pks if re.search(rf"(?<![\d.]){pk}(?![\d])", text) is not None
    }
    marks = {m for m in re.findall(rf"{MARK}|{REF}\d+", text)}
    return Findings(
        sensitive_places=found_near(stacked, scene.sensitive_xy),
        sensitive_ids=ids,
        marks=marks,
        open_places=found_near(stacked, scene.open_xy),
    )


# --- decoders -------------------------------------------------------------------------------------


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def tile_features(data: bytes, z: int, x: int, y: int) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """Each feature of a vector tile with its vertices in SWEREF 99 TM (and its id and properties)."""
    import mapbox_vector_tile

    if not data:
        return []
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    half = 20037508.342789244  # Web Mercator's half width
    size = 2 * half / (1 << z)
    minx, maxy = -half + x * size, half - y * size
    out = []
    for layer in layers.values():
        extent = layer.get("extent", 4096)
        for feature in layer["features"]:
            pixels = np.array(list(_vertices(feature["geometry"]["coordinates"])), dtype=float)
            xs, ys = _TO_STORAGE[3857].transform(
                minx + pixels[:, 0] / extent * size, maxy - pixels[:, 1] / extent * size
            )
            out.append((np.column_stack([xs, ys]), feature))
    return out


def tile_points(data: bytes, z: int, x: int, y: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Every vertex of a vector tile in SWEREF 99 TM, and its features."""
    features = tile_features(data, z, x, y)
    if not features:
        return np.empty((0, 2)), []
    return np.vstack([v for v, _ in features]), [f for _, f in features]


def _vertices(coordinates: Any) -> Iterable[tuple[float, float]]:
    if (
        isinstance(coordinates, list | tuple)
        and len(coordinates) == 2
        and all(isinstance(c, int | float) for c in coordinates)
    ):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for part in coordinates:
        yield from _vertices(part)


def cells_in(
    features: Iterable[tuple[np.ndarray, int]], size_m: float = 500.0
) -> dict[tuple[int, int], int]:
    """Cells as (col, row) of the fixed grid -> count, from (vertices in SWEREF 99 TM, count) pairs."""
    cells = {}
    for vertices, count in features:
        cx, cy = np.asarray(vertices, dtype=float).reshape(-1, 2).mean(axis=0)
        cells[(int(cx // size_m), int(cy // size_m))] = count
    return cells


def geojson_cells(document: dict[str, Any], size_m: float = 500.0) -> dict[tuple[int, int], int]:
    """The cells of a GeoJSON FeatureCollection of squares (WGS 84, CRS84 or SWEREF 99 TM)."""
    return cells_in(
        (
            (
                to_storage(np.array(f["geometry"]["coordinates"][0][:-1], dtype=float)),
                int(f["properties"]["count"]),
            )
            for f in document["features"]
        ),
        size_m,
    )


def tile_cells(
    data: bytes, z: int, x: int, y: int, size_m: float = 500.0
) -> dict[tuple[int, int], int]:
    """The squares of a tile (cells, or counts drawn at a square's centre) -> count."""
    return cells_in(
        ((v, int(f["properties"]["count"])) for v, f in tile_features(data, z, x, y)), size_m
    )


def geopackage_cells(data: bytes, layer: str) -> dict[tuple[int, int], int]:
    import pyogrio
    import shapely

    with tempfile.NamedTemporaryFile(suffix=".gpkg") as f:
        f.write(data)
        f.flush()
        if layer not in {str(name) for name, _ in pyogrio.list_layers(f.name)}:
            return {}
        meta, _fids, geometry, values = pyogrio.raw.read(f.name, layer=layer)
        counts = values[list(meta["fields"]).index("count")]
        rings = [shapely.get_coordinates(g) for g in shapely.from_wkb(geometry)]
    return cells_in(zip(rings, (int(n) for n in counts), strict=True))


def geopackage_contents(data: bytes) -> tuple[np.ndarray, str, dict[str, int]]:
    """Every vertex (SWEREF 99 TM), every attribute as text, and the feature count per layer."""
    import pyogrio
    import shapely

    with tempfile.NamedTemporaryFile(suffix=".gpkg") as f:
        f.write(data)
        f.flush()
        coordinates = []
        texts = []
        counts = {}
        for name, _geometry_type in pyogrio.list_layers(f.name):
            meta, _fids, geometry, values = pyogrio.raw.read(f.name, layer=name)
            counts[str(name)] = len(geometry) if geometry is not None else 0
            if geometry is not None and len(geometry):
                coordinates.append(shapely.get_coordinates(shapely.from_wkb(geometry)))
            texts.extend(" ".join(str(v) for v in column) for column in values)
            texts.append(" ".join(meta["fields"]))
    points = np.vstack(coordinates) if coordinates else np.empty((0, 2))
    return points, "\n".join(texts), counts


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def raster_value(data: bytes, x: float, y: float) -> float:
    """The GeoTIFF's value at (x, y) in its own CRS (SWEREF 99 TM for Trygg's rasters)."""
    import rasterio

    with rasterio.open(io.BytesIO(data)) as r:
        row, col = r.index(x, y)
        return float(r.read(1)[row, col])
