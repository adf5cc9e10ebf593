"""The BRÅ page (/bra/): hot-spot map, lägesbild, presentation mode and exports, with their JSON.

Every view reads incidents through ``layers.filters.filtered_points`` (which starts from
``layers.queries.visible_incidents``) or its join-free equal ``layers.analysis.filtered_incidents``,
so sensitive incidents reach a user without the permission only through ``layers.release``: the frozen,
protected release of each calendar year the filter touches, whatever else the filter says
(docs/decisions/0250, 0600). Reads and exports of sensitive incidents by users who may see them are
written to the audit log.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from basemap.embed import embedded_background
from basemap.services import page_raster
from core import downloads, numbers
from core.disclosure import min_count
from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers import audit, release
from layers.analysis import (
    AnalysisParams,
    HotSpotResult,
    analyse_filter,
    cells_geojson,
    change_overlay,
    density_overlay,
    emerging_cells,
    hotspot_cells,
    parse_analysis,
    read_filtered,
    summary_json,
)
from layers.exports import density_filename, density_geotiff
from layers.filters import (
    FilterError,
    IncidentFilter,
    check_references,
    filtered_points,
    parse_filter,
    sees_sensitive,
)
from layers.models import (
    AuditEvent,
    District,
    FocusArea,
    Incident,
    IncidentCategory,
    Municipality,
)
from layers.provenance import incident_lines
from layers.queries import default_municipality, district_features
from layers.roles import can_view_sensitive
from mapapp import lagesbild, provenance
from mapapp.pdf import PdfError, render_pdf
from surveys.models import Observation

INCIDENT_LIMIT = 20_000


def _translated_cells(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = lagesbild.class_labels()
    return [c | {"label": labels[c["class"]]} for c in cells]


GEOJSON = "application/geo+json"


class NoMunicipality(Exception):
    pass


def _setup(request: HttpRequest) -> tuple[Municipality, IncidentFilter, AnalysisParams]:
    if not request.user.has_perm("layers.view_incident"):
        raise PermissionDenied  # a role gives it; as on the OGC API and the tiles (decision 0520)
    municipality = default_municipality()
    if municipality is None:
        raise NoMunicipality
    f = parse_filter(request.GET)
    if _presenting(request):
        # The room is not the analyst: presentation mode never shows sensitive incidents as points.
        f = replace(f, include_sensitive=False)
    check_references(f, municipality)
    return municipality, f, parse_analysis(request.GET)


def _error(e: Exception) -> JsonResponse:
    if isinstance(e, FilterError):
        return JsonResponse(e.as_json(), status=400)
    return JsonResponse({"error": "no municipality is loaded"}, status=404)


def _audit_sensitive(
    request: HttpRequest, f: IncidentFilter, n: int, *, what: str, export: bool = False
) -> None:
    if n and sees_sensitive(request.user, f):
        audit.record(
            AuditEvent.Action.EXPORT_SENSITIVE if export else AuditEvent.Action.READ_SENSITIVE,
            request=request,
            channel="export" if export else "page",
            object_type=what,
            count=n,
            detail={"filter": f.params(), "path": request.path},
        )


def _result(
    request: HttpRequest, municipality: Municipality, f: IncidentFilter, params: AnalysisParams
) -> HotSpotResult:
    return analyse_filter(request.user, f, municipality, params)


def filter_query(
    f: IncidentFilter, params: AnalysisParams, *, presentation: bool = False, **extra: str
) -> str:
    """The query string of a BRÅ filter and its analysis settings: the one place that writes them.

    Every link, mode switch, export and chart URL of the BRÅ pages is built here from the parsed
    filter, never from ``request.GET`` key by key: a ``QueryDict`` read with ``.items()`` or
    ``dict()`` keeps only the last of repeated keys (two categories chosen, one kept). Lists are
    written canonically, comma-joined (``category=klotter,ran``), which ``parse_filter`` reads back.

    >>> from datetime import date
    >>> f = IncidentFilter(date(2025, 1, 1), date(2025, 3, 31), categories=("klotter", "ran"), weekdays=(5, 6))
    >>> filter_query(f, AnalysisParams(), presentation=True)
    'from=2025-01-01&to=2025-03-31&category=klotter%2Cran&weekdays=5%2C6&presentation=1'
    """
    q = f.params()
    if params.bandwidth_m is None:
        q["bandwidth"] = "auto"
    elif params.bandwidth_m != AnalysisParams().bandwidth_m:
        q["bandwidth"] = f"{params.bandwidth_m:g}"
    if params.gi_cell_m != AnalysisParams().gi_cell_m:
        q["gi_cell"] = f"{params.gi_cell_m:g}"
    if presentation:
        q["presentation"] = "1"
    q.update(extra)
    return urlencode(q)


def _presenting(request: HttpRequest) -> bool:
    return request.GET.get("presentation") == "1"


def _query(request: HttpRequest, f: IncidentFilter, params: AnalysisParams, **extra: str) -> str:
    return filter_query(f, params, presentation=_presenting(request), **extra)


@require_safe
@login_required
def page(request: HttpRequest) -> HttpResponse:
    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        status = 400 if isinstance(e, FilterError) else 404
        message = f"{e.field}: {e}" if isinstance(e, FilterError) else _("Ingen kommun är inläst.")
        return render(request, "mapapp/bra/error.html", {"message": message}, status=status)
    result = _result(request, municipality, f, params)
    data = lagesbild.build(request.user, municipality, f, result=result)
    _audit_sensitive(request, f, data["n_sensitive"], what="lagesbild")
    return render(
        request, "mapapp/bra/page.html", _page_context(request, municipality, f, params, data)
    )


def _page_context(
    request: HttpRequest,
    municipality: Municipality,
    f: IncidentFilter,
    params: AnalysisParams,
    data: dict[str, Any],
) -> dict[str, Any]:
    query = _query(request, f, params)
    presentation = _presenting(request)
    # The user's own filter, before presentation mode hid sensitive incidents: leaving the mode
    # gives back exactly what was chosen (the request was checked by _setup already).
    own = parse_filter(request.GET)
    toggle = filter_query(own, params, presentation=not presentation)
    share = data["hours"].get("inside_share")
    return {
        "filter_description": lagesbild.describe_filter(f, municipality),
        "source_lines": provenance.lines(
            provenance.for_bra(municipality, sensitive=sees_sensitive(request.user, f))
        ),
        "filter_hours_text": lagesbild.chosen_times_text(f),
        "inside_share_text": numbers.percent(share) if share is not None else "",
        "municipality": municipality,
        "f": f,
        "params": params,
        "query": query,
        "data": data,
        "heat_rows": [
            {"day": day, "cells": list(zip(values, classes, strict=True))}
            for day, values, classes in zip(
                data["hours"]["weekdays"],
                data["hours"]["table"],
                lagesbild.heat_classes(data["hours"]["table"]),
                strict=True,
            )
        ],
        "hours": list(range(24)),
        "presentation": presentation,
        "presentation_toggle": "?" + toggle,
        "can_view_sensitive": can_view_sensitive(request.user),
        "sees_sensitive": sees_sensitive(request.user, f),
        "focus_areas": FocusArea.objects.order_by("number"),
        "categories": IncidentCategory.objects.order_by("label"),
        "districts": District.objects.filter(municipality=municipality).order_by("nyko_prefix"),
        "weekday_choices": list(enumerate(lagesbild.weekdays(), start=1)),
        "light_choices": [
            ("dagsljus", _("Dagsljus")),
            ("skymning", _("Skymning")),
            ("morker", _("Mörker")),
        ],
        "gi_cells": [100, 200, 250, 500],
        **page_raster(default_municipality()),
        "chart_data": {"series": data["series"], "hours": data["hours"]},
        "has_generated_data": Incident.objects.filter(
            municipality=municipality, generated=True
        ).exists(),
    }


@require_safe
@login_required
def lagesbild_json(request: HttpRequest) -> JsonResponse:
    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    data = lagesbild.build(request.user, municipality, f, result=result)
    _audit_sensitive(request, f, data["n_sensitive"], what="lagesbild")
    data.pop("n_sensitive")
    return JsonResponse(data)


@require_safe
@login_required
def density_json(request: HttpRequest) -> JsonResponse:
    try:
        municipality, f, params = _setup(request)
        surface = request.GET.get("surface", "density")
        if surface not in ("density", "change"):
            raise FilterError("surface", "välj density eller change")
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    overlay = _overlay(request, municipality, f, params, result, surface)
    _audit_sensitive(request, f, result.n_sensitive, what="density")
    png_url = reverse("bra-density-png") + "?" + _query(request, f, params, surface=surface)
    body = summary_json(result, overlay, png_url=png_url)
    body["surface"] = surface
    return JsonResponse(body)


def _overlay(
    request: HttpRequest,
    municipality: Municipality,
    f: IncidentFilter,
    params: AnalysisParams,
    result: HotSpotResult,
    surface: str,
) -> Any:
    if surface == "change":
        previous = _result(request, municipality, f.comparison(), params)
        return change_overlay(result, previous)
    return density_overlay(result)


@require_safe
@login_required
def density_png(request: HttpRequest) -> HttpResponse:
    try:
        municipality, f, params = _setup(request)
        surface = request.GET.get("surface", "density")
        if surface not in ("density", "change"):
            raise FilterError("surface", "välj density eller change")
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    overlay = _overlay(request, municipality, f, params, result, surface)
    response = HttpResponse(overlay.png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
@login_required
def hotspots_json(request: HttpRequest) -> JsonResponse:
    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    _audit_sensitive(request, f, result.n_sensitive, what="hotspots")
    return JsonResponse(
        cells_geojson(_translated_cells(hotspot_cells(result)), result.gi_grid),
        content_type=GEOJSON,
    )


@require_safe
@login_required
def trends_json(request: HttpRequest) -> JsonResponse:
    try:
        municipality, f, params = _setup(request)
        points = read_filtered(request.user, f, municipality)
        body = emerging_cells(points, municipality, f, params)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    labels = lagesbild.trend_labels()
    for feature in body["features"]:
        feature["properties"]["label"] = labels[feature["properties"]["category"]]
    _audit_sensitive(request, f, int(points.sensitive.sum()), what="trends")
    return JsonResponse(body, content_type=GEOJSON)


def incident_collection(
    request: HttpRequest, municipality: Municipality, f: IncidentFilter
) -> tuple[dict[str, Any], int]:
    """The filtered incidents the user may see as points (newest first, at most INCIDENT_LIMIT)."""
    qs = filtered_points(request.user, f, municipality)
    total = qs.count()
    rows = (
        qs.annotate(geojson=AsGeoJSON(Transform("location", WEB_SRID), precision=6))
        .values(
            "id",
            "occurred_from",
            "category__code",
            "category__label",
            "category__sensitive",
            "category__focus_area__sensitive",
            "generated",
            "geojson",
        )
        .order_by("-occurred_from")[:INCIDENT_LIMIT]
    )
    features = []
    n_sensitive = 0
    for r in rows:
        sensitive = bool(r["category__sensitive"] or r["category__focus_area__sensitive"])
        n_sensitive += sensitive
        features.append(
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": json.loads(r["geojson"]),
                "properties": {
                    "category": r["category__code"],
                    "category_label": r["category__label"],
                    "occurred_from": r["occurred_from"].isoformat(),
                    "sensitive": sensitive,
                    "generated": r["generated"],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "limit": INCIDENT_LIMIT,
    }, n_sensitive


@require_safe
@login_required
def incidents_json(request: HttpRequest) -> JsonResponse:
    try:
        municipality, f, _params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    body, n_sensitive = incident_collection(request, municipality, f)
    _audit_sensitive(request, f, n_sensitive, what="incidents")
    return JsonResponse(body, content_type=GEOJSON)


def sensitive_cells_collection(municipality: Municipality, f: IncidentFilter) -> dict[str, Any]:
    """The sensitive cells of the calendar years the filter touches (its other filters do not apply)."""
    releases = release.sensitive_releases(municipality, release.periods_for(f.date_from, f.date_to))
    return release.cells_geojson(releases, district=f.district, params=f.params())


@require_safe
@login_required
def sensitive_cells_json(request: HttpRequest) -> JsonResponse:
    """Sensitive incidents as the releases' fixed cells: the form everyone may see (decision 0600)."""
    try:
        municipality, f, _params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    return JsonResponse(sensitive_cells_collection(municipality, f), content_type=GEOJSON)


