from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from PIL import Image

from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers.models import Municipality
from layers.roles import Role
from layers.services import ensure_reference_data
from surveys.auth import issue_device_token
from surveys.models import Trygghetsvandring
from tests.conftest import login_verified
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, WalkFactory, user_with_role


def lon_lat(dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    """WGS 84 (lon, lat) of a point dx, dy metres from Väsby centrum."""
    lons, lats = transform_xy(
        [VASBY_CENTRUM[0] + dx], [VASBY_CENTRUM[1] + dy], from_srid=STORAGE_SRID, to_srid=WEB_SRID
    )
    return float(lons[0]), float(lats[0])


def observation_payload(walk: Trygghetsvandring, /, **overrides: Any) -> dict[str, Any]:
    lon, lat = lon_lat(50, 10)
    payload: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "walk": walk.pk,
        "lon": lon,
        "lat": lat,
        "accuracy_m": 8.5,
        "recorded_at": "2026-10-14T19:12:00+02:00",
        "category": "belysning",
        "feeling": 2,
        "severity": 2,
        "note": "Trasig gatlampa vid gångtunneln",
        "raised_by_gender": "kvinna",
        "raised_by_age": "ungdom",
    }
    payload.update(overrides)
    return payload


def jpeg_with_gps(width: int = 3000, height: int = 2000) -> bytes:
    """A JPEG like a tablet camera writes: EXIF with GPS position, camera make and model."""
    img = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "TabletMaker"  # Make
    exif[0x0110] = "Tab S9"  # Model
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (59.0, 31.0, 6.0)
    gps[3] = "E"
    gps[4] = (17.0, 54.0, 41.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, quality=80)
    return out.getvalue()


@pytest.fixture
def municipality(db: None) -> Municipality:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    return municipality


@pytest.fixture
def walk(municipality: Municipality) -> Trygghetsvandring:
    return WalkFactory(municipality=municipality)


@pytest.fixture
def field_user(db: None) -> User:
    return user_with_role(Role.FIELD_STAFF, "falt-test")


@pytest.fixture
def field_client(field_user: User) -> Client:
    client = Client()
    client.force_login(field_user)
    return client


@pytest.fixture
def device_token(municipality: Municipality, field_user: User) -> str:
    _token, raw = issue_device_token(municipality, name="Surfplatta 1", user=field_user)
    return raw


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = user_with_role(Role.ADMIN, "admin-tokens")
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()
    login_verified(client, admin)
    return client
