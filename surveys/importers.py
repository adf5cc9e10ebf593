"""Load citizen survey answers (trygghetsmätning) and tie each to its NYKO area by name."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from geo.criteria.experience import SURVEY_MAX, SURVEY_MIN
from layers.models import Municipality, StatisticalArea
from surveys.models import CitizenSurveyResponse

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ITEM = re.compile(r"X\d+[a-e]?")
MISSING = ("", "NA")


class SurveyImportError(ValueError):
    """A survey file that cannot be loaded as it is; the message names the file and the row."""


@dataclass
class SurveyImportReport:
    """What a survey import did: rows stored, and each refused row with its reason (file and row).

    Rows are numbered as in the file, the header being row 1 (as the incident import reports them).
    Every data row is counted once: stored, already there, or rejected.
    """

    filename: str
    rows_read: int = 0
    stored: int = 0
    already_there: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def messages(self) -> list[str]:
        return [f"{self.filename}, rad {row}: {reason}" for row, reason in self.rejected]


def _answers(record: dict[str | None, str | None]) -> tuple[dict[str, int], str | None]:
    """The item answers of one row, or the reason the row is refused: every item value must be a
    whole number on the survey's scale (0–14) or empty/NA. A value off the scale, or text where a
    number belongs (a row whose columns have shifted), refuses the row rather than a guess."""
    answers: dict[str, int] = {}
    for column, value in record.items():
        if column is None:  # more values than the header has columns
            return {}, "raden har fler värden än rubrikraden har kolumner"
        code = column.split(":", 1)[0].strip()
        if not ITEM.fullmatch(code) or value is None or value.strip() in MISSING:
            continue
        try:
            number = int(value.strip())
        except ValueError:
            return {}, f"{code} = {value.strip()!r} är inte ett tal ({SURVEY_MIN}–{SURVEY_MAX:.0f})"
        if not SURVEY_MIN <= number <= SURVEY_MAX:
            return {}, f"{code} = {number} ligger utanför skalan {SURVEY_MIN}–{SURVEY_MAX:.0f}"
        answers[code] = number
    return answers, None


def normalise_area_name(name: str) -> str:
    """Fold spelling differences between the survey's area names and the NYKO names.

    >>> normalise_area_name("Brunnby-Vik") == normalise_area_name("Brunnby/Vik")
    True
    >>> normalise_area_name("Antuna /Älvsunda")
    'antuna/älvsunda'
    """
    return re.sub(r"\s*[-/]\s*", "/", name.strip().lower())


@transaction.atomic
def load_vasby_survey_2015(
    path: Path, municipality: Municipality, *, strict: bool = False
) -> SurveyImportReport:
    """Load the 2015 questionnaire "Vad ska Upplands Väsby satsa på"; idempotent.

    A row with a value off the 0–14 scale, or text in an item column, is not stored and is reported
    with the file's name and its row; with ``strict`` the first such row stops the import
    (``SurveyImportError``) and nothing is stored.
    """
    report = SurveyImportReport(filename=path.name)
    areas = {
        normalise_area_name(a.name): a
        for a in StatisticalArea.objects.filter(municipality=municipality)
    }
    existing = set(
        CitizenSurveyResponse.objects.filter(
            municipality=municipality, survey="medborgarenkat-2015"
        ).values_list("row_number", flat=True)
    )
    rows: list[CitizenSurveyResponse] = []
    with path.open(encoding="utf-8", newline="") as f:
        for number, record in enumerate(csv.DictReader(f), start=1):
            report.rows_read += 1
            answers, refused = _answers(record)
            if refused is not None:
                report.rejected.append((number + 1, refused))  # the header is row 1
                if strict:
                    raise SurveyImportError(report.messages()[-1])
                continue
            if number in existing:
                report.already_there += 1
                continue
            area_name = (record.get("Var bor du ") or "").strip()
            rows.append(
                CitizenSurveyResponse(
                    municipality=municipality,
                    survey="medborgarenkat-2015",
                    row_number=number,
                    answered_at=_parse_time(record.get("tid") or ""),
                    statistical_area=areas.get(normalise_area_name(area_name)),
                    area_name=area_name,
                    age_band=(record.get("Hur gammal är du ") or "").strip(),
                    gender=(record.get("Vilket kön har du ") or "").strip(),
                    answers=answers,
                )
            )
    CitizenSurveyResponse.objects.bulk_create(rows, batch_size=1000)
    report.stored = len(rows)
    return report


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y - %H:%M").replace(tzinfo=STOCKHOLM)
    except ValueError:
        return None
