"""The statutory cycle in Chromium on the demo (issue 14): a samordnare makes a lägesbild of the last 12
months for Centrala, writes a cause analysis, adopts it, makes a plan of three rows with one operativt mål
that follows the data, and exports DOCX and PDF/A; frozen figures stay, a new version shows the change."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.utils import timezone
from docx import Document

from geo.crs import STORAGE_SRID
from layers.models import Incident, IncidentCategory, StatisticalArea
from mapapp import demo
from statutory.models import Lagesbild, Status
from tests.e2e.conftest import watch_csp

pytestmark = pytest.mark.django_db(transaction=True)


def fill_row(page: Any, n: int, **values: str) -> None:
    form = page.locator("[data-testid=new-row]")
    form.locator("#id_problem").select_option(index=1)
    for name in ("cause", "measure", "goal", "when", "partners", "follow_up"):
        form.locator(f"#id_{name}").fill(f"{values.get(name, name)} {n}")
    form.locator("#id_indicator").select_option(values["indicator"])
    if values.get("category"):
        form.locator("#id_indicator_category").select_option(values["category"])
    if values.get("area"):
        form.locator("#id_indicator_area").select_option(values["area"])
    form.locator("#id_office").select_option(index=1)
    form.locator("#id_actions").select_option(values["actions"])
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_the_samordnare_walks_the_cycle(page_as: Any, live_server: Any) -> None:
    demo.load_demo()
    coordinator = User.objects.get(username="samordnare")
    page = page_as(coordinator)
    csp: list[str] = []
    watch_csp(page, csp)
    today = timezone.localdate()

    page.goto(f"{live_server.url}/bra/")
    page.click("[data-testid=statutory-link]")
    assert "Upplands Väsby" in page.inner_text("[data-testid=documents]")  # the demo's adopted one
    form = page.locator("[data-testid=new-lagesbild]")
    form.locator("#id_title").fill("Lägesbild Centrala")
    form.locator("#id_district").select_option(label="Centrala")
    form.locator("#id_date_from").fill((today - timedelta(days=364)).isoformat())
    form.locator("#id_date_to").fill(today.isoformat())
    with page.expect_navigation(timeout=120_000):
        form.locator("button[type=submit]").click()
    doc = Lagesbild.objects.get(title="Lägesbild Centrala")
    frozen = doc.figures
    assert doc.district is not None and doc.district.name == "Centrala"

    problem = page.locator("[data-testid=new-problem]")
    problem.locator("#id_title").fill("Misshandel vid stationen kvällstid")
    problem.locator("#id_description").fill(
        "Misshandel ökar kring stationen fredag och lördag kväll."
    )
    problem.locator("#id_situational").fill("Mörka gångtunnlar, skymd sikt.")
    problem.locator("#id_social").fill("Få vuxna ute kvällstid.")
    problem.locator("#id_individual").fill("Ett fåtal återkommande personer.")
    problem.locator("#id_sources").fill("Polisens händelser, trygghetsvandring.")
    with page.expect_navigation():
        problem.locator("button[type=submit]").click()
    assert "Mörka gångtunnlar" in page.inner_text("[data-testid=problem]")

    adopt = page.locator("[data-testid=adopt]")
    adopt.locator("#id_decided_by").fill("Kommunstyrelsen")
    adopt.locator("#id_decided_on").fill(today.isoformat())
    adopt.locator("#id_diarienummer").fill("KS 2026/123")
    with page.expect_navigation():
        adopt.locator("button[type=submit]").click()
    assert "Fastställd" in page.inner_text("[data-testid=status]")

    with page.expect_navigation():
        page.locator("[data-testid=new-plan] button[type=submit]").click()
    counts = frozen["indicator_base"]["incidents"]
    area_id = max(counts, key=lambda a: counts[a].get("misshandel", 0))
    misshandel = IncidentCategory.objects.get(code="misshandel")
    actions = [str(a.pk) for a in doc.municipality.actions.order_by("pk")[:3]]
    fill_row(
        page,
        1,
        indicator="handelser",
        category=str(misshandel.pk),
        area=area_id,
        actions=actions[:2],
    )
    fill_row(page, 2, indicator="otryggt", actions=actions[1:3])
    fill_row(page, 3, indicator="otryggt", actions=actions[:1])
    rows = page.locator("[data-testid=plan-row]")
    assert rows.count() == 3
    before = page.locator("[data-testid=current]").first.inner_text()

    area = StatisticalArea.objects.get(pk=int(area_id))
    Incident.objects.create(
        municipality=doc.municipality,
        category=misshandel,
        source="test",
        source_ref="E2E-1",
        location=Point(
            area.area.point_on_surface.x, area.area.point_on_surface.y, srid=STORAGE_SRID
        ),
        occurred_from=timezone.now() - timedelta(hours=2),
    )
    page.reload()
    after = page.locator("[data-testid=current]").first.inner_text()
    assert int(after.split()[0]) == int(before.split()[0]) + 1, (before, after)
    doc.refresh_from_db()
    assert doc.figures == frozen  # the lägesbild's figures stay as they were made

    with page.expect_download() as got:
        page.click("[data-testid=export-docx]")
    table = Document(io.BytesIO(got.value.path().read_bytes())).tables[0]
    assert len(table.rows) == 4
    assert {r.cells[0].text for r in table.rows[1:]} == {"Misshandel vid stationen kvällstid"}

    page.goto(f"{live_server.url}/lagesbild/dokument/{doc.pk}/")
    with page.expect_download() as got:
        page.click("[data-testid=export-docx]")
    document = Document(io.BytesIO(got.value.path().read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for title in ("Kartläggning", "Konsekvenser", "Annan information", "Analys"):
        assert title in headings
    assert "Misshandel vid stationen kvällstid" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Mörka gångtunnlar" in text
    shown = {
        row.cells[0].text: row.cells[1].text
        for t in document.tables
        for row in t.rows[1:]
        if t.rows[0].cells[0].text == "Område"
    }
    for r in frozen["areas"]:
        assert shown[f"{r['code']} {r['name']}"].replace("\xa0", "") == str(r["current"])

    with page.expect_download(timeout=180_000) as got:
        page.click("[data-testid=export-pdf]")
    pdf = got.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and b"pdfaid:part='2'" in pdf

    with page.expect_navigation(timeout=120_000):
        page.locator("[data-testid=new-version] button[type=submit]").click()
    newer = Lagesbild.objects.get(replaces=doc)
    assert newer.status == Status.DRAFT
    page.goto(f"{live_server.url}/lagesbild/dokument/{doc.pk}/jamfor/{newer.pk}/")
    changed = page.locator("[data-testid=comparison] tr.changed").all_inner_texts()
    assert any(area.code in row for row in changed), changed
    assert csp == []
