"""Each source says its period, its size and its latest import (layers.provenance)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from layers.importers.incidents import undo_import
from layers.importers.police import import_police_events
from layers.models import ImportBatch
from layers.provenance import incident_lines, incident_sources
from tests.layers.import_helpers import vasby

pytestmark = pytest.mark.django_db

POLICE_CSV = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "polisen_handelser"
    / "polisen_handelser_urval.csv"
)


def test_an_incident_source_gives_its_period_count_latest_import_and_attribution() -> None:
    municipality = vasby()
    batch = import_police_events(POLICE_CSV, municipality)

    (police,) = incident_sources(municipality)
    (line,) = incident_lines(municipality)

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

    assert incident_sources(municipality) == []
    assert ImportBatch.objects.get().status == ImportBatch.Status.UNDONE
