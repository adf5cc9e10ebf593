"""The optional cost and victims columns of the municipality's incident reports (decision 0806)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from layers.importers.incidents import render_reason
from layers.importers.profiles import MUNICIPAL_PROFILE
from layers.models import Incident
from tests.layers.import_helpers import MUNICIPAL_SAMPLE, run, vasby

pytestmark = pytest.mark.django_db


def _sample_without(tmp_path: Path, *columns: str) -> Path:
    """The sample with the named trailing columns cut off (an older export)."""
    lines = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").split("\r\n")
    header = lines[0].split(";")
    keep = [i for i, name in enumerate(header) if name not in columns]
    out = [";".join(line.split(";")[i] for i in keep) if line else line for line in lines]
    path = tmp_path / "export.csv"
    path.write_bytes("\r\n".join(out).encode("cp1252"))
    return path


def test_cost_and_victims_are_stored_where_the_report_has_them() -> None:
    batch = run(MUNICIPAL_SAMPLE, vasby(), MUNICIPAL_PROFILE)

    assert (batch.rows_stored, batch.rows_rejected) == (30, 0)
    klotter = Incident.objects.get(source_ref="IR-2025-00017")
    assert klotter.cost == Decimal("4200.00") and klotter.victims is None
    threat = Incident.objects.get(source_ref="IR-2025-00031")
    assert threat.cost is None and threat.victims == 1
    costs = Incident.objects.filter(cost__isnull=False)
    assert costs.count() == 8
    assert sum(i.cost for i in costs) == Decimal("4200") + Decimal("12500.50") + Decimal(
        "1850"
    ) + Decimal("8900") + Decimal("23400") + Decimal("61000") + Decimal("15300") + Decimal("9700")


def test_a_file_without_the_columns_is_read_as_without_costs(tmp_path: Path) -> None:
    path = _sample_without(tmp_path, "Kostnad", "Antal drabbade")

    batch = run(path, vasby(), MUNICIPAL_PROFILE)

    assert (batch.rows_stored, batch.rows_rejected) == (30, 0)
    assert not Incident.objects.filter(cost__isnull=False).exists()
    assert not Incident.objects.filter(victims__isnull=False).exists()


@pytest.mark.parametrize("bad", ["gratis", "-100", "1e400"])
def test_a_cost_that_is_no_amount_rejects_its_row_naming_the_column(
    tmp_path: Path, bad: str
) -> None:
    text = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").replace(";4 200;", f";{bad};", 1)
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))

    batch = run(path, vasby(), MUNICIPAL_PROFILE)

    assert (batch.rows_stored, batch.rows_rejected) == (29, 1)
    (row,) = batch.rejected
    assert row["row"] == 2 and "Kostnad" in render_reason(row) and bad in render_reason(row)
