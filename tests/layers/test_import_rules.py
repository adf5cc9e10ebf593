"""The import rules on small files: re-import, undo, strict, a reason for every kind of bad row."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.db import connection

from geo.crs import STORAGE_SRID, transform_xy
from layers.importers import pgcopy
from layers.importers.incidents import StrictImportFailed, UndoRefused, render_reason, undo_import
from layers.importers.police import import_police_events
from layers.importers.profiles import MUNICIPAL_PROFILE
from layers.importers.rows import parse_times
from layers.models import AuditEvent, ImportBatch, Incident
from layers.uploads import UploadRejected
from tests.factories import VASBY_CENTRUM
from tests.layers.import_helpers import FIXTURES, MUNICIPAL_SAMPLE, profile, run, vasby

pytestmark = pytest.mark.django_db

CX, CY = (
    VASBY_CENTRUM  # the factory municipality is a 10 km square around this point (SWEREF 99 TM)
)
LON, LAT = (float(v[0]) for v in transform_xy([CX], [CY], from_srid=STORAGE_SRID, to_srid=4326))
SIMPLE = {
    "source": "test_system",
    "id": "id",
    "time": "time",
    "x": "x",
    "y": "y",
    "srid": 3006,
    "category": "kind",
    "categories": "Klotter=klotter;Skadegörelse=skadegorelse",
}


def csv_file(
    tmp_path: Path,
    rows: list[str],
    name: str = "incidents.csv",
    *,
    header: str = "id;time;kind;x;y",
    encoding: str = "utf-8",
) -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def good_rows(n: int, *, prefix: str = "A") -> list[str]:
    return [f"{prefix}-{i};2025-03-0{1 + i % 9} 12:00;Klotter;{CX + 10 * i};{CY}" for i in range(n)]


def reasons(batch: ImportBatch) -> dict[int, str]:
    return {r["row"]: render_reason(r) for r in batch.rejected}


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    municipality = vasby()
    path = csv_file(tmp_path, good_rows(5))
    first = run(path, municipality, profile(**SIMPLE))
    before = list(
        Incident.objects.order_by("pk").values_list("pk", "source_ref", "occurred_from", "location")
    )

    again = run(path, municipality, profile(**SIMPLE))

    after = list(
        Incident.objects.order_by("pk").values_list("pk", "source_ref", "occurred_from", "location")
    )
    assert first.rows_stored == 5
    assert (again.rows_read, again.rows_stored, again.details["already_present"]) == (5, 0, 5)
    assert after == before


def test_undo_removes_exactly_the_batch_and_writes_the_audit_log(
    tmp_path: Path, analyst: User
) -> None:
    municipality = vasby()
    first = run(
        csv_file(tmp_path, good_rows(4, prefix="A"), "a.csv"), municipality, profile(**SIMPLE)
    )
    second = run(
        csv_file(tmp_path, good_rows(3, prefix="B"), "b.csv"), municipality, profile(**SIMPLE)
    )

    deleted = undo_import(first, user=analyst, channel="test")

    first.refresh_from_db()
    assert deleted == 4
    assert first.status == ImportBatch.Status.UNDONE and first.undone_at is not None
    assert set(Incident.objects.values_list("source_ref", flat=True)) == {"B-0", "B-1", "B-2"}
    assert Incident.objects.filter(import_batch=second).count() == 3
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_UNDONE)
    assert (event.user, event.count, event.detail["batch"]) == (analyst, 4, first.pk)


def test_an_undone_import_cannot_be_undone_again(tmp_path: Path) -> None:
    municipality = vasby()
    batch = run(csv_file(tmp_path, good_rows(2)), municipality, profile(**SIMPLE))
    undo_import(batch, user=None)

    with pytest.raises(UndoRefused, match="redan ångrad"):
        undo_import(batch, user=None)


def test_a_file_imported_again_after_undo_is_stored_again(tmp_path: Path) -> None:
    municipality = vasby()
    path = csv_file(tmp_path, good_rows(3))
    undo_import(run(path, municipality, profile(**SIMPLE)), user=None)

    again = run(path, municipality, profile(**SIMPLE))

    assert again.rows_stored == 3


def test_a_half_bad_file_with_strict_stores_nothing(tmp_path: Path) -> None:
    municipality = vasby()
    rows = [
        *good_rows(4),
        "X-1;not a date;Klotter;664772;6601411",
        "X-2;2025-03-01 12:00;Klotter;nan;6601411",
    ]
    path = csv_file(tmp_path, rows)

    with pytest.raises(StrictImportFailed) as failed:
        run(path, municipality, profile(**SIMPLE), strict=True)

    assert Incident.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    report = failed.value.report
    assert (report.pk, report.rows_read, report.rows_rejected, report.rows_stored) == (
        None,
        6,
        2,
        0,
    )
    assert sorted(r["row"] for r in report.rejected) == [6, 7]


def test_a_nan_coordinate_is_rejected_with_its_row_column_and_value(tmp_path: Path) -> None:
    municipality = vasby()
    rows = [
        *good_rows(2),
        f"N-1;2025-03-01 12:00;Klotter;NaN;{CY}",
        f"N-2;2025-03-01 12:00;Klotter;{CX};inf",
    ]

    batch = run(csv_file(tmp_path, rows), municipality, profile(**SIMPLE))

    assert batch.rows_stored == 2
    assert reasons(batch) == {
        4: "koordinaten NaN i kolumn x är inte ett ändligt tal (NaN eller oändligt)",
        5: "koordinaten inf i kolumn y är inte ett ändligt tal (NaN eller oändligt)",
    }
    assert [r["ref"] for r in batch.rejected] == ["N-1", "N-2"]


def test_a_wrong_or_unknown_srid_per_row_is_named(tmp_path: Path) -> None:
    municipality = vasby()
    mapping = {**SIMPLE, "srid": "", "srid_column": "srid"}
    rows = [
        f"S-1;2025-03-01 12:00;Klotter;{CX};{CY};3006",
        f"S-2;2025-03-01 12:00;Klotter;{LON};{LAT};4326",
        f"S-3;2025-03-01 12:00;Klotter;{LON};{LAT};3006",  # lon/lat claimed to be SWEREF 99 TM
        f"S-4;2025-03-01 12:00;Klotter;{CX};{CY};999999",
        f"S-5;2025-03-01 12:00;Klotter;{CX};{CY};",
    ]

    batch = run(
        csv_file(tmp_path, rows, header="id;time;kind;x;y;srid"), municipality, profile(**mapping)
    )

    assert batch.rows_stored == 2
    found = reasons(batch)
    assert (
        found[4]
        == f"koordinaterna {LON}, {LAT} ser ut som longitud/latitud, men SRID 3006 är i meter"
    )
    assert found[5] == "okänt SRID 999999 (ingen EPSG-kod som PROJ känner till)"
    assert found[6] == "SRID saknas (kolumn srid)"


def test_an_unknown_srid_for_the_whole_file_refuses_the_file(tmp_path: Path) -> None:
    municipality = vasby()

    with pytest.raises(UploadRejected, match="okänt SRID 123456") as refused:
        run(csv_file(tmp_path, good_rows(2)), municipality, profile(**{**SIMPLE, "srid": 123456}))

    assert refused.value.status == 422


@pytest.mark.parametrize(
    ("time", "reason"),
    [
        (
            "2024-02-30 12:00",
            "tiden 2024-02-30 12:00 kan inte läsas som datum och tid (kolumn time)",
        ),
        ("igår kväll", "tiden igår kväll kan inte läsas som datum och tid (kolumn time)"),
        ("", "tid saknas (kolumn time)"),
        ("1850-06-01 12:00", "tiden 1850-06-01 12:00 är orimlig: före år 1900"),
        ("2999-01-01 00:00", "tiden 2999-01-01 00:00 ligger i framtiden"),
    ],
)
def test_a_bad_time_is_rejected_with_a_clear_reason(tmp_path: Path, time: str, reason: str) -> None:
    municipality = vasby()
    rows = [*good_rows(1), f"T-1;{time};Klotter;{CX};{CY}"]

    batch = run(csv_file(tmp_path, rows), municipality, profile(**SIMPLE))

    assert reasons(batch) == {3: reason}


def test_an_interval_that_ends_before_it_starts_is_rejected(tmp_path: Path) -> None:
    municipality = vasby()
    mapping = {**SIMPLE, "to": "to"}
    rows = [
        f"I-1;2025-03-01 22:00;2025-03-02 06:00;Klotter;{CX};{CY}",
        f"I-2;2025-03-02 06:00;2025-03-01 22:00;Klotter;{CX};{CY}",
    ]

    batch = run(
        csv_file(tmp_path, rows, header="id;time;to;kind;x;y"), municipality, profile(**mapping)
    )

    stored = Incident.objects.get(source_ref="I-1")
    assert (
        stored.occurred_to is not None
        and stored.occurred_to - stored.occurred_from == timedelta(hours=8)
    )
    assert reasons(batch) == {3: "sluttiden 2025-03-01 22:00 är före starttiden 2025-03-02 06:00"}


def test_points_outside_the_municipality_are_rejected_but_a_small_buffer_is_allowed(
    tmp_path: Path,
) -> None:
    municipality = vasby()  # the square reaches 5,000 m east of the centre
    rows = [
        f"B-1;2025-03-01 12:00;Klotter;{CX + 5100};{CY}",  # 100 m outside: kept
        f"B-2;2025-03-01 12:00;Klotter;{CX + 7500};{CY}",  # 2.5 km outside
    ]

    batch = run(csv_file(tmp_path, rows), municipality, profile(**SIMPLE))

    assert batch.rows_stored == 1
    assert reasons(batch) == {3: "punkten ligger 2.5 km utanför kommunens gräns"}


def test_swapped_longitude_and_latitude_are_pointed_out(tmp_path: Path) -> None:
    municipality = vasby()
    mapping = {**SIMPLE, "x": "", "y": "", "srid": "", "lon": "x", "lat": "y"}
    rows = [
        f"L-1;2025-03-01 12:00;Klotter;{LON};{LAT}",
        f"L-2;2025-03-01 12:00;Klotter;{LAT};{LON}",
    ]

    batch = run(csv_file(tmp_path, rows), municipality, profile(**mapping))

    assert batch.rows_stored == 1
    assert "med longitud och latitud omkastade hamnar den innanför" in reasons(batch)[3]


@pytest.mark.parametrize(
    ("x", "y", "reason"),
    [
        ("0", "0", "koordinaterna är 0, 0: en saknad position, inte en plats"),
        ("", str(CY), "koordinat saknas (kolumn x)"),
        ("abc", str(CY), "koordinaten abc i kolumn x är inte ett tal"),
    ],
)
def test_absurd_or_missing_coordinates_are_rejected(
    tmp_path: Path, x: str, y: str, reason: str
) -> None:
    municipality = vasby()

    batch = run(
        csv_file(tmp_path, [f"C-1;2025-03-01 12:00;Klotter;{x};{y}"]),
        municipality,
        profile(**SIMPLE),
    )

    assert reasons(batch) == {2: reason}


def test_longitude_beyond_180_is_off_the_globe(tmp_path: Path) -> None:
    municipality = vasby()
    mapping = {**SIMPLE, "x": "", "y": "", "srid": "", "lon": "x", "lat": "y"}

    batch = run(
        csv_file(tmp_path, ["G-1;2025-03-01 12:00;Klotter;664772;6601411"]),
        municipality,
        profile(**mapping),
    )

    assert reasons(batch) == {
        2: "longitud/latitud 664772, 6601411 ligger utanför jordklotet; är det meter i ett annat SRID?"
    }


def test_an_unknown_category_is_rejected_and_a_fixed_mapping_stores_just_those_rows(
    tmp_path: Path,
) -> None:
    municipality = vasby()
    rows = [
        *good_rows(3),
        f"U-1;2025-03-01 12:00;Nedskräpning;{CX};{CY}",
        f"U-2;2025-03-01 12:00;Nedskräpning;{CX};{CY}",
    ]
    path = csv_file(tmp_path, rows)

    first = run(path, municipality, profile(**SIMPLE))
    fixed = run(
        path,
        municipality,
        profile(
            **{**SIMPLE, "categories": SIMPLE["categories"] + ";Nedskräpning=ordningsstorning"}
        ),
    )

    assert first.rows_stored == 3
    assert first.details["unknown_categories"] == {"Nedskräpning": 2}
    assert (
        reasons(first)[5]
        == "okänd kategori Nedskräpning: lägg till den i profilens kategorimappning och importera igen"
    )
    assert (fixed.rows_stored, fixed.details["already_present"]) == (2, 3)


def test_a_category_may_be_given_by_its_trygg_code_or_label_without_a_mapping(
    tmp_path: Path,
) -> None:
    municipality = vasby()
    rows = [
        f"K-1;2025-03-01 12:00;klotter;{CX};{CY}",
        f"K-2;2025-03-01 12:00;Våld i nära relation;{CX};{CY}",
    ]

    run(csv_file(tmp_path, rows), municipality, profile(**{**SIMPLE, "categories": ""}))

    assert dict(Incident.objects.values_list("source_ref", "category__code")) == {
        "K-1": "klotter",
        "K-2": "vald_nara_relation",
    }
    assert Incident.objects.get(source_ref="K-2") in Incident.objects.sensitive()


def test_the_municipal_export_sample_is_read_as_windows_1252_with_semicolons_and_decimal_commas() -> (
    None
):
    municipality = vasby()

    batch = run(MUNICIPAL_SAMPLE, municipality, MUNICIPAL_PROFILE)

    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (30, 30, 0)
    assert (batch.details["encoding"], batch.details["delimiter"]) == ("cp1252", ";")
    staff = Incident.objects.filter(
        source="kommun_incidentrapport", category__code="hot_medarbetare"
    )
    assert staff.count() == 4 and set(staff.sensitive()) == set(staff)
    first = Incident.objects.get(source_ref="IR-2025-00017")
    assert first.description == "Klotter: Gata/torg"  # the free text is not imported
    assert first.occurred_from == datetime(2025, 1, 7, 17, 0, tzinfo=UTC)  # 18:00 in Stockholm
    assert first.occurred_to == datetime(2025, 1, 8, 6, 30, tzinfo=UTC)
    assert first.location is not None and abs(first.location.x - 664068.5) < 0.01


def test_a_row_of_another_municipality_is_rejected(tmp_path: Path) -> None:
    municipality = vasby()
    text = (
        MUNICIPAL_SAMPLE.read_bytes()
        .decode("cp1252")
        .replace(";0114;Påhittat", ";0180;Påhittat", 1)
    )
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))

    batch = run(path, municipality, MUNICIPAL_PROFILE)

    assert reasons(batch) == {2: "kommunkoden 0180 är inte 0114"}


def test_utf8_with_bom_and_tabs_is_read(tmp_path: Path) -> None:
    municipality = vasby()
    rows = [f"Å-1\t2025-03-01 12:00\tSkadegörelse\t{CX}\t{CY}"]
    path = tmp_path / "export.tsv"
    path.write_bytes(("\ufeffid\ttime\tkind\tx\ty\n" + "\n".join(rows) + "\n").encode("utf-8"))

    batch = run(path, municipality, profile(**SIMPLE))

    assert (batch.rows_stored, batch.details["encoding"], batch.details["delimiter"]) == (
        1,
        "utf-8-sig",
        "\t",
    )
    assert Incident.objects.get().source_ref == "Å-1"


def test_a_row_with_too_many_fields_refuses_the_file_naming_the_row(tmp_path: Path) -> None:
    municipality = vasby()
    rows = [*good_rows(2), f"Z-1;2025-03-01 12:00;Klotter;{CX};{CY};extra"]

    with pytest.raises(UploadRejected, match=r"incidents.csv, rad 4: 6 fält men rubrikraden har 5"):
        run(csv_file(tmp_path, rows), municipality, profile(**SIMPLE))

    assert ImportBatch.objects.count() == 0 and Incident.objects.count() == 0


def test_a_missing_column_is_named_with_the_columns_there_are(tmp_path: Path) -> None:
    municipality = vasby()

    with pytest.raises(
        UploadRejected, match="kolumnen kind finns inte i filen \\(kolumner: id, time, typ, x, y\\)"
    ):
        run(
            csv_file(tmp_path, good_rows(1), header="id;time;typ;x;y"),
            municipality,
            profile(**SIMPLE),
        )


def test_a_file_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected, match="inga rader"):
        run(csv_file(tmp_path, []), vasby(), profile(**SIMPLE))


def test_a_zip_with_one_csv_is_unpacked_and_read(tmp_path: Path) -> None:
    municipality = vasby()
    inner = csv_file(tmp_path, good_rows(3))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(inner, "export.csv")

    batch = run(archive, municipality, profile(**SIMPLE))

    assert batch.rows_stored == 3


def test_geojson_points_without_an_id_are_known_again_by_their_content(tmp_path: Path) -> None:
    municipality = vasby()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [LON + 0.001 * i, LAT]},
            "properties": {"tid": "2025-05-01T22:15:00+02:00", "typ": "Klotter"},
        }
        for i in range(3)
    ] + [
        {
            "type": "Feature",
            "geometry": None,
            "properties": {"tid": "2025-05-01T22:15:00+02:00", "typ": "Klotter"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]]},
            "properties": {"tid": "2025-05-01T22:15:00+02:00", "typ": "Klotter"},
        },
    ]
    path = tmp_path / "punkter.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    mapping = {"source": "geojson_test", "time": "tid", "category": "typ"}

    first = run(path, municipality, profile(**mapping))
    again = run(path, municipality, profile(**mapping))

    assert (first.rows_read, first.rows_stored) == (5, 3)
    assert reasons(first) == {4: "geometri saknas", 5: "geometrin är en LineString, inte en punkt"}
    assert again.rows_stored == 0
    assert all(
        ref.startswith("md5:") for ref in Incident.objects.values_list("source_ref", flat=True)
    )
    assert Incident.objects.first().occurred_from == datetime(2025, 5, 1, 20, 15, tzinfo=UTC)  # type: ignore[union-attr]


def test_police_events_are_counts_without_a_place_and_import_once() -> None:
    municipality = vasby()
    path = FIXTURES / "vasby" / "polisen_handelser_upplands_vasby.geojson"

    first = import_police_events(path, municipality)
    again = import_police_events(path, municipality)

    police = Incident.objects.filter(source="polisen")
    assert (first.rows_read, first.rows_stored, first.rows_rejected) == (130, 130, 0)
    assert again.rows_stored == 0
    assert not police.filter(location__isnull=False).exists()
    assert set(police.values_list("precision", flat=True)) == {Incident.Precision.MUNICIPALITY}
    # "19 januari 00.48, Mord/dråp, försök": the time in the name, with a dot, in Stockholm time
    assert police.get(source_ref="621962").occurred_from == datetime(
        2026, 1, 18, 23, 48, tzinfo=UTC
    )


def test_the_police_feed_list_is_matched_by_place_name_and_other_places_are_rejected(
    tmp_path: Path,
) -> None:
    municipality = vasby()
    events = [
        {
            "id": 1,
            "datetime": "2025-03-08 10:40:02 +01:00",
            "name": "08 mars 10:28, Rån, Upplands Väsby",
            "summary": "Rån i centrum.",
            "type": "Rån",
            "location": {"name": "Upplands Väsby", "gps": "59.51961,17.92834"},
        },
        {
            "id": 2,
            "datetime": "2025-03-08 11:00:00 +01:00",
            "name": "08 mars 10:50, Brand, Sigtuna",
            "summary": "Brand.",
            "type": "Brand",
            "location": {"name": "Sigtuna", "gps": "59.6,17.7"},
        },
        {
            "id": 3,
            "datetime": "2025-03-08 12:00:00 +01:00",
            "name": "x",
            "type": "Okänd typ",
            "location": {"name": "Upplands Väsby"},
        },
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events), encoding="utf-8")

    batch = import_police_events(path, municipality)

    assert batch.rows_stored == 2
    assert reasons(batch) == {2: "kommunkoden – är inte 0114"}
    robbery = Incident.objects.get(source_ref="1")
    assert robbery.occurred_from == datetime(2025, 3, 8, 9, 28, tzinfo=UTC)
    assert robbery.category.code == "ran" and robbery.location is None
    assert Incident.objects.get(source_ref="3").category.code == "ovrigt"  # unknown types: "ovrigt"


def test_times_in_the_autumn_hour_and_the_spring_gap_are_read() -> None:
    times = parse_times(
        # 2025-10-26 02:30 happens twice in Stockholm; 2025-03-30 02:30 never happens.
        __import__("pandas").Series(["2025-10-26 02:30", "2025-03-30 02:30"]),
        tz="Europe/Stockholm",
    )

    first, spring = (datetime.fromtimestamp(v / 1e6, UTC) for v in times.utc_us)
    assert first == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # the first: summer time, UTC+2
    assert spring == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # moved forward to 03:30 summer time
    assert not times.unreadable.any()


def test_a_binary_copy_buffer_round_trips_through_postgres() -> None:
    stamp = int(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp() * 1e6)
    buffer = pgcopy.encode(
        [
            pgcopy.int8(np.array([1, 2])),
            pgcopy.text(["Väsby å", None]),
            pgcopy.timestamptz(np.array([stamp, 0]), null=np.array([False, True])),
            pgcopy.ewkb_points(np.array([CX, 0.0]), np.array([CY, 0.0]), STORAGE_SRID),
            pgcopy.boolean(np.array([True, False])),
        ]
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_test (n bigint, t text, at timestamptz, g geometry(Point, 3006), b boolean)"
        )
        with cursor.cursor.copy("COPY copy_test FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(buffer)
        cursor.execute("SELECT n, t, at, ST_X(g), ST_Y(g), b FROM copy_test ORDER BY n")
        rows = cursor.fetchall()

    assert rows == [
        (1, "Väsby å", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), CX, CY, True),
        (2, None, None, 0.0, 0.0, False),
    ]


def test_a_nul_character_deep_in_a_file_does_not_break_the_import(tmp_path: Path) -> None:
    municipality = vasby()
    rows = [*good_rows(300), f"NUL-1;2025-03-01 12:00;Klotter;{CX};{CY}"]
    path = csv_file(tmp_path, rows)
    path.write_bytes(path.read_bytes().replace(b"NUL-1", b"NUL\x00-1"))

    batch = run(path, municipality, profile(**SIMPLE))

    assert batch.rows_stored == 301
    assert Incident.objects.filter(source_ref="NUL-1").exists()


def test_a_line_of_nul_bytes_is_a_reported_row_not_a_failed_import(tmp_path: Path) -> None:
    municipality = vasby()
    # The NULs come after the first 4 kB, from which the format is told.
    path = csv_file(tmp_path, good_rows(200))
    path.write_bytes(path.read_bytes() + b"\r\n" + b"\x00" * 2000 + b"\r\n")

    batch = run(path, municipality, profile(**SIMPLE))

    assert batch.rows_stored == 200 and batch.rows_rejected == 1
    assert "\x00" not in json.dumps(batch.rejected)  # PostgreSQL's jsonb cannot hold it (was a 500)