def observation_collection(municipality: Municipality, f: IncidentFilter) -> dict[str, Any]:
    qs = Observation.objects.filter(
        municipality=municipality, recorded_at__gte=f.start(), recorded_at__lt=f.end()
    )
    if f.district:
        qs = qs.filter(walk__district__code=f.district)
    rows = qs.annotate(geojson=AsGeoJSON(Transform("location", WEB_SRID), precision=6)).values(
        "id", "category", "feeling", "note", "recorded_at", "walk__name", "generated", "geojson"
    )
    labels = dict(Observation.Category.choices)
    feelings = dict(Observation.Feeling.choices)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": json.loads(r["geojson"]),
                "properties": {
                    "category_label": str(labels.get(r["category"], r["category"])),
                    "feeling": r["feeling"],
                    "feeling_label": str(feelings.get(r["feeling"], "")),
                    "note": r["note"],
                    "walk": r["walk__name"],
                    "recorded_at": r["recorded_at"].isoformat(),
                    "generated": r["generated"],
                },
            }
            for r in rows
        ],
    }


@require_safe
@login_required
def observations_json(request: HttpRequest) -> JsonResponse:
    try:
        municipality, f, _params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    return JsonResponse(observation_collection(municipality, f), content_type=GEOJSON)


@require_safe
@login_required
def print_page(request: HttpRequest) -> HttpResponse:
    """The lägesbild laid out for paper: what the PDF export prints."""
    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    data = lagesbild.build(request.user, municipality, f, result=result)
    _audit_sensitive(request, f, data["n_sensitive"], what="lagesbild (utskrift)")
    context = _page_context(request, municipality, f, params, data)
    return render(request, "mapapp/bra/print.html", context)


