"""The releases: what users without the permission see of sensitive incidents, and what the public sees.

A **sensitive release** is a deterministic function of a municipality and one publication period (a
complete calendar year, ``core.disclosure.Period``), never of a user's other filters
(docs/decisions/0600). It shows the year's sensitive incidents

- per fixed cell of the grid (``core.disclosure.cell_size_m``, 500 m), all groups together, by each
  incident's point; a cell is never cut by a district or a drawn area (the map);
- per category group, for each district and for the municipality (the lägesbild's rows): each sensitive
  focus area (4, 7, 8, 9) and "sensitive categories in other focus areas". A district is the whole cells
  whose centre lies in it; the municipality also counts the incidents with no place (police events);

and ``core.disclosure.protect`` decides what is printed (at least k), what is "fewer than k" and what is
hidden so that no smaller value can be worked out, auditing every cell's count per group, the districts'
and the municipality's totals and the incidents with no place as well. There is no hour, weekday or light
in a release.

A release is built the first time it is asked for on or after its publication day and then **frozen**
(``PublishedRelease``): late imports into a closed year do not change what has been shown, so two looks
at different times cannot be subtracted. ``python manage.py sensitive_release`` shows the releases and
republishes one after a correction (written to the audit log).

The **public release** is the optional public map's (docs/decisions/0011): the Gi* hot cells of the
non-sensitive incidents of the latest published year, counts only from k, frozen the same way.

Every channel that shows sensitive incidents (or the public map) to someone reads a release through
``sensitive_releases`` / ``public_release``; nothing else counts sensitive incidents for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, QuerySet, When
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.translation import gettext as _

from core import disclosure
from core.disclosure import Period, State, Unit
from layers import audit
from layers.functions import X, Y
from layers.geometry import to_shapely
from layers.models import (
    SENSITIVE_INCIDENT,
    AuditEvent,
    District,
    FocusArea,
    Incident,
    Municipality,
    PublishedRelease,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OTHER = (
    "other"  # the group of sensitive categories in focus areas that are not sensitive themselves
)
MAX_PERIODS = (
    10  # a request is answered with at most this many years (as the BRÅ filter's ten years)
)
CACHE_SECONDS = 24 * 3600  # a frozen release never changes; the cache only saves the JSON parse


# --- what a release holds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One value of a release as every channel shows it."""

    value: int | None  # the count when printed, else None
    state: State

    @property
    def printed(self) -> bool:
        return self.state == State.PUBLISHED

    def text(self, k: int) -> str:
        """The value in Swedish (or the interface language): "12", "färre än 5", "minst 5, dolt"."""
        if self.state == State.PUBLISHED:
            return str(self.value)
        if self.state == State.FEWER:
            return _("färre än %(k)s") % {"k": k}
        if self.state == State.HIDDEN:
            return _("minst %(k)s, dolt") % {"k": k}
        return _("redovisas inte")

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "state": str(self.state)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Shown:
        return cls(data["value"], State(data["state"]))


FEWER = Shown(None, State.FEWER)


@dataclass(frozen=True)
class ReleaseCell:
    col: int
    row: int
    district: str | None  # the district holding the cell's centre
    shown: Shown  # printed or hidden; cells with fewer than k are not listed


