"""The pages people look at. Views parse input, call a query, and render; nothing else."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from basemap.services import page_raster
from layers.models import Incident
from layers.queries import default_municipality
from layers.roles import can_view_sensitive
from surveys.models import Observation


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    municipality = default_municipality()
    generated = bool(
        municipality
        and (
            Incident.objects.filter(municipality=municipality, generated=True).exists()
            or Observation.objects.filter(municipality=municipality, generated=True).exists()
        )
    )
    return render(
        request,
        "mapapp/index.html",
        {
            "municipality": municipality,
            "has_generated_data": generated,
            "sees_sensitive": can_view_sensitive(request.user),
            **page_raster(default_municipality()),
        },
    )


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise; for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
