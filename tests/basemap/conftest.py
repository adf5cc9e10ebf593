from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from basemap import cache, services
from basemap.models import BasemapService
from geo.crs import transformer
from layers.models import Municipality
from layers.roles import Role
from tests.basemap.tileserver import HALF, MARK, TileServer, running
from tests.factories import MunicipalityFactory, user_with_role


@pytest.fixture(autouse=True)
def cache_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test its own cache folder, and nothing remembered from another test."""
    settings.BASEMAP_CACHE_DIR = tmp_path / "basemap-cache"
    settings.BASEMAP_URL = ""
    cache.forget_caches()
    services.forget_areas()
    yield settings.BASEMAP_CACHE_DIR
    cache.forget_caches()
    services.forget_areas()


@pytest.fixture
def upstream() -> Iterator[TileServer]:
    with running() as server:
        yield server


@pytest.fixture
def vasby(db: None) -> Municipality:
    return MunicipalityFactory()


@pytest.fixture
def member(vasby: Municipality) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.BRA_MEMBER))
    return client


def make_service(municipality: Municipality, **fields: Any) -> BasemapService:
    """A service saved as the admin saves it: checked, capabilities read."""
    values: dict[str, Any] = {"kind": "xyz", "attribution": "© Testkartan"} | fields
    service = BasemapService(municipality=municipality, **values)
    services.configure(service)
    service.save()
    return service


def mark_tile(z: int) -> tuple[int, int, float, float]:
    """The Web Mercator tile x, y holding MARK at zoom z, and MARK's pixel (column, row) in it."""
    mx, my = transformer(3006, 3857).transform(*MARK)
    span = 2 * HALF / 2**z
    fx, fy = (mx + HALF) / span, (HALF - my) / span
    return int(fx), int(fy), (fx % 1) * 256, (fy % 1) * 256
