"""The PDF/A export, printed by Chromium from the print page (needs committed data: its own thread)."""

from __future__ import annotations

import io

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
