"""Territoriality and ownership (revir och ansvar): a criterion that exists only inside detaljplaner.

It reads the plan's own regulations (``Context.plan``): which land is kvartersmark (the property owner
answers for it) and which is allmän plats (its huvudman answers for it), whether the plan says who the
huvudman is, and whether public paths cross the residential blocks' courtyards. Formula, thresholds and
sources: docs/method.md, "Revir och ansvar".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPolygon, box  # noqa: F401  (doctests)
from shapely.geometry.base import BaseGeometry

from geo import swedish as sv
from geo.criteria import osm
from geo.criteria.base import FASTIGHETSAGARE, SAMHALLSBYGGNAD, CriterionResult, Measure
from geo.criteria.context import Context
from geo.criteria.inputs import INPUTS, neutral, without_data
from geo.criteria.network import union_lines

KVARTERSMARK = "kvartersmark"
ALLMAN_PLATS = "allmän plats"
VATTEN = "vattenområde"
RESIDENTIAL_CODES = {"B", "C"}  # bostäder, centrum (housing above premises)
EDGE_M = 3.0  # a path within this of a block's edge runs along it (a sidewalk), not into it
THROUGH_MIN_M = 20.0  # a path that enters and leaves a block this far apart crosses its courtyard
STATED_WEIGHT = 0.5  # the rest is the share of residential blocks without a through path

# Boverket's codes: kvartersmark is one capital letter (B, C, … , with a digit for a subtype),
# vattenområde W, allmän plats a word (GATA, TORG, PARK, NATUR …).
_LETTER = re.compile(r"^[A-ZÅÄÖ]\d*$")
# Who is huvudman, read from a regulation's wording (the catalogue's "Huvudmannaskapet är enskilt för
# den allmänna platsen", older plans' administrativ bestämmelse "Kommunen är (inte) huvudman …").
_NOT_MUNICIPAL = re.compile(r"kommunen\s+(är\s+)?(inte|ej)\s+(vara\s+)?huvudman", re.IGNORECASE)
_MUNICIPAL = re.compile(r"kommunen\s+(är|ska\s+vara)\s+huvudman|kommunalt\s+huvudmannaskap", re.I)
_PRIVATE = re.compile(r"huvudmannaskap(et)?\s+är\s+enskilt|enskilt\s+huvudmannaskap", re.I)
_PASSAGE = re.compile(r"allmännyttig\s+gång", re.IGNORECASE)


def zone_form(codes: set[str]) -> str | None:
    """Kvartersmark, allmän plats or vattenområde by a zone's use codes (None when unknown or mixed).

    >>> zone_form({"B"}), zone_form({"R", "S"}), zone_form({"GATA"}), zone_form({"W"}), zone_form(set())
    ('kvartersmark', 'kvartersmark', 'allmän plats', 'vattenområde', None)
    """
    if not codes:
        return None
    letters = {c for c in codes if _LETTER.match(c)}
    if letters and letters == codes:
        return VATTEN if {c[0] for c in codes} == {"W"} else KVARTERSMARK
    return ALLMAN_PLATS if not letters else None


def huvudman(regulations: Sequence[Mapping[str, Any]]) -> str | None:
    """Who the regulations say is huvudman for allmän plats: "kommunalt", "enskilt" or None.

    A regulation of kind ``huvudman`` names the party (the municipality, or someone else: enskilt);
    otherwise the catalogue entry (``DP_AP_Eg_Huvudman…``) or the wording decides.

    >>> huvudman([{"kind": "administrativ", "text": "Kommunen är inte huvudman för allmän plats."}])
    'enskilt'
    >>> huvudman([{"kind": "huvudman", "text": "Upplands Väsby kommun"}])
    'kommunalt'
    >>> huvudman([{"kind": "egenskap", "type": "DP_AP_Eg_Huvudman_EnskiltHuvudm_Enskilt", "text": ""}])
    'enskilt'
    >>> huvudman([{"kind": "egenskap", "text": "Högsta nockhöjd är 12 meter."}]) is None
    True
    """
    for r in regulations:
        text = str(r.get("text", ""))
        kind = str(r.get("kind", "")).lower()
        if kind == "huvudman" and text.strip():
            return (
                "kommunalt"
                if re.search(r"kommun", text, re.I) and not _NOT_MUNICIPAL.search(text)
                else "enskilt"
            )
        if str(r.get("type", "")).startswith("DP_AP_Eg_Huvudman") or _PRIVATE.search(text):
            return "enskilt"
        if _NOT_MUNICIPAL.search(text):
            return "enskilt"
        if _MUNICIPAL.search(text):
            return "kommunalt"
    return None


def is_planned_passage(regulations: Sequence[Mapping[str, Any]]) -> bool:
    """An x-area: land reserved for public walking across kvartersmark (a planned through path).

    >>> is_planned_passage([{"code": "x1", "text": "Markreservat för allmännyttig gångtrafik."}])
    True
    >>> is_planned_passage([{"code": "e1", "text": "Största byggnadsarea är 500 m²."}])
    False
    """
    return any(
        re.fullmatch(r"x\d*", str(r.get("code", "")).strip(), re.I)
        or _PASSAGE.search(str(r.get("text", "")))
        for r in regulations
    )


def through_paths(block: BaseGeometry, network: BaseGeometry) -> list[BaseGeometry]:
    """The parts of ``network`` that cross ``block``: connected pieces inside it (3 m in from its edge)
    that enter and leave it at least 20 m apart. A path along the edge, or one that only leads in to a
    door, does not cross.

    >>> block = box(0, 0, 60, 40)
    >>> [round(g.length) for g in through_paths(block, LineString([(-10, 20), (70, 20)]))]
    [54]
    >>> through_paths(block, LineString([(-10, 20), (15, 20)]))  # a path in to a door
    []
    """
    inner = block.buffer(-EDGE_M)
    if inner.is_empty or network.is_empty:
        return []
    inside = network.intersection(inner)
    if inside.is_empty:
        return []
    edge = inner.boundary
    out: list[BaseGeometry] = []
    lines = [g for g in shapely.get_parts(inside) if g.geom_type == "LineString" and g.length > 0]
    for component in _components(lines):
        ends = [
            shapely.Point(c)
            for g in shapely.get_parts(component)
            if g.geom_type == "LineString"
            for c in (g.coords[0], g.coords[-1])
        ]
        at_edge = [p for p in ends if p.distance(edge) <= 0.5]
        if any(
            a.distance(b) >= THROUGH_MIN_M for i, a in enumerate(at_edge) for b in at_edge[i + 1 :]
        ):
            out.append(component)
    return out


def _components(lines: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """Lines grouped into connected pieces (touching within 0.1 m)."""
    if not lines:
        return []
    blobs = shapely.get_parts(shapely.unary_union([g.buffer(0.1, quad_segs=1) for g in lines]))
    tree = shapely.STRtree(lines)
    return [
        shapely.unary_union([lines[int(i)] for i in tree.query(b, predicate="intersects")])
        for b in blobs
    ]


def _crossings(
    ctx: Context, blocks: list[tuple[BaseGeometry, Mapping[str, Any]]]
) -> tuple[list[BaseGeometry], float, float, int, int]:
    """The public paths through the residential blocks: (the paths found, the area of the blocks
    crossed, the area of all blocks, planned passages, blocks crossed)."""
    network = union_lines([g for g, _ in ctx.walkable()])
    crossed: list[BaseGeometry] = []
    crossed_area = block_area = 0.0
    passages = n_crossed = 0
    for part, p in blocks:
        block_area += float(part.area)
        found = through_paths(part, network)
        planned = is_planned_passage(list(p.get("regulations") or []))
        passages += int(planned)
        if found or planned:
            n_crossed += 1
            crossed_area += float(part.area)
            crossed.extend(found)
    return crossed, crossed_area, block_area, passages, n_crossed


def _keeper_text(keepers: Mapping[str, float]) -> str:
    """Who keeps the allmän plats, in words, from the area each kind of huvudman keeps."""
    if keepers["kommunalt"] and keepers["enskilt"]:
        return "kommunen eller en enskild huvudman"
    if keepers["enskilt"]:
        return "en enskild huvudman"
    return "kommunen som huvudman"


def territoriality(ctx: Context) -> CriterionResult:
    """Clear boundaries and a clear owner for every part of the plan, and courtyards that are not
    through routes. It exists only inside a detaljplan: it reads the plan's regulations.

    S = the share of the plan area whose keeper the plan makes clear: kvartersmark and vattenområde
    (the property owner), allmän plats whose huvudman the zone's or the plan's regulations state, or
    the law does (``PlanEvidence.huvudman_default``); a zone without a use code is unclear.
    C = the share of the residential blocks' area (B, C) that no public path crosses (a walkable way
    entering and leaving the block at least 20 m apart, or an x-area for public walking).
    value = 100 × (0.5 × S + 0.5 × C), or 100 × S when the plan has no residential blocks.

    >>> from geo.criteria.context import PlanEvidence
    >>> zones = [(box(0, 0, 100, 100), {"use_code": "B", "regulations": []}),
    ...          (box(100, 0, 120, 100), {"use_code": "GATA", "regulations": []})]
    >>> ctx = Context(area=box(0, 0, 120, 100), study=box(-50, -50, 170, 150),
    ...     paths=[(LineString([(-10, 50), (110, 50)]), {"highway": "footway"})],
    ...     plan=PlanEvidence(zones=zones))
    >>> r = territoriality(ctx)  # the street (2 000 m² of 12 000) has no huvudman; a path crosses the block
    >>> r.evidence["responsibility_stated_share"], r.evidence["blocks_with_through_paths"], r.value
    (0.833, 1, 41.7)
    """
    missing = without_data(ctx, "territoriality", {"zones": 0})
    if missing is not None:
        return missing
    plan = ctx.plan
    assert plan is not None  # present() says so
    default = huvudman(plan.regulations) or plan.huvudman_default
    area_total = stated = 0.0
    by_form = {KVARTERSMARK: 0.0, ALLMAN_PLATS: 0.0, VATTEN: 0.0}
    keepers = {"kommunalt": 0.0, "enskilt": 0.0}
    unclear: list[BaseGeometry] = []
    unclear_allman = 0.0
    no_code = 0
    blocks: list[tuple[BaseGeometry, Mapping[str, Any]]] = []
    for g, p in plan.zones:
        part = g.intersection(ctx.area)
        a = float(part.area)
        if a <= 0:
            continue
        area_total += a
        codes = osm.use_codes(p)
        form = zone_form(codes)
        regs = list(p.get("regulations") or [])
        if form is None:
            no_code += 1
            unclear.append(part)
            continue
        by_form[form] += a
        if form == ALLMAN_PLATS:
            keeper = huvudman(regs) or default
            if keeper is None:
                unclear_allman += a
                unclear.append(part)
                continue
            keepers[keeper] += a
        stated += a
        if form == KVARTERSMARK and codes & RESIDENTIAL_CODES:
            blocks.append((part, p))
    if area_total <= 0:  # zones that miss the plan area say nothing of it
        return neutral("territoriality", [INPUTS["plan"]], {"zones": len(plan.zones)})
    s_share = stated / area_total
    crossed, crossed_area, block_area, passages, n_crossed = _crossings(ctx, blocks)
    c_share = 1 - crossed_area / block_area if block_area else None
    value = 100 * (
        STATED_WEIGHT * s_share + (1 - STATED_WEIGHT) * c_share if c_share is not None else s_share
    )
    through_m = float(union_lines(crossed).length)
    evidence: dict[str, object] = {
        "zones": len(plan.zones),
        "plan_area_m2": round(area_total, 1),
        "responsibility_stated_share": round(s_share, 3),
        "kvartersmark_m2": round(by_form[KVARTERSMARK], 1),
        "allman_plats_m2": round(by_form[ALLMAN_PLATS], 1),
        "huvudman_kommunalt_m2": round(keepers["kommunalt"], 1),
        "huvudman_enskilt_m2": round(keepers["enskilt"], 1),
        "huvudman_not_stated_m2": round(unclear_allman, 1),
        "huvudman_by_law": plan.huvudman_default,
        "zones_without_code": no_code,
        "residential_blocks": len(blocks),
        "blocks_with_through_paths": n_crossed,
        "planned_passages": passages,
        "through_path_length_m": round(through_m, 1),
    }
    keeper_text = _keeper_text(keepers)
    parts = [
        f"{sv.percent(s_share)} av planområdet har en utpekad ansvarig (kvartersmarken "
        f"fastighetsägaren, den allmänna platsen {keeper_text})"
    ]
    if unclear_allman:
        parts.append(
            f"för {sv.unit(unclear_allman / 10_000, 'ha', 1)} allmän plats anger planen ingen "
            "huvudman"
        )
    if no_code:
        parts.append(
            "användningskod saknas för "
            + sv.count(no_code, "användningsområde", "användningsområden")
        )
    if len(blocks) == 1:
        parts.append(
            f"{'en' if n_crossed else 'ingen'} allmän gångväg går tvärs över bostadskvarterets gård"
        )
    elif blocks:
        head = "inget" if n_crossed == 0 else sv.number(n_crossed)
        parts.append(
            f"en allmän gångväg går tvärs över gården i {head} av "
            + sv.count(len(blocks), "bostadskvarter", "bostadskvarter")
        )
    why = (
        "Kriteriet bygger på detaljplanens bestämmelser och finns bara inom planer: "
        + "; ".join(parts)
        + "."
    )
    measures: list[Measure] = []
    if unclear_allman or no_code:
        measures.append(
            Measure(
                "Ange i planen vem som är huvudman för varje allmän plats och vem som sköter den, "
                "och ge varje område en användning.",
                SAMHALLSBYGGNAD,
            )
        )
    if n_crossed:
        measures.append(
            Measure(
                "Led gångstråken runt kvarteren i stället för över bostadsgårdarna.",
                SAMHALLSBYGGNAD,
            )
        )
        measures.append(
            Measure(
                "Markera gränsen mellan gård och allmän plats med portik, grind, häck eller "
                "belysning, och ge gården en tydlig förvaltare.",
                FASTIGHETSAGARE,
            )
        )
    return CriterionResult(
        "territoriality",
        value,
        evidence,
        why,
        measures,
        {"unclear_responsibility": unclear, "through_courtyards": crossed},
        "hög" if plan.huvudman_default or not unclear_allman else "medel",
    )
