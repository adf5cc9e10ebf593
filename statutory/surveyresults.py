"""Import of published survey results: the police's trygghetsmätning and Brå's NTU (Annan information).

Two documented layouts (docs/data-layout-trygghetsmatning.md, docs/data-layout-ntu.md), read like the
population file (``statutory.population``): a CSV in UTF-8 (a byte order mark is fine), semicolon or
comma between cells, a header row; numbers with a decimal comma or point. A file lands whole or not at
all: every bad row is reported with its row number and column, and nothing is stored.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

from django.db import transaction

from layers.models import District, Municipality
from statutory.models import SurveyResult


@dataclass(frozen=True)
class Layout:
    kind: str
    measures: tuple[str, ...]  # columns holding a number 0–100, stored in ``values``
    levels: tuple[str, ...]  # allowed values of ``niva`` (the first is the default when absent)
    level_required: bool


TRYGGHETSMATNING = Layout(
    kind=SurveyResult.Kind.TRYGGHETSMATNING,
    measures=("problemindex", "trygghetsindex", "utsatthet"),
    levels=(SurveyResult.Level.AREA,),
    level_required=False,
)
NTU = Layout(
    kind=SurveyResult.Kind.NTU,
    measures=("andel_oroliga", "andel_utsatta"),
    levels=(SurveyResult.Level.LPO, SurveyResult.Level.REGION, SurveyResult.Level.COUNTRY),
    level_required=True,
)
LAYOUTS = {layout.kind: layout for layout in (TRYGGHETSMATNING, NTU)}


@dataclass
class Result:
    stored: int = 0
    errors: list[str] = field(default_factory=list)


def _number(text: str) -> float | None:
    """A number 0–100 with a decimal comma or point; None for anything else.

    >>> _number("3,45"), _number("12.5"), _number("101"), _number("-1"), _number("nan"), _number("")
    (3.45, 12.5, None, None, None, None)
    """
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= 100 else None


def _whole(text: str) -> int | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").strip()
    return int(cleaned) if cleaned.isdigit() else None


def import_results(
    municipality: Municipality,
    layout: Layout,
    data: bytes,
    *,
    filename: str,
    default_source: str,
    generated: bool = False,
) -> Result:
    """Read and store a file of ``layout``; nothing is stored when any row is bad."""
    result = Result()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(f"{filename}: filen är inte UTF-8")
        return result
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    required = ("omrade", "ar", *(("niva",) if layout.level_required else ()), *layout.measures)
    missing = [c for c in required if c not in columns]
    if missing:
        result.errors.append(f"{filename}: rubrikraden saknar kolumnen {', '.join(missing)}")
        return result
    districts = {d.code: d for d in District.objects.filter(municipality=municipality)}
    rows: list[SurveyResult] = []
    seen: set[tuple[str, str, int]] = set()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"{filename} rad {number}"
        area = row.get("omrade", "")
        level = row.get("niva", "").lower() or layout.levels[0]
        year = _whole(row.get("ar", ""))
        if not area or len(area) > 120:
            result.errors.append(f"{where}, omrade: inget områdesnamn (högst 120 tecken)")
            continue
        if level not in layout.levels:
            result.errors.append(
                f"{where}, niva: {level!r} är inte en av {', '.join(layout.levels)}"
            )
            continue
        if year is None or not 1990 <= year <= 2100:
            result.errors.append(f"{where}, ar: inget år ({row.get('ar', '')!r})")
            continue
        values: dict[str, float] = {}
        for name in layout.measures:
            value = _number(row.get(name, ""))
            if value is None:
                result.errors.append(
                    f"{where}, {name}: inget tal mellan 0 och 100 ({row.get(name, '')!r})"
                )
                break
            values[name] = value
        else:
            code = row.get("kommundel", "")
            if code and code not in districts:
                result.errors.append(f"{where}, kommundel: okänd kommundel {code!r}")
                continue
            respondents_text = row.get("svarande", "")
            respondents = _whole(respondents_text) if respondents_text else None
            if respondents_text and respondents is None:
                result.errors.append(f"{where}, svarande: inget heltal ({respondents_text!r})")
                continue
            if (level, area, year) in seen:
                result.errors.append(f"{where}, omrade: {area} {year} finns redan i filen")
                continue
            seen.add((level, area, year))
            rows.append(
                SurveyResult(
                    municipality=municipality,
                    kind=layout.kind,
                    level=level,
                    area=area,
                    district=districts.get(code) if code else None,
                    year=year,
                    values=values,
                    respondents=respondents,
                    source=(row.get("kalla") or default_source)[:200],
                    generated=generated,
                )
            )
    if result.errors:
        return result
    with transaction.atomic():
        for r in rows:
            SurveyResult.objects.update_or_create(
                municipality=municipality,
                kind=r.kind,
                level=r.level,
                area=r.area,
                year=r.year,
                defaults={
                    "district": r.district,
                    "values": r.values,
                    "respondents": r.respondents,
                    "source": r.source,
                    "generated": r.generated,
                },
            )
            result.stored += 1
    return result
