"""DOCX exports of a lägesbild and an åtgärdsplan (python-docx), for staff to finish in Word.

Every number is read from the frozen figures (``Lagesbild.figures``), never recomputed, and written with
``core.numbers`` (Swedish decimal comma). A section covered by secrecy (offentlighets- och
sekretesslagen) puts the marking in every page's header.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

from core.numbers import number
from statutory import figures, followups, indicators, maps
from statutory.models import ORDER, Atgardsplan, Lagesbild, Section

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECRECY_MARK = "SEKRETESS enligt offentlighets- och sekretesslagen (2009:400) – delar av dokumentet"


def fmt(value: Any) -> str:
    """A figure as the document prints it: Swedish number, "–" for none.

    >>> fmt(1234), fmt(3.5), fmt(None), fmt("färre än 5")
    ('1\\xa0234', '3,5', '–', 'färre än 5')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return number(value, 1)
    return str(value)


def change(value: float | None) -> str:
    return "–" if value is None else f"{number(value, 1)} %"


def _table(document: DocumentType, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def _new(title: str, secret: bool, landscape: bool = False) -> DocumentType:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(2)
    if secret:
        header = section.header.paragraphs[0]
        header.text = SECRECY_MARK
        for run in header.runs:
            run.bold = True
    document.core_properties.title = title
    document.core_properties.language = "sv-SE"
    return document


def _bytes(document: DocumentType) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def focus_rows(lb: dict[str, Any]) -> list[list[str]]:
    return [
        [
            r["name"] if r["number"] is None else f"{r['number']}. {r['name']}",
            fmt(r["current"]["shown"]),
            fmt(r["previous"]["shown"]),
            change(r["change_pct"]),
        ]
        for r in lb.get("focus_areas", [])
    ]


def area_rows(rows: list[dict[str, Any]], code: bool = True) -> list[list[str]]:
    return [
        [
            f"{r['code']} {r['name']}" if code else r["name"],
            fmt(r["current"]),
            fmt(r["previous"]),
            change(r["change_pct"]),
            fmt(r["residents"]),
            fmt(r["rate"]),
        ]
        for r in rows
    ]


AREA_HEADER = ["Område", "Nu", "Jämförelse", "Förändring", "Folkmängd", "Per 1 000 inv."]


def lagesbild_docx(doc: Lagesbild) -> bytes:
    sections = {s.kind: s for s in doc.sections.all()}
    secret = any(s.secret for s in sections.values())
    document = _new(doc.title, secret)
    fig, lb = doc.figures, doc.figures.get("lagesbild", {})
    document.add_heading(doc.title, 0)
    document.add_paragraph(
        f"Lägesbild enligt lag (2023:196) om kommuners ansvar för brottsförebyggande arbete. "
        f"{doc.municipality.name}, {doc.district.name if doc.district else 'hela kommunen'}. "
        f"Period {doc.date_from} – {doc.date_to}, jämfört med "
        f"{lb.get('comparison', {}).get('from', '')} – {lb.get('comparison', {}).get('to', '')}."
    )
    status = doc.get_status_display()
    if doc.decided_on:
        status += f": {doc.decided_by} {doc.decided_on}, dnr {doc.diarienummer or '–'}"
    document.add_paragraph(f"Status: {status}. Ses över senast {doc.review_by}.")
    if doc.generated:
        document.add_paragraph("Demodata: dokumentet bygger på genererade uppgifter.")
    document.add_paragraph(
        f"Urval: {'; '.join(fig.get('filter', []))}. Siffrorna togs fram {fig.get('made_at', '')}."
    )
    for kind in ORDER:
        section: Section | None = sections.get(kind)
        heading = dict(Section.Kind.choices)[kind]
        document.add_heading(
            str(heading) + (" (sekretess)" if section and section.secret else ""), 1
        )
        if section and section.text:
            for paragraph in section.text.split("\n\n"):
                document.add_paragraph(paragraph)
        if kind == Section.Kind.MAPPING:
            _mapping(document, doc, fig, lb)
        elif kind == Section.Kind.CONSEQUENCES:
            _consequences(document, fig.get("consequences"))
        elif kind == Section.Kind.OTHER:
            _other(document, lb, fig.get("surveys") or {})
        elif kind == Section.Kind.ANALYSIS:
            for problem in doc.problems.all():
                document.add_heading(problem.title, 2)
                for label, text in (
                    ("Problemet", problem.description),
                    ("Situationella orsaker", problem.situational),
                    ("Sociala orsaker", problem.social),
                    ("Individuella orsaker", problem.individual),
                    ("Källor", problem.sources),
                ):
                    p = document.add_paragraph()
                    p.add_run(label + ": ").bold = True
                    p.add_run(text or "–")
    if "followups" in fig:
        _followups(document, fig["followups"])
    return _bytes(document)


def _mapping(
    document: DocumentType, doc: Lagesbild, fig: dict[str, Any], lb: dict[str, Any]
) -> None:
    totals = lb.get("totals", {})
    document.add_paragraph(
        f"Händelser med plats (utan känsliga kategorier): {fmt(totals.get('current'))} "
        f"({fmt(totals.get('previous'))} under jämförelseperioden, {change(totals.get('change_pct'))})."
    )
    document.add_heading("Per fokusområde", 2)
    document.add_paragraph(
        "Känsliga fokusområden redovisas per helt kalenderår ur den fastställda redovisningen; "
        f"värden under {lb.get('k', 5)} visas inte."
    )
    _table(document, ["Fokusområde", "Nu", "Jämförelse", "Förändring"], focus_rows(lb))
    if fig.get("districts"):
        document.add_heading("Per kommundel", 2)
        _table(document, AREA_HEADER, area_rows(fig["districts"], code=False))
    document.add_heading("Per NYKO-område", 2)
    pop = fig.get("population", {})
    note = (
        f"Folkmängd finns för {pop.get('areas_with', 0)} av {pop.get('areas', 0)} områden"
        f" ({', '.join(pop.get('sources', [])) or 'ingen källa'})."
    )
    if pop.get("generated"):
        note += " Folkmängden är genererad demodata."
    document.add_paragraph(note + " Räknar händelser utan känsliga kategorier.")
    _table(document, AREA_HEADER, area_rows(fig.get("areas", [])))
    times = figures.time_pattern(lb)
    if times["weekdays"]:
        document.add_heading("Tidsmönster", 2)
        _table(
            document,
            [name for name, _n in times["weekdays"]],
            [[number(n, 1) for _name, n in times["weekdays"]]],
        )
        busiest = sorted(times["hours"], key=lambda hn: -hn[1])[:3]
        document.add_paragraph(
            "Flest händelser började klockan "
            + ", ".join(f"{h:02d}–{(h + 1) % 24:02d} ({number(n)})" for h, n in busiest)
            + "."
        )
    png = maps.draw(doc)
    if png:
        document.add_heading("Karta: hot spots", 2)
        document.add_picture(io.BytesIO(png), width=Cm(16))
        document.add_paragraph(
            "Rött: hot spots med 90, 95 och 99 procents säkerhet (Gi*), händelser utan känsliga "
            "kategorier; grå linjer: NYKO-områden."
        )
    trends = fig.get("emerging")
    if trends and trends.get("categories"):
        document.add_heading("Framväxande hot spots", 2)
        _table(
            document,
            ["Mönster", "Rutor"],
            [[e["label"], fmt(e["cells"])] for e in trends["categories"]],
        )
    if lb.get("top_cells"):
        document.add_heading("Hot spots", 2)
        _table(
            document,
            ["Plats", "Händelser", "Klass"],
            [[c.get("place") or "–", fmt(c["count"]), c["label"]] for c in lb["top_cells"]],
        )
    if fig.get("focus_hot_spots"):
        document.add_heading("Hot spots per fokusområde", 2)
        rows = []
        for a in fig["focus_hot_spots"]:
            name = f"{a['number']}. {a['name']}"
            if not a["cells"]:
                rows.append([name, fmt(a["incidents"]), "Ingen säker hot spot", "–", "–"])
            for i, c in enumerate(a["cells"]):
                first = i == 0
                rows.append(
                    [
                        name if first else "",
                        fmt(a["incidents"]) if first else "",
                        c["place"] or "–",
                        fmt(c["count"]),
                        c["label"],
                    ]
                )
        _table(document, ["Fokusområde", "Händelser", "Plats", "Händelser i rutan", "Klass"], rows)


CONSEQUENCE_HEADER = ["Händelser", "Med kostnad", "Kostnad (kr)", "Drabbade"]


def _consequence_cells(r: dict[str, Any]) -> list[str]:
    return [fmt(r["incidents"]), fmt(r["with_cost"]), fmt(r["cost"]), fmt(r["victims"])]


def _consequences(document: DocumentType, c: dict[str, Any] | None) -> None:
    """The frozen costs and victims (decision 0807), as the page shows them."""
    if c is None:
        document.add_paragraph(
            "Lägesbilden gjordes innan kostnader ingick i siffrorna: en ny version tar med dem."
        )
        return
    document.add_paragraph(
        "Kostnader (kronor) och antal drabbade ur kommunens egna incidentrapporter, där rapporten "
        "anger dem. Bara händelser med plats utan känsliga kategorier räknas, som i resten av "
        "siffrorna. Summan är ett golv: händelser utan angiven kostnad räknas inte."
    )
    total = c["total"]
    if not (total["with_cost"] or total["with_victims"]):
        document.add_paragraph(
            "Ingen händelse under perioden har en kostnad eller ett antal drabbade angivet: "
            "konsekvenserna kan inte beskrivas med siffror härifrån (inte: inga kostnader)."
        )
        return
    document.add_paragraph(
        f"Kostnad: {fmt(total['cost'])} kr ({fmt(total['with_cost'])} av "
        f"{fmt(total['incidents'])} händelser har en kostnad); drabbade: {fmt(total['victims'])}."
    )
    document.add_heading("Kostnader per kategori", 2)
    _table(
        document,
        ["Kategori", *CONSEQUENCE_HEADER],
        [[r["label"], *_consequence_cells(r)] for r in c["categories"]],
    )
    if c["districts"]:
        document.add_heading("Kostnader per kommundel", 2)
        _table(
            document,
            ["Kommundel", *CONSEQUENCE_HEADER],
            [[r["name"], *_consequence_cells(r)] for r in c["districts"]],
        )


def _other(document: DocumentType, lb: dict[str, Any], surveys: dict[str, Any]) -> None:
    walks = lb.get("walks", {})
    document.add_heading("Trygghetsvandringar", 2)
    document.add_paragraph(
        f"{fmt(walks.get('walks'))} vandringar, {fmt(walks.get('observations'))} observationer, "
        f"andel otryggt {fmt(walks.get('unsafe_share'))} %."
    )
    survey = lb.get("survey", {})
    if survey.get("respondents"):
        document.add_heading("Medborgarenkäten 2015", 2)
        _table(
            document,
            ["Fråga", "Svar", "Medel (0–14)"],
            [[i["label"], fmt(i["n"]), fmt(i["mean"])] for i in survey.get("items", [])],
        )

    document.add_heading("Polisens trygghetsmätning", 2)
    if surveys.get("trygghetsmatning"):
        _table(
            document,
            [
                "Område",
                "År",
                "Problemindex",
                "Trygghetsindex",
                "Utsatthet (%)",
                "Svarande",
                "Källa",
            ],
            [
                [
                    r["area"],
                    str(r["year"]),
                    number(r["values"]["problemindex"], 2),
                    number(r["values"]["trygghetsindex"], 2),
                    number(r["values"]["utsatthet"], 1),
                    fmt(r["respondents"]),
                    r["source"],
                ]
                for r in surveys["trygghetsmatning"]
            ],
        )
    else:
        document.add_paragraph(
            "Ingen trygghetsmätning importerad för området: inget att säga härifrån."
        )
    document.add_heading("Nationella trygghetsundersökningen (NTU)", 2)
    if surveys.get("ntu"):
        _table(
            document,
            ["Nivå", "Område", "År", "Andel oroliga (%)", "Andel utsatta (%)", "Källa"],
            [
                [
                    r["level_label"],
                    r["area"],
                    str(r["year"]),
                    number(r["values"]["andel_oroliga"], 1),
                    number(r["values"]["andel_utsatta"], 1),
                    r["source"],
                ]
                for r in surveys["ntu"]
            ],
        )
    else:
        document.add_paragraph("Inga NTU-resultat importerade: inget att säga härifrån.")


PLAN_HEADER = [
    "Problem",
    "Orsak",
    "Åtgärd",
    "Operativt mål",
    "När",
    "Vem",
    "Uppföljning",
    "Status",
]


def followup_lines(e: dict[str, Any]) -> list[str]:
    """One follow-up's verdict and figures as lines of text (``statutory.followups.summary``)."""
    lines = [f"{e['title']} ({e['periods']}): {e['verdict_text']}"]
    if e.get("res_text"):
        lines.append(e["res_text"])
    lines += [f"{w['label']}: {w['text']}" for w in e.get("wdd", [])]
    if e.get("reading"):
        lines.append(e["reading"])
    lines.append(e["sensitive_text"])
    return lines


def _followups(document: DocumentType, entries: list[dict[str, Any]]) -> None:
    document.add_heading("Uppföljning av åtgärder", 1)
    if not entries:
        document.add_paragraph("Inga effektuppföljningar var avslutade när siffrorna togs fram.")
        return
    document.add_paragraph(
        "Effektuppföljningar vars efterperiod var slut när siffrorna togs fram, utan känsliga "
        "händelser. Kartan: åtgärdsområdet blått, buffertzonen orange, jämförelseområdet grönt."
    )
    for e in entries:
        document.add_heading(e["title"] + (f" ({e['action']})" if e.get("action") else ""), 2)
        png = followups.draw(e)
        if png:
            document.add_picture(io.BytesIO(png), width=Cm(9))
        lines = followup_lines(e)
        p = document.add_paragraph()
        p.add_run(lines[0]).bold = True
        _table(
            document,
            ["Område", "Före", "Efter", "Förändring"],
            [[a["label"], fmt(a["before"]), fmt(a["after"]), a["change_text"]] for a in e["areas"]],
        )
        for line in lines[1:]:
            document.add_paragraph(line)


def plan_docx(plan: Atgardsplan, request: HttpRequest | None = None) -> bytes:
    doc = plan.lagesbild
    secret = doc.sections.filter(secret=True).exists()
    document = _new(plan.title, secret, landscape=True)
    document.add_heading(plan.title, 0)
    status = plan.get_status_display()
    if plan.decided_on:
        status += f": {plan.decided_by} {plan.decided_on}, dnr {plan.diarienummer or '–'}"
    document.add_paragraph(f"Åtgärdsplan utifrån lägesbilden {doc.title}. Status: {status}.")
    if plan.generated:
        document.add_paragraph("Demodata: planen bygger på genererade uppgifter.")
    rows = []
    for row in plan.rows.select_related(
        "problem", "office", "indicator_category", "indicator_area"
    ):
        base, now = indicators.baseline(row), indicators.current(row)
        goal = (
            f"{row.goal}. Mått: {indicators.describe(row)}. Utgångsläge {base.text}; nu {now.text}"
            + (f"; målvärde {fmt(row.target)}" if row.target is not None else "")
        )
        who = row.office.name + (f"; {row.partners}" if row.partners else "")
        measure = row.measure + (" (medborgarlöfte)" if row.citizen_promise else "")
        actions = "; ".join(a.title for a in row.actions.all())
        if actions:
            measure += f". Åtgärder: {actions}"
        follow_up = row.follow_up
        if request is not None:
            for e in followups.live(followups.of_row(row), request):
                follow_up += "\n\n" + "\n".join(followup_lines(e))
        rows.append(
            [
                row.problem.title,
                row.cause,
                measure,
                goal,
                row.when,
                who,
                follow_up,
                row.get_light_display(),
            ]
        )
    _table(document, PLAN_HEADER, rows)
    return _bytes(document)
