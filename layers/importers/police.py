"""The Swedish Police's open events (polisen.se "händelser") as municipality-level counts.

The feed's position is the centre of the municipality, not the place of the event, so these events
are stored with ``precision=kommun`` and no location: they count in time series and totals, never
as places on a map (docs/decisions/0004-police-events-are-counts.md).

This module reads the feed's JSON (the list the API returns, or a GeoJSON FeatureCollection of the same
events), or a CSV with the feed's fields as columns (``event_id``, ``datetime``, ``name``, ``summary``,
``type``, ``location_name``, ``kommun_kod``: the archive's conversion), into the text columns the common
import pipeline takes (``layers.importers.incidents``) under the built-in profile
``polisen_handelser_json``: ``id``, ``time`` (the event's own time, from its name), ``type``, ``summary``
and ``kommun_kod``. Both read the same fields the same way (``event_row``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from layers import uploads
from layers.importers.mapping import Mapping
from layers.importers.readers import Chunk, Opened, open_csv
from layers.models import ImportBatch, Municipality
from layers.uploads import UploadRejected

SOURCE = "polisen"
PROFILE = "polisen_handelser_json"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = {
    "januari": 1,
    "februari": 2,
    "mars": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "augusti": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
_NAME_TIME = re.compile(r"^\s*(\d{1,2}) (\w+) (\d{1,2})[:.](\d{2})")
# The API writes "2023-01-14 7:10:53 +01:00"; the archived GeoJSON "2023-01-14T07:10:53+01:00".
_FEED_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
COLUMNS = ["id", "time", "type", "summary", "kommun_kod"]


def event_time(name: str, published: datetime) -> datetime:
    """The event's own time from its name ("08 april 10:28, Rån, …"), in the year it was published.

    The name has no year; an event named for a date after its publication happened the year before.

    >>> pub = datetime(2024, 1, 2, 9, 0, tzinfo=STOCKHOLM)
    >>> event_time("31 december 23:10, Misshandel, Upplands väsby", pub).isoformat()
    '2023-12-31T23:10:00+01:00'
    >>> event_time("no time here", pub) == pub
    True
    """
    match = _NAME_TIME.match(name)
    if not match or match.group(2).lower() not in MONTHS:
        return published
    day, month = int(match.group(1)), MONTHS[match.group(2).lower()]
    hour, minute = int(match.group(3)), int(match.group(4))
    local_pub = published.astimezone(STOCKHOLM)
    for year in (local_pub.year, local_pub.year - 1):
        try:
            candidate = datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)
        except ValueError:
            continue
        if candidate <= published:
            return candidate
    return published


def published_time(text: str) -> datetime | None:
    """The feed's ``datetime`` in either of its two spellings; None when it is neither.

    >>> published_time("2023-01-14 7:10:53 +01:00").isoformat()
    '2023-01-14T07:10:53+01:00'
    >>> published_time("14/1 2023") is None
    True
    """
    match = _FEED_TIME.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    iso = f"{year}-{month}-{day}T{int(hour):02d}:{minute}:{second or '00'}"
    if offset:
        iso += "+00:00" if offset == "Z" else offset[:3] + ":" + offset[-2:]
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=STOCKHOLM)


def _events(data: Any, name: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise UploadRejected(_("%(name)s: FeatureCollection utan features") % {"name": name})
        return [dict(f.get("properties") or {}) if isinstance(f, dict) else {} for f in features]
    if isinstance(data, list):  # the feed itself: a list of events with a nested location
        events: list[dict[str, Any]] = []
        for e in data:
            if not isinstance(e, dict):
                events.append({})
                continue
            location = e.get("location") if isinstance(e.get("location"), dict) else {}
            events.append({**e, "location_name": (location or {}).get("name", "")})
        return events
    raise UploadRejected(
        _("%(name)s: väntade polisens händelser som JSON-lista eller GeoJSON FeatureCollection")
        % {"name": name}
    )


def event_row(props: dict[str, Any], municipality: Municipality) -> dict[str, str]:
    """One event as the text columns of the pipeline.

    The feed's own list has no ``kommun_kod``; there the location's name stands in when it is the
    municipality's name (``Upplands Väsby``), so another municipality's events are still rejected.
    """
    ref = str(props.get("event_id") or props.get("id") or "")
    raw_time = str(props.get("datetime") or "")
    published = published_time(raw_time) if raw_time else None
    time = (
        event_time(str(props.get("name") or ""), published).isoformat() if published else raw_time
    )
    kommun = str(props.get("kommun_kod") or "")
    if not kommun:
        place = str(props.get("location_name") or "").strip().casefold()
        if place and place == municipality.name.casefold():
            kommun = municipality.kommunkod
    return {
        "id": ref,
        "time": time,
        "type": str(props.get("type") or ""),
        "summary": str(props.get("summary") or ""),
        "kommun_kod": kommun,
    }


def open_police_json(path: Path, municipality: Municipality, *, name: str) -> Opened:
    """The police events of ``path`` (already sniffed as JSON) as one chunk of text columns."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except RecursionError as e:
        raise UploadRejected(_("%(name)s: JSON-filen är för djupt nästlad") % {"name": name}) from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UploadRejected(
            _("%(name)s: inte giltig JSON (%(error)s)") % {"name": name, "error": e}
        ) from e
    events = _events(data, name)
    frame = pd.DataFrame(
        [event_row(p, municipality) for p in events], columns=COLUMNS, dtype=object
    )

    def chunks() -> Iterator[Chunk]:
        if len(frame):
            yield Chunk(first_row=1, frame=frame, done=len(raw))

    return Opened(
        fmt=uploads.GEOJSON,
        name=name,
        columns=COLUMNS,
        total=len(raw),
        chunks=chunks(),
        details={"reader": "polisen"},
    )


