"""The effect follow-up pages: the list, one evaluation (map, form, result), its JSON, suggestions.

Every evaluation is read and written in the user's own municipality (404 for another's). The figures
are computed for the reader: sensitive incidents count only for users who may see them as points, and
an analyst's read that counted any is written to the audit log (decision 0521).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import GEOSGeometry, Point
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.http import error_response, json_error
from followup import present, services
from followup.counting import Result, Selection
from followup.models import DEFAULT_BUFFER_M, DEFAULT_MONTHS, Evaluation
from followup.permissions import can_edit
from geo.crs import WEB_SRID
from layers import audit
from layers.models import AuditEvent, FocusArea, IncidentCategory, StatisticalArea
from layers.tenancy import own_municipality_or_404
from surveys.models import Action


def _geojson(geom: GEOSGeometry | None) -> Any:
    if geom is None:
        return None
    return json.loads(geom.transform(WEB_SRID, clone=True).geojson)


def _audit(
    request: HttpRequest, evaluation: Evaluation | None, result: Result, channel: str
) -> None:
    if result.sensitive_included and result.monthly.sensitive:
        audit.record(
            AuditEvent.Action.READ_SENSITIVE,
            request=request,
            channel=channel,
            object_type="evaluation",
            count=result.monthly.sensitive,
            detail={"evaluation": evaluation.pk if evaluation else None},
        )


def _page_data(evaluation: Evaluation | None, action: Action | None) -> dict[str, Any]:
    municipality = own_municipality_or_404()
    centre_geom: GEOSGeometry = evaluation.target_area if evaluation else municipality.boundary
    if evaluation is None and action is not None:
        if action.location is not None:
            centre_geom = action.location
        elif action.observation is not None:
            centre_geom = action.observation.location
    centre = centre_geom.point_on_surface.transform(WEB_SRID, clone=True)
    assert isinstance(centre, Point)
    data: dict[str, Any] = {
        "centre": [centre.y, centre.x],
        "save_url": reverse("followup:save", args=[evaluation.pk])
        if evaluation
        else reverse("followup:create"),
        "suggest_url": reverse("followup:suggest"),
        "evaluation": None,
    }
    if evaluation is not None:
        data["evaluation"] = {
            "id": evaluation.pk,
            "target": {
                "kind": evaluation.target_kind,
                "refs": evaluation.target_refs,
                "geometry": _geojson(evaluation.target_area),
            },
            "buffer": {
                "drawn": evaluation.buffer_drawn,
                "geometry": _geojson(evaluation.buffer_area),
            },
            "comparison": {
                "kind": evaluation.comparison_kind,
                "refs": evaluation.comparison_refs,
                "geometry": _geojson(evaluation.comparison_area),
            },
        }
    return data


def _choices() -> dict[str, Any]:
    municipality = own_municipality_or_404()
    return {
        "categories": IncidentCategory.objects.select_related("focus_area").order_by("label"),
        "focus_areas": FocusArea.objects.order_by("number"),
        "nyko_areas": StatisticalArea.objects.filter(municipality=municipality).order_by("code"),
        "variances": Evaluation.Variance.choices,
        "default_buffer_m": DEFAULT_BUFFER_M,
        "default_months": DEFAULT_MONTHS,
    }


@require_safe
@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    municipality = own_municipality_or_404()
    evaluations = Evaluation.objects.filter(municipality=municipality).select_related("action")
    return render(
        request,
        "followup/list.html",
        {"evaluations": evaluations, "can_edit": can_edit(request.user)},
    )


@require_safe
@login_required
def evaluation_new(request: HttpRequest) -> HttpResponse:
    if not can_edit(request.user):
        return error_response(request, 403, _("Du får inte skapa effektuppföljningar."))
    municipality = own_municipality_or_404()
    action = None
    if request.GET.get("atgard", "").isdigit():
        action = get_object_or_404(Action, pk=int(request.GET["atgard"]), municipality=municipality)
    return render(
        request,
        "followup/detail.html",
        {
            "evaluation": None,
            "action": action,
            "can_edit": True,
            "data": _page_data(None, action),
            "result": None,
            "start_date": (action.due_date if action and action.due_date else None),
            **_choices(),
        },
    )


@require_safe
@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = own_municipality_or_404()
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("action"), pk=pk, municipality=municipality
    )
    result = services.result_of(evaluation, request.user)
    _audit(request, evaluation, result, "page")
    figures = present.as_dict(result)
    data = _page_data(evaluation, evaluation.action)
    data["labels"] = present.map_labels(figures)
    data["series"] = figures["series"]
    data["area_labels"] = present.area_labels()
    return render(
        request,
        "followup/detail.html",
        {
            "evaluation": evaluation,
            "action": evaluation.action,
            "can_edit": can_edit(request.user),
            "data": data,
            "result": figures,
            "start_date": evaluation.start_date,
            "chosen_categories": set(evaluation.categories.values_list("code", flat=True)),
            "chosen_focus": set(evaluation.focus_areas.values_list("number", flat=True)),
            **_choices(),
        },
    )


@require_safe
@login_required
def evaluation_result(request: HttpRequest, pk: int) -> JsonResponse:
    """The figures as JSON (counts per area and period, RES, WDD, WDQ, TNE, the reading)."""
    municipality = own_municipality_or_404()
    evaluation = get_object_or_404(Evaluation, pk=pk, municipality=municipality)
    result = services.result_of(evaluation, request.user)
    _audit(request, evaluation, result, "page")
    return JsonResponse({"id": evaluation.pk, "title": evaluation.title, **present.as_dict(result)})


@require_POST
@login_required
def evaluation_save(request: HttpRequest, pk: int | None = None) -> JsonResponse:
    if not can_edit(request.user):
        return json_error(_("Du får inte ändra effektuppföljningar."), 403)
    municipality = own_municipality_or_404()
    evaluation = get_object_or_404(Evaluation, pk=pk, municipality=municipality) if pk else None
    try:
        data = services.parse_body(request.body)
        saved = services.save_evaluation(municipality, evaluation, data, user=request.user)
    except services.EvaluationInvalid as e:
        return json_error(str(e), 400, fields=e.fields)
    return JsonResponse(
        {"id": saved.pk, "url": reverse("followup:detail", args=[saved.pk])},
        status=201 if evaluation is None else 200,
    )


@require_POST
@login_required
def suggest(request: HttpRequest) -> JsonResponse:
    """NYKO areas like the drawn target in the before period, not touching it or its buffer."""
    if not can_edit(request.user):
        return json_error(_("Du får inte skapa effektuppföljningar."), 403)
    municipality = own_municipality_or_404()
    try:
        data = services.parse_body(request.body)
        _kind, _refs, target = services.resolve_area(data.get("target"), "target", municipality)
        buffer_m = services._int(data, "buffer_m", DEFAULT_BUFFER_M, 0, 2000)
        months = services._int(data, "months", DEFAULT_MONTHS, 1, 36)
        gap = services._int(data, "gap_months", 0, 0, 12)
        try:
            start = date.fromisoformat(str(data.get("start_date") or ""))
        except ValueError as e:
            raise services.EvaluationInvalid(
                _("Ange startdatum som ÅÅÅÅ-MM-DD"),
                {"start_date": str(data.get("start_date"))[:20]},
            ) from e
        categories = services._ids(data, "categories", IncidentCategory)
        focus = services._ids(data, "focus_areas", FocusArea)
    except services.EvaluationInvalid as e:
        return json_error(str(e), 400, fields=e.fields)
    ranked = services.suggest_comparison(
        municipality,
        target,
        services.buffer_ring(target, buffer_m),
        start=start,
        months=months,
        gap_months=gap,
        selection=Selection(tuple(c.pk for c in categories), tuple(f.pk for f in focus)),
    )
    return JsonResponse(
        {
            "candidates": ranked,
            "sensitive_included": False,
            "today": timezone.localdate().isoformat(),
        }
    )
