"""Rows piled on one point are counts, not places; every row has one outcome; the police CSV reads.

The police sample (tests/data/polisen_handelser) is 55 real events: 40 of Upplands Väsby, all on the
feed's one point for the municipality (59.51961, 17.92834), 12 of other municipalities and 3 of the
county. Read with an own column mapping (its latitude and longitude), the 40 would be a hot spot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from layers.importers.incidents import pile_sentences, render_reason
from layers.importers.police import import_police_events
from layers.models import AuditEvent, Incident
from tests.factories import VASBY_CENTRUM, DistrictFactory, square
from tests.layers.import_helpers import profile, run, vasby

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data" / "polisen_handelser"
POLICE_CSV = DATA / "polisen_handelser_urval.csv"
CX, CY = VASBY_CENTRUM
OWN_POLICE_MAPPING = {
    "source": "polisen_egen",
    "id": "event_id",
    "time": "datetime",
    "lon": "longitude",
    "lat": "latitude",
    "category": "type",
    "unknown_category": "ovrigt",
    "description": "summary",
}
SIMPLE = {
    "source": "test_system",
    "id": "id",
    "time": "time",
    "x": "x",
    "y": "y",
    "srid": 3006,
    "category": "kind",
    "categories": "Klotter=klotter",
}


def outcomes_sum(details: dict[str, object]) -> int:
    return sum(int(v) for v in details["outcomes"].values())  # type: ignore[attr-defined]


def csv_rows(tmp_path: Path, rows: list[str], name: str = "rows.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["id;time;kind;x;y", *rows]) + "\n", encoding="utf-8")
    return path


def test_police_events_mapped_by_their_coordinates_are_stored_as_counts_not_a_hot_spot() -> None:
    municipality = vasby()

    batch = run(POLICE_CSV, municipality, profile(**OWN_POLICE_MAPPING))

    # 40 in Väsby on one point; the 15 others lie outside the municipality.
    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (55, 40, 15)
    assert batch.details["outcomes"] == {
        "stored": 0,
        "stored_as_area_counts": 40,
        "already_present": 0,
        "rejected": 15,
    }
    assert outcomes_sum(batch.details) == batch.rows_read
    stored = Incident.objects.filter(import_batch=batch)
    assert stored.filter(location__isnull=False).count() == 0
    assert set(stored.values_list("precision", flat=True)) == {Incident.Precision.MUNICIPALITY}
    (pile,) = batch.details["piles"]
    assert (pile["rows"], pile["why"], pile["lat"], pile["lon"]) == (40, "pile", 59.51961, 17.92834)
    assert pile_sentences(batch) == [
        "40 rader på samma punkt (59,51961, 17,92834), 100\xa0% av filens godkända rader, fler än "
        "en adress rimligen har: sparade som antal för kommunen, inte som platser."
    ]


def test_an_analyst_may_keep_a_pile_as_places_and_the_choice_is_audited() -> None:
    municipality = vasby()
    analyst = User.objects.create_user("analytiker1")

    batch = run(
        POLICE_CSV, municipality, profile(**OWN_POLICE_MAPPING), keep_piles=True, user=analyst
    )

    assert Incident.objects.filter(import_batch=batch, location__isnull=False).count() == 40
    assert batch.details["outcomes"]["stored"] == 40
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_PILES_KEPT)
    assert (event.username, event.count, event.detail["batch"]) == ("analytiker1", 40, batch.pk)
    assert "analytikern har bekräftat dem" in pile_sentences(batch)[0]


def test_a_busy_real_address_stays_a_place(tmp_path: Path) -> None:
    # 30 reports at a shopping centre among 400 spread over town: 7 % of the file, kept as points.
    # (San Francisco's busiest coordinate holds 2.0 % of its 13,472 rows, Vancouver's 1.8 %.)
    municipality = vasby()
    mall = [f"M-{i};2025-03-01 12:00;Klotter;{CX + 800};{CY + 300}" for i in range(30)]
    spread = [
        f"S-{i};2025-03-01 12:00;Klotter;{CX - 2000 + 10 * i};{CY - 1000 + 5 * (i % 40)}"
        for i in range(370)
    ]

    batch = run(csv_rows(tmp_path, mall + spread), municipality, profile(**SIMPLE))

    assert batch.details["piles"] == []
    assert Incident.objects.filter(location__isnull=False).count() == 400


def test_rows_on_the_centre_of_a_district_are_counts_from_three_on(tmp_path: Path) -> None:
    municipality = vasby()
    district = DistrictFactory(municipality=municipality, area=square(CX + 2000, CY + 2000, 500))
    centre = [f"C-{i};2025-03-01 12:00;Klotter;{CX + 2000};{CY + 2000}" for i in range(3)]
    two = [f"T-{i};2025-03-01 12:00;Klotter;{CX - 3000};{CY}" for i in range(2)]
    spread = [f"S-{i};2025-03-01 12:00;Klotter;{CX - 2000 + 50 * i};{CY}" for i in range(60)]

    batch = run(csv_rows(tmp_path, centre + two + spread), municipality, profile(**SIMPLE))

    (pile,) = batch.details["piles"]
    assert (pile["why"], pile["area"], pile["rows"]) == ("area_centre", district.name, 3)
    assert batch.details["outcomes"]["stored_as_area_counts"] == 3
    assert Incident.objects.filter(location__isnull=False).count() == 62


def test_every_row_has_exactly_one_outcome_and_defaulted_rows_are_not_called_rejected(
    tmp_path: Path,
) -> None:
    # A profile that stores unknown categories as "ovrigt": the report once listed those rows as
    # "avvisades" (while Avvisade was 0) and again as stored under the default category.
    municipality = vasby()
    mapping = {**SIMPLE, "unknown_category": "ovrigt"}
    rows = [
        f"A-1;2025-03-01 12:00;Klotter;{CX - 100};{CY}",
        f"A-2;2025-03-01 12:00;Nedskräpning;{CX - 200};{CY}",
        f"A-3;2025-03-01 12:00;Nedskräpning;{CX - 300};{CY}",
        f"A-4;2025-03-01 12:00;;{CX - 400};{CY}",
        f"A-5;not a time;Klotter;{CX - 500};{CY}",
        f"A-6;2025-03-01 12:00;Klotter;{CX + 90000};{CY}",
    ]
    path = csv_rows(tmp_path, rows)

    first = run(path, municipality, profile(**mapping))
    path.write_text(
        path.read_text(encoding="utf-8") + f"A-7;2025-03-02 12:00;Annat;{CX - 600};{CY}\n",
        encoding="utf-8",
    )
    again = run(path, municipality, profile(**mapping))

    assert first.details["outcomes"] == {
        "stored": 4,
        "stored_as_area_counts": 0,
        "already_present": 0,
        "rejected": 2,
    }
    assert first.details["unknown_categories"] == {}  # nothing was rejected for its category
    assert first.details["stored_as_default"] == {"Nedskräpning": 2, "–": 1}
    assert again.details["outcomes"] == {
        "stored": 1,
        "stored_as_area_counts": 0,
        "already_present": 4,
        "rejected": 2,
    }
    assert again.details["stored_as_default"] == {"Annat": 1}  # only what this import stored
    for batch in (first, again):
        assert outcomes_sum(batch.details) == batch.rows_read
        assert batch.rows_read == batch.rows_stored + batch.details["already_present"] + (
            batch.rows_rejected
        )


def test_the_police_profile_reads_the_feeds_csv() -> None:
    municipality = vasby()

    batch = import_police_events(POLICE_CSV, municipality)

    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (55, 40, 15)
    assert batch.details["reader"] == "polisen" and batch.details["format"] == "csv"
    police = Incident.objects.filter(source="polisen")
    assert not police.filter(location__isnull=False).exists()
    reasons = {render_reason(r) for r in batch.rejected}
    assert "kommunkoden – är inte 0114" in reasons  # the 3 located to the county only
    assert "kommunkoden 0180 är inte 0114" in reasons  # Stockholm
    # The event's own time from its name, as for the JSON: rows are numbered as in the file.
    assert {r["row"] for r in batch.rejected} <= set(range(2, 57))
    again = import_police_events(POLICE_CSV, municipality)
    assert (again.rows_stored, again.details["already_present"]) == (0, 40)