def _filename(f: IncidentFilter, stem: str, ext: str) -> str:
    return f"{stem}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}.{ext}"


@require_safe
@login_required
def export_pdf(request: HttpRequest) -> HttpResponse:
    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    path = reverse("bra-print") + "?" + _query(request, f, params)
    try:
        pdf = render_pdf(path, user=request.user, paper="A4", landscape=True)  # type: ignore[arg-type]  # login_required: a real user
    except PdfError as e:
        return JsonResponse({"error": str(e)}, status=503)
    n = read_filtered(request.user, f, municipality).sensitive.sum()
    _audit_sensitive(request, f, int(n), what="lagesbild.pdf", export=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(f, "lagesbild", "pdf")}"'
    return response


@require_safe
@login_required
def export_html(request: HttpRequest) -> HttpResponse:
    from mapapp.bra_folium import bra_map

    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    overlay = density_overlay(result)
    centre = municipality.boundary.centroid
    lon, lat = transform_xy([centre.x], [centre.y], from_srid=STORAGE_SRID, to_srid=WEB_SRID)
    incidents, n_sensitive = incident_collection(request, municipality, f)
    notes = [
        _("Innehåller känsliga händelser som punkter: dela bara med den som har behörighet.")
        if sees_sensitive(request.user, f)
        else _(
            "Känsliga händelser (våld i nära relationer, hedersrelaterat våld, extremism, hot mot "
            "medarbetare, sexualbrott) finns bara som antal i fasta rutor om 500 m, och bara där de "
            "är minst %(k)s."
        )
        % {"k": min_count()}
    ]
    if Incident.objects.filter(municipality=municipality, generated=True).exists():
        notes.append(_("Demodata: en del händelser och vandringar är genererade, inte verkliga."))
    text = bra_map(
        title=_("Lägesbild %(name)s %(from)s – %(to)s")
        % {"name": municipality.name, "from": f.date_from, "to": f.date_to},
        filter_lines=lagesbild.describe_filter(f, municipality),
        notes=notes,
        source_lines=provenance.lines(
            provenance.for_bra(municipality, sensitive=sees_sensitive(request.user, f))
        ),
        centre=(float(lat[0]), float(lon[0])),
        districts=district_features(municipality),
        overlay=summary_json(result, overlay, png_url=""),
        overlay_png=overlay.png,
        hotspots=cells_geojson(_translated_cells(hotspot_cells(result)), result.gi_grid),
        sensitive_cells=sensitive_cells_collection(municipality, f),
        incidents=incidents,
        observations=observation_collection(municipality, f),
        background=embedded_background(municipality),
    )
    _audit_sensitive(request, f, n_sensitive, what="karta.html", export=True)
    response = HttpResponse(text, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(f, "bra-karta", "html")}"'
    return response


@require_safe
@login_required
def export_tif(request: HttpRequest) -> HttpResponse:
    try:
        municipality, f, params = _setup(request)
    except (FilterError, NoMunicipality) as e:
        return _error(e)
    result = _result(request, municipality, f, params)
    # The same writer as /export/tathet.tif (layers.exports), which programs and QGIS use.
    data = density_geotiff(
        result,
        f,
        sensitive_included=sees_sensitive(request.user, f),
        sources=incident_lines(municipality, sensitive=sees_sensitive(request.user, f)),
    )
    _audit_sensitive(request, f, result.n_sensitive, what="tathet.tif", export=True)
    # Byte ranges as /export/tathet.tif answers them, so GDAL's /vsicurl/ can read this link too.
    response = downloads.ranged(
        request, data, content_type="image/tiff", filename=density_filename(f)
    )
    response["Cache-Control"] = "private, no-store"
    return response
