"""Writes and rules for walks, observations and actions. Services take instances and values, never a request."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import LineString, Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from geo.crs import WEB_SRID
from layers import reference
from layers.geometry import to_storage
from layers.models import ContextFeature, Detaljplan, Municipality, Office, PlanZone
from surveys.models import (
    Action,
    ActionEvent,
    Observation,
    ObservationPhoto,
    OfficeStaff,
    Trygghetsvandring,
    WalkParticipants,
)
from surveys.photos import clean_photo
from surveys.places import place_of

# Who is usually responsible for what a walk finds, by observation category. A suggestion only: the
# action list lets staff change it.
SUGGESTED_OFFICE_BY_CATEGORY: dict[str, str] = {
    Observation.Category.LIGHTING: reference.SAMHALLSBYGGNAD,
    Observation.Category.VEGETATION: reference.SAMHALLSBYGGNAD,
    Observation.Category.SIGHTLINES: reference.SAMHALLSBYGGNAD,
    Observation.Category.MAINTENANCE: reference.SAMHALLSBYGGNAD,
    Observation.Category.PEOPLE: reference.KULTUR_FRITID,
    Observation.Category.WALKWAY: reference.SAMHALLSBYGGNAD,
    Observation.Category.TRAFFIC: reference.SAMHALLSBYGGNAD,
    Observation.Category.TRANSIT: reference.KOLLEKTIVTRAFIK,
    Observation.Category.SURVEILLANCE: reference.POLISEN,
    Observation.Category.YOUTH: reference.SOCIAL_OMSORG,
    Observation.Category.VULNERABLE: reference.SOCIAL_OMSORG,
    Observation.Category.SCHOOL_ROUTE: reference.UTBILDNING,
    Observation.Category.SCHOOL: reference.UTBILDNING,
    Observation.Category.OTHER: reference.KOMMUNLEDNING,
}

# The suggested task title of an observation's action: a verb and its object (decision 0820). Staff edit it.
TITLE_BY_CATEGORY: dict[str, str] = {
    Observation.Category.LIGHTING: "Laga eller komplettera belysningen",
    Observation.Category.VEGETATION: "Röj buskage och sly",
    Observation.Category.SIGHTLINES: "Öppna upp sikten",
    Observation.Category.MAINTENANCE: "Städa, sanera klotter och laga skador",
    Observation.Category.PEOPLE: "Skapa liv och aktiviteter på platsen",
    Observation.Category.WALKWAY: "Rusta upp gångvägen",
    Observation.Category.TRAFFIC: "Se över trafikmiljön",
    Observation.Category.TRANSIT: "Se över hållplatsen",
    Observation.Category.SURVEILLANCE: "Öka närvaron på platsen",
    Observation.Category.YOUTH: "Skicka fältassistenter till ungdomsgruppen",
    Observation.Category.VULNERABLE: "Erbjud uppsökande stöd på platsen",
    Observation.Category.SCHOOL_ROUTE: "Gör skolvägen trygg",
    Observation.Category.SCHOOL: "Se över skolgården och dess närhet",
    Observation.Category.OTHER: "Undersök platsen",
}

# Days from the day an action is made to its default due date, by the observation's severity; a plan
# review's measure, which has no severity, gets MEASURE_DUE_DAYS (decision 0822). Staff edit the date.
DUE_DAYS_BY_SEVERITY: dict[int, int] = {
    Observation.Severity.HIGH: 14,
    Observation.Severity.MEDIUM: 30,
    Observation.Severity.LOW: 90,
}
MEASURE_DUE_DAYS = 90

# Categories about the place itself (its lamps, bushes, paths, litter): whoever owns the land answers for
# them. People, traffic, public transport and police presence stay with their office whoever owns the
# ground (docs/decisions/0102-suggested-office-and-land-owner.md).
LAND_OWNER_CATEGORIES = frozenset(
    {
        Observation.Category.LIGHTING,
        Observation.Category.VEGETATION,
        Observation.Category.SIGHTLINES,
        Observation.Category.MAINTENANCE,
        Observation.Category.WALKWAY,
        Observation.Category.OTHER,
    }
)
# Properties of a context feature that name who owns or runs the land (OSM uses owner and operator).
LAND_OWNER_KEYS = ("markägare", "markagare", "fastighetsägare", "owner", "operator")
# Kinds of plan regulation (PlanZone.regulations[].kind) that name the land owner or huvudman.
LAND_OWNER_REGULATION_KINDS = frozenset({"markägare", "markagare", "huvudman", "fastighetsägare"})


class ObservationConflict(Exception):
    """The client UUID is known with other content; the stored observation is kept unchanged."""

    def __init__(self, existing: Observation) -> None:
        super().__init__(f"observation {existing.client_uuid} exists with other content")
        self.existing = existing


class PhotoConflict(Exception):
    """The photo's client UUID is known with another picture (or another observation)."""

    def __init__(self, existing: ObservationPhoto) -> None:
        super().__init__(f"photo {existing.client_uuid} exists with other content")
        self.existing = existing


