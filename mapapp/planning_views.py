"""The planner pages: plans, a plan's review with its score, the printable report, calibration."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.disclosure import min_count
from geo.criteria import DEFAULT_WEIGHTS, IN_USE_VERSION, LABELS, PLAN_ONLY
from layers import audit, calibration, scoring
from layers.models import AuditEvent, Detaljplan, PlanZone, RiskCalibration, ScoringWeights
from layers.queries import default_municipality, plan_outlines
from layers.roles import can_view_sensitive
from mapapp import planning, provenance
from mapapp.pdf import PAPER_SIZES, PdfError, render_pdf
from surveys import services
from surveys.evidence import people_evidence
from surveys.models import Action

SCORE_PERMISSION = "layers.add_planassessment"
CALIBRATE_PERMISSION = "layers.add_riskcalibration"
BASELINE_WINS = gettext_lazy(
    "En enkel prognos förutsade det utelämnade året bättre än modellen. Bedömningarna använder "
    "därför standardvikterna."
)
WEIGHTS_PERMISSION = "layers.change_scoringweights"
ACTION_PERMISSION = "surveys.add_action"  # a review's measure as an action (issue 15)
VIEW_PERMISSION = "layers.view_detaljplan"  # every role has it; as on the OGC API (decision 0520)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


@require_safe
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    municipality = default_municipality()
    plans = list(
        Detaljplan.objects.filter(municipality=municipality)
        .select_related("alternative_of")
        # The list shows names, not areas: a plan of many vertices is not read for it (0642).
        .defer("area", "outline", "alternative_of__area", "alternative_of__outline")
        if municipality
        else []
    )
    rows = []
    for plan in plans:
        latest = scoring.latest_assessments(plan)
        today = latest.get(PlanZone.Scenario.TODAY)
        planned = latest.get(PlanZone.Scenario.PLANNED)
        rows.append(
            {
                "plan": plan,
                "today": today.overall if today else None,
                "planned": planned.overall if planned else None,
            }
        )
    return render(request, "mapapp/planning/list.html", {"rows": rows})


def _measures(
    measures: list[dict[str, str]], key: str, scenario: str, made: dict[tuple[str, str], int]
) -> list[dict[str, Any]]:
    """A criterion's measures with their place in the list and the action made of each (issue 15)."""
    return [
        {**m, "index": i, "scenario": scenario, "action": made.get((key, m.get("text", "")))}
        for i, m in enumerate(measures)
    ]


def _detail_context(request: HttpRequest, plan: Detaljplan) -> dict[str, Any]:
    assessments = planning.ensure_assessments(plan)
    rows = planning.rows(assessments)
    scenarios = list(assessments)
    made = {
        (criterion, measure): pk
        for pk, criterion, measure in Action.objects.filter(plan=plan).values_list(
            "pk", "criterion", "measure"
        )
    }
    criteria = []
    for row in rows:
        criteria.append(
            {
                "key": row.key,
                "label": row.label,
                "weight_pct": round(100 * row.weight),
                "cells": [
                    {
                        "scenario": s,
                        "value": row.values.get(s),
                        "not_scored": row.not_scored.get(s, ""),
                        "explanation": row.results[s].get("explanation", ""),
                        "measures": _measures(row.results[s].get("measures", []), row.key, s, made),
                        "confidence": str(
                            planning.CONFIDENCE_LABELS.get(row.results[s].get("confidence", ""), "")
                        ),
                        "evidence": planning.evidence_items(row.results[s].get("evidence", {})),
                    }
                    for s in scenarios
                ],
                "layers": [
                    name
                    for a in assessments.values()
                    for name, fc in a.map_layers.items()
                    if fc.get("features")
                    and any(f["properties"].get("criterion") == row.key for f in fc["features"])
                ],
            }
        )
    plans, comparison, comparison_overall = planning.comparison(plan)
    first = next(iter(assessments.values()))
    barn = planning.barnkonsekvens(assessments)
    if barn is not None and barn["scored"]:  # its measures become actions like the panel's
        barn["measures"] = _measures(
            barn["measures"], "children_routes", barn["scenario_key"], made
        )
    return {
        "plan": plan,
        "scenarios": [
            {
                "key": s,
                "label": planning.SCENARIO_LABELS[PlanZone.Scenario(s)],
                "overall": assessments[s].overall,
                "computed_at": assessments[s].computed_at,
                "method_version": planning.method_of(assessments[s]),
            }
            for s in scenarios
        ],
        "method_version": IN_USE_VERSION,
        "older_method": sorted(
            {planning.method_of(a) for a in assessments.values()} - {IN_USE_VERSION}
        ),
        "barnkonsekvens": barn,
        "barnkonsekvens_criterion": {"key": "children_routes"},
        "criteria": criteria,
        "weights_source": ScoringWeights.Source(first.weights_source).label
        if first.weights_source in ScoringWeights.Source.values
        else first.weights_source,
        "alternatives": plans,
        "comparison": comparison,
        "comparison_overall": comparison_overall,
        "sees_sensitive": can_view_sensitive(request.user),
        "can_score": request.user.has_perm(SCORE_PERMISSION),
        "can_make_actions": request.user.has_perm(ACTION_PERMISSION),
        "layer_labels": {k: str(v) for k, v in planning.MAP_LAYER_LABELS.items()},
        "source_lines": provenance.lines(
            provenance.for_plan(plan.municipality, sensitive=can_view_sensitive(request.user))
        ),
        "k": min_count(),
    }


