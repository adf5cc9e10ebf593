"""Importing today's digital detaljplaner: Lantmäteriet's Detaljplan 4.1 JSON and a DXF drawing from CAD,
through the importer and ``manage.py import_detaljplan`` (real PostGIS, GDAL's DXF driver), and the
refusals: nothing is stored and the message names the object."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command

from layers import uploads
from layers.geometry import to_shapely
from layers.importers.context import import_context
from layers.importers.detaljplan import import_detaljplan, parse_layer_mapping, undo_import
from layers.models import Detaljplan, ImportBatch, Municipality, PlanZone, RegulationArea
from layers.uploads import UploadRejected
from tests.factories import MunicipalityFactory
from tests.paths import TEST_DATA

pytestmark = pytest.mark.django_db

DATA41 = TEST_DATA / "detaljplan41"
EXAMPLE = DATA41 / "exempel_detaljplan_4.1.json"
DXF_2007 = TEST_DATA / "dxf" / "samrad_cad_r2007.dxf"
DXF_2000 = TEST_DATA / "dxf" / "samrad_cad_r2000_cp1252.dxf"

PLAN = "aaafd954-e4b9-5baf-86dd-9512c3a9b0f1"
DXF_MAPPING = {
    "DP-PLANGRÄNS": "plangrans",
    "DP-ANVÄNDNING-B": "B",
    "DP-ANVÄNDNING-C": "C",
    "DP-ANVÄNDNING-S": "S",
    "DP-ANVÄNDNING-GATA": "GATA",
    "DP-ANVÄNDNING-PARK": "PARK",
    "DP-EGENSKAP-PRICKMARK": "prickmark",
    "DP-UTFARTSFÖRBUD": "utfartsförbud",
    "DP-MARKHÖJD": "plushöjd",
}


@pytest.fixture
def vasby() -> Municipality:
    """Kommun 0114, a 10 km square around Väsby centrum, where the test plan lies."""
    municipality: Municipality = MunicipalityFactory()
    return municipality


def copy_of(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / path.name
    shutil.copy(path, target)
    return target


def nothing_stored() -> bool:
    return not (
        ImportBatch.objects.exists()
        or Detaljplan.objects.exists()
        or PlanZone.objects.exists()
        or RegulationArea.objects.exists()
    )


def ident(prefix: str) -> str:
    """The full objektidentitet of a feature of the example, from its first characters."""
    return next(
        z
        for z in [
            *PlanZone.objects.values_list("source_ref", flat=True),
            *RegulationArea.objects.values_list("source_ref", flat=True),
        ]
        if z.startswith(prefix)
    )


# --- Detaljplan 4.1 ------------------------------------------------------------------------------


def test_the_41_example_imports_with_uses_regulations_lines_points_and_vertical_limits(
    vasby: Municipality, tmp_path: Path
) -> None:
    batch = import_detaljplan(copy_of(EXAMPLE, tmp_path), municipality=vasby)

    plan = Detaljplan.objects.get(import_batch=batch)
    assert plan.plan_id == "TESTPLAN 2025:1"
    assert plan.name.startswith("Påhittad testplan vid Väsby centrum")
    assert plan.status == Detaljplan.Status.CONSULTATION
    assert plan.area.area == pytest.approx(
        9600, rel=0.01
    )  # 120 × 80 m in 18 00, now in SWEREF 99 TM
    assert batch.report["format"] == "Detaljplan 4.1 (JSON)"
    assert batch.report["crs"]["srid"] == 3011 and batch.report["crs"]["label"] == "SWEREF 99 18 00"
    zones = {z.source_ref[:8]: z for z in plan.zones.all()}
    assert {k: z.use_code for k, z in zones.items()} == {
        "04db200a": "B",
        "271af1a9": "C",
        "5526751f": "S",
        "0d431401": "GATA",
        "85ced2f4": "GATA",
        "bbd00efb": "P",
        "c485faf5": "PARK",
    }
    # Two uses stacked on one footprint: the street above the deck, the garage below it.
    assert zones["85ced2f4"].vertical_limit == {
        "direction": "uppåt",
        "z_min": 24.0,
        "z_max": 24.0,
        "height_system": "RH 2000",
        "height_srid": 5613,
    }
    assert zones["bbd00efb"].vertical_limit["direction"] == "nedåt"
    assert zones["04db200a"].vertical_limit is None
    deck, garage = to_shapely(zones["85ced2f4"].area), to_shapely(zones["bbd00efb"].area)
    assert deck.symmetric_difference(garage).area < 0.01 and deck.area == pytest.approx(
        600, rel=0.01
    )
    # Egenskapsbestämmelser on areas are bestämmelseområden linked to the use they regulate.
    regulation_areas = {r.source_ref[:8]: r for r in plan.regulation_areas.all()}
    assert set(regulation_areas) == {
        "7db1df20", "70187276", "14bfe34a", "fdd44ae0", "a4311034", "94c7f54c",
    }  # fmt: skip
    assert regulation_areas["70187276"].zone == zones["04db200a"]
    b_texts = {r["text"] for r in zones["04db200a"].regulations}
    assert "Högsta nockhöjd är 12,5 meter." in b_texts
    assert "Marken får inte förses med byggnadsverk." in b_texts
    # The utfartsförbud is two lines, on the zones it regulates, with its geometry in SWEREF 99 TM.
    utfart = next(r for r in zones["271af1a9"].regulations if r["text"] == "Utfartsförbud")
    assert utfart["geometry_type"] == "line" and utfart["geometry"]["type"] == "MultiLineString"
    line = shapely.geometry.shape(utfart["geometry"])
    assert to_shapely(plan.area).buffer(1).contains(line)
    assert any(r["text"] == "Utfartsförbud" for r in zones["04db200a"].regulations)
    plus = next(r for r in zones["0d431401"].regulations if r["geometry_type"] == "point")
    assert plus["text"] == "Markens höjd över nollplanet ska vara 24,2 meter."
    assert plus["type"] == "DP_AP_Eg_UtformAP_Mark_Plushojd"
    # Huvudmannaskap reaches the park zone with its catalogue code (the territoriality criterion reads it).
    assert any(
        r["type"] == "DP_AP_Eg_Huvudman_EnskiltHuvudm_Enskilt"
        for r in zones["c485faf5"].regulations
    )
    counts = batch.report["counts"]
    assert (counts["zones"], counts["regulation_areas"], counts["lines_and_points"]) == (7, 6, 2)
    assert counts["vertical_limits"] == 2 and counts["reported"] == 0
    assert batch.rows_read == 16 and batch.rows_stored == 14
    assert any("20251201" in note for note in batch.report["notes"])


def test_a_regulation_without_geometry_or_with_an_unknown_catalogue_entry_is_stored_and_reported(
    vasby: Municipality, tmp_path: Path
) -> None:
    batch = import_detaljplan(
        copy_of(DATA41 / "rapport_utan_geometri_okand_katalogreferens.json", tmp_path),
        municipality=vasby,
    )

    reported = {r["ref"]: r["reason"] for r in batch.report["reported"]}
    lek, h2 = "94c7f54c-d717-5b4b-8bc2-15906af76ced", "fdd44ae0-1e66-5113-a473-de60ff0fa3b6"
    assert set(reported) == {lek, h2}
    assert "saknar geometri" in reported[lek]
    assert "0a0b0c0d-1e1f-4a2b-8c3d-4e5f60718293" in reported[h2] and "20251201" in reported[h2]
    park = PlanZone.objects.get(source_ref__startswith="c485faf5")
    lekplats = next(r for r in park.regulations if r["uuid"] == lek)
    assert lekplats["text"] == "Lekplats med belysning" and "geometry" not in lekplats
    unknown = RegulationArea.objects.get(source_ref=h2)
    assert unknown.regulations[0]["type"] == "" and unknown.regulations[0]["text"]
    assert batch.report["counts"]["reported"] == 2


@pytest.mark.parametrize(
    "name, status, words",
    [
        ("fel_saknar_plangeometri.json", 422, [PLAN, "planområde"]),
        ("fel_blandade_koordinatsystem.json", 422, ["271af1a9-", "blandar koordinatsystem"]),
        ("fel_annan_kommun.json", 422, [PLAN, "Sigtuna", "Upplands Väsby"]),
        ("fel_trasig_struktur.json", 422, ["5526751f-", "bestammelsegeometri"]),
        ("fel_inte_json.json", 422, ["fel_inte_json.json", "JSON"]),
    ],
)
def test_a_bad_41_file_is_refused_naming_the_object_and_nothing_is_stored(
    vasby: Municipality, tmp_path: Path, name: str, status: int, words: list[str]
) -> None:
    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(copy_of(DATA41 / name, tmp_path), municipality=vasby)

    assert refused.value.status == status
    for word in words:
        assert word in str(refused.value)
    assert nothing_stored()


@pytest.mark.parametrize(
    "kommun, refused", [("0114", False), ("0191", True), ("Upplands Väsby kommun", False)]
)
def test_the_kommun_of_a_41_file_may_be_a_code_or_a_name_and_must_be_the_users(
    vasby: Municipality, tmp_path: Path, kommun: str, refused: bool
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(
        EXAMPLE.read_bytes().replace(
            '"kommun": "Upplands Väsby"'.encode(), f'"kommun": "{kommun}"'.encode(), 1
        )
    )

    if refused:
        with pytest.raises(UploadRejected) as refusal:
            import_detaljplan(path, municipality=vasby)
        assert PLAN in str(refusal.value) and "gäller kommun 0191" in str(refusal.value)
        assert nothing_stored()
    else:
        assert import_detaljplan(path).municipality == vasby  # found without being given


def test_a_41_file_is_told_from_geojson_by_content_whatever_its_name(
    vasby: Municipality, tmp_path: Path
) -> None:
    renamed = tmp_path / "plan.geojson"
    shutil.copy(EXAMPLE, renamed)

    batch = import_detaljplan(renamed, municipality=vasby)

    assert batch.profile == "detaljplan_4_1" and batch.report["counts"]["zones"] == 7


def test_the_41_import_is_undone_whole(vasby: Municipality, tmp_path: Path) -> None:
    batch = import_detaljplan(copy_of(EXAMPLE, tmp_path), municipality=vasby)

    undo_import(batch)

    assert not Detaljplan.objects.exists() and not PlanZone.objects.exists()
    assert not RegulationArea.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.UNDONE


# --- DXF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("drawing", [DXF_2007, DXF_2000])
def test_a_dxf_drawing_imports_with_the_layer_mapping(
    vasby: Municipality, tmp_path: Path, drawing: Path
) -> None:
    batch = import_detaljplan(
        copy_of(drawing, tmp_path), municipality=vasby, srid=3011, dxf_layers=DXF_MAPPING
    )

    plan = Detaljplan.objects.get(import_batch=batch)
    assert batch.report["format"] == "DXF (CAD-ritning)"
    assert batch.report["crs"]["label"] == "SWEREF 99 18 00"
    zones = {z.source_ref: z for z in plan.zones.all()}
    assert sorted(z.use_code for z in zones.values()) == ["B", "C", "GATA", "PARK", "S"]
    assert "Förskola" in zones["13"].label  # the MTEXT inside the S area, å/ä/ö read right
    assert [r.source_ref for r in plan.regulation_areas.all()] == ["16"]
    assert plan.regulation_areas.get().zone is not None
    assert plan.area.area == pytest.approx(9600, rel=0.01)
    on_zones = [r for z in zones.values() for r in z.regulations if r.get("geometry")]
    assert {r["code"] for r in on_zones} >= {"utfartsförbud", "plushöjd"}
    plus = next(r for r in on_zones if r["code"] == "plushöjd")
    assert plus["geometry"]["type"] == "Point" and plus["z_min"] == pytest.approx(24.2)
    assert {r["ref"] for r in batch.report["reported"]} == {"1C"}  # the open line on the plan layer
    assert any("DP-BETECKNING" in note for note in batch.report["notes"])  # not mapped, not read


def test_a_dxf_without_a_mapping_is_refused_listing_its_layers(
    vasby: Municipality, tmp_path: Path
) -> None:
    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(copy_of(DXF_2007, tmp_path), municipality=vasby, srid=3011)

    assert refused.value.status == 400
    message = str(refused.value)
    for layer in ("DP-PLANGRÄNS", "DP-ANVÄNDNING-B", "DP-UTFARTSFÖRBUD", "DP-BETECKNING"):
        assert layer in message
    assert nothing_stored()


def test_a_dxf_mapping_naming_a_layer_the_drawing_lacks_is_refused(
    vasby: Municipality, tmp_path: Path
) -> None:
    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(
            copy_of(DXF_2007, tmp_path),
            municipality=vasby,
            srid=3011,
            dxf_layers={**DXF_MAPPING, "DP-ANV-X": "B"},
        )

    assert refused.value.status == 400
    assert "DP-ANV-X" in str(refused.value) and "DP-ANVÄNDNING-C" in str(refused.value)
    assert nothing_stored()


def test_a_dxf_whose_plan_layer_has_no_closed_shape_is_refused(
    vasby: Municipality, tmp_path: Path
) -> None:
    mapping = {**DXF_MAPPING, "DP-PLANGRÄNS": "", "DP-UTFARTSFÖRBUD": "plangrans"}

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(
            copy_of(DXF_2007, tmp_path), municipality=vasby, srid=3011, dxf_layers=mapping
        )

    assert refused.value.status == 422 and "DP-UTFARTSFÖRBUD" in str(refused.value)
    assert nothing_stored()


def test_a_dxf_without_a_crs_or_in_the_wrong_one_is_refused(
    vasby: Municipality, tmp_path: Path
) -> None:
    with pytest.raises(UploadRejected) as no_crs:
        import_detaljplan(copy_of(DXF_2007, tmp_path), municipality=vasby, dxf_layers=DXF_MAPPING)
    with pytest.raises(UploadRejected) as wrong:
        import_detaljplan(
            copy_of(DXF_2007, tmp_path), municipality=vasby, srid=3006, dxf_layers=DXF_MAPPING
        )

    assert no_crs.value.status == 400 and "koordinatsystem" in str(no_crs.value)
    assert "SWEREF 99 TM" in str(wrong.value)
    assert nothing_stored()


def test_a_dxf_is_recognised_before_anything_csv_like_and_other_importers_refuse_it(
    vasby: Municipality, tmp_path: Path
) -> None:
    assert uploads.sniff(DXF_2007) == uploads.sniff(DXF_2000) == uploads.DXF
    as_csv = tmp_path / "ritning.csv"
    shutil.copy(DXF_2007, as_csv)

    with pytest.raises(UploadRejected) as renamed:
        import_detaljplan(as_csv, municipality=vasby, srid=3011, dxf_layers=DXF_MAPPING)
    with pytest.raises(UploadRejected) as context:
        import_context(
            copy_of(DXF_2007, tmp_path), municipality=vasby, mapping={"kind": "park"}, srid=3011
        )

    assert renamed.value.status == 415 and "namnet säger csv" in str(renamed.value)
    assert context.value.status == 415
    assert nothing_stored()


def test_the_layer_mapping_is_parsed_and_a_bad_item_named() -> None:
    assert parse_layer_mapping("A=plangrans, B = B;C=GATA\n") == {
        "A": "plangrans",
        "B": "B",
        "C": "GATA",
    }
    with pytest.raises(UploadRejected) as refused:
        parse_layer_mapping("A=plangrans, DP-ANV-B")

    assert refused.value.status == 400 and "DP-ANV-B" in str(refused.value)


# --- the command ---------------------------------------------------------------------------------


def test_the_command_imports_a_41_file_and_a_dxf_and_undoes_them(
    vasby: Municipality, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_detaljplan", str(EXAMPLE), "--municipality", "0114")
    layers = ",".join(f"{k}={v}" for k, v in DXF_MAPPING.items())
    call_command(
        "import_detaljplan",
        str(DXF_2007),
        "--municipality",
        "0114",
        "--srid",
        "3011",
        "--layers",
        layers,
        "--plan-id",
        "samrad-cad",
    )

    out = capsys.readouterr().out
    assert "TESTPLAN 2025:1" in out and "Detaljplan 4.1" in out and "användningsområden 7" in out
    assert "vertikal" in out.lower()
    assert "samrad-cad" in out and "DXF" in out and "användningsområden 5" in out
    for batch in ImportBatch.objects.all():
        call_command("import_detaljplan", "--undo", str(batch.pk))
    assert not Detaljplan.objects.exists()


def test_the_command_refuses_a_bad_file_naming_the_object(vasby: Municipality) -> None:
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_detaljplan",
            str(DATA41 / "fel_saknar_plangeometri.json"),
            "--municipality",
            "0114",
        )
    with pytest.raises(CommandError) as no_mapping:
        call_command("import_detaljplan", str(DXF_2007), "--municipality", "0114", "--srid", "3011")

    assert PLAN in str(refused.value)
    assert "DP-ANVÄNDNING-PARK" in str(no_mapping.value) and "--layers" in str(no_mapping.value)
    assert nothing_stored()
