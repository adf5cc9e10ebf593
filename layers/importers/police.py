"""The Swedish Police's open events (polisen.se "händelser") as municipality-level counts.

The feed's position is the centre of the municipality, not the place of the event, so these events
are stored with ``precision=kommun`` and no location: they count in time series and totals, never
as places on a map (docs/decisions/0004-police-events-are-counts.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from layers.models import ImportBatch, Incident, IncidentCategory, Municipality
from layers.reference import POLICE_TYPE_TO_CATEGORY

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
_NAME_TIME = re.compile(r"^\s*(\d{1,2}) (\w+) (\d{1,2}):(\d{2})")


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


def _features(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return [f.get("properties") or {} for f in data.get("features", [])]
    if isinstance(data, list):  # the feed itself: a list of events
        return [dict(e, **(e.get("location") or {})) if isinstance(e, dict) else {} for e in data]
    raise ValueError("expected a GeoJSON FeatureCollection or the police feed's list of events")


@transaction.atomic
def import_police_events(
    path: Path, municipality: Municipality, *, user: User | None = None
) -> ImportBatch:
    """Import the police events of ``municipality`` from a GeoJSON file or the feed's JSON list.

    Events of other municipalities are rejected with a reason; re-importing the same events stores
    nothing new (the event id is the source reference).
    """
    raw = path.read_bytes()
    rows = _features(json.loads(raw))
    categories = {c.code: c for c in IncidentCategory.objects.all()}
    batch = ImportBatch.objects.create(
        municipality=municipality,
        kind=ImportBatch.Kind.INCIDENTS,
        filename=path.name,
        file_sha256=hashlib.sha256(raw).hexdigest(),
        profile=PROFILE,
        created_by=user,
        rows_read=len(rows),
    )
    incidents: list[Incident] = []
    rejected: list[dict[str, Any]] = []
    for number, props in enumerate(rows, start=1):
        ref = str(props.get("event_id") or props.get("id") or "")
        reason = _reject_reason(props, municipality, ref)
        if reason:
            rejected.append({"row": number, "ref": ref, "reason": reason})
            continue
        published = datetime.fromisoformat(str(props["datetime"]).replace(" ", "T"))
        if timezone.is_naive(published):
            published = published.replace(tzinfo=STOCKHOLM)
        code = POLICE_TYPE_TO_CATEGORY.get(str(props.get("type", "")), "ovrigt")
        incidents.append(
            Incident(
                municipality=municipality,
                category=categories[code],
                source=SOURCE,
                source_ref=ref,
                precision=Incident.Precision.MUNICIPALITY,
                location=None,
                occurred_from=event_time(str(props.get("name", "")), published),
                description=f"{props.get('type', '')}: {props.get('summary', '')}".strip(": "),
                import_batch=batch,
            )
        )
    before = Incident.objects.filter(municipality=municipality, source=SOURCE).count()
    Incident.objects.bulk_create(incidents, ignore_conflicts=True, batch_size=2000)
    stored = Incident.objects.filter(municipality=municipality, source=SOURCE).count() - before
    batch.rows_stored = stored
    batch.rows_rejected = len(rejected)
    batch.rejected = rejected[:1000]
    batch.save(update_fields=["rows_stored", "rows_rejected", "rejected"])
    return batch


def _reject_reason(props: dict[str, Any], municipality: Municipality, ref: str) -> str:
    if not ref:
        return "event_id is missing"
    if not props.get("datetime"):
        return "datetime is missing"
    try:
        datetime.fromisoformat(str(props["datetime"]).replace(" ", "T"))
    except ValueError:
        return f"datetime {props['datetime']!r} is not an ISO 8601 time"
    kommun = str(props.get("kommun_kod") or "")
    if kommun != municipality.kommunkod:
        return f"kommun_kod {kommun or '(empty)'} is not {municipality.kommunkod}"
    return ""