@require_safe
@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    plan = get_object_or_404(
        Detaljplan.objects.select_related("municipality"),
        pk=pk,
        municipality=default_municipality(),
    )
    context = {**_detail_context(request, plan), "measure_buttons": True}
    return render(request, "mapapp/planning/detail.html", context)


@require_POST
@login_required
def plan_rescore(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, SCORE_PERMISSION)
    plan = get_object_or_404(Detaljplan, pk=pk, municipality=default_municipality())
    scoring.assess(plan, people=people_evidence)
    messages.success(request, _("Planen är bedömd på nytt."))
    return redirect("plan-detail", pk=plan.pk)


@require_POST
@login_required
def plan_measure_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: a measure of the plan's latest review becomes an action of the measure's office.

    The form names the criterion, the scenario and the measure's place in the list; the measure's text
    and office are read from the stored review, never from the form (decision 0823).
    """
    _require(request, ACTION_PERMISSION)
    plan = get_object_or_404(Detaljplan, pk=pk, municipality=default_municipality())
    criterion = request.POST.get("criterion", "")
    scenario = request.POST.get("scenario", "")
    try:
        index = int(request.POST.get("index", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Fältet index ska vara ett heltal."))
    assessment = scoring.latest_assessments(plan).get(scenario)
    if assessment is None:
        return HttpResponseBadRequest(_("Fältet scenario: planen har ingen bedömning för det."))
    result = next((r for r in assessment.results if r.get("key") == criterion), None)
    if result is None:
        return HttpResponseBadRequest(_("Fältet criterion: kriteriet finns inte i bedömningen."))
    measures = result.get("measures") or []
    if not 0 <= index < len(measures):
        return HttpResponseBadRequest(_("Fältet index: kriteriet har inget sådant åtgärdsförslag."))
    measure = measures[index]
    made = services.action_from_measure(
        plan,
        criterion=criterion,
        measure_text=str(measure.get("text", "")),
        office_name=str(measure.get("office", "")),
        criterion_label=str(LABELS.get(criterion, criterion)),
        by=request.user,  # type: ignore[arg-type]  # login_required
    )
    if made.created:
        messages.success(
            request, _("Åtgärden är skapad för %(office)s.") % {"office": made.action.office.name}
        )
    else:
        messages.info(request, _("Åtgärden fanns redan."))
    return redirect("plan-detail", pk=plan.pk)


@require_safe
@login_required
def plan_map_data(request: HttpRequest, pk: int) -> JsonResponse:
    _require(request, VIEW_PERMISSION)
    plan = get_object_or_404(Detaljplan, pk=pk, municipality=default_municipality())
    planning.ensure_assessments(plan)
    return JsonResponse(planning.map_data(plan, request.user))


@require_safe
@login_required
def plan_areas(request: HttpRequest) -> JsonResponse:
    """Every plan of the municipality for the overview map: its outline (simplified, so that a plan of
    many vertices cannot make everyone's map slow: docs/decisions/0642) in WGS 84, with a link."""
    municipality = default_municipality()
    plans = list(plan_outlines(municipality)) if municipality else []
    features = []
    for plan in plans:
        planned = scoring.latest_assessments(plan).get(PlanZone.Scenario.PLANNED)
        outline: str = plan.outline_geojson  # type: ignore[attr-defined]  # annotated by plan_outlines
        features.append(
            {
                "type": "Feature",
                "id": plan.pk,
                "geometry": json.loads(outline),
                "properties": {
                    "plan_id": plan.plan_id,
                    "name": plan.name,
                    "kind": str(plan.get_kind_display()),
                    "status": str(plan.get_status_display()),
                    "overall": planned.overall if planned else None,
                    "url": reverse("plan-detail", args=[plan.pk]),
                },
            }
        )
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, content_type="application/geo+json"
    )


def _paper(request: HttpRequest) -> str | None:
    paper = request.GET.get("paper", "A4")
    return paper if paper in PAPER_SIZES else None


