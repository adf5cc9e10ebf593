"""A map widget for geometry fields in forms and the admin, built on the local Leaflet assets.

Django's own OpenLayers widgets load OpenLayers from a CDN; Trygg must work offline (docs/decisions).
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.forms.widgets import BaseGeometryWidget
from django.contrib.gis.geometry import json_regex
from django.contrib.gis.geos import GEOSGeometry


class LeafletGeometryWidget(BaseGeometryWidget):
    """Edits a geometry as GeoJSON in WGS 84 on a Leaflet map with Leaflet.draw."""

    template_name = "layers/widgets/leaflet_map.html"
    map_srid = 4326

    class Media:
        css = {
            "all": (
                "vendor/leaflet/leaflet.css",
                "vendor/leaflet-draw/leaflet.draw.css",
                "layers/geometry-widget.css",
            )
        }
        js = (
            "vendor/leaflet/leaflet.js",
            "vendor/leaflet-draw/leaflet.draw.js",
            "layers/geometry-widget.js",
        )

    def serialize(self, value: GEOSGeometry | None) -> str:
        return value.json if value else ""

    def deserialize(self, value: Any) -> GEOSGeometry | None:
        geom: GEOSGeometry | None = super().deserialize(value)
        if geom is not None and isinstance(value, str) and json_regex.match(value):
            geom.srid = self.map_srid  # GeoJSON (RFC 7946) is always WGS 84
        return geom
