"""Hot spots per focus area in the Kartläggning figures: non-sensitive only (decision 0809)."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.statutory.conftest import A_POINT, X0, Y0, Town, login
from tests.statutory.test_documents import make_doc

pytestmark = pytest.mark.django_db


def test_each_non_sensitive_focus_area_gets_its_own_hot_spots(town: Town) -> None:
    for i in range(25):  # a cluster of klotter in Västra centrum
        town.incident((A_POINT[0] + (i % 5) * 20, A_POINT[1] + (i // 5) * 20), town.klotter)
    for i in range(12):  # klotter spread over the rest of the district
        town.incident((X0 - 1800 + i * 300, Y0 + 1500 - (i % 4) * 900), town.klotter)
    for _ in range(30):  # a sensitive cluster: no focus-area row of its own
        town.incident(A_POINT, town.sensitive)

    doc = make_doc(town)
    rows = {r["number"]: r for r in doc.figures["focus_hot_spots"]}

    assert town.sensitive.focus_area.number not in rows
    klotter = rows[town.klotter.focus_area.number]
    assert klotter["incidents"] == 25 + 12 + 1  # + the town's one klotter
    assert klotter["cells"], "the cluster is a hot spot"
    assert klotter["cells"][0]["place"] == "Västra centrum" and klotter["cells"][0]["class"] >= 2
    misshandel = rows[town.misshandel.focus_area.number]
    assert misshandel["incidents"] == 4

    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert 'data-testid="focus-hot-spots"' in page
    document = Document(
        io.BytesIO(login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/lagesbild.docx").content)
    )
    (table,) = [t for t in document.tables if t.rows[0].cells[0].text == "Fokusområde"
                and t.rows[0].cells[2].text == "Plats"]  # fmt: skip
    texts = [[c.text for c in r.cells] for r in table.rows[1:]]
    first = next(r for r in texts if r[0].startswith(f"{town.klotter.focus_area.number}."))
    assert first[1] == "38" and first[2] == "Västra centrum"
