"""Where the data behind a figure comes from, what period it covers and how fresh it is.

Every figure, map and export says its sources (docs/decisions/0687): for each source the period its
records cover, how many there are, and when it was last imported (the newest batch that is not undone).
The incident and context sources are read here, the walks and survey in ``surveys.provenance``, and
``mapapp.provenance`` puts them together per page; ``sentence`` writes every source line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import numbers
from layers.models import ContextLayer, ImportBatch, Incident, Municipality

# Attribution that a licence asks for, per incident source (the profiles' source names).
INCIDENT_SOURCE_LABELS = {
    "polisen": (gettext_noop("Polisens öppna händelser"), gettext_noop("Källa: Polisen")),
    "kommun_incidentrapport": (gettext_noop("Kommunens incidentrapportering"), ""),
}


@dataclass(frozen=True)
class Source:
    """One source of data: its name, attribution, the period it covers and its latest import."""

    label: str
    attribution: str = ""
    first: date | None = None
    last: date | None = None
    updated: datetime | date | None = None  # the latest import, or the latest record
    rows: int = 0
    unit: tuple[str, str] = ("post", "poster")  # singular, plural of what ``rows`` counts
    generated: bool = False  # demo data, not real
    # How ``updated`` is said: "senast importerad %(date)s", or e.g. "senaste vandringen %(date)s"
    # for data recorded in Trygg itself.
    updated_as: str = gettext_noop("senast importerad %(date)s")


def _local_date(value: datetime | None) -> date | None:
    return timezone.localtime(value).date() if value is not None else None


def incident_sources(municipality: Municipality, *, sensitive: bool) -> list[Source]:
    """One source per incident source system (and one for generated demo incidents), with the period
    of the incidents stored and the time of the latest import that stored any.

    ``sensitive`` says whether the figure the line describes includes sensitive incidents. When it
    does not, they are left out of the counts and the period too: a total over every incident beside
    the points a user may see would give the number of sensitive ones away, and the last date could be
    a sensitive incident's (docs/decisions/0600).
    """
    incidents = Incident.objects.filter(municipality=municipality)
    if not sensitive:
        incidents = incidents.non_sensitive()
    # SELECT source, generated, count(*), min(occurred_from), max(occurred_from),
    #        max(b.created_at) FILTER (WHERE b.status = 'klar')
    # FROM layers_incident LEFT JOIN layers_importbatch b ... WHERE municipality_id = %s GROUP BY 1, 2
    rows = (
        incidents.values("source", "generated")
        .annotate(
            n=Count("id"),
            first=Min("occurred_from"),
            last=Max("occurred_from"),
            imported=Max(
                "import_batch__created_at",
                filter=Q(import_batch__status=ImportBatch.Status.DONE),
            ),
        )
        .order_by("generated", "source")
    )
    out = []
    for row in rows:
        label, attribution = INCIDENT_SOURCE_LABELS.get(row["source"], (row["source"], ""))
        if row["generated"]:
            label = _("Genererade händelser (demodata, inte verkliga)")
        out.append(
            Source(
                label=_(label),
                attribution=_(attribution) if attribution else "",
                first=_local_date(row["first"]),
                last=_local_date(row["last"]),
                updated=row["imported"],
                rows=int(row["n"]),
                unit=("händelse", "händelser"),
                generated=bool(row["generated"]),
            )
        )
    return out


def context_sources(municipality: Municipality) -> list[Source]:
    """The urban-context layers (OSM extract, lamp register …) with their latest import."""
    layers = (
        ContextLayer.objects.filter(municipality=municipality)
        .select_related("import_batch")
        .annotate(n=Count("features"))
        .order_by("name")
    )
    return [
        Source(
            label=layer.name,
            attribution=", ".join(p for p in (layer.source, layer.licence) if p),
            updated=layer.import_batch.created_at if layer.import_batch else None,
            rows=int(layer.n),  # the annotation
            unit=("objekt", "objekt"),
        )
        for layer in layers
    ]


def sentence(source: Source) -> str:
    """One source as a line: name, period, size, freshness and attribution.

    >>> sentence(Source("Polisens öppna händelser", "Källa: Polisen", date(2023, 1, 14),
    ...     date(2026, 1, 19), date(2026, 2, 1), 130, ("händelse", "händelser"))).replace("\\xa0", " ")
    'Polisens öppna händelser: 2023-01-14 – 2026-01-19, 130 händelser, senast importerad 2026-02-01. Källa: Polisen.'
    """
    parts = [source.label]
    details = []
    if source.first and source.last:
        details.append(f"{source.first.isoformat()} – {source.last.isoformat()}")
    details.append(numbers.count(source.rows, *source.unit))
    if source.updated is not None:
        when = source.updated
        day = timezone.localtime(when).date() if isinstance(when, datetime) else when
        details.append(_(source.updated_as) % {"date": day.isoformat()})
    elif not source.generated:
        details.append(_("importdatum okänt"))
    text = f"{parts[0]}: {', '.join(details)}."
    if source.attribution:
        text += f" {source.attribution}."
    return text


def incident_lines(municipality: Municipality, *, sensitive: bool) -> list[str]:
    """The incident sources as lines (what an incident density or export rests on)."""
    return [sentence(s) for s in incident_sources(municipality, sensitive=sensitive)]
