"""The population import: lands whole, or reports each bad row and stores nothing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from statutory.models import Population
from statutory.population import import_population
from tests.statutory.conftest import Town

pytestmark = pytest.mark.django_db


def test_a_good_file_lands_whole(town: Town) -> None:
    data = "\ufeffnyko;ar;folkmangd;kalla\n1101;2025;2 345;SCB\n1102;2025;1200;\n".encode()

    result = import_population(town.municipality, data, filename="f.csv", default_source="fil")

    assert result.errors == [] and result.stored == 2
    b = Population.objects.get(area=town.area_b, year=2025)
    assert (b.residents, b.source, b.generated) == (1200, "fil", False)
    assert Population.objects.get(area=town.area_a, year=2025).residents == 2345


def test_bad_rows_are_each_reported_and_nothing_is_stored(town: Town, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = Population.objects.count()
    path = tmp_path / "folk.csv"
    path.write_text("nyko,ar,folkmangd\n1101,2025,100\n9999,2025,5\n1102,tjugo,5\n1102,2025,-3\n")

    with pytest.raises(CommandError) as e:
        call_command("import_population", str(path))

    message = str(e.value)
    assert "folk.csv rad 3, nyko" in message
    assert "folk.csv rad 4, ar" in message
    assert "folk.csv rad 5, folkmangd" in message
    assert Population.objects.count() == before


def test_a_missing_column_is_named(town: Town) -> None:
    result = import_population(
        town.municipality, b"nyko;folkmangd\n1101;5\n", filename="x.csv", default_source=""
    )
    assert result.errors == ["x.csv: rubrikraden saknar kolumnen ar"]