@dataclass(frozen=True)
class Release:
    municipality_id: int
    period: Period
    k: int
    cell_m: float
    groups: tuple[str, ...]  # "4", "7", "8", "9", "other"
    cells: tuple[ReleaseCell, ...]
    district_groups: dict[str, dict[str, Shown]]
    groups_shown: dict[str, Shown]
    published_at: datetime
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def withheld(self) -> bool:
        return bool(self.audit.get("withheld"))

    def cells_in(self, district: str = "") -> list[ReleaseCell]:
        """The release's cells (printed or hidden), of one district (by the cell's centre) if given."""
        return [c for c in self.cells if not district or c.district == district]

    def group(self, key: str, district: str = "") -> Shown:
        if district:
            return self.district_groups.get(district, {}).get(key, FEWER)
        return self.groups_shown.get(key, FEWER)

    def as_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "cell_m": self.cell_m,
            "groups": list(self.groups),
            "cells": [
                [c.col, c.row, c.district, c.shown.value, str(c.shown.state)] for c in self.cells
            ],
            "district_groups": {
                d: {g: s.as_json() for g, s in by_group.items()}
                for d, by_group in self.district_groups.items()
            },
            "groups_shown": {g: s.as_json() for g, s in self.groups_shown.items()},
            "audit": self.audit,
        }

    @classmethod
    def from_json(
        cls, municipality_id: int, period: Period, published_at: datetime, data: dict[str, Any]
    ) -> Release:
        return cls(
            municipality_id=municipality_id,
            period=period,
            k=int(data["k"]),
            cell_m=float(data["cell_m"]),
            groups=tuple(data["groups"]),
            cells=tuple(
                ReleaseCell(int(col), int(row), district, Shown(value, State(state)))
                for col, row, district, value, state in data["cells"]
            ),
            district_groups={
                d: {g: Shown.from_json(s) for g, s in by_group.items()}
                for d, by_group in data["district_groups"].items()
            },
            groups_shown={g: Shown.from_json(s) for g, s in data["groups_shown"].items()},
            published_at=published_at,
            audit=dict(data.get("audit", {})),
        )


# --- periods --------------------------------------------------------------------------------------


def today() -> date:
    """The date in the municipality's time zone: which periods are out depends on it."""
    return datetime.now(STOCKHOLM).date()


def periods_for(first: date, last: date) -> list[Period]:
    """The published periods a user's period touches (at most ``MAX_PERIODS``, the newest)."""
    return disclosure.publication_periods(first, last, today=today())[-MAX_PERIODS:]


def latest_periods(n: int = 1, *, on: date | None = None) -> list[Period]:
    """The ``n`` newest published periods on ``on`` (today), oldest first."""
    newest = disclosure.latest_published(on or today()).year
    return [disclosure.calendar_year(y) for y in range(newest - n + 1, newest + 1)]


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.first, time(0), tzinfo=STOCKHOLM)
    end = datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    return start, end


# --- building and freezing ------------------------------------------------------------------------


def sensitive_releases(municipality: Municipality, periods: Sequence[Period]) -> list[Release]:
    """The frozen releases of ``periods`` (each built and frozen when first asked for)."""
    return [sensitive_release(municipality, p) for p in periods]


def sensitive_release(municipality: Municipality, period: Period) -> Release:
    """The release of one published period; raises ``ValueError`` for a period not yet out."""
    if period.published_on > today():
        raise ValueError(f"{period.label} is published on {period.published_on}")
    row = _frozen(municipality, PublishedRelease.Kind.SENSITIVE, period)
    key = f"trygg:release:{row.pk}"
    cached = cache.get(key)
    if isinstance(cached, Release):
        return cached
    release = Release.from_json(municipality.pk, period, row.published_at, row.content)
    cache.set(key, release, CACHE_SECONDS)
    return release


def _frozen(
    municipality: Municipality, kind: str, period: Period, *, replaced: bool = False
) -> PublishedRelease:
    rows = PublishedRelease.objects.filter(
        municipality=municipality, kind=kind, period_first=period.first
    )
    row = rows.first()
    if row is not None:
        return row
    content = (
        build_sensitive(municipality, period).as_json()
        if kind == PublishedRelease.Kind.SENSITIVE
        else build_public(municipality, period)
    )
    try:
        with transaction.atomic():
            row = PublishedRelease.objects.create(
                municipality=municipality,
                kind=kind,
                period_first=period.first,
                period_last=period.last,
                content=content,
            )
            audit.record(
                AuditEvent.Action.RELEASE_PUBLISHED,
                channel="release",
                object_type=f"release:{kind}",
                detail={
                    "year": period.year,
                    "republished": replaced,
                    "audit": content.get("audit", {}),
                },
            )
            return row
    except IntegrityError:  # another worker froze it first: theirs is the release
        return rows.get()


