"""The plan report prints to PDF on A4 and A3, with its map."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from layers.models import Detaljplan
from layers.roles import Role
from mapapp import demo
from tests.factories import user_with_role
from tests.plan_factories import context_layer, rebuilt_plan, small_town

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_the_plan_report_prints_to_a_pdf_on_a4_and_a3(client: Client, paper: str) -> None:
    small_town(context_layer())
    plan = rebuilt_plan()
    client.force_login(user_with_role(Role.PLANNER))

    response = client.get(f"/plan/{plan.pk}/rapport.pdf?paper={paper}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"-{paper}.pdf" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 30_000  # the map's vectors and ten criteria with their evidence
    # The page size in points: A4 595 × 842, A3 842 × 1191 (Chromium writes it in the MediaBox).
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert box is not None
    expected = {"A4": (595, 842), "A3": (842, 1191)}[paper]
    assert (round(float(box.group(1))), round(float(box.group(2)))) == pytest.approx(
        expected, abs=1
    )


def _lowest_text_y(page: Any) -> float:
    ys: list[float] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, _size: float) -> None:
        if text.strip():
            ys.append(tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return min(ys)


def test_the_a4_report_is_laid_out_tightly_with_the_500_m_grid_and_the_sources_explained(
    client: Client,
) -> None:
    # Each criterion with both scenarios used to fill a page of its own: ten pages, most half
    # empty. Now the scenarios sit side by side and a criterion may run on to the next page.
    small_town(context_layer())
    plan = rebuilt_plan()
    client.force_login(user_with_role(Role.PLANNER))

    response = client.get(f"/plan/{plan.pk}/rapport.pdf?paper=A4")

    reader = PdfReader(io.BytesIO(response.content))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    height = float(reader.pages[0].mediabox.height)
    # Fifteen criteria (method 2026.12) and the barnkonsekvens section: six pages at most.
    assert len(reader.pages) <= 6, len(reader.pages)
    for number, page in enumerate(reader.pages[:-1], start=1):
        # Text reaches the last third of every page but the last one. (It reached the last fifth with
        # the ten criteria; with fifteen, a criterion's bar row and first sentence, which are kept
        # together, can move to the next page and leave up to a quarter of a page: seen 28 %.)
        assert _lowest_text_y(page) < 0.3 * height, number
    assert "Känsliga händelser: antal per 500 m-ruta, rutor med färre än 5 visas inte" in text
    assert "Källor och aktualitet" in text and "Test-OSM" in text


def test_the_demo_plans_pdf_has_the_new_criteria_and_the_barnkonsekvens_section(
    client: Client,
) -> None:
    demo.load_demo()
    plan = Detaljplan.objects.get(plan_id="DEMO-2026:1")
    client.force_login(User.objects.get(username="planerare"))

    response = client.get(f"/plan/{plan.pk}/rapport.pdf?paper=A4")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    # NFKC: Chromium's PDF writes "fl" and "fi" as ligatures ("Konﬂiktande").
    pages = " ".join(p.extract_text() for p in reader.pages)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", pages))
    for label in ("Parkering", "Revir och ansvar", "Konfliktande användningar", "Barns vägar"):
        assert label in text, label
    assert "Barnkonsekvens" in text
    assert "Förskolan Ekorren" in text and "Dragonskolan" in text
    assert "Centralvägen (utan signal)" in text
    assert "Säkra barnens passager över de större gatorna" in text  # a measure, with its office
