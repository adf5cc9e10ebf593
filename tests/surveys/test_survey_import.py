"""The 2015 survey loader refuses values off the 0–14 scale, naming the file and the row."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.importers import SurveyImportError, load_vasby_survey_2015
from surveys.models import CitizenSurveyResponse
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

HEADER = "tid,X9a: Trygghet kring stationen,X9b: Mer polis,X9c: Bättre belysning,Var bor du \n"


def survey_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "enkat.csv"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def test_values_off_the_scale_are_reported_with_file_and_row_and_not_stored(
    tmp_path: Path,
) -> None:
    path = survey_file(
        tmp_path,
        "01/12/2015 - 16:45,14,8,NA,Centrala Väsby",  # row 2: fine
        "01/12/2015 - 16:46,15,8,3,Centrala Väsby",  # row 3: 15 is off the scale
        "01/12/2015 - 16:47,7,-1,3,Centrala Väsby",  # row 4: -1 is off the scale
        "01/12/2015 - 16:48,Vilunda/Korpkulla,8,3,",  # row 5: text where a number belongs
        "01/12/2015 - 16:49,0,,7,Centrala Väsby",  # row 6: fine (an empty answer)
    )

    report = load_vasby_survey_2015(path, MunicipalityFactory())

    assert (report.rows_read, report.stored, len(report.rejected)) == (5, 2, 3)
    assert report.rows_read == report.stored + report.already_there + len(report.rejected)
    assert report.messages() == [
        "enkat.csv, rad 3: X9a = 15 ligger utanför skalan 0–14",
        "enkat.csv, rad 4: X9b = -1 ligger utanför skalan 0–14",
        "enkat.csv, rad 5: X9a = 'Vilunda/Korpkulla' är inte ett tal (0–14)",
    ]
    assert sorted(CitizenSurveyResponse.objects.values_list("row_number", flat=True)) == [1, 5]


def test_strict_stops_at_the_first_refused_row_and_stores_nothing(tmp_path: Path) -> None:
    path = survey_file(
        tmp_path, "01/12/2015 - 16:45,14,8,3,Centrala Väsby", "01/12/2015 - 16:46,99,8,3,"
    )

    with pytest.raises(SurveyImportError, match=r"enkat.csv, rad 3: X9a = 99"):
        load_vasby_survey_2015(path, MunicipalityFactory(), strict=True)

    assert CitizenSurveyResponse.objects.count() == 0


def test_loading_again_counts_each_row_once_as_already_there(tmp_path: Path) -> None:
    path = survey_file(tmp_path, "01/12/2015 - 16:45,14,8,3,Centrala Väsby", "x,20,1,1,")
    municipality = MunicipalityFactory()
    load_vasby_survey_2015(path, municipality)

    again = load_vasby_survey_2015(path, municipality)

    assert (again.stored, again.already_there, len(again.rejected)) == (0, 1, 1)
