"""Writes for EST reports: stored exactly once per client UUID, placed in a NYKO area, and turned into an
action for the office that answers for the event type (docs/decisions/0831).

The sync protocol is the walk observations' (docs/decisions/0100): the same UUID with the same content
is a retry (200, the stored report), with other content a conflict (409, the stored report is kept), and
the database's UNIQUE constraint decides a race. The content digest is ``surveys.services.observation_digest``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from est.lagesbild import WEIGHTS
from est.models import EstReport, EventType, Reporter
from geo.crs import WEB_SRID
from layers import reference
from layers.geometry import to_storage
from layers.models import Municipality, Office, StatisticalArea
from surveys import services as survey_services
from surveys.models import Action

# Who answers for what an EST report tells, by event type (decision 0831). Events about the place itself go
# first to whoever owns the land there (a housing company's yard goes to the housing company), as a walk
# observation's do (surveys.services.land_owner, decision 0102).
OFFICE_BY_EVENT_TYPE: dict[str, str] = {
    EventType.VANDALISM: reference.SAMHALLSBYGGNAD,
    EventType.GRAFFITI: reference.SAMHALLSBYGGNAD,
    EventType.LITTER: reference.SAMHALLSBYGGNAD,
    EventType.UNSAFE_PLACE: reference.SAMHALLSBYGGNAD,
    EventType.FIRE: reference.KOMMUNLEDNING,
    EventType.GATHERING: reference.SOCIAL_OMSORG,
    EventType.RECKLESS_DRIVING: reference.POLISEN,
    EventType.DRUGS: reference.POLISEN,
    EventType.SOCIAL_MEDIA: reference.KOMMUNLEDNING,
    EventType.DISORDER: reference.KOMMUNLEDNING,
    EventType.OTHER: reference.KOMMUNLEDNING,
}
PLACE_EVENT_TYPES = frozenset(
    {EventType.VANDALISM, EventType.GRAFFITI, EventType.LITTER, EventType.UNSAFE_PLACE}
)
# A verb and object per event type for the action's title.
ACTION_TITLE: dict[str, str] = {
    EventType.VANDALISM: "Åtgärda skadegörelse",
    EventType.GRAFFITI: "Sanera klotter",
    EventType.LITTER: "Städa upp nedskräpning",
    EventType.UNSAFE_PLACE: "Se över otrygg plats",
    EventType.FIRE: "Följ upp brand",
    EventType.GATHERING: "Följ upp gruppering",
    EventType.RECKLESS_DRIVING: "Följ upp buskörning",
    EventType.DRUGS: "Följ upp narkotikahandel eller -bruk",
    EventType.SOCIAL_MEDIA: "Följ upp rykten i sociala medier",
    EventType.DISORDER: "Följ upp ordningsstörning",
    EventType.OTHER: "Följ upp EST-rapport",
}


class ReportConflict(Exception):
    """The client UUID is known with other content (or from another reporter); the stored one is kept."""

    def __init__(self, existing: EstReport) -> None:
        super().__init__(f"EST report {existing.client_uuid} exists with other content")
        self.existing = existing


@dataclass(frozen=True)
class Recorded:
    report: EstReport
    created: bool


def responsible_office(
    municipality: Municipality, event_type: str, point: Point
) -> tuple[Office, str]:
    """The office or partner an EST report's action goes to, and why."""
    with translation.override("sv"):
        label = str(EventType(event_type).label).lower()
    if event_type in PLACE_EVENT_TYPES:
        owner = survey_services.land_owner(municipality, point)
        if owner is not None:
            return owner
    name = OFFICE_BY_EVENT_TYPE.get(event_type, reference.KOMMUNLEDNING)
    office = (
        Office.objects.filter(municipality=municipality, name=name).first()
        or Office.objects.filter(municipality=municipality, name=reference.KOMMUNLEDNING).first()
        or Office.objects.filter(municipality=municipality).order_by("pk").first()
    )
    if office is None:
        raise LookupError(f"municipality {municipality.pk} has no offices; load the reference data")
    return office, f"EST-händelsetypen {label}"


