"""Geometry validation and repair, on shapely geometries.

Importers call these before anything reaches the database, so that a bad row is reported by its
source id and reason instead of failing a whole batch on a database constraint.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry


class GeometryRejected(ValueError):
    """A geometry that cannot be stored; the message is safe to show to users."""


def repair_polygon(geom: BaseGeometry) -> MultiPolygon:
    """Return a valid MultiPolygon for a polygonal geometry, repairing self-intersections.

    Parameters
    ----------
    geom
        A Polygon or MultiPolygon, valid or not.

    Returns
    -------
    MultiPolygon
        Valid, with only the polygonal parts of the repair kept.

    Raises
    ------
    GeometryRejected
        When the geometry is empty, not polygonal, has non-finite coordinates, or repairs to nothing.

    Examples
    --------
    >>> from shapely import wkt
    >>> fixed = repair_polygon(wkt.loads("POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))"))
    >>> fixed.is_valid, len(fixed.geoms), fixed.area  # a bow-tie becomes two triangles
    (True, 2, 2.0)
    """
    if geom.is_empty:
        raise GeometryRejected("the geometry is empty")
    if not isinstance(geom, Polygon | MultiPolygon):
        raise GeometryRejected(f"expected a polygon, got {geom.geom_type}")
    check_finite(geom)
    fixed = geom if geom.is_valid else shapely.make_valid(geom)
    polygons = [g for g in _parts(fixed) if isinstance(g, Polygon) and not g.is_empty]
    if not polygons:
        raise GeometryRejected("the polygon has no area once repaired")
    result = MultiPolygon(polygons)
    if not result.is_valid:  # parts of a GeometryCollection may overlap
        merged = shapely.union_all(polygons)
        result = merged if isinstance(merged, MultiPolygon) else MultiPolygon([merged])
    return result


def check_finite(geom: BaseGeometry) -> None:
    """Refuse NaN and infinite coordinates.

    >>> from shapely.geometry import Point
    >>> check_finite(Point(float("nan"), 1))
    Traceback (most recent call last):
    ...
    geo.validation.GeometryRejected: the geometry has a coordinate that is not a finite number
    """
    coords = shapely.get_coordinates(geom)
    if coords.size and not all(math.isfinite(v) for v in coords.ravel()):
        raise GeometryRejected("the geometry has a coordinate that is not a finite number")


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    if hasattr(geom, "geoms"):
        out: list[BaseGeometry] = []
        for g in geom.geoms:
            out.extend(_parts(g))
        return out
    return [geom]
