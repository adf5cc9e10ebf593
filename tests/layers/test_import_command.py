"""``manage.py import_incidents``: profiles, mappings, strict, one batch per file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from layers.models import ImportBatch, ImportProfile, Incident
from layers.roles import Role
from tests.factories import VASBY_CENTRUM, user_with_role
from tests.layers.import_helpers import MUNICIPAL_SAMPLE, vasby

pytestmark = pytest.mark.django_db

CX, CY = VASBY_CENTRUM


def command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_incidents", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_built_in_municipal_profile_imports_the_sample_and_reports_the_counts() -> None:
    vasby()

    out, _ = command(
        str(MUNICIPAL_SAMPLE), "--profile", "kommun_incidentrapport", "--municipality", "0114"
    )

    assert "30 rader lästa, 30 sparade, 0 fanns redan, 0 avvisade" in out
    assert ImportBatch.objects.get().profile == "kommun_incidentrapport"


def test_a_mapping_on_the_command_line_names_the_columns(tmp_path: Path) -> None:
    vasby()
    path = tmp_path / "lista.csv"
    path.write_text(
        "nr,när,vad,lon,lat\n"
        "1,2025-04-01 20:00,BURGLARY,17.9115,59.5183\n"
        "2,2025-04-02 21:00,BURGLARY,,\n",
        encoding="utf-8",
    )

    out, _ = command(
        str(path),
        "--mapping",
        "source=testsystem",
        "--mapping",
        "id=nr",
        "--mapping",
        "time=när",
        "--mapping",
        "lon=lon",
        "--mapping",
        "lat=lat",
        "--mapping",
        '{"category": "vad", "categories": {"BURGLARY": "inbrott"}}',
    )

    assert "2 rader lästa, 1 sparade, 0 fanns redan, 1 avvisade" in out
    assert "rad 3 (2): koordinat saknas (kolumn lon)" in out
    assert Incident.objects.get().category.code == "inbrott"


def test_strict_with_a_bad_row_stores_nothing_and_fails(tmp_path: Path) -> None:
    vasby()
    text = (
        MUNICIPAL_SAMPLE.read_bytes()
        .decode("cp1252")
        .replace("2025-01-09 22:15", "2025-13-09 22:15")
    )
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))

    with pytest.raises(CommandError, match="1 av 1 filer importerades inte"):
        command(str(path), "--profile", "kommun_incidentrapport", "--strict")

    assert Incident.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_saved_profile_is_found_by_name_and_a_mapping_adds_to_it(tmp_path: Path) -> None:
    municipality = vasby()
    ImportProfile.objects.create(
        municipality=municipality,
        name="larmcentral",
        label="Larmcentralens lista",
        column_mapping={
            "source": "larm",
            "id": "nr",
            "time": "tid",
            "x": "e",
            "y": "n",
            "srid": 3006,
            "category": "typ",
        },
        category_mapping={"Klotter": "klotter"},
    )
    path = tmp_path / "larm.csv"
    path.write_text(
        f"nr;tid;typ;e;n\n1;2025-04-01 20:00;Klotter;{CX};{CY}\n2;2025-04-01 21:00;Brand;{CX};{CY}\n",
        encoding="utf-8",
    )

    out, _ = command(str(path), "--profile", "larmcentral", "--mapping", "categories=Brand=brand")

    assert "2 sparade" in out
    assert set(Incident.objects.values_list("category__code", flat=True)) == {"klotter", "brand"}


def test_an_unknown_profile_lists_the_ones_there_are() -> None:
    vasby()

    with pytest.raises(
        CommandError,
        match="okänd importprofil saknas \\(finns: kommun_incidentrapport, polisen_handelser_json\\)",
    ):
        command(str(MUNICIPAL_SAMPLE), "--profile", "saknas")


def test_a_user_without_the_import_permission_is_refused() -> None:
    vasby()
    user_with_role(Role.BRA_MEMBER, "bra")

    with pytest.raises(CommandError, match="får inte importera"):
        command(str(MUNICIPAL_SAMPLE), "--profile", "kommun_incidentrapport", "--user", "bra")


def test_each_file_is_a_batch_and_an_unreadable_one_does_not_stop_the_others(
    tmp_path: Path,
) -> None:
    vasby()
    broken = tmp_path / "trasig.csv"
    broken.write_text("Ärendenr;Från\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"unknown_category": "ovrigt"}), encoding="utf-8")

    with pytest.raises(CommandError, match="1 av 2 filer"):
        command(
            str(broken),
            str(MUNICIPAL_SAMPLE),
            "--profile",
            "kommun_incidentrapport",
            "--mapping",
            f"@{mapping}",
        )

    assert ImportBatch.objects.count() == 1
    assert Incident.objects.count() == 30
