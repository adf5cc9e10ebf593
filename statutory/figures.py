"""The frozen figures of a lägesbild: made once, when the document is created, and never recomputed.

Every figure is made for the document's **audience**, a user without the permission to see sensitive
incidents as points, whoever creates it (docs/decisions/0800): the document goes to the BRÅ council and
the police, so it holds what a BRÅ member may see. The general part is ``mapapp.lagesbild.build`` (the
BRÅ page's computation: focus-area rows with the sensitive ones from the frozen yearly releases of
``layers.release``, time series, hour × weekday table, hot spots, walks, the 2015 survey). This module adds
the counts per NYKO area and district with rates per 1,000 residents, and the base that the åtgärdsplan's
operativa mål start from; both count **non-sensitive incidents only**. No count here is made from a
sensitive incident, so two documents compared side by side differ in a sensitive figure only where the
releases differ (tests/statutory/test_figures.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q, Sum
from django.utils import timezone

from layers.analysis import (
    AnalysisParams,
    HotSpotResult,
    analyse_filter,
    emerging_cells,
    filtered_incidents,
    hotspot_cells,
    read_filtered,
)
from layers.filters import FilterError, IncidentFilter
from layers.models import StatisticalArea
from mapapp import lagesbild as computed
from statutory import followups
from statutory.models import Lagesbild, Population, SurveyResult
from surveys.models import Observation

AUDIENCE = AnonymousUser()  # who the figures are made for: no permission to see sensitive points
VERSION = 1  # of the JSON's layout


def document_filter(doc: Lagesbild) -> IncidentFilter:
    return IncidentFilter(
        date_from=doc.date_from,
        date_to=doc.date_to,
        focus_areas=tuple(int(n) for n in doc.focus_areas),
        categories=tuple(str(c) for c in doc.categories),
        district=doc.district.code if doc.district else "",
        compare=doc.compare,
        include_sensitive=False,
    )


def areas_of(doc: Lagesbild) -> list[StatisticalArea]:
    qs = StatisticalArea.objects.filter(municipality=doc.municipality).select_related("district")
    if doc.district:
        qs = qs.filter(district=doc.district)
    return list(qs.order_by("code"))


def counts_by_area(
    f: IncidentFilter, doc: Lagesbild, areas: list[StatisticalArea]
) -> dict[int, dict[str, int]]:
    """Non-sensitive placed incidents of ``f`` per NYKO area and category code."""
    qs = filtered_incidents(AUDIENCE, f, doc.municipality)
    out: dict[int, dict[str, int]] = {}
    for area in areas:
        rows = (
            qs.filter(location__within=area.area)
            .values("category__code")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_code = {r["category__code"]: int(r["n"]) for r in rows}
        if by_code:
            out[area.pk] = by_code
    return out


def walks_by_area(doc: Lagesbild, areas: list[StatisticalArea]) -> dict[int, list[int]]:
    """[observations, of which otryggt or mycket otryggt] per NYKO area in the period."""
    f = document_filter(doc)
    qs = Observation.objects.filter(
        municipality=doc.municipality, recorded_at__gte=f.start(), recorded_at__lt=f.end()
    )
    out: dict[int, list[int]] = {}
    for area in areas:
        rows = dict(
            qs.filter(location__within=area.area)
            .values_list("feeling")
            .annotate(n=Count("id"))
            .order_by()
        )
        n = sum(rows.values())
        if n:
            out[area.pk] = [n, sum(v for k, v in rows.items() if k <= 2)]
    return out


def population_by_area(doc: Lagesbild, areas: list[StatisticalArea]) -> dict[int, dict[str, Any]]:
    """Each area's residents in the newest year up to the period's end that the table has."""
    out: dict[int, dict[str, Any]] = {}
    rows = Population.objects.filter(area__in=areas, year__lte=doc.date_to.year).order_by(
        "area_id", "-year"
    )
    for p in rows:
        out.setdefault(
            p.area_id,
            {
                "residents": p.residents,
                "year": p.year,
                "source": p.source,
                "generated": p.generated,
            },
        )
    return out


def rate(n: int, residents: int | None) -> float | None:
    """Incidents per 1,000 residents, one decimal; None without residents (never a made-up rate).

    >>> rate(12, 4000), rate(3, 0), rate(3, None)
    (3.0, None, None)
    """
    if not residents:
        return None
    return round(1000.0 * n / residents, 1)


def area_rows(
    areas: list[StatisticalArea],
    now: dict[int, dict[str, int]],
    before: dict[int, dict[str, int]],
    population: dict[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    rows = []
    for area in areas:
        n_now = sum(now.get(area.pk, {}).values())
        n_before = sum(before.get(area.pk, {}).values())
        pop = population.get(area.pk)
        residents = pop["residents"] if pop else None
        rows.append(
            {
                "id": area.pk,
                "code": area.code,
                "name": area.name,
                "district": area.district.code if area.district else None,
                "current": n_now,
                "previous": n_before,
                "change_pct": computed.change_pct(n_now, n_before),
                "residents": residents,
                "rate": rate(n_now, residents),
                "rate_previous": rate(n_before, residents),
            }
        )
    return rows


def district_rows(doc: Lagesbild, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The NYKO rows summed per district; a district whose areas lack a population gets no rate."""
    from layers.models import District

    out = []
    for district in District.objects.filter(municipality=doc.municipality).order_by("nyko_prefix"):
        mine = [r for r in rows if r["district"] == district.code]
        if not mine:
            continue
        n_now = sum(r["current"] for r in mine)
        n_before = sum(r["previous"] for r in mine)
        complete = all(r["residents"] for r in mine)
        residents = sum(r["residents"] or 0 for r in mine) if complete else None
        out.append(
            {
                "code": district.code,
                "name": district.name,
                "current": n_now,
                "previous": n_before,
                "change_pct": computed.change_pct(n_now, n_before),
                "residents": residents,
                "rate": rate(n_now, residents),
                "rate_previous": rate(n_before, residents),
            }
        )
    return out


