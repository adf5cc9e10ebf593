"""The lägesbild PDF on the demo data, read back with pypdf: what the header says, where the charts lie.

Chromium prints each Chart.js canvas as an image; its placement (the content stream's ``cm`` matrices)
must lie inside the page's printable area (A4 landscape less 10 mm margins). The hour × weekday table's
weekday names must end before the first hour column. A filter of hours 22–3, Friday and Saturday and
darkness must be named in the header, and the hour chart must say how much of the selection lies in
the chosen hours (incidents known only as an interval spread outside them).
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader
from pypdf.generic import ContentStream

from mapapp import demo
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db(transaction=True)

MARGIN_PT = 10 / 25.4 * 72  # the 10 mm left and right margins of the PDF (mapapp/bra_views.py)


def _matrix(values: Any) -> np.ndarray:
    a, b, c, d, e, f = (float(v) for v in values)
    return np.array([[a, b, 0.0], [c, d, 0.0], [e, f, 1.0]])


def image_boxes(page: Any) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) in points of every image drawn on ``page`` (Form XObjects followed)."""
    out: list[tuple[float, float, float, float]] = []

    def walk(content: ContentStream, resources: Any, ctm: np.ndarray) -> None:
        stack = []
        for operands, op in content.operations:
            if op == b"q":
                stack.append(ctm.copy())
            elif op == b"Q":
                ctm = stack.pop()
            elif op == b"cm":
                ctm = _matrix(operands) @ ctm
            elif op == b"Do":
                xobject = resources["/XObject"][operands[0]].get_object()
                if xobject["/Subtype"] == "/Image":
                    corners = np.array([[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]]) @ ctm
                    out.append(
                        (
                            float(corners[:, 0].min()),
                            float(corners[:, 1].min()),
                            float(corners[:, 0].max()),
                            float(corners[:, 1].max()),
                        )
                    )
                elif xobject["/Subtype"] == "/Form":
                    inner = _matrix(xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])) @ ctm
                    walk(
                        ContentStream(xobject, page.pdf),
                        xobject.get("/Resources", resources),
                        inner,
                    )

    walk(ContentStream(page.get_contents(), page.pdf), page["/Resources"], np.eye(3))
    return out


def text_positions(page: Any, words: set[str]) -> list[tuple[str, float, float, float]]:
    """(text, x, y, font size in points) of each text run on ``page`` that is one of ``words``."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if text.strip() in words:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x, y, size * tm[0] * cm[0]))

    page.extract_text(visitor_text=visit)
    return found


@pytest.fixture(scope="module")
def pdf(django_db_setup: None, django_db_blocker: Any) -> PdfReader:
    with django_db_blocker.unblock():
        demo.load_demo()
        client = login_verified(Client(), User.objects.get(username="bra"))
        response = client.get("/bra/export/lagesbild.pdf?hours=22-3&weekdays=5,6&light=morker")
        assert response.status_code == 200, response.content[:300]
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
    return PdfReader(io.BytesIO(response.content))


def test_the_header_names_every_choice_of_the_filter_and_the_sources(pdf: PdfReader) -> None:
    first = re.sub(r"\s+", " ", pdf.pages[0].extract_text())
    # The sources follow the map and its legend; since the map prints its background's attribution and
    # the legend grew, the sources block (kept whole) follows on a later page, before the lägesbild.
    full = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    sources = full[full.index("Källor och aktualitet") :]
    assert full.index("Källor och aktualitet") < full.index("Händelser per månad")

    assert "Urval: fre och lör; händelser som började kl. 22–04; ljus: mörker" in first
    assert re.search(r"Polisens öppna händelser: 20\d\d-\d\d-\d\d – 20\d\d-\d\d-\d\d", sources)
    assert "senast importerad" in sources and "Källa: Polisen" in sources
    assert "Genererade händelser (demodata, inte verkliga)" in sources


def test_the_hour_chart_says_how_much_of_the_selection_lies_in_the_chosen_hours(
    pdf: PdfReader,
) -> None:
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))

    note = re.search(
        r"Urvalet är händelser som började kl\. 22–04 på fre och lör\..*?"
        r"så (\d+) % av urvalet ligger inom det valda",
        text,
    )
    assert note, text[:2000]
    assert 0 < int(note.group(1)) < 100  # some of it spreads outside: said, not hidden


def test_the_charts_lie_inside_the_printable_width(pdf: PdfReader) -> None:
    charts = [
        box
        for page in pdf.pages[1:]
        if "Händelser per månad" in page.extract_text()
        or "Veckodag och timme" in page.extract_text()
        for box in image_boxes(page)
    ]
    width = float(pdf.pages[0].mediabox.width)

    assert len(charts) == 2  # the month chart and the hour chart
    for x0, _y0, x1, _y1 in charts:
        assert x0 >= MARGIN_PT - 1
        assert x1 <= width - MARGIN_PT + 1, (x1, width)


def test_the_weekday_names_end_before_the_first_hour_column(pdf: PdfReader) -> None:
    for page in pdf.pages:
        found = text_positions(page, {"Måndag", "Söndag", "0"})
        labels = [f for f in found if f[0] in ("Måndag", "Söndag")]
        if labels:
            break
    label, x_label, y_label, size = labels[0]
    header_zero = [  # the hour headers' "0", just above the first weekday and to its right
        f for f in found if f[0] == "0" and 0 < f[2] - y_label < 3 * size and f[1] >= x_label
    ]

    assert header_zero, found
    # "Måndag" is six characters: at least 0.5 em each in this font.
    assert min(f[1] for f in header_zero) - x_label >= 0.5 * size * len(label)
