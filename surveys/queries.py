"""Reads of walks, observations and actions for pages and the API."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.geos import LineString, Point
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from geo.crs import WEB_SRID
from geo.places import places
from layers.models import Municipality, Office
from layers.queries import FeatureCollection, feature_collection
from surveys.models import (
    Action,
    AgeGroup,
    Gender,
    Observation,
    ObservationPhoto,
    Trygghetsvandring,
    WalkParticipants,
)

# A follow-up observation within this distance of an earlier one, in the same category, counts as the
# same problem seen again (docs/decisions/0103-follow-up-walks.md). GPS on a tablet is good to ~10 m.
FOLLOW_UP_MATCH_M = 30.0
# Observations within 2 × this of each other are one place for the gender and age lens (0104).
LENS_PLACE_RADIUS_M = 25.0
# Walks a tablet lists besides planned and ongoing ones: those walked this many days back.
RECENT_WALK_DAYS = 7


def observation_features(municipality: Municipality, *, limit: int = 20000) -> FeatureCollection:
    rows = (
        Observation.objects.filter(municipality=municipality)
        .annotate(geojson=AsGeoJSON(Transform("location", WEB_SRID), precision=6))
        .values(
            "id",
            "client_uuid",
            "category",
            "feeling",
            "severity",
            "note",
            "recorded_at",
            "walk_id",
            "walk__name",
            "generated",
            "geojson",
        )
        .order_by("-recorded_at")[:limit]
    )
    # str(): the labels are lazy translations; plain json.dumps callers get strings.
    labels = {k: str(v) for k, v in Observation.Category.choices}
    feelings = {k: str(v) for k, v in Observation.Feeling.choices}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": r["id"],
            "geometry": json.loads(r["geojson"]),
            "properties": {
                "uuid": str(r["client_uuid"]),
                "category": r["category"],
                "category_label": labels.get(r["category"], r["category"]),
                "feeling": r["feeling"],
                "feeling_label": feelings.get(r["feeling"], ""),
                "severity": r["severity"],
                "note": r["note"],
                "recorded_at": r["recorded_at"].isoformat(),
                "walk_id": r["walk_id"],
                "walk": r["walk__name"],
                "generated": r["generated"],
            },
        }
        for r in rows
    ]
    return feature_collection(features)


# --- walks ----------------------------------------------------------------------------------------


def web_xy(point: Point) -> tuple[float, float]:
    """(lon, lat) of a stored point, rounded to 7 decimals (1 cm)."""
    web = point.clone()
    web.transform(WEB_SRID)
    return round(web.x, 7), round(web.y, 7)


def line_geojson(line: LineString | None) -> dict[str, Any] | None:
    if line is None:
        return None
    web = line.clone()
    web.transform(WEB_SRID)
    return {
        "type": "LineString",
        "coordinates": [[round(x, 7), round(y, 7)] for x, y in web.coords],
    }


def walk_json(walk: Trygghetsvandring) -> dict[str, Any]:
    return {
        "id": walk.pk,
        "name": walk.name,
        "walked_on": walk.walked_on.isoformat(),
        "start_time": walk.start_time.strftime("%H:%M") if walk.start_time else None,
        "light": walk.light,
        "status": walk.status,
        "district": walk.district.name if walk.district_id and walk.district else None,
        "route": line_geojson(walk.route),
        "track": line_geojson(walk.track),
        "checklist": [str(item) for item in walk.checklist or []],
        "follow_up_of": walk.follow_up_of_id,
    }


def active_walks(
    municipality: Municipality | None = None, *, today: date | None = None
) -> QuerySet[Trygghetsvandring]:
    """Walks a tablet can record on: planned or ongoing, or walked in the last week (late additions)."""
    today = today or timezone.localdate()
    qs = Trygghetsvandring.objects.filter(
        Q(status__in=[Trygghetsvandring.Status.PLANNED, Trygghetsvandring.Status.ONGOING])
        | Q(walked_on__gte=today - timedelta(days=RECENT_WALK_DAYS))
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs.select_related("district").order_by("walked_on", "start_time", "name")


def walks_for_list(
    municipality: Municipality | None,
    *,
    status: str = "",
    district: str = "",
    year: int | None = None,
) -> QuerySet[Trygghetsvandring]:
    qs = Trygghetsvandring.objects.select_related("district", "follow_up_of").annotate(
        observation_count=Count("observations", distinct=True),
        participant_count=Sum("participants__count"),
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if status:
        qs = qs.filter(status=status)
    if district:
        qs = qs.filter(district__code=district)
    if year:
        qs = qs.filter(walked_on__year=year)
    return qs.order_by("-walked_on", "name")


def walk_observations(walk: Trygghetsvandring) -> list[Observation]:
    """The walk's observations in the order recorded, with photos and actions, numbered from 1."""
    observations = list(
        Observation.objects.filter(walk=walk)
        .order_by("recorded_at", "pk")
        .prefetch_related(
            Prefetch("photos", queryset=ObservationPhoto.objects.order_by("pk")),
            Prefetch("actions", queryset=Action.objects.select_related("office").order_by("pk")),
        )
    )
    for number, observation in enumerate(observations, start=1):
        observation.number = number  # type: ignore[attr-defined]  # a display number set on the fetched row; not a model field
    return observations


