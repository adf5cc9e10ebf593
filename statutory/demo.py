"""The demo's statutory documents: generated population, an adopted lägesbild and åtgärdsplan.

Everything made here is marked as demo (``generated``): there is no real population per NYKO area in
the demo's sources, so each area gets a generated one, labelled so on every page that shows a rate.
Called by ``mapapp.demo.load_demo``; running it again creates nothing twice.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.contrib.auth.models import User

from layers.models import IncidentCategory, Municipality, Office, StatisticalArea
from statutory import services
from statutory.models import Atgardsplan, Lagesbild, PlanRow, Population, Problem, Section
from surveys.models import Action

GENERATED_SOURCE = "Genererad demodata (ingen verklig folkmängd per NYKO-område)"

TEXTS = {
    Section.Kind.MAPPING: (
        "Kartläggningen bygger på kommunens egna incidentrapporter och polisens öppna händelser "
        "under de senaste tolv månaderna, jämfört med samma period året innan. Våldet i offentlig "
        "miljö är koncentrerat till stationsområdet kvällstid; skadegörelse och klotter till "
        "Väsby centrum dagtid."
    ),
    Section.Kind.CONSEQUENCES: (
        "Skadegörelse och klotter kostar kommunen sanering varje vecka. Otryggheten kring "
        "stationen gör att många, särskilt kvinnor och äldre, undviker området efter mörkrets inbrott."
    ),
    Section.Kind.OTHER: (
        "Trygghetsvandringarna visar brister i belysning och skymd sikt kring gångtunnlarna. "
        "Medborgarenkäten 2015 gav starkt stöd för att öka tryggheten kring stationsområdet."
    ),
    Section.Kind.ANALYSIS: (
        "Analysen har gjorts av samordnaren tillsammans med polisen och bostadsbolaget. "
        "Två problem prioriteras."
    ),
}

PROBLEMS = (
    {
        "title": "Våld och otrygghet kring stationen kvällstid",
        "description": "Misshandel, rån och hot ökar kring stationen, främst fredag och lördag kväll.",
        "situational": "Mörka gångtunnlar, skymd sikt, samlingsplatser utan vuxennärvaro, "
        "alkoholservering sent.",
        "social": "Unga utan fritidssysselsättning kvällstid; svag informell kontroll.",
        "individual": "En mindre grupp återkommande personer står för en stor del av händelserna.",
        "sources": "Kommunens incidentrapporter, polisens händelser, trygghetsvandring, "
        "medborgarenkäten 2015.",
    },
    {
        "title": "Skadegörelse och klotter i Väsby centrum",
        "description": "Återkommande skadegörelse och klotter på fasader och i gångstråk.",
        "situational": "Ytor utan insyn, långsam sanering.",
        "social": "Låg upplevd ägarskap till offentliga ytor.",
        "individual": "",
        "sources": "Kommunens incidentrapporter och saneringsuppgifter.",
    },
)


def generate_population(municipality: Municipality, year: int) -> int:
    """A generated population per NYKO area for ``year`` (deterministic from the area code)."""
    made = 0
    for area in StatisticalArea.objects.filter(municipality=municipality):
        seed = int(hashlib.sha256(area.code.encode()).hexdigest()[:8], 16)
        residents = 300 + seed % 3700
        _row, created = Population.objects.get_or_create(
            area=area,
            year=year,
            defaults={
                "municipality": municipality,
                "residents": residents,
                "source": GENERATED_SOURCE,
                "generated": True,
            },
        )
        made += int(created)
    return made


def generate_costs(municipality: Municipality) -> int:
    """Sanering costs on two of three generated klotter and skadegörelse incidents without one:
    1 500–30 000 kr, deterministic from the id. Only generated incidents get them (demo data)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE layers_incident AS i SET cost = 1500 + (i.id * 7919) %% 28500
            FROM layers_incidentcategory AS c
            WHERE c.id = i.category_id AND c.code IN ('klotter', 'skadegorelse')
              AND i.municipality_id = %s AND i.generated AND i.cost IS NULL AND i.id %% 3 <> 0
            """,
            [municipality.pk],
        )
        return int(cursor.rowcount)


def generate_surveys(municipality: Municipality, year: int) -> None:
    """A generated trygghetsmätning per district and NTU figures for the LPO, region and country,
    for ``year`` (deterministic, marked generated and said so in the source)."""
    from layers.models import District
    from statutory.models import SurveyResult

    source = "Genererad demodata, inte polisens eller Brås siffror"
    for d in District.objects.filter(municipality=municipality):
        seed = int(hashlib.sha256(d.code.encode()).hexdigest()[:8], 16)
        SurveyResult.objects.get_or_create(
            municipality=municipality,
            kind=SurveyResult.Kind.TRYGGHETSMATNING,
            level=SurveyResult.Level.AREA,
            area=d.name,
            year=year,
            defaults={
                "district": d,
                "values": {
                    "problemindex": round(1.5 + (seed % 150) / 100, 2),
                    "trygghetsindex": round(2.5 + (seed % 120) / 100, 2),
                    "utsatthet": round(4 + (seed % 90) / 10, 1),
                },
                "respondents": 200 + seed % 300,
                "source": source,
                "generated": True,
            },
        )
    for level, area, worried, exposed in (
        (SurveyResult.Level.LPO, "LPO Sollentuna/Upplands Väsby", 29.5, 22.8),
        (SurveyResult.Level.REGION, "Polisregion Stockholm", 31.0, 24.1),
        (SurveyResult.Level.COUNTRY, "Riket", 27.4, 21.6),
    ):
        SurveyResult.objects.get_or_create(
            municipality=municipality,
            kind=SurveyResult.Kind.NTU,
            level=level,
            area=area,
            year=year,
            defaults={
                "values": {"andel_oroliga": worried, "andel_utsatta": exposed},
                "source": source,
                "generated": True,
            },
        )


def load(municipality: Municipality, today: date) -> Lagesbild | None:
    """An adopted lägesbild of the twelve months before this month, and an adopted plan from it."""
    generate_population(municipality, today.year - 1)
    generate_costs(municipality)
    generate_surveys(municipality, today.year - 1)
    if Lagesbild.objects.filter(municipality=municipality, generated=True).exists():
        return None
    coordinator = User.objects.filter(username="samordnare").first()
    if coordinator is None:
        return None
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(year=end.year - 1) + timedelta(days=1)
    doc = services.create_lagesbild(
        coordinator,
        municipality=municipality,
        title=f"Lägesbild Upplands Väsby {end.year} (demo)",
        district=None,
        date_from=start,
        date_to=end,
        compare=Lagesbild.Compare.YEAR,
        review_by=None,
        generated=True,
    )
    for kind, text in TEXTS.items():
        services.write_section(coordinator, doc.sections.get(kind=kind), text, secret=False)
    problems = [
        services.write_problem(coordinator, Problem(lagesbild=doc), **texts) for texts in PROBLEMS
    ]
    services.adopt(
        doc,
        decided_by="Kommunstyrelsen (demo)",
        decided_on=today - timedelta(days=10),
        diarienummer="KS DEMO-1",
    )
    _plan(municipality, doc, problems, coordinator, today)
    return doc


def _busiest(doc: Lagesbild, code: str) -> StatisticalArea | None:
    counts = doc.figures.get("indicator_base", {}).get("incidents", {})
    ranked = sorted(counts.items(), key=lambda kv: -kv[1].get(code, 0))
    if not ranked or not ranked[0][1].get(code):
        return None
    return StatisticalArea.objects.filter(pk=int(ranked[0][0])).first()


def _plan(
    municipality: Municipality,
    doc: Lagesbild,
    problems: list[Problem],
    coordinator: User,
    today: date,
) -> None:
    offices = list(Office.objects.filter(municipality=municipality, kind=Office.Kind.OFFICE))
    if not offices:
        return
    plan = Atgardsplan.objects.create(
        municipality=municipality,
        lagesbild=doc,
        title=f"Åtgärdsplan Upplands Väsby {doc.date_to.year} (demo)",
        created_by=coordinator,
        generated=True,
    )
    actions = list(Action.objects.filter(municipality=municipality).order_by("pk")[:4])
    category = {
        c.code: c for c in IncidentCategory.objects.filter(code__in=["misshandel", "klotter"])
    }
    rows = [
        PlanRow(
            plan=plan,
            problem=problems[0],
            cause="Mörka gångtunnlar och skymd sikt vid stationen.",
            measure="Ny belysning och siktröjning i gångtunnlarna vid stationen.",
            goal="Färre misshandelsfall vid stationen",
            indicator=PlanRow.Indicator.INCIDENTS,
            indicator_category=category.get("misshandel"),
            indicator_area=_busiest(doc, "misshandel"),
            when="Första halvåret",
            office=offices[0],
            partners="Polisen, Väsbyhem",
            follow_up="Kvartalsvis i BRÅ: händelser per kvartal mot utgångsläget.",
            light=PlanRow.Light.GREEN,
        ),
        PlanRow(
            plan=plan,
            problem=problems[0],
            cause="Samlingsplatser utan vuxennärvaro kvällstid.",
            measure="Fältassistenter och polis i området fredag och lördag kväll (medborgarlöfte).",
            goal="Lägre andel otryggt vid trygghetsvandringar",
            indicator=PlanRow.Indicator.UNSAFE,
            when="Hela året",
            office=offices[min(1, len(offices) - 1)],
            partners="Polisen, föreningar",
            follow_up="Trygghetsvandring vår och höst; andel otryggt.",
            light=PlanRow.Light.YELLOW,
            citizen_promise=True,
        ),
        PlanRow(
            plan=plan,
            problem=problems[1],
            cause="Långsam sanering och ytor utan insyn.",
            measure="Sanering av klotter inom 24 timmar i centrum.",
            goal="Färre klotteranmälningar i centrum",
            indicator=PlanRow.Indicator.INCIDENTS,
            indicator_category=category.get("klotter"),
            indicator_area=_busiest(doc, "klotter"),
            when="Löpande",
            office=offices[-1],
            partners="Fastighetsägare",
            follow_up="Månadsvis rapport om saneringstider; kvartalsvis i BRÅ.",
            light=PlanRow.Light.GREEN,
        ),
    ]
    for i, row in enumerate(rows):
        if row.indicator == PlanRow.Indicator.INCIDENTS and row.indicator_category is None:
            row.indicator = PlanRow.Indicator.UNSAFE
        row.save()
        row.actions.set(actions[i : i + 2])
    services.adopt(
        plan,
        decided_by="Kommunstyrelsen (demo)",
        decided_on=today - timedelta(days=3),
        diarienummer="KS DEMO-2",
    )