# The feed's fields as CSV columns; ``open_csv`` checks they are there and reads only these.
CSV_FIELDS = Mapping(
    source=SOURCE,
    id=("event_id",),
    time="datetime",
    category="type",
    description=("name", "summary", "location_name"),
    municipality_column="kommun_kod",
    precision="kommun",
)


def open_police_csv(path: Path, municipality: Municipality, *, name: str) -> Opened:
    """The police events of a CSV with the feed's fields as columns (already sniffed as CSV).

    Read in chunks like any CSV (encoding and delimiter told from the content, rows numbered as in the
    file), each row turned into the pipeline's columns by ``event_row`` as the JSON's are.
    """
    inner = open_csv(path, CSV_FIELDS, name=name)

    def chunks() -> Iterator[Chunk]:
        for chunk in inner.chunks:
            records = chunk.frame.to_dict("records")
            frame = pd.DataFrame(
                [event_row(r, municipality) for r in records],  # type: ignore[arg-type]  # the CSV's column labels are strings; the stubs say Hashable
                columns=COLUMNS,
                dtype=object,
            )
            yield Chunk(first_row=chunk.first_row, frame=frame, done=chunk.done)

    return Opened(
        fmt=uploads.CSV,
        name=name,
        columns=COLUMNS,
        total=inner.total,
        chunks=chunks(),
        details={**inner.details, "reader": "polisen"},
    )


def import_police_events(
    path: Path, municipality: Municipality, *, user: User | None = None
) -> ImportBatch:
    """Import the police events of ``municipality`` from a GeoJSON file, the feed's JSON list or a CSV
    of the feed's fields.

    Events of other municipalities are rejected with a reason; re-importing the same events stores
    nothing new (the event id is the source reference).
    """
    from layers.importers.incidents import import_incidents
    from layers.importers.profiles import POLICE_PROFILE

    return import_incidents(path, municipality=municipality, profile=POLICE_PROFILE, user=user)
