"""Planner pages: import a detaljplan or urban context with a report, and draw or edit a plan on the map.

Views parse input, call one importer or service, and render. Every refusal is a 4xx with the importer's
message (which names the file and the row); nothing is stored when an import is refused.
/plan/ and /plan/<id>/ (the review page) belong to the planner review; these pages link to them by path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import Point, Polygon
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import wants_json
from geo.crs import STORAGE_SRID, WEB_SRID
from geo.crs_detect import ACCEPTED_SRIDS, SRID_LABELS
from layers import plan_edit as editing
from layers import uploads
from layers.importers import context, detaljplan
from layers.importers.boverket import EXTRA_USE_LABELS
from layers.models import (
    BOVERKET_USE_CODES,
    ContextFeature,
    Detaljplan,
    ImportBatch,
    PlanZone,
)
from layers.queries import default_municipality
from layers.tenancy import own_municipality_or_404

SRID_CHOICES = [("", gettext_lazy("Enligt filen"))] + [
    (str(srid), f"{SRID_LABELS[srid]} (EPSG:{srid})") for srid in sorted(ACCEPTED_SRIDS)
]
CONTEXT_KINDS_ON_EDIT_MAP = ("street", "path", "building", "park", "water", "lamp", "bus_stop")
MAX_CONTEXT_FEATURES = 6000
MAX_BBOX_M2 = 25_000_000.0  # 5 km × 5 km: the edit map asks for context only when zoomed in


def plan_review_url(plan_pk: int) -> str:
    """The planner review page (another part of Trygg serves it)."""
    return f"/plan/{plan_pk}/"


class PlanImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fil"))
    plan_id = forms.CharField(label=gettext_lazy("Plan-id"), max_length=60, required=False)
    name = forms.CharField(label=gettext_lazy("Namn"), max_length=300, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Typ"),
        choices=[
            ("", gettext_lazy("Enligt planen (annars nytt område)")),
            *list(Detaljplan.Kind.choices),
        ],
        required=False,
    )
    scenario = forms.ChoiceField(
        label=gettext_lazy("Scenario"), choices=PlanZone.Scenario.choices, required=False
    )
    srid = forms.ChoiceField(
        label=gettext_lazy("Koordinatsystem om filen saknar"), choices=SRID_CHOICES, required=False
    )
    dxf_layers = forms.CharField(
        label=gettext_lazy("Lagermappning (för DXF)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Ett lager per rad: LAGER=plangrans, LAGER=användningskod (B, GATA …) eller LAGER=bestämmelse. Lämna tomt så listas ritningens lager."
        ),
    )


class ContextImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fil"))
    layer_name = forms.CharField(label=gettext_lazy("Lagrets namn"), max_length=200, required=False)
    mapping = forms.CharField(
        label=gettext_lazy("Kolumnmappning (för register)"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("T.ex. kind=lamp,x=E,y=N,srid=3011,id=LAMPID"),
    )
    source_layers = forms.CharField(
        label=gettext_lazy("Läs bara dessa lager (kommaseparerat)"), max_length=500, required=False
    )
    srid = forms.ChoiceField(
        label=gettext_lazy("Koordinatsystem om filen saknar"), choices=SRID_CHOICES, required=False
    )
    source = forms.CharField(label=gettext_lazy("Källa"), max_length=300, required=False)
    licence = forms.CharField(label=gettext_lazy("Licens"), max_length=200, required=False)


def _refused(
    request: HttpRequest, template: str, form: forms.Form, message: str, status: int
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return render(request, template, _import_context(form, error=message), status=status)


def _import_context(form: forms.Form, **extra: Any) -> dict[str, Any]:
    return {"form": form, "municipality": default_municipality(), **extra}


def _recent(kind: str) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.filter(kind=kind, municipality=default_municipality()).select_related(
            "created_by"
        )[:10]
    )


def _upload(
    request: HttpRequest,
    *,
    template: str,
    form_class: type[forms.Form],
    kind: str,
    report: str,
    run: Callable[[dict[str, Any], Path, str], ImportBatch],
) -> HttpResponse:
    """An import page: GET shows the form and the latest imports; POST receives the file into a private
    workspace, hands it to ``run(cleaned_data, path, original_name)`` and answers with the batch's report
    (a redirect, or JSON for the progress script); a refused file gets its 4xx on the form."""
    if request.method == "GET":
        return render(request, template, _import_context(form_class(), recent=_recent(kind)))
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, template, form, _("Välj en fil att importera"), 400)
    upload = form.cleaned_data["file"]
    try:
        with uploads.workspace() as work:
            path = uploads.receive(upload, upload.name, work)
            batch = run(form.cleaned_data, path, upload.name)
    except uploads.UploadRejected as e:
        return _refused(request, template, form, str(e), e.status)
    url = reverse(report, args=[batch.pk])
    if wants_json(request):
        return JsonResponse({"report_url": url, "batch": batch.pk}, status=201)
    return redirect(url)


def _srid(data: dict[str, Any]) -> int | None:
    return int(data["srid"]) if data["srid"] else None


@login_required
@permission_required("layers.add_detaljplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    def run(data: dict[str, Any], path: Path, name: str) -> ImportBatch:
        return detaljplan.import_detaljplan(
            path,
            original_name=name,
            municipality=own_municipality_or_404(),
            plan_id=data["plan_id"],
            name=data["name"],
            kind=data["kind"],
            scenario=data["scenario"],
            srid=_srid(data),
            user=request.user,
            dxf_layers=detaljplan.parse_layer_mapping(data["dxf_layers"]),
        )

    return _upload(
        request,
        template="mapapp/planimport/import_plan.html",
        form_class=PlanImportForm,
        kind=ImportBatch.Kind.DETALJPLAN,
        report="plan-import-report",
        run=run,
    )


@login_required
@require_GET
def plan_import_report(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch,
        pk=batch_id,
        kind=ImportBatch.Kind.DETALJPLAN,
        municipality=default_municipality(),
    )
    plan = Detaljplan.objects.filter(pk=batch.report.get("plan", {}).get("id")).first()
    return render(
        request,
        "mapapp/planimport/report_plan.html",
        {
            "batch": batch,
            "report": batch.report,
            "plan": plan,
            "review_url": plan_review_url(plan.pk) if plan else "",
            "zones": plan.zones.filter(import_batch=batch).order_by("source_ref") if plan else [],
            "can_undo": request.user.has_perm("layers.add_detaljplan"),
        },
    )


@login_required
@permission_required("layers.add_detaljplan", raise_exception=True)
@require_POST
def plan_import_undo(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch,
        pk=batch_id,
        kind=ImportBatch.Kind.DETALJPLAN,
        municipality=default_municipality(),
    )
    try:
        detaljplan.undo_import(batch, user=request.user, request=request)
    except uploads.UploadRejected as e:
        return render(
            request,
            "mapapp/planimport/report_plan.html",
            {"batch": batch, "report": batch.report, "error": str(e), "can_undo": True},
            status=e.status,
        )
    return redirect("plan-import-report", batch_id=batch.pk)


@login_required
@permission_required("layers.add_contextlayer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def context_import(request: HttpRequest) -> HttpResponse:
    def run(data: dict[str, Any], path: Path, name: str) -> ImportBatch:
        return context.import_context(
            path,
            original_name=name,
            municipality=own_municipality_or_404(),
            layer_name=data["layer_name"],
            mapping=context.parse_mapping(data["mapping"]),
            source_layers=[s.strip() for s in data["source_layers"].split(",") if s.strip()],
            srid=_srid(data),
            source=data["source"],
            licence=data["licence"],
            user=request.user,
        )

    return _upload(
        request,
        template="mapapp/planimport/import_context.html",
        form_class=ContextImportForm,
        kind=ImportBatch.Kind.CONTEXT,
        report="context-import-report",
        run=run,
    )


@login_required
@require_GET
def context_import_report(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch, pk=batch_id, kind=ImportBatch.Kind.CONTEXT, municipality=default_municipality()
    )
    labels = dict(ContextFeature.Kind.choices)
    kinds = [(labels.get(k, k), n) for k, n in batch.report.get("kinds", {}).items() if n]
    return render(
        request,
        "mapapp/planimport/report_context.html",
        {
            "batch": batch,
            "report": batch.report,
            "kinds": kinds,
            "can_undo": request.user.has_perm("layers.add_contextlayer"),
        },
    )


@login_required
@permission_required("layers.add_contextlayer", raise_exception=True)
@require_POST
def context_import_undo(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch, pk=batch_id, kind=ImportBatch.Kind.CONTEXT, municipality=default_municipality()
    )
    try:
        context.undo_import(batch, user=request.user, request=request)
    except uploads.UploadRejected as e:
        return render(
            request,
            "mapapp/planimport/report_context.html",
            {"batch": batch, "report": batch.report, "error": str(e), "can_undo": True},
            status=e.status,
        )
    return redirect("context-import-report", batch_id=batch.pk)


def use_code_choices() -> list[tuple[str, str]]:
    """Boverket's use codes for the edit page's lists (allmän plats, kvartersmark, vatten)."""
    codes = {**BOVERKET_USE_CODES, **EXTRA_USE_LABELS}
    return [(code, f"{code} – {label}") for code, label in codes.items()]


@login_required
@require_GET
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    perm = "layers.change_detaljplan" if pk else "layers.add_detaljplan"
    if not request.user.has_perm(perm):
        return HttpResponse(_("Du får inte ändra detaljplaner"), status=403)
    municipality = default_municipality()
    plan = get_object_or_404(Detaljplan, pk=pk, municipality=default_municipality()) if pk else None
    data: dict[str, Any] = (
        editing.plan_as_geojson(plan)
        if plan
        else {"plan": None, "area": None, "zones": [], "regulation_areas": []}
    )
    centre = None
    if municipality is not None:
        point = (plan.area if plan else municipality.boundary).point_on_surface.transform(
            WEB_SRID, clone=True
        )
        assert isinstance(point, Point)
        centre = [point.y, point.x]  # Leaflet takes (lat, lon)
    data.update(
        {
            "use_codes": use_code_choices(),
            "scenarios": list(PlanZone.Scenario.choices),
            "statuses": list(Detaljplan.Status.choices),
            "kinds": list(Detaljplan.Kind.choices),
            "centre": centre,
            "save_url": reverse("plan-save", args=[plan.pk]) if plan else reverse("plan-create"),
            "context_url": reverse("plan-context-features"),
        }
    )
    return render(
        request,
        "mapapp/planimport/edit.html",
        {"plan": plan, "data": data, "municipality": municipality},
    )


@login_required
@require_POST
def plan_save(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    perm = "layers.change_detaljplan" if pk else "layers.add_detaljplan"
    if not request.user.has_perm(perm):
        return JsonResponse({"error": _("Du får inte ändra detaljplaner")}, status=403)
    municipality = default_municipality()
    if municipality is None:
        return JsonResponse({"error": _("Ingen kommun är inläst")}, status=422)
    plan = get_object_or_404(Detaljplan, pk=pk, municipality=municipality) if pk else None
    try:
        payload = editing.parse_payload(request.body)
        saved, zone_ids = editing.save_plan(municipality, plan, payload, user=request.user)
    except editing.PlanInvalid as e:
        status = 400 if not e.fields else 422
        return JsonResponse({"error": str(e), "fields": e.fields}, status=status)
    return JsonResponse(
        {
            "id": saved.pk,
            "edit_url": reverse("plan-edit", args=[saved.pk]),
            "review_url": plan_review_url(saved.pk),
            "zone_ids": zone_ids,
        },
        status=201 if plan is None else 200,
    )


@login_required
@require_GET
def context_features(request: HttpRequest) -> JsonResponse:
    """Context features in a bounding box (WGS 84 ``minlon,minlat,maxlon,maxlat``) for the edit map."""
    try:
        parts = [float(v) for v in request.GET.get("bbox", "").split(",")]
        if len(parts) != 4:
            raise ValueError
        box = Polygon.from_bbox(tuple(parts))  # type: ignore[arg-type]  # four numbers, checked above; the stubs want a 4-tuple type
        box.srid = WEB_SRID
        box.transform(STORAGE_SRID)
    except (ValueError, TypeError, GDALException):
        return JsonResponse(
            {"error": _("bbox ska vara minlon,minlat,maxlon,maxlat i WGS 84")}, status=400
        )
    municipality = default_municipality()
    if municipality is None or box.area > MAX_BBOX_M2:
        return JsonResponse(
            {"type": "FeatureCollection", "features": [], "truncated": box.area > MAX_BBOX_M2}
        )
    # SELECT kind, name, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM layers_contextfeature
    # WHERE municipality_id = %s AND kind IN (...) AND geom && box LIMIT 6000
    rows = list(
        ContextFeature.objects.filter(
            municipality=municipality, kind__in=CONTEXT_KINDS_ON_EDIT_MAP, geom__bboverlaps=box
        )
        .annotate(geojson=AsGeoJSON(Transform("geom", WEB_SRID), precision=6))
        .values_list("kind", "name", "geojson")[: MAX_CONTEXT_FEATURES + 1]
    )
    features = [
        {"type": "Feature", "geometry": json.loads(g), "properties": {"kind": k, "name": n}}
        for k, n, g in rows[:MAX_CONTEXT_FEATURES]
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "truncated": len(rows) > MAX_CONTEXT_FEATURES,
        }
    )