def area_at(municipality: Municipality, point: Point) -> StatisticalArea | None:
    # SELECT * FROM layers_statisticalarea WHERE municipality_id = %s AND ST_Contains(area, point)
    return (
        StatisticalArea.objects.filter(municipality=municipality, area__contains=point)
        .order_by("code")
        .first()
    )


def report_digest(content: dict[str, object]) -> str:
    return survey_services.observation_digest(content)


def record_report(
    municipality: Municipality,
    *,
    reporter: User,
    client_uuid: uuid.UUID,
    event_type: str,
    lon: float,
    lat: float,
    occurred_at: datetime,
    note: str = "",
    gps_lon: float | None = None,
    gps_lat: float | None = None,
    accuracy_m: float | None = None,
    generated: bool = False,
) -> Recorded:
    """Store one EST report exactly once per ``client_uuid``, with its action, or neither.

    Raises ``ReportConflict`` when the UUID is stored with other content or by another reporter, and
    ``ValueError`` for an unknown event type.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown EST event type {event_type!r}")
    content: dict[str, object] = {
        "reporter": reporter.pk,
        "event_type": event_type,
        "lon": float(lon),
        "lat": float(lat),
        "gps_lon": None if gps_lon is None else float(gps_lon),
        "gps_lat": None if gps_lat is None else float(gps_lat),
        "accuracy_m": None if accuracy_m is None else float(accuracy_m),
        "occurred_at": occurred_at,
        "note": note,
    }
    digest = report_digest(content)
    existing = EstReport.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _same_or_conflict(existing, digest)
    location = to_storage(Point(lon, lat, srid=WEB_SRID))
    gps_location = None
    if gps_lon is not None and gps_lat is not None and (gps_lon, gps_lat) != (lon, lat):
        gps_location = to_storage(Point(gps_lon, gps_lat, srid=WEB_SRID))
    profile = Reporter.objects.filter(user=reporter).first()
    area = area_at(municipality, location)
    try:
        with transaction.atomic():
            report = EstReport.objects.create(
                municipality=municipality,
                client_uuid=client_uuid,
                payload_sha256=digest,
                reporter=reporter,
                organisation=profile.organisation if profile else "",
                event_type=event_type,
                location=location,
                gps_location=gps_location,
                accuracy_m=accuracy_m,
                occurred_at=occurred_at,
                note=note,
                area=area,
                generated=generated,
            )
            report.action = _action_for(report, by=reporter)
            report.save(update_fields=["action"])
    except IntegrityError as e:
        if not survey_services._is_unique_violation(e, "client_uuid"):
            raise
        return _same_or_conflict(EstReport.objects.get(client_uuid=client_uuid), digest)
    return Recorded(report, created=True)


def _same_or_conflict(existing: EstReport, digest: str) -> Recorded:
    if existing.payload_sha256 != digest:
        raise ReportConflict(existing)
    return Recorded(existing, created=False)


def _action_for(report: EstReport, *, by: User | None) -> Action:
    """The report's action for the office that answers for its event type (surveys.services.open_action).

    The report's free text is not copied: it may name a person, and the action outlives its gallring.
    """
    office, reason = responsible_office(report.municipality, report.event_type, report.location)
    with translation.override("sv"):
        where = f" i {report.area.name}" if report.area else ""
        title = f"{ACTION_TITLE[report.event_type]}{where}"
        when = timezone.localtime(report.occurred_at).strftime("%Y-%m-%d %H:%M")
        description = (
            f"EST-rapport {when}: {report.get_event_type_display()}{where}"
            f"{' (' + report.organisation + ')' if report.organisation else ''}."
        )
    # An event type's weight in the lägesbild is also its severity, which sets the due date (decision 0822).
    severity = WEIGHTS.get(report.event_type, 1)
    return survey_services.open_action(
        report.municipality,
        office=office,
        title=title,
        description=description,
        reason=reason,
        location=report.location,
        due_date=survey_services.default_due_date(severity),
        by=by,
        note="Från EST-rapport",
        generated=report.generated,
    )
