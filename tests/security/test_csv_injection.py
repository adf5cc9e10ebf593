"""Every CSV Trygg writes keeps text from running as a formula in a spreadsheet (OWASP "CSV injection"),
and keeps numbers numbers (core.csvfile, docs/decisions/0640).

Hostile text goes into every text a CSV can carry (names of districts, NYKO areas, categories, plans,
zones, context features, walks, offices; observation notes; action titles; the ids and values of an
imported file's rejected rows), then every CSV endpoint is read back as a spreadsheet would read it.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from core import csvfile
from geo.crs import STORAGE_SRID
from layers.models import ContextFeature, Detaljplan, ImportBatch, PlanZone, StatisticalArea
from layers.ogc import registry
from surveys.models import Action
from tests.conftest import login_verified
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    DistrictFactory,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    OfficeFactory,
    WalkFactory,
    square,
    user_with_role,
)
from tests.layers.import_helpers import MUNICIPAL_SAMPLE
from tests.plan_factories import context_layer

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)", "\t=1", "\r=1"]
# A cell a spreadsheet reads as a number: what may start with "-" unneutralised (decimal comma).
NUMBER = re.compile(r"^-?\d+(,\d+)?(e[+-]?\d+)?$")
CX, CY = VASBY_CENTRUM

# Every URL that answers with a CSV file, by name; a new one must be added here (and so be tested).
CSV_ENDPOINTS = {
    "export-layer",
    "field-walk-protocol-csv",
    "field-actions-csv",
    "rejected-csv",
    "est-lagesbild-csv",
}


def rows_of(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith(csvfile.BOM), "Excel reads UTF-8 only after a byte order mark"
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: starting with = + - @ tab or CR, and not a plain number."""
    return [
        value
        for row in rows
        for value in row
        if value.startswith(csvfile.FORMULA_STARTS) and not NUMBER.match(value)
    ]