def republish(municipality: Municipality, kind: str, period: Period) -> PublishedRelease:
    """Replace a frozen release with one built from today's data (after a correction of the year)."""
    with transaction.atomic():
        deleted, _by_model = PublishedRelease.objects.filter(
            municipality=municipality, kind=kind, period_first=period.first
        ).delete()
        return _frozen(municipality, kind, period, replaced=bool(deleted))


def sensitive_incidents_of(municipality: Municipality, period: Period) -> QuerySet[Incident]:
    start, end = _bounds(period)
    return Incident.objects.filter(
        SENSITIVE_INCIDENT,
        municipality=municipality,
        occurred_from__gte=start,
        occurred_from__lt=end,
    )


def build_sensitive(municipality: Municipality, period: Period) -> Release:
    """Count, protect and return the release of ``period`` (not frozen: ``sensitive_release`` does)."""
    k = disclosure.min_count()
    size = disclosure.cell_size_m()
    groups = [str(n) for n in FocusArea.objects.filter(sensitive=True).order_by("number")
              .values_list("number", flat=True)] + [OTHER]  # fmt: skip
    # SELECT floor(ST_X(location)/size), floor(ST_Y(location)/size),
    #        CASE WHEN focus_area.sensitive THEN focus_area.number END, count(*)
    # FROM layers_incident ... WHERE <sensitive> AND municipality = … AND occurred_from in the year
    # GROUP BY 1, 2, 3   (col and row are NULL for incidents with no place)
    rows = (
        sensitive_incidents_of(municipality, period)
        .annotate(
            col=Floor(X("location") / size),
            row=Floor(Y("location") / size),
            number=Case(
                When(category__focus_area__sensitive=True, then=F("category__focus_area__number")),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .values("col", "row", "number")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[int, int] | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        cell = None if r["col"] is None else (int(r["col"]), int(r["row"]))
        group = str(r["number"]) if r["number"] is not None else OTHER
        if group not in groups:
            groups.insert(-1, group)
        counts[cell][group] += int(r["n"])
    districts = {
        d.code: to_shapely(d.area)
        for d in District.objects.filter(municipality=municipality).order_by("code")
    }
    for shape in districts.values():
        shapely.prepare(shape)
    grid = _grid_cells(municipality, size)

    def centre_district(cell: tuple[int, int]) -> str | None:
        x, y = (cell[0] + 0.5) * size, (cell[1] + 0.5) * size
        return next((c for c, s in districts.items() if shapely.contains_xy(s, x, y)), None)

    placed = sorted(c for c in counts if c is not None)
    district_of = {c: centre_district(c) for c in placed}
    empty: dict[str | None, int] = defaultdict(int)
    for cell in grid:
        if cell not in counts:
            empty[centre_district(cell)] += 1

    units, keys = _units(counts, groups, placed, district_of, empty, list(districts))
    protection = disclosure.protect(units, k)
    states = protection.states
    values = {u.key: u.value for u in units}

    def shown(key: str) -> Shown:
        state = states.get(key, State.FEWER)
        return Shown(values[key] if state == State.PUBLISHED else None, state)

    cells = tuple(
        ReleaseCell(cell[0], cell[1], district_of[cell], shown(keys[cell]))
        for cell in placed
        if states.get(keys[cell]) in (State.PUBLISHED, State.HIDDEN)
    )
    return Release(
        municipality_id=municipality.pk,
        period=period,
        k=k,
        cell_m=size,
        groups=tuple(groups),
        cells=cells,
        district_groups={d: {g: shown(f"district:{d}:{g}") for g in groups} for d in districts},
        groups_shown={g: shown(f"municipality:{g}") for g in groups},
        published_at=timezone.now(),
        audit={
            "units": len(units),
            "audited": protection.audited,
            "solves": protection.solves,
            "rounds": protection.rounds,
            "hidden": protection.hidden,
            "withheld": protection.withheld,
        },
    )


def _grid_cells(municipality: Municipality, size: float) -> list[tuple[int, int]]:
    """Every cell of the grid that touches the municipality."""
    boundary = to_shapely(municipality.boundary)
    shapely.prepare(boundary)
    minx, miny, maxx, maxy = boundary.bounds
    out = []
    for col in range(int(minx // size), int(maxx // size) + 1):
        for row in range(int(miny // size), int(maxy // size) + 1):
            if boundary.intersects(
                shapely.box(col * size, row * size, (col + 1) * size, (row + 1) * size)
            ):
                out.append((col, row))
    return out


def _units(
    counts: dict[tuple[int, int] | None, dict[str, int]],
    groups: list[str],
    placed: list[tuple[int, int]],
    district_of: dict[tuple[int, int], str | None],
    empty: dict[str | None, int],
    district_codes: list[str],
) -> tuple[list[Unit], dict[tuple[int, int], str]]:
    """The release as ``core.disclosure`` units over atoms (one atom per place and group).

    Places: every cell with a sensitive incident; per district (and outside all), one block standing for
    its empty cells (an attacker does not know which cells are empty: each could hold up to k - 1); and
    the incidents with no place."""
    atom: dict[tuple[Any, str], int] = {}

    def atoms_of(place: Any, only: Sequence[str] | None = None) -> frozenset[int]:
        out = set()
        for g in only or groups:
            out.add(atom.setdefault((place, g), len(atom)))
        return frozenset(out)

    units: list[Unit] = []
    keys: dict[tuple[int, int], str] = {}
    by_district: dict[str | None, set[int]] = defaultdict(set)
    by_district_group: dict[tuple[str | None, str], set[int]] = defaultdict(set)
    district_values: dict[str | None, int] = defaultdict(int)
    district_group_values: dict[tuple[str | None, str], int] = defaultdict(int)

    def place(key: Any, district: str | None, printed_key: str | None, cells: int) -> None:
        per_group = counts.get(key, {}) if isinstance(key, tuple) else {}
        whole = atoms_of(key)
        if printed_key is not None:
            units.append(Unit(printed_key, whole, sum(per_group.values()), cells=cells))
        for g in groups:
            one = atoms_of(key, [g])
            n = per_group.get(g, 0)
            if n and printed_key is not None and key in counts:
                units.append(Unit(f"{printed_key}:{g}", one, n, printed=False))
            by_district_group[(district, g)] |= one
            district_group_values[(district, g)] += n
        by_district[district] |= whole
        district_values[district] += sum(per_group.values())

    for cell in placed:
        keys[cell] = f"cell:{cell[0]}:{cell[1]}"
        place(cell, district_of[cell], keys[cell], 1)
    for district, n in empty.items():
        if n:
            place(("block", district), district, f"empty:{district}", n)
    # Incidents with no place are the police's open events, which the police publish: the audit takes
    # their number per group as known to everyone (a total minus them must not give a district away).
    unplaced = counts.get(None, {})
    units.append(
        Unit("unplaced", atoms_of("unplaced"), sum(unplaced.values()), printed=False, public=True)
    )
    for g in groups:
        units.append(
            Unit(
                f"unplaced:{g}",
                atoms_of("unplaced", [g]),
                unplaced.get(g, 0),
                printed=False,
                public=True,
            )
        )
    # A district's and the municipality's totals are not shown anywhere (a page shows the cells and the
    # group rows), so they are audited, not printed: printing them would only force more suppression.
    for code in district_codes:
        units.append(
            Unit(
                f"district:{code}",
                frozenset(by_district[code]),
                district_values[code],
                printed=False,
            )
        )
        for g in groups:
            units.append(
                Unit(
                    f"district:{code}:{g}",
                    frozenset(by_district_group[(code, g)]),
                    district_group_values[(code, g)],
                )
            )
    everything = frozenset(atom.values())
    units.append(
        Unit(
            "municipality",
            everything,
            sum(sum(v.values()) for v in counts.values()),
            printed=False,
        )
    )
    for g in groups:
        members = frozenset(i for (p, gg), i in atom.items() if gg == g)
        units.append(Unit(f"municipality:{g}", members, sum(v.get(g, 0) for v in counts.values())))
    return units, keys


# --- the public map's release ---------------------------------------------------------------------


def public_release(municipality: Municipality) -> tuple[Period, list[dict[str, Any]]]:
    """The public map's hot cells of the latest published year (frozen when first shown)."""
    period = latest_periods(1)[0]
    row = _frozen(municipality, PublishedRelease.Kind.PUBLIC, period)
    return period, list(row.content["cells"])


def build_public(municipality: Municipality, period: Period) -> dict[str, Any]:
    """Gi* hot cells (90/95/99 %) of the year's non-sensitive incidents, as anyone without the
    permission gets them; a cell's count only when at least k."""
    from django.contrib.auth.models import AnonymousUser

    from layers.analysis import hotspot_cells, hotspots_for

    k = disclosure.min_count()
    result = hotspots_for(
        AnonymousUser(),
        municipality,
        {"from": period.first.isoformat(), "to": period.last.isoformat()},
        use_cache=False,
    )
    cells = []
    for cell in hotspot_cells(result):
        if cell["class"] <= 0:
            continue
        cells.append(
            {
                "bounds": list(cell["bounds"]),
                "class": int(cell["class"]),
                "count": int(cell["count"]) if cell["count"] >= k else None,
            }
        )
    return {"k": k, "cells": cells}


# --- what the channels show -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A cell of the fixed grid as a channel shows it: a release's count (None when hidden) for one
    publication period (None: summed over the periods of the answer)."""

    col: int  # floor(x / size)
    row: int  # floor(y / size)
    size_m: float
    count: int | None
    period: Period | None = None
    hidden: bool = False

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in SWEREF 99 TM."""
        return (
            self.col * self.size_m,
            self.row * self.size_m,
            (self.col + 1) * self.size_m,
            (self.row + 1) * self.size_m,
        )

    @property
    def cell_id(self) -> str:
        base = f"{int(self.size_m)}m-{self.col}-{self.row}"
        return f"{base}-{self.period.label}" if self.period else base


def period_cells(releases: Sequence[Release], district: str = "") -> list[Cell]:
    """One cell per shown cell and publication period (the OGC API's and the tiles' form)."""
    return [
        Cell(c.col, c.row, r.cell_m, c.shown.value, r.period, c.shown.state == State.HIDDEN)
        for r in releases
        for c in r.cells_in(district)
    ]


def periods_between(first: datetime | None, last: datetime | None) -> list[Period]:
    """The published periods an interval touches (an OGC ``datetime``): whole calendar years, so a
    second more or less changes nothing unless it reaches another year. No end: today; no start: the
    ``MAX_PERIODS`` years up to the end."""
    end = _local_date(last) if last is not None else today()
    start = _local_date(first) if first is not None else date(end.year - MAX_PERIODS + 1, 1, 1)
    if start > end:
        return []
    return periods_for(start, end)


def _local_date(moment: datetime) -> date:
    try:
        return moment.astimezone(STOCKHOLM).date()
    except OverflowError:  # a time in year 1 or 9999: its year is all that matters here
        return moment.date()


def not_applied(params: dict[str, str]) -> list[str]:
    """The filters of a request that a release does not take (it has no hours, categories …)."""
    return [
        name for name in ("category", "focus", "hours", "weekdays", "light") if params.get(name)
    ]


def note(periods: Sequence[Period], k: int) -> str:
    """What a page says about the sensitive counts it shows (and why its filters do not apply)."""
    if not periods:
        upcoming = disclosure.calendar_year(disclosure.latest_published(today()).year + 1)
        return _(
            "Känsliga händelser redovisas per kalenderår när året är slut och rapporterat, och inget "
            "sådant år ingår i den valda perioden. %(year)s redovisas från och med %(day)s."
        ) % {"year": upcoming.label, "day": upcoming.published_on.isoformat()}
    return _(
        "Känsliga händelser redovisas per kalenderår: %(years)s. De räknas för hela året, i fasta rutor "
        "om %(size)s m, per kommundel och fokusområde, utan timmar, veckodagar, ljus och val av "
        "kategorier, så att inget antal under %(k)s kan räknas fram ur skillnader mellan urval."
    ) % {
        "years": disclosure.describe_periods(periods),
        "size": f"{disclosure.cell_size_m():.0f}",
        "k": k,
    }


def release_info(
    releases: Sequence[Release], *, district: str = "", params: dict[str, str] | None = None
) -> dict[str, Any]:
    """What an answer made from releases covers: every channel sends this with its values."""
    periods = [r.period for r in releases]
    k = disclosure.min_count()
    return {
        "periods": [
            {
                "id": r.period.label,
                "from": r.period.first.isoformat(),
                "to": r.period.last.isoformat(),
                "published": r.published_at.isoformat(timespec="seconds"),
                "withheld": r.withheld,
            }
            for r in releases
        ],
        "k": k,
        "cell_size_m": disclosure.cell_size_m(),
        "district": district or None,
        "not_applied": not_applied(params or {}),
        "note": note(periods, k),
    }


def cells_geojson(
    releases: Sequence[Release],
    *,
    district: str = "",
    within: Any = None,
    params: dict[str, str] | None = None,
    to_srid: int = 4326,
) -> dict[str, Any]:
    """The releases' cells as one GeoJSON FeatureCollection (the BRÅ map, its HTML file, the plan map).

    One feature per cell: ``count`` is the sum of its printed values over the periods (None when none is
    printed), ``periods`` each period's printed value, or None where the cell is hidden (at least k);
    a period missing from ``periods`` had fewer than k there. ``within`` (a shapely geometry in SWEREF
    99 TM) keeps the cells that touch it. The member ``release`` says what the answer covers.
    """
    from geo.crs import STORAGE_SRID, transform_xy

    by_cell: dict[tuple[int, int], dict[str, int | None]] = defaultdict(dict)
    size = disclosure.cell_size_m()
    for r in releases:
        size = r.cell_m
        for c in r.cells_in(district):
            by_cell[(c.col, c.row)][r.period.label] = c.shown.value
    features = []
    for (col, row), periods in sorted(by_cell.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        minx, miny, maxx, maxy = col * size, row * size, (col + 1) * size, (row + 1) * size
        if within is not None and not within.intersects(shapely.box(minx, miny, maxx, maxy)):
            continue
        xs, ys = transform_xy(
            [minx, maxx, maxx, minx, minx],
            [miny, miny, maxy, maxy, miny],
            from_srid=STORAGE_SRID,
            to_srid=to_srid,
        )
        printed = [v for v in periods.values() if v is not None]
        k = disclosure.min_count()
        label = ", ".join(
            f"{year}: {Shown(v, State.PUBLISHED if v is not None else State.HIDDEN).text(k)}"
            for year, v in periods.items()
        )
        features.append(
            {
                "type": "Feature",
                "id": f"{int(size)}m-{col}-{row}",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [round(float(x), 7), round(float(y), 7)]
                            for x, y in zip(xs, ys, strict=True)
                        ]
                    ],
                },
                "properties": {
                    "count": sum(printed) if printed else None,
                    "hidden": not printed,
                    "periods": periods,
                    "label": label,  # for a tooltip: "2025: 12", "2025: minst 5, dolt"
                    "cell_size_m": size,
                    "sensitive": True,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "release": release_info(releases, district=district, params=params),
    }


def group_value(releases: Sequence[Release], group: str, district: str = "") -> dict[str, Any]:
    """A group's count over the releases as the lägesbild shows it: the sum when every period is
    printed, each period's value otherwise; ``periods`` for programs (value, state, period)."""
    k = disclosure.min_count()
    shown = [(r, r.group(group, district)) for r in releases]
    all_printed = bool(shown) and all(s.printed for _r, s in shown)
    if all_printed:
        total = sum(s.value or 0 for _r, s in shown)
        text = str(total)
    elif len(shown) == 1:
        total, text = None, shown[0][1].text(k)
    else:
        total = None
        text = ", ".join(f"{r.period.label}: {s.text(k)}" for r, s in shown) or "–"
    return {
        "value": total,
        "shown": text,
        "suppressed": not all_printed,
        "periods": {
            r.period.label: {
                "value": s.value,
                "state": str(s.state),
                "period": f"{r.period.first.isoformat()}/{r.period.last.isoformat()}",
            }
            for r, s in shown
        },
    }
