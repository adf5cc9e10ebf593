"""The column mapping of an incident file: which column holds the id, the time, the place and the category.

A mapping is plain data (it is stored as JSON in an ``ImportProfile`` and in each batch's details) and is
read from a dict, from ``KEY=VALUE`` pairs on the command line, or from the upload form. The keys:

==================== ===========================================================================
``source``           the source system's name; with the id it makes the unique reference (required)
``id``               the id column, or several joined with ``:`` (``incident_no,offense``); empty: a
                     hash of the row's mapped values stands in (docs/decisions/0201)
``time``             date and time in one column (ISO 8601, ``2024-03-05 22:15``, or a date only)
``clock``            the time of day when ``time`` holds only the date (``22:15`` or ``22.15``)
``to``, ``clock_to`` the end of the interval when the exact time is unknown
``year`` … ``second`` the time in parts, one column each (``year``, ``month``, ``day`` required)
``time_format``      a ``strptime`` format for ``time``/``to`` when they are not ISO 8601
``timezone``         the time zone of times without an offset (default Europe/Stockholm)
``x``, ``y``         coordinate columns; ``lon``, ``lat`` say the same with SRID 4326
``srid``             the EPSG code of ``x``/``y`` (a GeoPackage or GeoJSON brings its own)
``srid_column``      a column with the EPSG code per row
``category``         the column with the source's category; ``category_value`` one for every row
``categories``       source value → Trygg category code (case and surrounding spaces ignored)
``unknown_category`` empty: a row with an unknown category is rejected; a code: stored under it
``description``      columns kept as the description, after the source category
``municipality_column`` a kommunkod column: rows of other municipalities are rejected
``cost``             optional: a column with what the incident cost in kronor (sanering, repair);
                     empty cells are no cost known; a file without the column is read as without it
``victims``          optional: a column with the number of people harmed; as ``cost``
``precision``        ``punkt`` (a place) or ``kommun`` (a municipality-level count, no place)
``layer``            the GeoPackage layer to read (default: the first point layer)
==================== ===========================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

PRECISIONS = ("punkt", "kommun")
TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")
SOURCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,60}$")
DEFAULT_TIMEZONE = "Europe/Stockholm"


class MappingError(ValueError):
    """A mapping that cannot be used; the message names the key and is safe to show."""


@dataclass(frozen=True)
class Mapping:
    source: str = ""
    id: tuple[str, ...] = ()
    time: str = ""
    clock: str = ""
    to: str = ""
    clock_to: str = ""
    parts: dict[str, str] = field(default_factory=dict)
    time_format: str = ""
    timezone: str = DEFAULT_TIMEZONE
    x: str = ""
    y: str = ""
    srid: int | None = None
    srid_column: str = ""
    category: str = ""
    category_value: str = ""
    categories: dict[str, str] = field(default_factory=dict)
    unknown_category: str = ""
    description: tuple[str, ...] = ()
    municipality_column: str = ""
    cost: str = ""
    victims: str = ""
    precision: str = "punkt"
    layer: str = ""

    @property
    def placed(self) -> bool:
        return self.precision == "punkt"

    @property
    def has_coordinate_columns(self) -> bool:
        return bool(self.x and self.y)

    def columns(self) -> list[str]:
        """Every column the mapping reads, in a stable order without repeats."""
        names = [
            *self.id,
            self.time,
            self.clock,
            self.to,
            self.clock_to,
            *(self.parts[p] for p in TIME_PARTS if p in self.parts),
            self.x,
            self.y,
            self.srid_column,
            self.category,
            *self.description,
            self.municipality_column,
            self.cost,
            self.victims,
        ]
        return list(dict.fromkeys(n for n in names if n))

    @property
    def optional_columns(self) -> tuple[str, ...]:
        """Columns a file may lack: then every row is read without them (decision 0806)."""
        return tuple(n for n in (self.cost, self.victims) if n)

    def to_dict(self) -> dict[str, Any]:
        """The mapping as JSON-ready data; ``Mapping.from_dict(m.to_dict()) == m``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "parts":
                out.update(value)
            elif value not in ("", (), {}, None) and not (
                f.name == "timezone" and value == DEFAULT_TIMEZONE
            ):
                if f.name == "precision" and value == "punkt":
                    continue
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        """Read and check a mapping; raises ``MappingError`` naming the key that is wrong.

        >>> m = Mapping.from_dict({"source": "sfpd", "id": "incident_num", "time": "date",
        ...                        "lon": "longitude", "lat": "latitude", "category": "category",
        ...                        "categories": "ROBBERY=ran;VANDALISM=skadegorelse"})
        >>> m.x, m.y, m.srid, m.categories["ROBBERY"]
        ('longitude', 'latitude', 4326, 'ran')
        >>> Mapping.from_dict({"source": "x", "time": "t", "category_value": "stold", "wat": 1})
        Traceback (most recent call last):
        ...
        layers.importers.mapping.MappingError: okänd nyckel i kolumnmappningen: wat
        """
        known = {f.name for f in fields(cls)} | set(TIME_PARTS) | {"lon", "lat", "from"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MappingError(
                _("okänd nyckel i kolumnmappningen: %(keys)s") % {"keys": ", ".join(unknown)}
            )
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if raw is None or raw == "" or raw == [] or raw == {}:
                continue
            if key in ("id", "description"):
                values[key] = _names(raw, key)
            elif key == "categories":
                values[key] = _categories(raw)
            elif key == "srid":
                values[key] = _srid(raw)
            elif key in TIME_PARTS:
                values.setdefault("parts", {})[key] = _name(raw, key)
            elif key == "from":
                values["time"] = _name(raw, key)
            elif key == "lon":
                values["x"] = _name(raw, key)
                values.setdefault("srid", 4326)
            elif key == "lat":
                values["y"] = _name(raw, key)
                values.setdefault("srid", 4326)
            else:
                values[key] = _name(raw, key)
        mapping = cls(**values)
        mapping.check()
        return mapping

    def check(self) -> None:
        """Refuse combinations that cannot describe an incident file."""
        if not self.source:
            raise MappingError(_("källa (source) saknas: ange källsystemets namn"))
        if not SOURCE_PATTERN.match(self.source):
            raise MappingError(
                _("källan %(source)s får bara innehålla bokstäver a–z, siffror och _ . : -")
                % {"source": self.source}
            )
        if self.precision not in PRECISIONS:
            raise MappingError(
                _("precision ska vara punkt eller kommun, inte %(value)s")
                % {"value": self.precision}
            )
        if bool(self.time) == bool(self.parts):
            raise MappingError(
                _("ange tiden antingen som en kolumn (time) eller i delar (year, month, day …)")
            )
        if self.parts and not all(p in self.parts for p in ("year", "month", "day")):
            raise MappingError(_("tid i delar kräver kolumnerna year, month och day"))
        if (self.clock and not self.time) or (self.clock_to and not self.to):
            raise MappingError(_("clock kräver time, och clock_to kräver to"))
        if bool(self.x) != bool(self.y):
            raise MappingError(_("ange både x- och y-kolumn (eller lon och lat)"))
        if self.srid is not None and self.srid_column:
            raise MappingError(_("ange antingen srid eller srid_column, inte båda"))
        if not (self.category or self.category_value):
            raise MappingError(_("ange kategorikolumn (category) eller en kategori för alla rader"))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise MappingError(_("okänd tidszon %(tz)s") % {"tz": self.timezone}) from e

    def merged(self, other: dict[str, Any]) -> Mapping:
        """This mapping with the keys of ``other`` replacing its own (for ``--mapping`` on a profile)."""
        base = self.to_dict()
        if any(k in other for k in ("lon", "lat", "x", "y")):
            base.pop("srid", None)
        if any(k in other for k in TIME_PARTS):
            base.pop("time", None)
        if "time" in other or "from" in other:
            for part in TIME_PARTS:
                base.pop(part, None)
        return Mapping.from_dict({**base, **other})

    def with_categories(self, categories: dict[str, str]) -> Mapping:
        return replace(self, categories={**self.categories, **categories})


def parse_pairs(items: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs, JSON objects or ``@file.json`` from the command line, merged in order.

    >>> parse_pairs(["id=incident_no,offense", "srid=4326", '{"categories": {"BURGLARY": "inbrott"}}'])
    {'id': 'incident_no,offense', 'srid': '4326', 'categories': {'BURGLARY': 'inbrott'}}
    """
    out: dict[str, Any] = {}
    for item in items:
        text = item.strip()
        if text.startswith("@"):
            text = Path(text[1:]).read_text(encoding="utf-8")
        if text.startswith("{"):
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as e:
                raise MappingError(
                    _("kolumnmappningen är inte giltig JSON: %(error)s") % {"error": e}
                ) from e
            if not isinstance(loaded, dict):
                raise MappingError(_("kolumnmappningen ska vara ett JSON-objekt"))
            out.update(loaded)
            continue
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise MappingError(
                _("skriv mappningen som NYCKEL=VÄRDE, inte %(item)s") % {"item": item}
            )
        out[key.strip()] = value.strip()
    return out


def _name(raw: Any, key: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise MappingError(_("%(key)s ska vara ett kolumnnamn") % {"key": key})
    return str(raw).strip()


def _names(raw: Any, key: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",")]
    elif isinstance(raw, list | tuple):
        parts = [_name(p, key) for p in raw]
    else:
        raise MappingError(_("%(key)s ska vara ett eller flera kolumnnamn") % {"key": key})
    return tuple(p for p in parts if p)


def _srid(raw: Any) -> int:
    text = str(raw).strip().upper().removeprefix("EPSG:")
    if not text.isdigit():
        raise MappingError(
            _("srid ska vara en EPSG-kod (ett heltal), inte %(value)s") % {"value": raw}
        )
    return int(text)


def _categories(raw: Any) -> dict[str, str]:
    """A dict, or ``SOURCE=code;SOURCE=code`` text (the code never holds ``=``, the source value may)."""
    if isinstance(raw, dict):
        return {str(k).strip(): str(v).strip() for k, v in raw.items()}
    if not isinstance(raw, str):
        raise MappingError(_("categories ska vara källvärde=kod; källvärde=kod"))
    out: dict[str, str] = {}
    for part in re.split(r"[;\n]", raw):
        if not part.strip():
            continue
        source, sep, code = part.rpartition("=")
        if not sep or not source.strip() or not code.strip():
            raise MappingError(
                _("kategorimappningen %(part)s ska skrivas källvärde=kod") % {"part": part.strip()}
            )
        out[source.strip()] = code.strip()
    return out