def hot_map(result: HotSpotResult) -> dict[str, Any]:
    """The Gi* hot cells (classes 1–3) as [x0, y0, x1, y1, class, count] in SWEREF 99 TM (the map)."""
    cells = [c for c in hotspot_cells(result) if c["class"] >= 1]
    return {
        "cell_m": float(result.gi_grid.cell_m),
        "hot_cells": [[*c["bounds"], c["class"], c["count"]] for c in cells],
    }


def emerging(doc: Lagesbild, f: IncidentFilter) -> dict[str, Any] | None:
    """Emerging hot spots over the period's months (``layers.analysis.emerging_cells``), counted per
    category; None for a period under six months (the method needs six)."""
    points = read_filtered(AUDIENCE, f, doc.municipality)
    try:
        cells = emerging_cells(points, doc.municipality, f, AnalysisParams())
    except FilterError:
        return None
    labels = computed.trend_labels()
    per: dict[str, int] = {}
    for feature in cells["features"]:
        category = feature["properties"]["category"]
        per[category] = per.get(category, 0) + 1
    return {
        "months": len(cells["slices"]),
        "categories": [
            {"category": k, "label": str(labels.get(k, k)), "cells": n}
            for k, n in sorted(per.items(), key=lambda kv: -kv[1])
        ],
    }


def _consequence_row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "incidents": int(r["n"]),
        "with_cost": int(r["with_cost"]),
        "cost": int(Decimal(r["cost"]).quantize(Decimal(1), ROUND_HALF_UP))
        if r["cost"] is not None
        else None,
        "with_victims": int(r["with_victims"]),
        "victims": int(r["victims"]) if r["victims"] is not None else None,
    }


CONSEQUENCE_SUMS = {
    "n": Count("id"),
    "with_cost": Count("id", filter=Q(cost__isnull=False)),
    "cost": Sum("cost"),
    "with_victims": Count("id", filter=Q(victims__isnull=False)),
    "victims": Sum("victims"),
}