@dataclass(frozen=True)
class Suggestion:
    office: Office
    reason: str


@dataclass(frozen=True)
class Recorded:
    observation: Observation
    created: bool
    action: Action | None = None  # the proposed action, when the observation was created now


@dataclass(frozen=True)
class StoredPhoto:
    photo: ObservationPhoto
    created: bool


# --- responsible office ---------------------------------------------------------------------------


def land_owner(
    municipality: Municipality | int, point: Point, *, offices: dict[str, Office] | None = None
) -> tuple[Office, str] | None:
    """The office or partner that owns the land at ``point``, from tagged context features or plan zones.

    A context polygon whose properties name an office or partner (``markägare``, ``owner``, ``operator``)
    wins; then a plan zone with a regulation of kind ``markägare``/``huvudman``. The smallest area that
    holds the point decides when several do.
    """
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    offices = offices if offices is not None else _offices_by_name(municipality_id)
    # SELECT properties, name FROM layers_contextfeature WHERE municipality_id = %s
    #   AND ST_Contains(geom, point) ORDER BY ST_Area(geom)
    features = (
        ContextFeature.objects.filter(municipality_id=municipality_id, geom__contains=point)
        .annotate(area_m2=Area("geom"))
        .order_by("area_m2")
        .values_list("properties", "name", "layer__name")
    )
    for properties, name, layer_name in features:
        for key in LAND_OWNER_KEYS:
            value = (properties or {}).get(key)
            office = offices.get(str(value).strip().lower()) if value else None
            if office is not None:
                where = name or layer_name
                return office, f"marken ägs av {office.name} ({where})"
    zones = (
        PlanZone.objects.filter(municipality_id=municipality_id, area__contains=point)
        .annotate(area_m2=Area("area"))
        .order_by("area_m2")
        .values_list("regulations", "plan__plan_id")
    )
    for regulations, plan_id in zones:
        for regulation in regulations or []:
            if str(regulation.get("kind", "")).lower() not in LAND_OWNER_REGULATION_KINDS:
                continue
            office = offices.get(str(regulation.get("text", "")).strip().lower())
            if office is not None:
                return office, f"{office.name} är markägare enligt detaljplan {plan_id}"
    return None


def suggest_office(
    municipality: Municipality | int, category: str, location: Point | None = None
) -> Suggestion:
    """The office or partner to propose for an observation, and why (docs/decisions/0102)."""
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    offices = _offices_by_name(municipality_id)
    if location is not None and category in LAND_OWNER_CATEGORIES:
        owner = land_owner(municipality_id, to_storage(location), offices=offices)
        if owner is not None:
            return Suggestion(owner[0], owner[1])
    name = SUGGESTED_OFFICE_BY_CATEGORY.get(category, reference.KOMMUNLEDNING)
    office = offices.get(name.lower())
    if office is None:
        office = min(offices.values(), key=lambda o: o.pk, default=None)
    if office is None:
        raise LookupError(
            f"municipality {municipality_id} has no offices; load the reference data first"
        )
    label = (
        Observation.Category(category).label
        if category in Observation.Category.values
        else category
    )
    return Suggestion(office, f"kategorin {label.lower()}")


def suggested_office(
    municipality: Municipality, category: str, location: Point | None = None
) -> Office:
    return suggest_office(municipality, category, location).office


def _offices_by_name(municipality_id: int) -> dict[str, Office]:
    found: dict[str, Office] = {}
    for office in Office.objects.filter(municipality_id=municipality_id).order_by("pk"):
        found[office.name.strip().lower()] = office
        if office.short_name:
            found.setdefault(office.short_name.strip().lower(), office)
    return found


# --- actions --------------------------------------------------------------------------------------


@transaction.atomic
def propose_action(
    observation: Observation, *, by: User | None = None, generated: bool = False
) -> Action:
    """The observation's proposed action (one per observation); returns the existing one when there is one."""
    existing = observation.actions.order_by("pk").first()
    if existing is not None:
        return existing
    return _create_action(observation, by=by, generated=generated)


