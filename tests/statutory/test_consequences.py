"""Konsekvenser: costs and victims frozen per category and district, non-sensitive only (decision 0807)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from geo.crs import STORAGE_SRID
from layers.models import Incident
from tests.factories import IncidentFactory
from tests.statutory.conftest import A_POINT, B_POINT, Town, login
from tests.statutory.test_documents import make_doc


def costed(town: Town, where: tuple[float, float], category: object, cost: str, victims=None):  # type: ignore[no-untyped-def]
    return IncidentFactory(
        municipality=town.municipality,
        category=category,
        location=Point(*where, srid=STORAGE_SRID),
        occurred_from=timezone.now() - timezone.timedelta(days=5),
        cost=Decimal(cost),
        victims=victims,
    )


def scene(town: Town) -> None:
    costed(town, B_POINT, town.klotter, "4200")
    costed(town, A_POINT, town.klotter, "1850.50")
    costed(town, A_POINT, town.misshandel, "0", victims=2)
    # A sensitive incident with a cost: never in the figures.
    costed(town, A_POINT, town.sensitive, "99999", victims=1)


@pytest.mark.django_db
def test_costs_are_frozen_per_category_and_district_without_sensitive_incidents(
    town: Town,
) -> None:
    scene(town)
    doc = make_doc(town, district=None, title="Hela kommunen")
    c = doc.figures["consequences"]

    assert c["sensitive_included"] is False
    assert c["total"] == {
        "incidents": 8,  # 5 of the town + 3 here; the sensitive one not counted
        "with_cost": 3,
        "cost": 6051,  # 4 200 + 1 850,50 + 0, to the krona (half up)
        "with_victims": 1,
        "victims": 2,
    }
    by_cat = {r["category"]: r for r in c["categories"]}
    assert set(by_cat) == {"klotter", town.misshandel.code}
    assert (by_cat["klotter"]["cost"], by_cat["klotter"]["with_cost"]) == (6051, 2)
    (centrala,) = c["districts"]
    assert centrala["code"] == "centrala" and centrala["cost"] == 6051

    costed(town, B_POINT, town.klotter, "50000")  # later: the kept document does not change
    doc.refresh_from_db()
    assert doc.figures["consequences"]["total"]["cost"] == 6051

    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert "6\xa0051 kr" in page and "99\xa0999" not in page
    assert 'data-testid="consequences-districts"' in page

    document = Document(
        io.BytesIO(login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/lagesbild.docx").content)
    )
    tables = {t.rows[0].cells[0].text: t for t in document.tables}
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in tables["Kategori"].rows[1:]}
    assert rows["Klotter"] == ["3", "2", "6\xa0051", "–"]
    districts = {r.cells[0].text: r.cells[3].text for r in tables["Kommundel"].rows[1:]}
    assert districts == {"Centrala": "6\xa0051"}


@pytest.mark.django_db
def test_without_any_cost_the_section_says_unknown_not_zero(town: Town) -> None:
    doc = make_doc(town)
    c = doc.figures["consequences"]
    assert c["total"]["with_cost"] == 0 and c["total"]["cost"] is None
    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert 'data-testid="consequences-empty"' in page and "0 kr" not in page
    assert not Incident.objects.filter(cost__isnull=False).exists()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_pdf_shows_the_frozen_costs(town: Town) -> None:
    scene(town)
    doc = make_doc(town)
    r = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/lagesbild.pdf")
    assert r.status_code == 200, r.content[:300]
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(r.content)).pages
    )
    assert "6 051 kr" in text.replace("\xa0", " "), text[text.find("Konsekvenser") :][:600]


@pytest.mark.django_db
def test_a_new_version_shows_the_difference_in_cost(town: Town) -> None:
    from statutory import services

    scene(town)
    doc = make_doc(town)
    costed(town, B_POINT, town.klotter, "1000")
    new = services.new_version(town.coordinator, doc)
    rows = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/jamfor/{new.pk}/?format=json").json()
    (row,) = [r for r in rows["rows"] if r["section"] == "Konsekvenser"]
    assert (row["a"], row["b"], row["diff"]) == ("6051", "7051", 1000)


@pytest.mark.django_db
def test_the_demo_costs_touch_only_generated_klotter_and_skadegorelse(town: Town) -> None:
    from statutory.demo import generate_costs

    generated = [
        IncidentFactory(
            municipality=town.municipality,
            category=town.klotter,
            location=Point(*A_POINT, srid=STORAGE_SRID),
            generated=True,
        )
        for _ in range(6)
    ]
    real = costed(town, A_POINT, town.klotter, "10")
    real.cost = None
    real.save(update_fields=["cost"])

    made = generate_costs(town.municipality)

    costs = [Incident.objects.get(pk=i.pk).cost for i in generated]
    assert made == sum(1 for c in costs if c is not None) and made >= 3
    assert all(1500 <= c < 30000 for c in costs if c is not None)
    assert Incident.objects.get(pk=real.pk).cost is None