@pytest.fixture
def hostile(db: None) -> User:
    """Rows whose every text is one of the payloads, and an analyst who may see all of them."""
    municipality = MunicipalityFactory()
    district = DistrictFactory(municipality=municipality, name=PAYLOADS[0], code="centrala")
    StatisticalArea.objects.create(
        municipality=municipality,
        district=district,
        code="011401",
        name=PAYLOADS[1],
        area=square(CX, CY, 300),
    )
    category = CategoryFactory(code="klotter", label=PAYLOADS[2])
    # Incidents in one corner, so the hot-spot cells elsewhere have negative z: numbers below zero.
    for i in range(40):
        IncidentFactory(
            municipality=municipality,
            category=category,
            location=Point(CX + 10 * (i % 7), CY + 10 * (i // 7), srid=STORAGE_SRID),
            occurred_from=timezone.now() - timedelta(days=10 + i),
        )
    plan = Detaljplan.objects.create(
        municipality=municipality,
        plan_id="P-1",
        name=PAYLOADS[3],
        description=PAYLOADS[4],
        area=square(CX, CY, 100),
    )
    PlanZone.objects.create(
        municipality=municipality,
        plan=plan,
        use_code="B",
        label=PAYLOADS[5],
        area=square(CX, CY, 50),
    )
    layer = context_layer(municipality, name=PAYLOADS[0])
    ContextFeature.objects.create(
        municipality=municipality,
        layer=layer,
        kind="lamp",
        geom=Point(CX + 5, CY + 5, srid=STORAGE_SRID),
        name=PAYLOADS[2],
        source_ref=PAYLOADS[3],
        properties={"note": "=1"},
    )
    walk = WalkFactory(municipality=municipality, name=PAYLOADS[4])
    office = OfficeFactory(municipality=municipality, name=PAYLOADS[5])
    for payload in PAYLOADS:
        observation = ObservationFactory(walk=walk, note=payload)
        Action.objects.create(
            municipality=municipality,
            observation=observation,
            office=office,
            title=payload,
            rejection_reason=payload,
        )
    return user_with_role("analytiker", username="anna")


def test_every_csv_endpoint_is_covered_here() -> None:
    found: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif "csv" in str(p.pattern) and p.name:
                found.add(p.name)

    walk(get_resolver().url_patterns)

    assert found == CSV_ENDPOINTS


def test_every_layer_export_as_csv_neutralises_formulas_and_keeps_negative_numbers(
    client: Client, hostile: User
) -> None:
    login_verified(client, hostile)
    seen: set[str] = set()
    negatives = 0

    for collection in registry.collections_for(hostile):
        response = client.get(f"/export/{collection.id}.csv")
        assert response.status_code == 200, (collection.id, response.status_code)
        rows = rows_of(body(response))

        assert formula_cells(rows) == [], collection.id
        cells = {value for row in rows[1:] for value in row}
        seen |= {p for p in PAYLOADS if "'" + p in cells}
        negatives += sum(1 for c in cells if c.startswith("-") and NUMBER.match(c))

    assert seen == set(PAYLOADS)  # each arrived, as the text it was
    assert negatives > 0  # cold-spot z values: numbers, not neutralised


def test_the_hot_spot_csv_writes_numbers_with_a_decimal_comma_and_a_bare_minus(
    client: Client, hostile: User
) -> None:
    login_verified(client, hostile)

    rows = rows_of(body(client.get("/export/hotspot-cells.csv")))
    header, data = rows[0], rows[1:]
    z = [row[header.index("z")] for row in data]

    assert any(v.startswith("-") for v in z)
    assert all(NUMBER.match(v) for v in z), z[:5]
    assert all(float(v.replace(",", ".")) == pytest.approx(float(v.replace(",", "."))) for v in z)


def test_the_walk_protocol_and_the_action_list_neutralise_formulas(
    client: Client, hostile: User
) -> None:
    login_verified(client, hostile)
    walk = Action.objects.first().observation.walk  # type: ignore[union-attr]

    protocol = rows_of(body(client.get(f"/vandringar/{walk.pk}/protokoll.csv")))
    actions = rows_of(body(client.get("/atgarder/atgarder.csv")))

    for rows in (protocol, actions):
        assert formula_cells(rows) == []
        cells = {value for row in rows[1:] for value in row}
        assert {"'" + p for p in PAYLOADS} <= cells
    # Coordinates are numbers with a decimal comma, which Swedish Excel reads as numbers.
    lon = protocol[1][8]
    assert NUMBER.match(lon) and 17.9 < float(lon.replace(",", ".")) < 17.93


def test_the_est_lagesbild_for_the_police_neutralises_the_area_names(
    client: Client, hostile: User
) -> None:
    login_verified(client, hostile)

    rows = rows_of(body(client.get("/est/lagesbild.csv?typ=manad")))

    assert formula_cells(rows) == []
    assert "'" + PAYLOADS[1] in {value for row in rows[1:] for value in row}


def test_the_rejected_rows_of_an_import_neutralise_the_files_values(client: Client) -> None:
    from tests.layers.import_helpers import vasby

    vasby()
    analyst = user_with_role("analytiker", username="anna")
    login_verified(client, analyst)
    source = list(
        csv.reader(io.StringIO(MUNICIPAL_SAMPLE.read_bytes().decode("cp1252")), delimiter=";")
    )
    header, records = source[0], source[1 : 1 + len(PAYLOADS)]
    for record, payload in zip(records, PAYLOADS, strict=True):
        record[0] = payload  # Ärendenr: the row's id in the report
        record[header.index("E")] = "NaN"  # so the row is rejected
    hostile_file = io.StringIO(newline="")
    csv.writer(hostile_file, delimiter=";", lineterminator="\r\n").writerows([header, *records])
    upload = SimpleUploadedFile("larm.csv", hostile_file.getvalue().encode("cp1252"), "text/csv")

    client.post(
        "/import/", {"municipality": "0114", "profile": "kommun_incidentrapport", "file": upload}
    )
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.INCIDENTS)
    rows = rows_of(body(client.get(f"/import/{batch.pk}/avvisade.csv")))

    assert len(rows) == 1 + len(PAYLOADS)
    assert formula_cells(rows) == []
    # The importer strips the blanks around an id ("\t=1" is stored as "=1"): still neutralised.
    assert [row[1] for row in rows[1:]] == ["'" + p.strip() for p in PAYLOADS]
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(2, 2 + len(PAYLOADS))]