def first_action(observation: Observation) -> Action | None:
    actions = list(observation.actions.all())  # prefetched
    return actions[0] if actions else None


def participant_table(walk: Trygghetsvandring) -> dict[str, Any]:
    """Counts by gender (rows) and age (columns), with totals."""
    counts = {(p.gender, p.age_group): p.count for p in WalkParticipants.objects.filter(walk=walk)}
    rows = []
    for gender, gender_label in Gender.choices:
        cells = [counts.get((gender, age), 0) for age, _ in AgeGroup.choices]
        rows.append({"label": gender_label, "cells": cells, "total": sum(cells)})
    column_totals = [
        sum(counts.get((g, age), 0) for g, _ in Gender.choices) for age, _ in AgeGroup.choices
    ]
    return {
        "ages": [label for _, label in AgeGroup.choices],
        "rows": rows,
        "column_totals": column_totals,
        "total": sum(column_totals),
    }


def _photo_urls(photo: ObservationPhoto) -> dict[str, str]:
    try:
        return {
            "url": reverse("field-photo", args=[photo.client_uuid]),
            "thumbnail_url": reverse("field-photo-thumbnail", args=[photo.client_uuid]),
        }
    except NoReverseMatch:
        return {"url": "", "thumbnail_url": ""}


def observation_feature(observation: Observation, **extra: Any) -> dict[str, Any]:
    action = first_action(observation)
    return {
        "type": "Feature",
        "id": observation.pk,
        "geometry": {"type": "Point", "coordinates": list(web_xy(observation.location))},
        "properties": {
            "number": getattr(observation, "number", None),
            "uuid": str(observation.client_uuid),
            "category": observation.category,
            "category_label": str(observation.get_category_display()),
            "feeling": observation.feeling,
            "feeling_label": str(observation.get_feeling_display()),
            "severity": observation.severity,
            "note": observation.note,
            "recorded_at": observation.recorded_at.isoformat(),
            "group": group_label(observation.raised_by_gender, observation.raised_by_age),
            "photos": [_photo_urls(p) for p in observation.photos.all()],
            "action_status": action.status if action else "",
            "action_status_label": str(action.get_status_display()) if action else "",
            "office": action.office.name if action else "",
            **extra,
        },
    }


def walk_map_data(walk: Trygghetsvandring) -> dict[str, Any]:
    """Route, track and numbered observations of a walk, in WGS 84, for its map."""
    return {
        "walk": walk_json(walk),
        "observations": feature_collection(
            [observation_feature(o) for o in walk_observations(walk)]
        ),
    }


def group_label(gender: str, age: str) -> str:
    genders = dict(Gender.choices)
    ages = dict(AgeGroup.choices)
    if not gender and not age:
        return ""
    return ", ".join(str(x) for x in (genders.get(gender, gender), ages.get(age, age)) if x)


