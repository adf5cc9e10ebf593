"""Trygghetsmätning and NTU: imported whole or not at all, shown frozen in Annan information (0808)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from statutory.models import SurveyResult
from statutory.surveyresults import NTU, TRYGGHETSMATNING, import_results
from tests.paths import TEST_DATA
from tests.statutory.conftest import Town, login
from tests.statutory.test_documents import make_doc

pytestmark = pytest.mark.django_db

DATA = TEST_DATA / "trygghetsundersokningar"  # made-up figures in Trygg's layouts (its README)


def load(town: Town) -> None:
    for layout, name in (
        (TRYGGHETSMATNING, "trygghetsmatning_exempel.csv"),
        (NTU, "ntu_exempel.csv"),
    ):
        result = import_results(
            town.municipality, layout, (DATA / name).read_bytes(), filename=name, default_source="x"
        )
        assert result.errors == [], result.errors


def test_both_example_files_land_whole(town: Town) -> None:
    load(town)
    centrala = SurveyResult.objects.get(kind="trygghetsmatning", area="Centrala Väsby", year=2025)
    assert centrala.values == {"problemindex": 2.65, "trygghetsindex": 2.95, "utsatthet": 8.9}
    assert (centrala.district, centrala.respondents) == (town.district, 398)
    assert SurveyResult.objects.get(area="Norra Väsby").district is None
    lpo = SurveyResult.objects.get(kind="ntu", level="lpo", year=2025)
    assert lpo.values == {"andel_oroliga": 29.9, "andel_utsatta": 23.0}
    assert SurveyResult.objects.filter(kind="ntu").count() == 4


def test_bad_rows_are_each_reported_and_nothing_is_stored(town: Town, tmp_path: Path) -> None:
    path = tmp_path / "tm.csv"
    path.write_text(
        "omrade;kommundel;ar;problemindex;trygghetsindex;utsatthet\n"
        "Centrala Väsby;centrala;2025;2,1;3;5\n"
        "Okänd;söder;2025;2;3;5\n"
        "Centrala Väsby;;tjugo;2;3;5\n"
        "Norra;;2025;mycket;3;5\n"
        "Norra;;2025;2;3;140\n"
        "Centrala Väsby;centrala;2025;2;3;5\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as e:
        call_command("import_survey_results", "trygghetsmatning", str(path))
    message = str(e.value)
    for expected in (
        "tm.csv rad 3, kommundel",
        "tm.csv rad 4, ar",
        "tm.csv rad 5, problemindex",
        "tm.csv rad 6, utsatthet",
        "tm.csv rad 7, omrade",  # the same area and year twice
    ):
        assert expected in message, message
    assert "rad 2" not in message
    assert not SurveyResult.objects.exists()


def test_an_ntu_level_must_be_known_and_columns_named(town: Town) -> None:
    bad = import_results(
        town.municipality,
        NTU,
        b"niva;omrade;ar;andel_oroliga;andel_utsatta\nkommun;X;2025;1;2\n",
        filename="n.csv",
        default_source="",
    )
    assert bad.errors == ["n.csv rad 2, niva: 'kommun' är inte en av lpo, region, riket"]
    missing = import_results(
        town.municipality, NTU, b"omrade;ar;andel_oroliga\n", filename="n.csv", default_source=""
    )
    assert missing.errors == ["n.csv: rubrikraden saknar kolumnen niva, andel_utsatta"]
    assert not SurveyResult.objects.exists()


def test_annan_information_shows_the_latest_figures_frozen(town: Town) -> None:
    load(town)
    doc = make_doc(town)  # Centrala: its own trygghetsmätning area, and every NTU level
    surveys = doc.figures["surveys"]
    (tm,) = surveys["trygghetsmatning"]
    assert (tm["area"], tm["year"], tm["values"]["trygghetsindex"]) == (
        "Centrala Väsby",
        2025,
        2.95,
    )
    assert {(r["level"], r["year"]) for r in surveys["ntu"]} == {
        ("lpo", 2025),
        ("region", 2025),
        ("riket", 2025),
    }
    whole = make_doc(town, district=None, title="Hela kommunen")
    assert {r["area"] for r in whole.figures["surveys"]["trygghetsmatning"]} == {
        "Centrala Väsby",
        "Norra Väsby",
    }

    SurveyResult.objects.filter(area="Centrala Väsby", year=2025).update(
        values={"problemindex": 4.0, "trygghetsindex": 1.0, "utsatthet": 50.0}
    )
    doc.refresh_from_db()
    assert doc.figures["surveys"]["trygghetsmatning"][0]["values"]["trygghetsindex"] == 2.95

    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert 'data-testid="trygghetsmatning"' in page and "2,95" in page and "29,9" in page
    document = Document(
        io.BytesIO(login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/lagesbild.docx").content)
    )
    tables = {t.rows[0].cells[0].text + t.rows[0].cells[1].text: t for t in document.tables}
    tm_row = [c.text for c in tables["OmrådeÅr"].rows[1].cells]
    assert tm_row[:5] == ["Centrala Väsby", "2025", "2,65", "2,95", "8,9"]
    ntu = {r.cells[0].text: r.cells[3].text for r in tables["NivåOmråde"].rows[1:]}
    assert ntu["Lokalpolisområde"] == "29,9"


def test_a_period_before_the_survey_shows_none(town: Town) -> None:
    load(town)
    doc = make_doc(town, date_from=datetime.date(2022, 1, 1), date_to=datetime.date(2022, 12, 31))
    assert doc.figures["surveys"] == {"trygghetsmatning": [], "ntu": []}
    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert "Ingen trygghetsmätning importerad" in page
