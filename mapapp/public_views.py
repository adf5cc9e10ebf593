"""The optional public map (/offentlig/): aggregated, non-sensitive hot spots for anyone, no login.

A municipality turns it on in the admin (``Municipality.public_map``). It shows only Gi* hot-spot cells
(90/95/99 %) of the newest published calendar year, computed without sensitive incidents (as for any user
without the permission), with a cell's count shown only when it is at least k; never a point, never a cold
spot, no filters. The year's cells are frozen when first shown (``layers.release.public_release``), so
watching the map from day to day shows nothing new: no single incident (docs/decisions/0011, 0600).
Nothing else in Trygg opens without a login.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core.disclosure import min_count
from layers import release
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
        {
            "municipality": municipality,
            "k": min_count(),
            "year": release.latest_periods(1)[0].label,
        },
    )


@require_safe
@cache_control(public=True, max_age=3600)
def public_hotspots(request: HttpRequest) -> JsonResponse:
    """The hot cells of the newest published year as GeoJSON in WGS 84; counts under k left out."""
    from mapapp.lagesbild import class_labels

    municipality = _public_municipality()
    period, cells = release.public_release(municipality)
    labels = class_labels()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [_ring(tuple(cell["bounds"]))]},
            "properties": {
                "class": cell["class"],
                "label": str(labels[cell["class"]]),
                "count": cell["count"],
            },
        }
        for cell in cells
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "period": {
                "year": period.label,
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
            },
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