def suggested_title(category: str) -> str:
    """The task title an observation of ``category`` suggests: a verb and its object (decision 0820)."""
    return TITLE_BY_CATEGORY.get(category, TITLE_BY_CATEGORY[Observation.Category.OTHER])


def default_due_date(severity: int | None, *, start: date | None = None) -> date:
    """The due date an action gets by default: by severity, or ``MEASURE_DUE_DAYS`` without one (0822).

    >>> default_due_date(3, start=date(2026, 12, 7)), default_due_date(None, start=date(2026, 12, 7))
    (datetime.date(2026, 12, 21), datetime.date(2027, 3, 7))
    """
    days = DUE_DAYS_BY_SEVERITY.get(severity, MEASURE_DUE_DAYS) if severity else MEASURE_DUE_DAYS
    return (start or timezone.localdate()) + timedelta(days=days)


def _create_action(observation: Observation, *, by: User | None, generated: bool) -> Action:
    """The proposed action of a new observation, with its first history row (call inside a transaction)."""
    with translation.override("sv"):  # stored texts are Swedish, whatever the request's language
        suggestion = suggest_office(
            observation.municipality_id, observation.category, observation.location
        )
    place = place_of(observation.municipality_id, observation.location)
    action = Action.objects.create(
        municipality_id=observation.municipality_id,
        observation=observation,
        office=suggestion.office,
        suggested_office=suggestion.office,
        suggestion_reason=suggestion.reason[:300],
        title=suggested_title(observation.category),
        description=observation.note,
        location=observation.location.clone(),
        place_name=place.name,
        place_kind=place.kind,
        due_date=default_due_date(observation.severity),
        generated=generated,
    )
    ActionEvent.objects.create(
        action=action,
        by=by,
        from_status="",
        to_status=action.status,
        note="Föreslagen från observation",
        changes={"office": ["", suggestion.office.name], "due_date": ["", _iso(action.due_date)]},
    )
    return action


@dataclass(frozen=True)
class MeasureAction:
    action: Action
    created: bool