# --- follow-up walks ------------------------------------------------------------------------------

FIXED = "atgardad"
OPEN = "kvarstar"
REJECTED = "avslagen"
NO_ACTION = "utan_atgard"


@dataclass
class FollowUpRow:
    observation: Observation
    action: Action | None
    state: str  # FIXED, OPEN, REJECTED or NO_ACTION
    seen_again: list[Observation] = field(default_factory=list)


@dataclass
class FollowUp:
    walk: Trygghetsvandring
    earlier: Trygghetsvandring
    rows: list[FollowUpRow]
    new: list[Observation]  # on the follow-up walk, matching no earlier observation

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def fixed(self) -> int:
        return self.count(FIXED)

    @property
    def remaining(self) -> int:
        return self.count(OPEN) + self.count(NO_ACTION)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)

    @property
    def fixed_but_seen_again(self) -> int:
        return sum(1 for r in self.rows if r.state == FIXED and r.seen_again)


def follow_up(walk: Trygghetsvandring) -> FollowUp | None:
    """Compare a follow-up walk with the walk it follows up: what was fixed, what remains, what is new.

    An earlier observation is fixed when its action is åtgärdad, remains when the action is open, and is
    "seen again" when the follow-up walk has an observation of the same category within
    ``FOLLOW_UP_MATCH_M`` metres.
    """
    earlier = walk.follow_up_of
    if earlier is None:
        return None
    before = walk_observations(earlier)
    after = walk_observations(walk)
    matched_after: set[int] = set()
    rows: list[FollowUpRow] = []
    for observation in before:
        action = first_action(observation)
        if action is None:
            state = NO_ACTION
        elif action.status == Action.Status.DONE:
            state = FIXED
        elif action.status == Action.Status.REJECTED:
            state = REJECTED
        else:
            state = OPEN
        again = [
            later
            for later in after
            if later.category == observation.category
            and later.location.distance(observation.location) <= FOLLOW_UP_MATCH_M
        ]
        matched_after.update(o.pk for o in again)
        rows.append(FollowUpRow(observation, action, state, again))
    new = [o for o in after if o.pk not in matched_after]
    return FollowUp(walk=walk, earlier=earlier, rows=rows, new=new)


def follow_up_map_data(comparison: FollowUp) -> dict[str, Any]:
    earlier = [
        observation_feature(
            r.observation, state=r.state, seen_again=bool(r.seen_again), walk="earlier"
        )
        for r in comparison.rows
    ]
    later = [
        observation_feature(o, state="ny" if o in comparison.new else "igen", walk="follow_up")
        for o in walk_observations(comparison.walk)
    ]
    return {
        "walk": walk_json(comparison.walk),
        "earlier_walk": walk_json(comparison.earlier),
        "observations": feature_collection(earlier + later),
    }


# --- gender and age lens --------------------------------------------------------------------------


@dataclass
class GroupStats:
    gender: str
    age: str
    label: str
    participants: int
    observations: int
    mean_feeling: float | None
    unsafe_share: float | None  # share of observations with feeling 1–2
    top_categories: list[str]

    @property
    def per_participant(self) -> float | None:
        return self.observations / self.participants if self.participants else None


@dataclass
class PlaceGroup:
    label: str
    observations: list[Observation]
    mean_feeling: float
    categories: list[str]


@dataclass
class Place:
    number: int
    lon: float
    lat: float
    groups: list[PlaceGroup]
    spread: float  # largest minus smallest mean feeling between the groups

    @property
    def size(self) -> int:
        return sum(len(g.observations) for g in self.groups)


@dataclass
class Lens:
    observations: list[Observation]  # after the group filter
    groups: list[GroupStats]
    by_gender: list[GroupStats]
    by_age: list[GroupStats]
    places: list[Place]
    radius_m: float


def lens_scope(
    municipality: Municipality | None,
    *,
    walk: Trygghetsvandring | None = None,
    district: str = "",
    year: int | None = None,
) -> QuerySet[Observation]:
    qs = Observation.objects.all()
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if walk is not None:
        qs = qs.filter(walk=walk)
    if district:
        qs = qs.filter(walk__district__code=district)
    if year:
        qs = qs.filter(walk__walked_on__year=year)
    return qs