@require_safe
@login_required
def plan_report(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    paper = _paper(request)
    if paper is None:
        return HttpResponseBadRequest("paper must be A4 or A3")
    plan = get_object_or_404(
        Detaljplan.objects.select_related("municipality"),
        pk=pk,
        municipality=default_municipality(),
    )
    context = _detail_context(request, plan)
    context["paper"] = paper
    return render(request, "mapapp/planning/report.html", context)


@require_safe
@login_required
def plan_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    paper = _paper(request)
    if paper is None:
        return HttpResponseBadRequest("paper must be A4 or A3")
    plan = get_object_or_404(Detaljplan, pk=pk, municipality=default_municipality())
    planning.ensure_assessments(plan)
    try:
        pdf = render_pdf(
            f"/plan/{plan.pk}/rapport/?paper={paper}",
            user=request.user,  # type: ignore[arg-type]  # login_required: a real user
            paper=paper,
            landscape=False,
        )
    except PdfError as e:
        return HttpResponse(str(e), status=503, content_type="text/plain; charset=utf-8")
    sensitive = planning.sensitive_on_map(plan) if can_view_sensitive(request.user) else 0
    if sensitive:  # the report's density map counts them: the file leaves with them
        audit.record(
            AuditEvent.Action.EXPORT_SENSITIVE,
            request=request,
            channel="export",
            object_type="plan-report.pdf",
            count=sensitive,
            detail={"plan": plan.pk, "paper": paper},
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in plan.plan_id)
    response["Content-Disposition"] = (
        f'attachment; filename="trygghetsbedomning-{safe_id}-{paper}.pdf"'
    )
    return response


def _forecast_rows(row: RiskCalibration | None) -> list[dict[str, object]]:
    """The model and the naive forecasts for the table: label, and PAI and hit rate per share."""
    if row is None:
        return []
    winner = row.accuracy.get("winner", "")
    return [
        {
            "key": f["key"],
            "label": str(calibration.FORECAST_LABELS.get(f["key"], f["key"])),
            "winner": f["key"] == winner,
            "shares": f["shares"],
        }
        for f in row.accuracy.get("comparison", [])
    ]


@login_required
def calibration_page(request: HttpRequest) -> HttpResponse:
    municipality = default_municipality()
    if request.method == "POST":
        _require(request, CALIBRATE_PERMISSION)
        if municipality is None:
            return HttpResponseBadRequest("no municipality")
        action = request.POST.get("action", "run")
        if action == "run":
            try:
                row = calibration.run(municipality, user=request.user, request=request)
                messages.success(request, _("Kalibreringen är klar."))
                if calibration.baseline_wins(row):
                    messages.warning(request, BASELINE_WINS)
            except calibration.CalibrationError as e:
                messages.error(request, str(e))
        elif action in ("apply", "override"):
            latest = RiskCalibration.objects.filter(municipality=municipality).first()
            if latest is None:
                messages.error(request, _("Det finns ingen kalibrering att använda."))
            else:
                _require(request, WEIGHTS_PERMISSION)
                override = action == "override"
                if override and not calibration.can_override(request.user):
                    raise PermissionDenied
                try:
                    calibration.apply_weights(
                        latest, user=request.user, override=override, request=request
                    )
                    messages.success(
                        request, _("De kalibrerade vikterna används nu i bedömningarna.")
                    )
                except calibration.CalibrationError as e:
                    messages.error(request, str(e))
        elif action == "reset":
            _require(request, WEIGHTS_PERMISSION)
            ScoringWeights.objects.filter(municipality=municipality).delete()
            messages.success(request, _("Standardvikterna används nu i bedömningarna."))
        else:
            return HttpResponseBadRequest("unknown action")
        return redirect("plan-calibration")
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    latest = (
        RiskCalibration.objects.filter(municipality=municipality).first() if municipality else None
    )
    current, source = scoring.weights_for(municipality) if municipality else (DEFAULT_WEIGHTS, "")
    weights = [
        {
            "key": k,
            "label": str(planning.CRITERION_LABELS[k]),
            "default": round(100 * DEFAULT_WEIGHTS[k], 1),
            "current": round(100 * current.get(k, 0.0), 1),
            "calibrated": round(100 * float(latest.weights[k]), 1)
            if latest and k in latest.weights
            else None,
            "plan_only": k in PLAN_ONLY,
        }
        for k in LABELS
    ]
    return render(
        request,
        "mapapp/planning/calibration.html",
        {
            "calibration": latest,
            "forecasts": _forecast_rows(latest),
            "baseline_wins": calibration.baseline_wins(latest) if latest else False,
            "can_override": calibration.can_override(request.user),
            "weights": weights,
            "weights_source": ScoringWeights.Source(source).label
            if source in ScoringWeights.Source.values
            else "",
            "can_calibrate": request.user.has_perm(CALIBRATE_PERMISSION),
            "can_set_weights": request.user.has_perm(WEIGHTS_PERMISSION),
            "criterion_labels": {k: str(v) for k, v in planning.CRITERION_LABELS.items()},
            "plan_only": [str(planning.CRITERION_LABELS[k]) for k in LABELS if k in PLAN_ONLY],
            "method_version": IN_USE_VERSION,
        },
    )
