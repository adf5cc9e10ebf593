"""The one CSV writer: every CSV file Trygg writes goes through here (docs/decisions/0640).

Layer exports (``/export/{layer}.csv``), an import's rejected rows, a walk's protocol and the action list
are opened by municipal staff in Excel with Swedish settings, and sometimes read by a program. So:

- **UTF-8 with a byte order mark**: Excel reads a CSV as UTF-8 only when it starts with the BOM (else
  å, ä, ö come out as Ã¥ …). GDAL, pandas (``encoding="utf-8-sig"``) and LibreOffice skip it.
- **Semicolon between cells, CRLF line ends, quotes only where needed** (RFC 4180 otherwise): a Swedish
  Excel's list separator is the semicolon, because the comma is its decimal sign, so a double-click
  opens the file in columns without the import dialog. GDAL's CSV driver and LibreOffice detect it.
- **Cells are typed by the value given, not guessed from text.** ``int``, ``float`` and ``Decimal`` are
  numbers and are written with a decimal comma (``-3``, ``59,512345``), which Swedish Excel reads as
  numbers: a negative change or coordinate stays a number an analyst can sum. Text is never guessed
  to be a number.
- **Text cannot become a formula** (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, which Excel and LibreOffice show as
  text and do not run. So a note ``=HYPERLINK(…)`` or a name ``-1`` arrives as the text it was. Numbers
  are not text: a ``float`` cannot hold a formula, so ``-3`` keeps its sign without an apostrophe.
- ``None`` is an empty cell, ``True``/``False`` are ``true``/``false`` (as in the GeoJSON export), dates
  and times are ISO 8601 (which Swedish Excel reads as dates), lists and dicts are JSON text.

>>> from decimal import Decimal
>>> [cell(v) for v in ('=1+1', '+46 8 123', '-1', '@SUM(1)', '\\t=1', '\\r=1', 'Lampa', '')]
["'=1+1", "'+46 8 123", "'-1", "'@SUM(1)", "'\\t=1", "'\\r=1", 'Lampa', '']
>>> [cell(v) for v in (-3, -2.5, 59.512345, Decimal('-0.50'), None, True, float('nan'))]
['-3', '-2,5', '59,512345', '-0,50', '', 'true', '']
>>> text(["note", "change"], [["-1", -1]])
"\\ufeffnote;change\\r\\n'-1;-1\\r\\n"
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.http import FileResponse

from core import downloads

BOM = "\ufeff"
DELIMITER = ";"
LINE_END = "\r\n"
CONTENT_TYPE = "text/csv; charset=utf-8"
# What a spreadsheet takes as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[object]


def cell(value: object) -> str:
    """One cell as text: numbers with a decimal comma, text that cannot start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",") if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",") if value.is_finite() else ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return neutralised(str(value))


def neutralised(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def lines(header: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """The file line by line: the BOM and ``header`` first, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator=LINE_END)
    writer.writerow([cell(h) for h in header])
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue()


def text(header: Sequence[str], rows: Iterable[Row]) -> str:
    """The whole file as a string (for small files and tests)."""
    return "".join(lines(header, rows))


def response(
    filename: str, header: Sequence[str], rows: Iterable[Row], *, spool_dir: Path | None = None
) -> FileResponse:
    """The file as a download, built whole before the first byte is sent (``core.downloads``)."""
    return downloads.attachment(
        (line.encode() for line in lines(header, rows)),
        content_type=CONTENT_TYPE,
        filename=filename,
        spool_dir=spool_dir,
    )