def lens(
    scope: QuerySet[Observation],
    *,
    gender: str = "",
    age: str = "",
    radius_m: float = LENS_PLACE_RADIUS_M,
) -> Lens:
    """Observations by participant group, and the places several groups marked, with how they differ."""
    observations = list(
        scope.select_related("walk")
        .prefetch_related(
            Prefetch("photos", queryset=ObservationPhoto.objects.order_by("pk")),
            Prefetch("actions", queryset=Action.objects.select_related("office").order_by("pk")),
        )
        .order_by("recorded_at", "pk")
    )
    walk_ids = {o.walk_id for o in observations} | set(
        scope.values_list("walk_id", flat=True).distinct()
    )
    participants: dict[tuple[str, str], int] = defaultdict(int)
    for p in WalkParticipants.objects.filter(walk_id__in=walk_ids):
        participants[(p.gender, p.age_group)] += p.count

    def stats(keys: list[tuple[str, str]], label: str, obs: list[Observation]) -> GroupStats:
        feelings = [o.feeling for o in obs]
        categories = Counter(str(o.get_category_display()) for o in obs)
        return GroupStats(
            gender=keys[0][0] if len({k[0] for k in keys}) == 1 else "",
            age=keys[0][1] if len({k[1] for k in keys}) == 1 else "",
            label=label,
            participants=sum(participants.get(k, 0) for k in keys),
            observations=len(obs),
            mean_feeling=sum(feelings) / len(feelings) if feelings else None,
            unsafe_share=sum(1 for f in feelings if f <= 2) / len(feelings) if feelings else None,
            top_categories=[c for c, _ in categories.most_common(3)],
        )

    by_group: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for o in observations:
        if o.raised_by_gender or o.raised_by_age:
            by_group[(o.raised_by_gender, o.raised_by_age)].append(o)
    groups = [
        stats([(g, a)], group_label(g, a), by_group.get((g, a), []))
        for g, _ in Gender.choices
        for a, _ in AgeGroup.choices
        if participants.get((g, a)) or by_group.get((g, a))
    ]
    by_gender = [
        stats(
            [(g, a) for a, _ in AgeGroup.choices],
            str(label),
            [o for o in observations if o.raised_by_gender == g],
        )
        for g, label in Gender.choices
    ]
    by_age = [
        stats(
            [(g, a) for g, _ in Gender.choices],
            str(label),
            [o for o in observations if o.raised_by_age == a],
        )
        for a, label in AgeGroup.choices
    ]
    filtered = [
        o
        for o in observations
        if (not gender or o.raised_by_gender == gender) and (not age or o.raised_by_age == age)
    ]
    return Lens(
        observations=filtered,
        groups=groups,
        by_gender=by_gender,
        by_age=by_age,
        places=_places(observations, radius_m),
        radius_m=radius_m,
    )


def _places(observations: list[Observation], radius_m: float) -> list[Place]:
    grouped = [o for o in observations if o.raised_by_gender or o.raised_by_age]
    if not grouped:
        return []
    labels = places(
        [o.location.x for o in grouped], [o.location.y for o in grouped], radius_m=radius_m
    )
    members: dict[int, list[Observation]] = defaultdict(list)
    for label, o in zip(labels.tolist(), grouped, strict=True):
        members[label].append(o)
    found: list[Place] = []
    for obs in members.values():
        by_group: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for o in obs:
            by_group[(o.raised_by_gender, o.raised_by_age)].append(o)
        if len(by_group) < 2:
            continue
        place_groups = [
            PlaceGroup(
                label=group_label(*key),
                observations=items,
                mean_feeling=sum(o.feeling for o in items) / len(items),
                categories=sorted({str(o.get_category_display()) for o in items}),
            )
            for key, items in sorted(by_group.items())
        ]
        means = [g.mean_feeling for g in place_groups]
        cx = sum(o.location.x for o in obs) / len(obs)
        cy = sum(o.location.y for o in obs) / len(obs)
        lon, lat = web_xy(Point(cx, cy, srid=obs[0].location.srid))
        found.append(
            Place(
                number=0,
                lon=round(lon, 7),
                lat=round(lat, 7),
                groups=place_groups,
                spread=max(means) - min(means),
            )
        )
    found.sort(key=lambda p: (-p.spread, -p.size))
    for number, place in enumerate(found, start=1):
        place.number = number
    return found


