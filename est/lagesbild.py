"""The EST lägesbild: reports per NYKO area for a week, a month or a tertial, areas ranked by need.

The ranking rule (docs/decisions/0832): each report counts with the weight of its event type
(``WEIGHTS``); an area's need is the sum. Only areas with at least ``MIN_REPORTS_TO_RANK`` reports are
ranked: fewer are listed as "too few to rank", and an area without reports is "no reports", never
"calm". Each area says how sure its figure is (``certainty``): low under ``MIN_REPORTS_TO_RANK`` reports or
from one reporter alone (what one reporter sees is where that reporter goes), high from
``HIGH_CERTAINTY_REPORTS`` reports by two or more reporters, else medium.

A period is the last complete one before a meeting day: the lägesbild made on a Monday covers the week
before; the monthly one the month before; the tertial one the four months before (Jan–Apr, May–Aug,
Sep–Dec).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from est.models import EstReport, EventType
from layers.models import Municipality, StatisticalArea

# Weight of one report by event type: what threatens people or property (fire, drug dealing) weighs more
# than what mostly looks bad (litter, graffiti). See decision 0832.
WEIGHTS: dict[str, int] = {
    EventType.FIRE: 3,
    EventType.DRUGS: 3,
    EventType.GATHERING: 2,
    EventType.RECKLESS_DRIVING: 2,
    EventType.VANDALISM: 2,
    EventType.UNSAFE_PLACE: 2,
    EventType.DISORDER: 2,
    EventType.GRAFFITI: 1,
    EventType.LITTER: 1,
    EventType.SOCIAL_MEDIA: 1,
    EventType.OTHER: 1,
}
MIN_REPORTS_TO_RANK = 3
HIGH_CERTAINTY_REPORTS = 10
OUTSIDE = "utanfor"  # the row of reports outside every NYKO area


class Kind(StrEnum):
    WEEK = "vecka"
    MONTH = "manad"
    TERTIAL = "tertial"


class Certainty(StrEnum):
    LOW = "lag"
    MEDIUM = "medel"
    HIGH = "hog"


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date  # first day
    end: date  # the day after the last

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        if self.kind == Kind.WEEK:
            year, week, _day = self.start.isocalendar()
            return _("vecka %(week)s %(year)s") % {"week": week, "year": year}
        if self.kind == Kind.MONTH:
            return f"{self.start:%Y-%m}"
        return _("tertial %(n)s %(year)s (%(start)s–%(last)s)") % {
            "n": (self.start.month - 1) // 4 + 1,
            "year": self.start.year,
            "start": self.start.isoformat(),
            "last": last.isoformat(),
        }

    def previous(self) -> Period:
        return period_before(self.kind, self.start)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end, time.min, tzinfo=zone),
        )


def period_before(kind: Kind, meeting: date) -> Period:
    """The last complete period of ``kind`` that ends on or before ``meeting``."""
    if kind == Kind.WEEK:
        this_monday = meeting - timedelta(days=meeting.weekday())
        return Period(kind, this_monday - timedelta(days=7), this_monday)
    if kind == Kind.MONTH:
        first = meeting.replace(day=1)
        previous_first = (first - timedelta(days=1)).replace(day=1)
        return Period(kind, previous_first, first)
    tertial_start_month = ((meeting.month - 1) // 4) * 4 + 1
    end = date(meeting.year, tertial_start_month, 1)
    start_month = tertial_start_month - 4
    start = date(meeting.year, start_month, 1) if start_month > 0 else date(meeting.year - 1, 9, 1)
    return Period(kind, start, end)


@dataclass
class AreaRow:
    key: str  # NYKO code, or OUTSIDE
    name: str
    area_id: int | None
    counts: dict[str, int] = field(default_factory=dict)  # event type -> reports
    reporters: int = 0
    previous: int = 0  # reports in the period before
    rank: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        """Reports per event type, in the order of ``EventType``."""
        return [self.counts.get(value, 0) for value in EventType.values]

    @property
    def need(self) -> int:
        return sum(WEIGHTS.get(t, 1) * n for t, n in self.counts.items())

    @property
    def certainty(self) -> Certainty:
        if self.total < MIN_REPORTS_TO_RANK or self.reporters < 2:
            return Certainty.LOW
        if self.total >= HIGH_CERTAINTY_REPORTS:
            return Certainty.HIGH
        return Certainty.MEDIUM

    @property
    def status(self) -> str:
        if self.total == 0:
            return _("Inga rapporter (betyder inte att det var lugnt)")
        if self.rank is None:
            return _("För få rapporter för att rangordna")
        return ""


@dataclass
class Lagesbild:
    period: Period
    rows: list[AreaRow]  # ranked first (by need), then too few, then none
    total: int
    reporters: int
    organisations: int

    @property
    def ranked(self) -> list[AreaRow]:
        return [r for r in self.rows if r.rank is not None]

    @property
    def certainty(self) -> Certainty:
        if self.total < MIN_REPORTS_TO_RANK or self.reporters < 2:
            return Certainty.LOW
        return Certainty.HIGH if self.total >= HIGH_CERTAINTY_REPORTS else Certainty.MEDIUM


def build(municipality: Municipality, period: Period) -> Lagesbild:
    """The lägesbild of ``period``: every NYKO area of the municipality, ranked by need."""
    start, end = period.bounds()
    rows: dict[str, AreaRow] = {
        a.code: AreaRow(a.code, a.name, a.pk)
        for a in StatisticalArea.objects.filter(municipality=municipality).order_by("code")
    }
    ids = {row.area_id: key for key, row in rows.items()}
    reports = EstReport.objects.filter(municipality=municipality)
    current = reports.filter(occurred_at__gte=start, occurred_at__lt=end)
    # SELECT area_id, event_type, count(*) FROM est_estreport WHERE ... GROUP BY area_id, event_type
    for area_id, event_type, n in current.values_list("area_id", "event_type").annotate(
        n=Count("pk")
    ):
        key = ids.get(area_id, OUTSIDE)
        row = rows.setdefault(key, AreaRow(OUTSIDE, _("Utanför NYKO-områdena"), None))
        row.counts[event_type] = row.counts.get(event_type, 0) + n
    reporters_by_area: dict[str, set[int]] = defaultdict(set)
    for area_id, reporter_id in current.values_list("area_id", "reporter_id").distinct():
        reporters_by_area[ids.get(area_id, OUTSIDE)].add(reporter_id or 0)
    for key, who in reporters_by_area.items():
        rows[key].reporters = len(who)
    before_start, before_end = period.previous().bounds()
    for area_id, n in (
        reports.filter(occurred_at__gte=before_start, occurred_at__lt=before_end)
        .values_list("area_id")
        .annotate(n=Count("pk"))
    ):
        key = ids.get(area_id, OUTSIDE)
        if key in rows:
            rows[key].previous = n
    rankable = sorted(
        (r for r in rows.values() if r.total >= MIN_REPORTS_TO_RANK and r.key != OUTSIDE),
        key=lambda r: (-r.need, -r.total, r.key),
    )
    for i, row in enumerate(rankable, start=1):
        row.rank = i
    few = sorted(
        (r for r in rows.values() if 0 < r.total and r.rank is None),
        key=lambda r: (-r.need, r.key),
    )
    none = [r for r in rows.values() if r.total == 0 and r.key != OUTSIDE]
    everyone = set(current.values_list("reporter_id", flat=True))
    organisations = set(current.exclude(organisation="").values_list("organisation", flat=True))
    return Lagesbild(
        period=period,
        rows=[*rankable, *few, *none],
        total=sum(r.total for r in rows.values()),
        reporters=len(everyone),
        organisations=len(organisations),
    )


def period_after(period: Period) -> Period:
    """The period of the same kind that follows ``period``."""
    if period.kind == Kind.WEEK:
        return Period(period.kind, period.end, period.end + timedelta(days=7))
    months = 1 if period.kind == Kind.MONTH else 4
    month = period.end.month - 1 + months
    return Period(period.kind, period.end, date(period.end.year + month // 12, month % 12 + 1, 1))
