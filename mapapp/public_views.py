"""The optional public map (/offentlig/): aggregated, non-sensitive hot spots for anyone, no login.

A municipality turns it on in the admin (``Municipality.public_map``). It shows only Gi* hot-spot cells
(90/95/99 %) of the last twelve months, computed without sensitive incidents (as for any user without the
permission), with a cell's count shown only when it is at least k; never a point, never a cold spot, no
filters beyond the period. Nothing else in Trygg opens without a login (docs/decisions/0011).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from layers.analysis import hotspot_cells, hotspots_for
from layers.models import Municipality
from layers.queries import district_features


def _public_municipality() -> Municipality:
    municipality = Municipality.objects.filter(public_map=True).order_by("pk").first()
    if municipality is None:
        raise Http404("no public map")
    return municipality


@require_safe
def public_map(request: HttpRequest) -> HttpResponse:
    municipality = _public_municipality()
    return render(
        request,
        "mapapp/public/map.html",
        {"municipality": municipality, "k": settings.SENSITIVE_MIN_COUNT},
    )


@require_safe
@cache_control(public=True, max_age=3600)
def public_hotspots(request: HttpRequest) -> JsonResponse:
    """Hot cells of the last twelve months as GeoJSON in WGS 84; counts under k are left out."""
    municipality = _public_municipality()
    result = hotspots_for(AnonymousUser(), municipality, {})  # default period: the last 12 months
    k = int(settings.SENSITIVE_MIN_COUNT)
    features = []
    for cell in hotspot_cells(result):
        if cell["class"] <= 0:
            continue
        ring = _ring(cell["bounds"])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "class": cell["class"],
                    "label": str(cell["label"]),
                    "count": cell["count"] if cell["count"] >= k else None,
                },
            }
        )
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "districts": district_features(municipality, precision=5),
        }
    )


def _ring(bounds: tuple[float, float, float, float]) -> list[list[float]]:
    from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy

    minx, miny, maxx, maxy = bounds
    xs, ys = transform_xy(
        [minx, maxx, maxx, minx, minx],
        [miny, miny, maxy, maxy, miny],
        from_srid=STORAGE_SRID,
        to_srid=WEB_SRID,
    )
    return [[round(float(x), 6), round(float(y), 6)] for x, y in zip(xs, ys, strict=True)]
