"""GEOS geometry helpers at the edge between input and storage (Django side of geo/)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from shapely import wkb as shapely_wkb
from shapely.geometry.base import BaseGeometry

from geo.crs import STORAGE_SRID
from geo.validation import GeometryRejected, repair_polygon

G = TypeVar("G", bound=GEOSGeometry)


def to_storage(geom: G) -> G:
    """Return a copy of ``geom`` in SWEREF 99 TM; GEOS objects are mutable, so never transform in place."""
    if geom.srid is None:
        raise GeometryRejected("the geometry has no coordinate reference system")
    copy: G = geom.clone()
    if geom.srid != STORAGE_SRID:
        copy.transform(STORAGE_SRID)
    return copy


def to_shapely(geom: GEOSGeometry) -> BaseGeometry:
    return shapely_wkb.loads(bytes(geom.wkb))


def from_shapely(geom: BaseGeometry, srid: int = STORAGE_SRID) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely_wkb.dumps(geom)), srid=srid)


def as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    """A valid MultiPolygon in storage SRID, repairing self-intersections (geo.validation)."""
    stored = to_storage(geom)
    if isinstance(stored, Polygon):
        stored = MultiPolygon(stored, srid=stored.srid)
    if not isinstance(stored, MultiPolygon):
        raise GeometryRejected(f"expected a polygon, got {stored.geom_type}")
    if stored.valid:
        return stored
    repaired = from_shapely(repair_polygon(to_shapely(stored)), STORAGE_SRID)
    assert isinstance(repaired, MultiPolygon)
    return repaired
