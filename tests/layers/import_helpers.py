"""Shared pieces of the import tests: real data paths, municipalities that cover a data set, profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry

from geo.crs import STORAGE_SRID, transform_xy
from layers.importers.incidents import import_incidents
from layers.importers.mapping import Mapping
from layers.importers.profiles import Profile
from layers.models import ImportBatch, Municipality
from layers.services import ensure_reference_data
from tests.factories import MunicipalityFactory
from tests.paths import TEST_DATA

ROOT = Path(__file__).resolve().parents[2]
SHARED = TEST_DATA
FIXTURES = ROOT / "fixtures"
MUNICIPAL_SAMPLE = FIXTURES / "import" / "kommun_incidentrapport_exempel.csv"


def municipality_covering(
    kommunkod: str, name: str, x: Any, y: Any, *, srid: int, margin_m: float = 1000
) -> Municipality:
    """A municipality whose boundary is the convex hull of the points, widened by ``margin_m``.

    The boundary is stored in SWEREF 99 TM like any other, even for a city in America: PROJ transforms
    it exactly, only distorted, which does not matter for an import.
    """
    sx, sy = transform_xy(
        np.asarray(x, float), np.asarray(y, float), from_srid=srid, to_srid=STORAGE_SRID
    )
    finite = np.isfinite(sx) & np.isfinite(sy)
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([sx[finite], sy[finite]])))
    boundary = shapely.MultiPolygon([hull.buffer(margin_m)])
    municipality = Municipality.objects.create(
        kommunkod=kommunkod, name=name, boundary=GEOSGeometry(boundary.wkt, srid=STORAGE_SRID)
    )
    ensure_reference_data(municipality)
    return municipality


def vasby() -> Municipality:
    """The factory's Upplands Väsby: a 10 km square around Väsby centrum, with the reference data."""
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    return municipality


def profile(**mapping: Any) -> Profile:
    return Profile(name="test", label="test", mapping=Mapping.from_dict(mapping), builtin=False)


def run(path: Path, municipality: Municipality, prof: Profile, **kwargs: Any) -> ImportBatch:
    return import_incidents(path, municipality=municipality, profile=prof, **kwargs)