def consequences(doc: Lagesbild, f: IncidentFilter) -> dict[str, Any]:
    """Konsekvenser (§4): what the period's incidents cost the municipality (kronor, from its own
    incident reports) and how many people were harmed, where the reports say so; per category, per
    district and in total. **Non-sensitive placed incidents only**, like every count here (decision
    0807). ``with_cost`` says how many incidents had a cost at all: a sum over few of them is a floor,
    not the cost of crime; no incident with a cost gives ``cost: None`` (unknown), never 0 kr."""
    qs = filtered_incidents(AUDIENCE, f, doc.municipality)
    categories = []
    for r in (
        qs.values("category__code", "category__label")
        .annotate(**CONSEQUENCE_SUMS)
        .order_by("category__label")
    ):
        if not (r["with_cost"] or r["with_victims"]):
            continue
        code = r["category__code"]
        categories.append(
            {
                "category": code,
                "label": r["category__label"],
                **_consequence_row(r),
            }
        )
    districts = []
    if not doc.district:
        from layers.models import District

        for district in District.objects.filter(municipality=doc.municipality).order_by(
            "nyko_prefix"
        ):
            r = qs.filter(location__within=district.area).aggregate(**CONSEQUENCE_SUMS)
            districts.append({"code": district.code, "name": district.name, **_consequence_row(r)})
    return {
        "categories": categories,
        "districts": districts,
        "total": _consequence_row(qs.aggregate(**CONSEQUENCE_SUMS)),
        "sensitive_included": False,
    }


def hot_spots_by_focus_area(doc: Lagesbild, f: IncidentFilter) -> list[dict[str, Any]]:
    """The strongest Gi* hot spots (``mapapp.lagesbild.top_cells``, classes 2–3) of each
    **non-sensitive** focus area of the document's filter, each from its own analysis of that focus
    area's non-sensitive placed incidents (decision 0809). A focus area without incidents is left out;
    one with incidents but no hot spot says so (``cells: []``)."""
    from dataclasses import replace

    from layers.models import FocusArea

    chosen = {int(n) for n in doc.focus_areas}
    out = []
    for area in FocusArea.objects.filter(sensitive=False).order_by("number"):
        if chosen and area.number not in chosen:
            continue
        fa = replace(f, focus_areas=(area.number,))
        n = filtered_incidents(AUDIENCE, fa, doc.municipality).count()
        if not n:
            continue
        result = analyse_filter(AUDIENCE, fa, doc.municipality, AnalysisParams(), use_cache=False)
        cells = computed.top_cells(doc.municipality, result, limit=3)
        out.append(
            {
                "number": area.number,
                "name": area.name,
                "incidents": n,
                "cells": [
                    {
                        "place": c["place"],
                        "count": c["count"],
                        "class": c["class"],
                        "label": c["label"],
                    }
                    for c in cells
                ],
            }
        )
    return out


