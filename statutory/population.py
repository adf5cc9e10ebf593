"""Import of the population per NYKO area (the denominator of rates per 1,000 residents).

The layout (docs/data-layout-population.md): a CSV file in UTF-8 (a byte order mark is
fine), semicolon or comma between cells, a header row with the columns ``nyko`` (the NYKO code as in
Trygg), ``ar`` (the year, population on 31 December) and ``folkmangd`` (residents, a whole number ≥ 0;
spaces as thousands separators are allowed), and optionally ``kalla`` (the source, e.g. "SCB via
kommunens statistikfunktion"). The file lands whole or not at all: every bad row is reported with its
row number and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from layers.models import Municipality, StatisticalArea
from statutory.models import Population

REQUIRED = ("nyko", "ar", "folkmangd")


@dataclass
class Result:
    stored: int = 0
    errors: list[str] = field(default_factory=list)


def _int(text: str) -> int | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").strip()
    return int(cleaned) if cleaned.isdigit() else None


def import_population(
    municipality: Municipality, data: bytes, *, filename: str, default_source: str
) -> Result:
    """Read and store a population file; nothing is stored when any row is bad."""
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
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        result.errors.append(f"{filename}: rubrikraden saknar kolumnen {', '.join(missing)}")
        return result
    areas = {a.code: a for a in StatisticalArea.objects.filter(municipality=municipality)}
    rows: list[tuple[StatisticalArea, int, int, str]] = []
    seen: set[tuple[str, int]] = set()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        code, year, residents = (
            row.get("nyko", ""),
            _int(row.get("ar", "")),
            _int(row.get("folkmangd", "")),
        )
        where = f"{filename} rad {number}"
        if code not in areas:
            result.errors.append(f"{where}, nyko: okänt NYKO-område {code!r}")
            continue
        if year is None or not 1900 <= year <= 2100:
            result.errors.append(f"{where}, ar: inget år ({row.get('ar', '')!r})")
            continue
        if residents is None:
            result.errors.append(f"{where}, folkmangd: inget heltal ({row.get('folkmangd', '')!r})")
            continue
        if (code, year) in seen:
            result.errors.append(f"{where}, nyko: {code} {year} finns redan i filen")
            continue
        seen.add((code, year))
        rows.append((areas[code], year, residents, row.get("kalla") or default_source))
    if result.errors:
        return result
    with transaction.atomic():
        for area, year, residents, source in rows:
            Population.objects.update_or_create(
                area=area,
                year=year,
                defaults={
                    "municipality": municipality,
                    "residents": residents,
                    "source": source[:200],
                    "generated": False,
                },
            )
            result.stored += 1
    return result
