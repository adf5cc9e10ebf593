"""The kept lägesbild and its åtgärdsplan: frozen figures, versions, roles, municipality scope, exports."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from docx import Document

from statutory import services
from statutory.models import Atgardsplan, Lagesbild, PlanRow, Problem, Section, Status, TextRevision
from surveys.models import Action
from tests.factories import MunicipalityFactory, in_published_year, square
from tests.statutory.conftest import A_POINT, B_POINT, Town, login

pytestmark = pytest.mark.django_db


def last_12_months() -> dict[str, Any]:
    today = timezone.localdate()
    return {"date_from": today - datetime.timedelta(days=364), "date_to": today}


def make_doc(town: Town, **extra: Any) -> Lagesbild:
    fields = {
        "municipality": town.municipality,
        "title": "Lägesbild Centrala",
        "district": town.district,
        **last_12_months(),
        **extra,
    }
    return services.create_lagesbild(town.coordinator, **fields)


def area_row(doc: Lagesbild, code: str) -> dict[str, Any]:
    return next(r for r in doc.figures["areas"] if r["code"] == code)


def without_time(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k != "made_at"}


def test_counts_and_rates_per_nyko_area(town: Town) -> None:
    doc = make_doc(town)

    a, b = area_row(doc, "1101"), area_row(doc, "1102")
    assert (a["current"], a["residents"], a["rate"]) == (4, 2000, 2.0)  # 4 per 2 000 residents
    assert (b["current"], b["residents"], b["rate"]) == (1, None, None)  # no population: no rate
    assert doc.figures["indicator_base"]["incidents"][str(town.area_a.pk)] == {"misshandel": 4}
    assert doc.figures["indicator_base"]["walks"][str(town.area_a.pk)] == [1, 1]
    assert doc.review_by > doc.date_to
    assert doc.figures["map"]["cell_m"] > 0 and doc.figures["emerging"]["months"] >= 12
    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert 'data-testid="doc-map"' in page and "data:image/png;base64," in page
    assert [s.kind for s in doc.sections.order_by("pk")] == [
        "kartlaggning",
        "konsekvenser",
        "annan",
        "analys",
    ]


def test_frozen_figures_do_not_change_and_a_new_version_shows_the_difference(town: Town) -> None:
    doc = make_doc(town)
    frozen = dict(doc.figures)
    for _ in range(3):
        town.incident(B_POINT)

    doc.refresh_from_db()
    assert doc.figures == frozen
    with pytest.raises(ValueError):
        from statutory.figures import make

        make(doc)
    newer = services.new_version(town.coordinator, doc)
    assert area_row(newer, "1102")["current"] == 4
    response = login(town.bra).get(
        f"/lagesbild/dokument/{doc.pk}/jamfor/{newer.pk}/", {"format": "json"}
    )
    rows = {r["label"]: r for r in response.json()["rows"]}
    assert rows["1102 Östra centrum"]["diff"] == 3
    assert rows["1101 Västra centrum"]["diff"] == 0
    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/jamfor/{newer.pk}/")
    assert page.status_code == 200 and "Östra centrum" in page.content.decode()


def test_two_versions_differing_by_one_sensitive_incident_differ_in_nothing(town: Town) -> None:
    """A BRÅ member compares two lägesbilder made before and after one sensitive incident: in the
    published year (a late report) and in the current year. Nothing differs, so nothing is revealed."""
    doc = make_doc(town, district=None)
    a_before = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/siffror.json").json()
    late = in_published_year(12, 20)
    if late.date() >= doc.date_from:
        town.incident(A_POINT, town.sensitive, when=late)
    town.incident(A_POINT, town.sensitive)  # three days ago
    newer = services.new_version(town.coordinator, doc)

    bra = login(town.bra)
    a = bra.get(f"/lagesbild/dokument/{doc.pk}/siffror.json").json()["figures"]
    b = bra.get(f"/lagesbild/dokument/{newer.pk}/siffror.json").json()["figures"]
    rows = bra.get(f"/lagesbild/dokument/{doc.pk}/jamfor/{newer.pk}/", {"format": "json"}).json()

    assert a == a_before["figures"]
    assert without_time(a) == without_time(b)
    assert all(r["diff"] in (0, None) for r in rows["rows"])
    assert any(r["sensitive"] for r in a["lagesbild"]["focus_areas"])


def test_the_comparison_can_fail_a_non_sensitive_incident_shows(town: Town) -> None:
    doc = make_doc(town, district=None)
    town.incident(A_POINT)
    newer = services.new_version(town.coordinator, doc)

    assert without_time(doc.figures) != without_time(newer.figures)


def test_texts_are_kept_with_who_and_when_and_adopted_documents_are_locked(town: Town) -> None:
    doc = make_doc(town)
    coordinator = login(town.coordinator)
    for text in ("Första utkastet.", "Andra utkastet."):
        r = coordinator.post(
            f"/lagesbild/dokument/{doc.pk}/avsnitt/analys/", {"text": text, "secret": "on"}
        )
        assert r.status_code == 302
    r = coordinator.post(
        f"/lagesbild/dokument/{doc.pk}/problem/ny/",
        {
            "title": "Misshandel vid stationen",
            "situational": "Mörk gångtunnel",
            "sources": "Polisen",
        },
    )
    assert r.status_code == 302
    revisions = list(TextRevision.objects.filter(lagesbild=doc).order_by("pk"))
    assert [r.text for r in revisions[:2]] == ["Första utkastet.", "Andra utkastet."]
    assert all(r.by == town.coordinator and r.at for r in revisions)
    assert {r.what.split(":")[-1] for r in revisions[2:]} == {"title", "situational", "sources"}

    r = coordinator.post(
        f"/lagesbild/dokument/{doc.pk}/faststall/",
        {"decided_by": "Kommunstyrelsen", "decided_on": "2026-12-01", "diarienummer": "KS/2026:12"},
    )
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.status == Status.ADOPTED and doc.diarienummer == "KS/2026:12"
    r = coordinator.post(f"/lagesbild/dokument/{doc.pk}/avsnitt/analys/", {"text": "x"})
    assert r.status_code == 400 and "status" in r.content.decode()


def test_roles_and_municipality_scope(town: Town) -> None:
    doc = make_doc(town)
    bra = login(town.bra)
    assert bra.get(f"/lagesbild/dokument/{doc.pk}/").status_code == 200
    assert bra.post("/lagesbild/dokument/ny/", {"title": "x"}).status_code == 403
    assert (
        bra.post(
            f"/lagesbild/dokument/{doc.pk}/faststall/",
            {"decided_by": "KS", "decided_on": "2026-12-01"},
        ).status_code
        == 403
    )
    assert (
        bra.post(f"/lagesbild/dokument/{doc.pk}/kommentar/", {"text": "Bra analys"}).status_code
        == 302
    )
    assert doc.comments.get().by == town.bra

    other = MunicipalityFactory(kommunkod="0115", name="Vallentuna", boundary=square(0, 0, 10))
    theirs = Lagesbild.objects.create(
        municipality=other, title="Deras", date_from=doc.date_from, date_to=doc.date_to
    )
    from layers.models import Membership

    Membership.objects.create(user=town.coordinator, municipality=town.municipality)
    coordinator = login(town.coordinator)
    for url in (
        f"/lagesbild/dokument/{theirs.pk}/",
        f"/lagesbild/dokument/{theirs.pk}/siffror.json",
        f"/lagesbild/dokument/{theirs.pk}/lagesbild.docx",
        f"/lagesbild/dokument/{doc.pk}/jamfor/{theirs.pk}/",
    ):
        assert coordinator.get(url).status_code == 404, url


def test_bad_input_names_the_field(town: Town) -> None:
    r = login(town.coordinator).post(
        "/lagesbild/dokument/ny/",
        {"title": "x", "date_from": "2026-05-01", "date_to": "2026-01-01", "compare": "year"},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 400 and "date_to" in r.json()["fields"]


def adopted_plan(town: Town) -> tuple[Lagesbild, Atgardsplan, Problem]:
    doc = make_doc(town)
    problem = Problem.objects.create(lagesbild=doc, title="Misshandel i Västra centrum")
    services.adopt(
        doc, decided_by="Kommunstyrelsen", decided_on=timezone.localdate(), diarienummer="1"
    )
    plan = Atgardsplan.objects.create(
        municipality=town.municipality,
        lagesbild=doc,
        title="Åtgärdsplan",
        created_by=town.coordinator,
    )
    return doc, plan, problem


def test_an_operativt_mal_starts_from_the_frozen_figures_and_follows_the_data(town: Town) -> None:
    _doc, plan, problem = adopted_plan(town)
    coordinator = login(town.coordinator)
    action = Action.objects.create(
        municipality=town.municipality, office=town.office, title="Ny belysning"
    )
    r = coordinator.post(
        f"/lagesbild/dokument/atgardsplan/{plan.pk}/rad/ny/",
        {
            "problem": problem.pk,
            "cause": "Mörkt",
            "measure": "Belysning",
            "goal": "Halvera misshandel",
            "indicator": "handelser",
            "indicator_category": town.misshandel.pk,
            "indicator_area": town.area_a.pk,
            "target": "0.5",
            "when": "2027",
            "office": town.office.pk,
            "partners": "Polisen",
            "follow_up": "Varje kvartal i BRÅ",
            "light": "gron",
            "actions": [action.pk],
        },
    )
    assert r.status_code == 302, r.content
    data = coordinator.get(f"/lagesbild/dokument/atgardsplan/{plan.pk}/matt.json").json()
    (row,) = data["rows"]
    assert row["baseline"]["basis"] == 4
    assert row["baseline"]["value"] == round(4 * 365.25 / 4 / 365, 1)
    assert row["current"]["value"] == 4.0
    town.incident(A_POINT)
    town.incident(B_POINT)  # another area: not counted
    (after,) = coordinator.get(f"/lagesbild/dokument/atgardsplan/{plan.pk}/matt.json").json()[
        "rows"
    ]
    assert after["current"]["value"] == 5.0 and after["baseline"] == row["baseline"]


def test_a_sensitive_category_cannot_be_an_indicator(town: Town) -> None:
    _doc, plan, problem = adopted_plan(town)
    r = login(town.coordinator).post(
        f"/lagesbild/dokument/atgardsplan/{plan.pk}/rad/ny/",
        {
            "problem": problem.pk,
            "cause": "x",
            "measure": "x",
            "goal": "x",
            "indicator": "handelser",
            "indicator_category": town.sensitive.pk,
            "when": "2027",
            "office": town.office.pk,
            "follow_up": "x",
            "light": "gron",
        },
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 400 and "indicator_category" in r.json()["fields"]


def test_docx_holds_every_section_and_row_with_the_frozen_figures(town: Town) -> None:
    doc, plan, problem = adopted_plan(town)
    Section.objects.filter(lagesbild=doc, kind="analys").update(text="Analysen.", secret=True)
    PlanRow.objects.create(
        plan=plan,
        problem=problem,
        cause="Mörkt",
        measure="Belysning",
        goal="Färre",
        indicator="otryggt",
        when="2027",
        office=town.office,
        follow_up="Kvartalsvis",
    )
    bra = login(town.bra)

    r = bra.get(f"/lagesbild/dokument/{doc.pk}/lagesbild.docx")
    document = Document(io.BytesIO(r.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for title in ("Kartläggning", "Konsekvenser", "Annan information", "Analys (sekretess)"):
        assert title in headings
    assert problem.title in headings
    assert "SEKRETESS" in document.sections[0].header.paragraphs[0].text
    assert len(document.inline_shapes) == 1  # the map
    nyko = next(
        t
        for t in document.tables
        if t.rows[0].cells[0].text == "Område"
        and any(c.text.startswith("1101") for row in t.rows for c in row.cells)
    )
    cells = {row.cells[0].text: [c.text for c in row.cells] for row in nyko.rows[1:]}
    frozen = area_row(doc, "1101")
    assert cells["1101 Västra centrum"][1] == str(frozen["current"])
    assert cells["1101 Västra centrum"][5] == "2,0"

    r = bra.get(f"/lagesbild/dokument/atgardsplan/{plan.pk}/atgardsplan.docx")
    table = Document(io.BytesIO(r.content)).tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Problem", "Orsak", "Åtgärd"]
    assert len(table.rows) == 2 and table.rows[1].cells[0].text == problem.title