def lens_map_data(result: Lens) -> dict[str, Any]:
    return {
        "observations": feature_collection([observation_feature(o) for o in result.observations]),
        "places": feature_collection(
            [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                    "properties": {
                        "number": p.number,
                        "spread": round(p.spread, 2),
                        "groups": [
                            {
                                "label": g.label,
                                "n": len(g.observations),
                                "mean_feeling": round(g.mean_feeling, 2),
                            }
                            for g in p.groups
                        ],
                    },
                }
                for p in result.places
            ]
        ),
        "radius_m": result.radius_m,
    }


# --- actions --------------------------------------------------------------------------------------


def actions(
    municipality: Municipality | None,
    *,
    status: str = "",
    office: Office | None = None,
    walk: Trygghetsvandring | None = None,
    district: str = "",
    overdue: bool = False,
    open_only: bool = False,
    today: date | None = None,
) -> QuerySet[Action]:
    qs = Action.objects.select_related(
        "office", "observation", "observation__walk", "observation__walk__district"
    )
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if status:
        qs = qs.filter(status=status)
    if office is not None:
        qs = qs.filter(office=office)
    if walk is not None:
        qs = qs.filter(observation__walk=walk)
    if district:
        qs = qs.filter(observation__walk__district__code=district)
    if open_only or overdue:
        qs = qs.filter(status__in=Action.OPEN_STATUSES)
    if overdue:
        qs = qs.filter(due_date__lt=today or timezone.localdate())
    return qs.order_by("due_date", "pk")


@dataclass
class OfficeSummary:
    office: Office
    counts: dict[str, int]
    open: int
    overdue: int
    total: int


def office_summaries(
    municipality: Municipality | None, *, today: date | None = None
) -> list[OfficeSummary]:
    """Per office and partner: actions by status, how many are open and how many overdue."""
    today = today or timezone.localdate()
    qs = Action.objects.all()
    offices = Office.objects.all()
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
        offices = offices.filter(municipality=municipality)
    by_status: dict[int, dict[str, int]] = defaultdict(dict)
    for row in qs.values("office_id", "status").annotate(n=Count("id")):
        by_status[row["office_id"]][row["status"]] = row["n"]
    overdue = dict(
        qs.filter(status__in=Action.OPEN_STATUSES, due_date__lt=today)
        .values_list("office_id")
        .annotate(n=Count("id"))
        .values_list("office_id", "n")
    )
    summaries = []
    for office in offices.order_by("kind", "name"):
        counts = {s: by_status[office.pk].get(s, 0) for s in Action.Status.values}
        summaries.append(
            OfficeSummary(
                office=office,
                counts=counts,
                open=sum(counts[s] for s in Action.OPEN_STATUSES),
                overdue=overdue.get(office.pk, 0),
                total=sum(counts.values()),
            )
        )
    return summaries


def action_features(actions: Iterable[Action], *, today: date | None = None) -> FeatureCollection:
    """Actions with a place as GeoJSON points in WGS 84, for the office and action maps."""
    today = today or timezone.localdate()
    features: list[Any] = []
    for a in actions:
        if a.location is None:
            continue
        web = a.location.clone()
        web.transform(WEB_SRID)
        overdue = a.is_open and a.due_date is not None and a.due_date < today
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(web.x, 6), round(web.y, 6)]},
                "properties": {
                    "id": a.pk,
                    "title": a.title,
                    "place": str(a.place_label),
                    "due_date": a.due_date.isoformat() if a.due_date else "",
                    "overdue": overdue,
                    "status_label": str(a.get_status_display()),
                    "url": reverse("field-action", args=(a.pk,)),
                },
            }
        )
    return feature_collection(features)
