"""The PDF/A export, printed by Chromium from the print page (needs committed data: its own thread)."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from statutory.models import Section
from tests.statutory.conftest import Town, login
from tests.statutory.test_documents import make_doc

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.e2e
def test_pdf_is_pdfa_and_marks_secrecy_on_every_page(town: Town) -> None:
    doc = make_doc(town)
    Section.objects.filter(lagesbild=doc, kind="konsekvenser").update(
        text="\n\n".join(["Ett långt stycke om konsekvenserna. " * 40] * 12), secret=True
    )
    r = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/lagesbild.pdf")
    assert r.status_code == 200, r.content[:300]
    pdf = r.content
    assert pdf.startswith(b"%PDF") and b"pdfaid:part='2'" in pdf and b"/OutputIntent" in pdf
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    assert all("SEKRETESS" in p for p in pages)


def test_the_plans_pdf_is_pdfa_in_landscape_with_its_rows(town: Town) -> None:
    from django.utils import timezone

    from statutory import services
    from statutory.models import Atgardsplan, PlanRow, Problem

    doc = make_doc(town)
    problem = Problem.objects.create(lagesbild=doc, title="Klotter i centrum")
    services.adopt(doc, decided_by="KS", decided_on=timezone.localdate(), diarienummer="1")
    plan = Atgardsplan.objects.create(municipality=town.municipality, lagesbild=doc, title="Plan")
    PlanRow.objects.create(
        plan=plan, problem=problem, cause="Ytor utan insyn", measure="Snabb sanering", goal="Färre",
        indicator="otryggt", when="2027", office=town.office, follow_up="Kvartalsvis",
    )  # fmt: skip

    r = login(town.bra).get(f"/lagesbild/dokument/atgardsplan/{plan.pk}/atgardsplan.pdf")

    assert r.status_code == 200 and b"pdfaid:part='2'" in r.content
    page = PdfReader(io.BytesIO(r.content)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    assert "Snabb sanering" in " ".join(page.extract_text().split())


def test_both_pdfs_hold_a_linked_follow_ups_verdict_and_figures(town: Town) -> None:
    from followup import present, services
    from geo import effect
    from tests.statutory.test_documents import adopted_plan
    from tests.statutory.test_followups import finished_reduction, make_row

    e = finished_reduction(town)
    doc, plan, problem = adopted_plan(town)
    make_row(town, plan, problem).evaluations.add(e)
    data = present.as_dict(services.result_of(e, town.bra))
    verdict = present.verdicts()[effect.REDUCTION]
    bra = login(town.bra)

    def text(url: str) -> str:
        r = bra.get(url)
        assert r.status_code == 200, r.content[:300]
        pages = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
        # NFKC: Chromium's fonts print "ff" as a ligature.
        return " ".join(unicodedata.normalize("NFKC", pages).split())

    plan_pdf = text(f"/lagesbild/dokument/atgardsplan/{plan.pk}/atgardsplan.pdf")
    doc_pdf = text(f"/lagesbild/dokument/{doc.pk}/lagesbild.pdf")
    # Words, not whole sentences: a table cell wraps lines where it likes.
    # The relative effect size from its value on ("Relativ effektstorlek" has an "ff" ligature
    # that pypdf reads differently in each print's font).
    res = data["relative_effect"]["text"].split("storlek ", 1)[1][:40]
    for words in (verdict, data["wdd"]["local"]["text"], res):
        first = " ".join(words.split()[:5])
        assert first in plan_pdf, first
        assert first in doc_pdf, (first, doc_pdf[-2000:])
    assert "Uppföljning av åtgärder" in doc_pdf
