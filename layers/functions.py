"""PostGIS functions Django lacks, written the way Django writes its own (STYLE.md §4.2)."""

from __future__ import annotations

from django.db.models import FloatField, Func


class X(Func):
    """ST_X(point): the easting in the units of the SRID (metres in SWEREF 99 TM)."""

    function = "ST_X"
    arity = 1
    output_field = FloatField()


class Y(Func):
    """ST_Y(point): the northing in the units of the SRID."""

    function = "ST_Y"
    arity = 1
    output_field = FloatField()
