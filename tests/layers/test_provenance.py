"""Each source says its period, its size and its latest import (layers.provenance)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from layers.importers.incidents import undo_import
from layers.importers.police import import_police_events
from layers.models import ImportBatch
from layers.provenance import incident_lines, incident_sources
from tests.factories import (
    CategoryFactory,
    IncidentFactory,
    MunicipalityFactory,
    sensitive_category,
)
from tests.layers.import_helpers import vasby
from tests.paths import TEST_DATA

pytestmark = pytest.mark.django_db

POLICE_CSV = TEST_DATA / "polisen_handelser" / "polisen_handelser_urval.csv"


def test_an_incident_source_gives_its_period_count_latest_import_and_attribution() -> None:
    municipality = vasby()
    batch = import_police_events(POLICE_CSV, municipality)

    (police,) = incident_sources(municipality, sensitive=True)
    (line,) = incident_lines(municipality, sensitive=True)

    # The 40 Väsby events of the sample happened 2023-01-14 … 2023-09-22 (their own times).
    assert police.first is not None and police.last is not None
    assert (police.rows, police.first.isoformat(), police.last.isoformat()) == (
        40,
        "2023-01-14",
        "2023-09-22",
    )
    assert police.updated == batch.created_at
    today = timezone.localdate().isoformat()
    assert line == (
        f"Polisens öppna händelser: 2023-01-14 – 2023-09-22, 40\xa0händelser, "
        f"senast importerad {today}. Källa: Polisen."
    )


def test_an_undone_import_is_not_the_latest_import() -> None:
    municipality = vasby()
    batch = import_police_events(POLICE_CSV, municipality)
    undo_import(batch, user=None)

    assert incident_sources(municipality, sensitive=True) == []
    assert ImportBatch.objects.get().status == ImportBatch.Status.UNDONE


def test_a_line_for_a_figure_without_sensitive_incidents_neither_counts_nor_dates_them() -> None:
    """A total over every incident beside the points a BRÅ member sees would give the number of
    sensitive incidents away, and the period's end could be a sensitive incident's date (0600)."""
    municipality = MunicipalityFactory()
    ordinary = CategoryFactory()
    for day in (3, 9):
        IncidentFactory(
            municipality=municipality,
            category=ordinary,
            occurred_from=timezone.make_aware(timezone.datetime(2025, 5, day, 12)),
        )
    IncidentFactory(
        municipality=municipality,
        category=sensitive_category(),
        occurred_from=timezone.make_aware(timezone.datetime(2025, 6, 20, 23)),
    )

    (shown,) = incident_sources(municipality, sensitive=False)
    (everything,) = incident_sources(municipality, sensitive=True)

    assert (shown.rows, str(shown.last)) == (2, "2025-05-09")
    assert (everything.rows, str(everything.last)) == (3, "2025-06-20")
