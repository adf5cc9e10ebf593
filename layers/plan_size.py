"""How large a detaljplan may be, and its light outline for maps of many plans (docs/decisions/0642).

A real plan is small: the Kristianstad plan in SS 637040 (tests/data, 1.96 ha) holds 209 vertices in its
plan boundary and 11 areas, 24 of them in the boundary. A large plan (a new district of 2–3 km² with a few
hundred use zones and bestämmelseområden, arcs stroked every few degrees) holds some tens of thousands.
``MAX_PLAN_VERTICES`` leaves room above that, and refuses what no surveyed plan has: a file or a drawing
with millions of vertices, which would make every map that shows the plan slow for everyone.

Maps of many plans (the overview at /) draw ``Detaljplan.outline`` instead of the area: the area simplified
(ST_SimplifyPreserveTopology) by a tolerance of at least 1 m, and at least its perimeter over
``OUTLINE_MAX_VERTICES``, so that no plan's outline holds much more than that many vertices whatever is
stored; a plan whose simplified area still holds more (thousands of parts or holes) is drawn as its
simplified convex hull. The plan's own pages keep the exact area.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely
from django.contrib.gis.db.models.functions import GeomOutputGeoFunc
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

# Vertices of a plan in all: its area, its use zones and its bestämmelseområden.
MAX_PLAN_VERTICES = 100_000
# The outline of one plan on a map of many: at most about this many vertices, at least 1 m tolerance.
OUTLINE_MAX_VERTICES = 2_000
OUTLINE_MIN_TOLERANCE_M = 1.0


class PlanTooLarge(ValueError):
    """A plan with more vertices than ``MAX_PLAN_VERTICES``; the message names the plan (safe to show)."""


def check_vertices(plan: str, geometries: Iterable[BaseGeometry | None]) -> int:
    """The number of vertices of ``geometries`` (one plan's), or ``PlanTooLarge`` naming ``plan``."""
    count = sum(int(shapely.get_num_coordinates(g)) for g in geometries if g is not None)
    if count > MAX_PLAN_VERTICES:
        raise PlanTooLarge(too_large_message(plan, count))
    return count


def too_large_message(plan: str, count: int) -> str:
    return _(
        "Detaljplanen %(plan)s har %(n)s brytpunkter, fler än gränsen %(max)s för en plan; förenkla "
        "gränserna (t.ex. med en tolerans på några decimeter) och försök igen"
    ) % {
        "plan": plan,
        "n": f"{count:,}".replace(",", " "),
        "max": f"{MAX_PLAN_VERTICES:,}".replace(",", " "),
    }


def geojson_positions(geometry: Any) -> int:
    """How many positions a GeoJSON geometry's ``coordinates`` hold, counted without building it.

    >>> geojson_positions({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
    4
    >>> geojson_positions({"type": "Point"}), geojson_positions("nonsense")
    (0, 0)
    """
    if not isinstance(geometry, dict):
        return 0
    count = 0
    stack = [geometry.get("coordinates")]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if item and not isinstance(item[0], list):
                count += 1  # a position: [x, y] or [x, y, z]
            else:
                stack.extend(item)
    return count


class PlanOutline(GeomOutputGeoFunc):
    """The outline of a plan area for maps of many plans, as a stored generated column (SQL below).

    The tolerance is GREATEST(1 m, perimeter / OUTLINE_MAX_VERTICES): Douglas–Peucker keeps a vertex only
    where the line strays more than the tolerance, so the outline of a long, wiggly boundary cannot keep
    more than about OUTLINE_MAX_VERTICES of them. Parts and holes each keep at least a triangle, so an
    area of thousands of them falls back to its convex hull, simplified the same way.
    """

    arity = 1
    template = (
        "ST_Multi(CASE WHEN ST_NPoints(ST_SimplifyPreserveTopology(%(expressions)s, "
        "GREATEST({tol}, ST_Perimeter(%(expressions)s) / {n}))) <= {n} "
        "THEN ST_SimplifyPreserveTopology(%(expressions)s, "
        "GREATEST({tol}, ST_Perimeter(%(expressions)s) / {n})) "
        "ELSE ST_SimplifyPreserveTopology(ST_ConvexHull(%(expressions)s), "
        "GREATEST({tol}, ST_Perimeter(%(expressions)s) / {n})) END)"
    ).format(tol=f"{OUTLINE_MIN_TOLERANCE_M:.1f}", n=f"{OUTLINE_MAX_VERTICES}.0")
