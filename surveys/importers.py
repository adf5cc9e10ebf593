"""Load citizen survey answers (trygghetsmätning) and tie each to its NYKO area by name."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from layers.models import Municipality, StatisticalArea
from surveys.models import CitizenSurveyResponse

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def normalise_area_name(name: str) -> str:
    """Fold spelling differences between the survey's area names and the NYKO names.

    >>> normalise_area_name("Brunnby-Vik") == normalise_area_name("Brunnby/Vik")
    True
    >>> normalise_area_name("Antuna /Älvsunda")
    'antuna/älvsunda'
    """
    return re.sub(r"\s*[-/]\s*", "/", name.strip().lower())


@transaction.atomic
def load_vasby_survey_2015(path: Path, municipality: Municipality) -> int:
    """Load the 2015 questionnaire "Vad ska Upplands Väsby satsa på"; idempotent. Returns the rows stored."""
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
            if number in existing:
                continue
            answers: dict[str, int] = {}
            for column, value in record.items():
                code = column.split(":", 1)[0].strip()
                if re.fullmatch(r"X\d+[a-e]?", code) and value not in ("", "NA", None):
                    try:
                        answers[code] = int(value)
                    except ValueError:
                        continue
            area_name = (record.get("Var bor du ") or "").strip()
            rows.append(
                CitizenSurveyResponse(
                    municipality=municipality,
                    survey="medborgarenkat-2015",
                    row_number=number,
                    answered_at=_parse_time(record.get("tid", "")),
                    statistical_area=areas.get(normalise_area_name(area_name)),
                    area_name=area_name,
                    age_band=(record.get("Hur gammal är du ") or "").strip(),
                    gender=(record.get("Vilket kön har du ") or "").strip(),
                    answers=answers,
                )
            )
    CitizenSurveyResponse.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y - %H:%M").replace(tzinfo=STOCKHOLM)
    except ValueError:
        return None