def survey_results(doc: Lagesbild) -> dict[str, list[dict[str, Any]]]:
    """Annan information: the latest imported trygghetsmätning and NTU figures up to the period's end,
    per area (decision 0808). Trygghetsmätning: the areas of the document's district (all areas for
    the municipality); NTU: every level imported (the local police area, the region, the country)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in SurveyResult.Kind.values:
        qs = SurveyResult.objects.filter(
            municipality=doc.municipality, kind=kind, year__lte=doc.date_to.year
        )
        if kind == SurveyResult.Kind.TRYGGHETSMATNING and doc.district:
            qs = qs.filter(district=doc.district)
        latest: dict[tuple[str, str], SurveyResult] = {}
        for r in qs.order_by("level", "area", "-year"):
            latest.setdefault((r.level, r.area), r)
        out[kind] = [
            {
                "level": r.level,
                "level_label": str(r.get_level_display()),
                "area": r.area,
                "year": r.year,
                "values": r.values,
                "respondents": r.respondents,
                "source": r.source,
                "generated": r.generated,
            }
            for r in latest.values()
        ]
    return out


def freeze(doc: Lagesbild) -> dict[str, Any]:
    """Every figure of ``doc``, as its audience sees it, as plain JSON (stored once on the document)."""
    f = document_filter(doc)
    municipality = doc.municipality
    result = analyse_filter(AUDIENCE, f, municipality, AnalysisParams(), use_cache=False)
    base = computed.build(AUDIENCE, municipality, f, result=result)
    base.pop("n_sensitive", None)
    base.pop("generated_at", None)
    areas = areas_of(doc)
    now = counts_by_area(f, doc, areas)
    before = counts_by_area(f.comparison(), doc, areas)
    population = population_by_area(doc, areas)
    rows = area_rows(areas, now, before, population)
    return {
        "map": hot_map(result),
        "emerging": emerging(doc, f),
        "version": VERSION,
        "made_at": datetime.now(timezone.get_current_timezone()).isoformat(timespec="seconds"),
        "filter": computed.describe_filter(f, municipality),
        "lagesbild": base,
        "areas": rows,
        "districts": district_rows(doc, rows) if not doc.district else [],
        "focus_hot_spots": hot_spots_by_focus_area(doc, f),
        "consequences": consequences(doc, f),
        "surveys": survey_results(doc),
        "population": {
            "areas_with": len(population),
            "areas": len(areas),
            "years": sorted({p["year"] for p in population.values()}),
            "sources": sorted({p["source"] for p in population.values()}),
            "generated": any(p["generated"] for p in population.values()),
        },
        "indicator_base": {
            "days": f.days,
            "incidents": {str(k): v for k, v in now.items()},
            "walks": {str(k): v for k, v in walks_by_area(doc, areas).items()},
        },
        # Effect follow-ups finished by now, for the same audience (statutory.followups).
        "followups": followups.freeze(doc, AUDIENCE),
    }


def make(doc: Lagesbild) -> Lagesbild:
    """Freeze ``doc``'s figures: once. A document that has them keeps them (a new look is a new
    version, ``statutory.services.new_version``)."""
    if doc.figures:
        raise ValueError("a lägesbild's figures are made once and never recomputed")
    # Stored as JSON: what the document shows is what was stored, to the last list and key.
    doc.figures = json.loads(json.dumps(freeze(doc), cls=DjangoJSONEncoder))
    doc.figures_made_at = timezone.now()
    doc.save(update_fields=["figures", "figures_made_at"])
    return doc


# --- two versions side by side ------------------------------------------------------------------


def _shown(cell: dict[str, Any]) -> tuple[int | None, str]:
    return (None if cell.get("suppressed") else cell.get("value")), str(cell.get("shown", ""))


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures of two documents side by side: one row per figure, with the difference where both
    are printed numbers. Only frozen figures are compared; a release value under k or hidden is shown
    as its text and never subtracted."""
    out: list[dict[str, Any]] = []

    def add(section: str, label: str, x: Any, y: Any, x_text: str = "", y_text: str = "") -> None:
        diff = y - x if isinstance(x, int | float) and isinstance(y, int | float) else None
        out.append(
            {
                "section": section,
                "label": label,
                "a": x_text or ("–" if x is None else str(x)),
                "b": y_text or ("–" if y is None else str(y)),
                "diff": diff,
            }
        )

    la, lb = a.get("lagesbild", {}), b.get("lagesbild", {})
    add(
        "Totalt",
        "Händelser med plats (utan känsliga)",
        la.get("totals", {}).get("current"),
        lb.get("totals", {}).get("current"),
    )
    rows_b = {(r["number"], r["name"]): r for r in lb.get("focus_areas", [])}
    for r in la.get("focus_areas", []):
        other = rows_b.get((r["number"], r["name"]))
        if other is None:
            continue
        xa, ta = _shown(r["current"])
        xb, tb = _shown(other["current"])
        add("Fokusområden", r["name"], xa, xb, ta, tb)
    areas_b = {r["code"]: r for r in b.get("areas", [])}
    for r in a.get("areas", []):
        other = areas_b.get(r["code"])
        if other is None:
            continue
        add("NYKO-områden", f"{r['code']} {r['name']}", r["current"], other["current"])
    ca, cb = a.get("consequences"), b.get("consequences")
    if ca and cb:
        add("Konsekvenser", "Kostnad (kr, utan känsliga)", ca["total"]["cost"], cb["total"]["cost"])
    districts_b = {r["code"]: r for r in b.get("districts", [])}
    for r in a.get("districts", []):
        other = districts_b.get(r["code"])
        if other is not None:
            add("Kommundelar", r["name"], r["current"], other["current"])
    return out


def time_pattern(lb: dict[str, Any]) -> dict[str, Any]:
    """The frozen hour × weekday table summed per weekday and per hour (for the page and the DOCX);
    read from the frozen table, not recomputed.

    >>> t = time_pattern({"hours": {"weekdays": ["mån", "tis"], "table": [[1.0, 2.0], [0.5, 0.0]]}})
    >>> t["weekdays"], t["hours"]
    ([('mån', 3.0), ('tis', 0.5)], [(0, 1.5), (1, 2.0)])
    """
    hours = lb.get("hours", {})
    table = hours.get("table", [])
    names = hours.get("weekdays", [])
    per_day = [(name, round(sum(row), 1)) for name, row in zip(names, table, strict=False)]
    per_hour = (
        [(h, round(sum(row[h] for row in table), 1)) for h in range(len(table[0]))] if table else []
    )
    return {"weekdays": per_day, "hours": per_hour}