@transaction.atomic
def action_from_measure(
    plan: Detaljplan,
    *,
    criterion: str,
    measure_text: str,
    office_name: str,
    criterion_label: str = "",
    by: User | None = None,
) -> MeasureAction:
    """A plan review's measure as an action of the measure's office, once (decision 0823).

    The same measure of the same plan and criterion returns the action made before, whatever its status.
    The place is the plan area's point on surface, named like any action's place.
    """
    existing = (
        Action.objects.filter(plan=plan, criterion=criterion, measure=measure_text[:500])
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return MeasureAction(existing, created=False)
    offices = _offices_by_name(plan.municipality_id)
    office = offices.get(office_name.strip().lower())
    reason = f"åtgärdsförslag i granskningen av detaljplan {plan.plan_id}"
    if office is None:
        office = offices.get(reference.SAMHALLSBYGGNAD.lower()) or min(
            offices.values(), key=lambda o: o.pk, default=None
        )
        reason = f"{reason}; {office_name or 'ansvarig saknas'} finns inte bland kontoren"
    if office is None:
        raise LookupError(f"municipality {plan.municipality_id} has no offices")
    point = plan.area.point_on_surface if plan.area is not None else None
    place = place_of(plan.municipality_id, point)
    text = measure_text.strip().rstrip(".")
    action = Action.objects.create(
        municipality_id=plan.municipality_id,
        office=office,
        suggested_office=office,
        suggestion_reason=reason[:300],
        title=(text or criterion)[:300],
        description=(
            f"Detaljplan {plan.plan_id} {plan.name}, kriteriet {criterion_label or criterion}: "
            f"{measure_text}"
        ).strip(),
        location=point,
        place_name=place.name,
        place_kind=place.kind,
        due_date=default_due_date(None),
        plan=plan,
        criterion=criterion[:60],
        measure=measure_text[:500],
    )
    ActionEvent.objects.create(
        action=action,
        by=by,
        from_status="",
        to_status=action.status,
        note=f"Från granskningen av detaljplan {plan.plan_id}",
        changes={"office": ["", office.name], "due_date": ["", _iso(action.due_date)]},
    )
    return MeasureAction(action, created=True)


def refresh_action_places(municipality: Municipality) -> int:
    """Name again the places of the municipality's actions not named by a street (after a context import);
    returns how many changed. Only the place's name changes: no history row, not ``updated_at``."""
    changed = 0
    todo = Action.objects.filter(municipality=municipality, location__isnull=False).exclude(
        place_kind="gata"
    )
    for pk, location, name, kind in todo.values_list("pk", "location", "place_name", "place_kind"):
        place = place_of(municipality.pk, location)
        if (place.name, place.kind) != (name, kind):
            Action.objects.filter(pk=pk).update(place_name=place.name, place_kind=place.kind)
            changed += 1
    return changed


def assignable_users(office: Office) -> list[User]:
    """The users who may be assigned ``office``'s actions: its staff who work in its municipality."""
    return list(
        User.objects.filter(
            is_active=True,
            offices__office=office,
            membership__municipality_id=office.municipality_id,
        )
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def may_be_assigned(user: User, office: Office) -> bool:
    return OfficeStaff.objects.filter(
        office=office, user=user, user__membership__municipality_id=office.municipality_id
    ).exists()


@transaction.atomic
def change_action_status(
    action: Action,
    *,
    to_status: str,
    by: User | None = None,
    note: str = "",
    rejection_reason: str = "",
) -> Action:
    """Move an action to another status and record it in its history."""
    return update_action(
        action, by=by, status=to_status, note=note, rejection_reason=rejection_reason
    )


_UNSET: Any = object()


@transaction.atomic
def update_action(
    action: Action,
    *,
    by: User | None = None,
    status: str | None = None,
    office: Office | None = None,
    due_date: date | None = _UNSET,
    title: str | None = None,
    assignee: User | None = _UNSET,
    rejection_reason: str = "",
    note: str = "",
) -> Action:
    """Change an action's status, office, due date, title and assignee at once; record what changed.

    Rejecting needs a reason; a reason is kept only while the action stays rejected. The assignee works at
    the action's office (after the change); moving an action to another office drops an assignee who does
    not work there.
    """
    # Lock the row: two people saving the same action at once get two history rows in order.
    locked = Action.objects.select_for_update().get(pk=action.pk)
    to_status = status or locked.status
    if to_status not in Action.Status.values:
        raise ValueError(f"unknown status {to_status!r}")
    if office is not None and office.municipality_id != locked.municipality_id:
        raise ValueError("the office belongs to another municipality")
    reason = rejection_reason.strip()
    if to_status == Action.Status.REJECTED and not (reason or locked.rejection_reason):
        raise ValueError("an action can only be rejected with a reason")
    changes: dict[str, list[str]] = {}
    if office is not None and office.pk != locked.office_id:
        changes["office"] = [locked.office.name, office.name]
        locked.office = office
    if due_date is not _UNSET and due_date != locked.due_date:
        changes["due_date"] = [_iso(locked.due_date), _iso(due_date)]
        locked.due_date = due_date
    if title is not None and title.strip() and title.strip() != locked.title:
        changes["title"] = [locked.title, title.strip()[:300]]
        locked.title = title.strip()[:300]
    wanted = locked.assignee if assignee is _UNSET else assignee
    if wanted is not None and not may_be_assigned(wanted, locked.office):
        if assignee is not _UNSET:
            raise ValueError("the assignee does not work at the action's office")
        wanted = None  # the office changed: its former officer does not follow
    if (wanted.pk if wanted else None) != locked.assignee_id:
        changes["assignee"] = [_user_name(locked.assignee), _user_name(wanted)]
        locked.assignee = wanted
    new_reason = (reason or locked.rejection_reason) if to_status == Action.Status.REJECTED else ""
    if new_reason != locked.rejection_reason:
        changes["rejection_reason"] = [locked.rejection_reason, new_reason]
        locked.rejection_reason = new_reason
    from_status = locked.status
    if from_status == to_status and not changes and not note.strip():
        return locked
    locked.status = to_status
    locked.save()
    ActionEvent.objects.create(
        action=locked,
        by=by,
        from_status=from_status,
        to_status=to_status,
        note=note.strip(),
        changes=changes,
    )
    action.refresh_from_db()
    return locked


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _user_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


# --- walks ----------------------------------------------------------------------------------------


@transaction.atomic
def save_walk(
    walk: Trygghetsvandring,
    *,
    participants: Mapping[tuple[str, str], int],
    partners: Iterable[Office] | None = None,
    by: User | None = None,
) -> Trygghetsvandring:
    """Store a planned walk with its participant counts (groups with 0 are removed) and partners."""
    if walk.pk is None:
        walk.created_by = by
        if walk.follow_up_of is not None and walk.route is None:
            earlier = walk.follow_up_of
            source = earlier.route or earlier.track
            walk.route = source.clone() if source is not None else None
    walk.save()
    for (gender, age), count in participants.items():
        if count > 0:
            WalkParticipants.objects.update_or_create(
                walk=walk, gender=gender, age_group=age, defaults={"count": count}
            )
        else:
            WalkParticipants.objects.filter(walk=walk, gender=gender, age_group=age).delete()
    if partners is not None:
        walk.partners.set(list(partners))
    return walk


def set_walk_status(walk: Trygghetsvandring, status: str) -> Trygghetsvandring:
    if status not in Trygghetsvandring.Status.values:
        raise ValueError(f"unknown walk status {status!r}")
    Trygghetsvandring.objects.filter(pk=walk.pk).update(status=status)
    walk.status = status
    return walk


def set_walk_track(walk: Trygghetsvandring, track: LineString) -> bool:
    """Store the GPS track recorded on the walk; a shorter track never replaces a longer one (a late retry).

    Returns True when the track was stored.
    """
    stored = to_storage(track)
    if not stored.valid:
        raise ValueError("the track is not a valid line")
    with transaction.atomic():
        locked = Trygghetsvandring.objects.select_for_update().get(pk=walk.pk)
        if locked.track is not None and locked.track.num_points > stored.num_points:
            return False
        locked.track = stored
        locked.save(update_fields=["track"])
    walk.track = stored
    return True


# --- observations from tablets --------------------------------------------------------------------


def observation_digest(fields: Mapping[str, Any]) -> str:
    """SHA-256 of an observation's content in canonical form: tells a retry from a conflict.

    Coordinates are rounded to 7 decimals (1 cm), times compared as UTC instants, so the same observation
    sent again in another JSON spelling has the same digest.

    >>> a = {"lon": 17.9, "lat": 59.5, "recorded_at": datetime(2026, 1, 1, 18, tzinfo=UTC), "note": "x"}
    >>> b = dict(a, lon=17.900000001)
    >>> observation_digest(a) == observation_digest(b), observation_digest(a) == observation_digest(dict(a, note="y"))
    (True, False)
    """
    canonical: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, float):
            canonical[key] = round(value, 7)
        elif isinstance(value, datetime):
            canonical[key] = value.astimezone(UTC).isoformat()
        elif isinstance(value, uuid.UUID):
            canonical[key] = str(value)
        else:
            canonical[key] = value
    blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def record_observation(
    walk: Trygghetsvandring,
    *,
    client_uuid: uuid.UUID,
    lon: float,
    lat: float,
    recorded_at: datetime,
    category: str,
    feeling: int,
    severity: int = Observation.Severity.MEDIUM,
    note: str = "",
    accuracy_m: float | None = None,
    gps_lon: float | None = None,
    gps_lat: float | None = None,
    raised_by_gender: str = "",
    raised_by_age: str = "",
    by: User | None = None,
) -> Recorded:
    """Store one observation sent from a tablet, exactly once per ``client_uuid``.

    The same UUID with the same content returns the stored observation (``created=False``); with other
    content it raises ``ObservationConflict`` and keeps the original. The database's UNIQUE constraint on
    ``client_uuid`` decides races: of several requests at once, one inserts and the others read its row.
    The observation and its proposed action are stored together or not at all.
    """
    content = {
        "walk": walk.pk,
        "lon": float(lon),
        "lat": float(lat),
        "gps_lon": None if gps_lon is None else float(gps_lon),
        "gps_lat": None if gps_lat is None else float(gps_lat),
        "accuracy_m": None if accuracy_m is None else float(accuracy_m),
        "recorded_at": recorded_at,
        "category": category,
        "feeling": int(feeling),
        "severity": int(severity),
        "note": note,
        "raised_by_gender": raised_by_gender,
        "raised_by_age": raised_by_age,
    }
    digest = observation_digest(content)
    existing = Observation.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _same_or_conflict(existing, digest)
    location = to_storage(Point(lon, lat, srid=WEB_SRID))
    gps_location = None
    if gps_lon is not None and gps_lat is not None and (gps_lon, gps_lat) != (lon, lat):
        gps_location = to_storage(Point(gps_lon, gps_lat, srid=WEB_SRID))
    try:
        with transaction.atomic():
            observation = Observation.objects.create(
                municipality_id=walk.municipality_id,
                walk=walk,
                client_uuid=client_uuid,
                location=location,
                gps_location=gps_location,
                accuracy_m=accuracy_m,
                recorded_at=recorded_at,
                category=category,
                feeling=feeling,
                severity=severity,
                note=note,
                raised_by_gender=raised_by_gender,
                raised_by_age=raised_by_age,
                payload_sha256=digest,
                created_by=by,
            )
            action = _create_action(observation, by=by, generated=False)
            if walk.status == Trygghetsvandring.Status.PLANNED:
                Trygghetsvandring.objects.filter(
                    pk=walk.pk, status=Trygghetsvandring.Status.PLANNED
                ).update(status=Trygghetsvandring.Status.ONGOING)
    except IntegrityError as e:
        if not _is_unique_violation(e, "client_uuid"):
            raise
        # Another request with this UUID committed first: ours waited on the unique index, then failed.
        return _same_or_conflict(Observation.objects.get(client_uuid=client_uuid), digest)
    return Recorded(observation, created=True, action=action)


def _same_or_conflict(existing: Observation, digest: str) -> Recorded:
    if existing.payload_sha256 and existing.payload_sha256 != digest:
        raise ObservationConflict(existing)
    return Recorded(existing, created=False)


def _is_unique_violation(error: IntegrityError, column: str) -> bool:
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    text = str(cause or error)
    return sqlstate == "23505" and column in text


def attach_photo(
    observation: Observation,
    *,
    client_uuid: uuid.UUID,
    path: Path,
    name: str = "image",
) -> StoredPhoto:
    """Store a photo for ``observation`` exactly once per ``client_uuid``; cleaned by ``surveys.photos``.

    The same UUID with the same file (by SHA-256 of the upload) returns the stored photo; with another
    file, or for another observation, it raises ``PhotoConflict``. Raises ``PhotoRejected`` for files
    that are not pictures.
    """
    sha = _sha256_file(path)
    existing = ObservationPhoto.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _same_photo_or_conflict(existing, observation, sha)
    clean = clean_photo(path, name=name)
    photo = ObservationPhoto(observation=observation, client_uuid=client_uuid, sha256=sha)
    photo.image.save(f"{client_uuid}.jpg", ContentFile(clean.image), save=False)
    photo.thumbnail.save(f"{client_uuid}_thumb.jpg", ContentFile(clean.thumbnail), save=False)
    # Known from the pixels; Django's own reading of the stored file is not needed (and has given None).
    photo.width, photo.height = clean.width, clean.height
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError as e:
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
        if not _is_unique_violation(e, "client_uuid"):
            raise
        winner = ObservationPhoto.objects.get(client_uuid=client_uuid)
        return _same_photo_or_conflict(winner, observation, sha)
    return StoredPhoto(photo, created=True)


def _same_photo_or_conflict(
    existing: ObservationPhoto, observation: Observation, sha: str
) -> StoredPhoto:
    if existing.observation_id != observation.pk or (existing.sha256 and existing.sha256 != sha):
        raise PhotoConflict(existing)
    return StoredPhoto(existing, created=False)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --- actions from elsewhere (EST reports, ...) ----------------------------------------------------


@transaction.atomic
def open_action(
    municipality: Municipality,
    *,
    office: Office,
    title: str,
    description: str = "",
    reason: str = "",
    location: Point | None = None,
    due_date: date | None = None,
    by: User | None = None,
    note: str = "",
    generated: bool = False,
) -> Action:
    """A new action that does not come from a walk observation (an EST report, ...), for ``office``,
    with its first history row. ``reason`` says why that office (kept as the suggestion); the place is
    named like any action's (``surveys.places``); ``due_date`` defaults to ``default_due_date(None)``;
    ``generated`` marks demo data."""
    if office.municipality_id != municipality.pk:
        raise ValueError("the office belongs to another municipality")
    point = to_storage(location) if location is not None else None
    place = place_of(municipality.pk, point)
    action = Action.objects.create(
        municipality=municipality,
        office=office,
        suggested_office=office,
        suggestion_reason=reason[:300],
        title=title[:300],
        description=description,
        location=point,
        place_name=place.name,
        place_kind=place.kind,
        due_date=due_date or default_due_date(None),
        generated=generated,
    )
    ActionEvent.objects.create(
        action=action,
        by=by,
        from_status="",
        to_status=action.status,
        note=note,
        changes={"office": ["", office.name], "due_date": ["", _iso(action.due_date)]},
    )
    return action
