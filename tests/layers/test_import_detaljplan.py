"""Importing detaljplaner: the real Kristianstad plan in SS 637040, its GeoPackage and GeoJSON, a zipped
Shapefile made from it, RT90 and local-zone inputs, and the refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely
import shapely.affinity
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import call_command
from pyproj import Transformer

from geo.crs import transform_xy
from layers.geometry import to_shapely
from layers.importers.detaljplan import import_detaljplan, undo_import
from layers.models import (
    AuditEvent,
    Detaljplan,
    ImportBatch,
    Municipality,
    PlanZone,
    RegulationArea,
)
from layers.uploads import UploadRejected
from tests.paths import TEST_DATA

pytestmark = pytest.mark.django_db

DATA = TEST_DATA / "detaljplan_ss637040_exempel_kristianstad"
XML = DATA / "plankarta_oppmanna_tollarp_ss637040.xml"
GPKG = DATA / "plankarta_oppmanna_tollarp_omraden_sweref99_1330.gpkg"
GEOJSON = DATA / "plankarta_oppmanna_tollarp_omraden_wgs84.geojson"
AREA_IDS = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "ba", "plan"}


@pytest.fixture
def kristianstad() -> Municipality:
    """Kommun 1290 with a 10 km square around the plan (Oppmanna, north-east of Kristianstad)."""
    x, y = transform_xy([198800.0], [6228100.0], from_srid=3008, to_srid=3006)
    cx, cy = float(x[0]), float(y[0])
    return Municipality.objects.create(
        kommunkod="1290",
        name="Kristianstad",
        boundary=MultiPolygon(
            Polygon.from_bbox((cx - 5000, cy - 5000, cx + 5000, cy + 5000)), srid=3006
        ),
    )


def copy_of(path: Path, tmp_path: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or path.name)
    shutil.copy(path, target)
    return target


def areas_by_ref(batch: ImportBatch) -> dict[str, shapely.Geometry]:
    plan = Detaljplan.objects.get(import_batch=batch)
    out = {"plan": to_shapely(plan.area)}
    for zone in PlanZone.objects.filter(import_batch=batch):
        out[zone.source_ref] = to_shapely(zone.area)
    for area in RegulationArea.objects.filter(import_batch=batch):
        out[area.source_ref] = to_shapely(area.area)
    return out


def test_the_kristianstad_ss637040_file_imports_with_its_twelve_areas_and_regulations(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    batch = import_detaljplan(copy_of(XML, tmp_path))

    plan = Detaljplan.objects.get(import_batch=batch)
    zones = {z.source_ref: z for z in plan.zones.all()}
    assert plan.plan_id == "BN16/1724"
    assert plan.name == "Oppmanna-Tollarp 2:32 och del av 1:22"
    assert plan.municipality == kristianstad
    assert set(areas_by_ref(batch)) == AREA_IDS  # 1 plan area + 5 use zones + 6 bestämmelseområden
    assert batch.rows_stored == 12
    assert plan.area.area == pytest.approx(
        19564, rel=0.002
    )  # README: 19,564 m² (in SWEREF 99 13 30)
    assert {ref: z.use_code for ref, z in zones.items()} == {
        "a": "R S",  # R "Idrott, bad" (DP_KM_R_A) and S (DP_KM_S) on one area
        "c": "GÅNG CYKEL",
        "e": "GATA",
        "f": "NATUR",
        "g": "E",
    }
    assert "Idrott, bad" in zones["a"].label
    texts = {r["text"] for r in zones["a"].regulations}
    assert "Högsta nockhöjd är 13 meter" in texts
    assert "Största byggnadsarea är 5500 m²" in texts
    assert "Marken får inte förses med byggnad" in texts  # prickmark
    assert any(t.startswith("Marken får endast förses med komplementbyggnad") for t in texts)
    assert "Markreservat för allmännyttiga underjordiska ledningar" in texts  # u
    assert {r["kind"] for r in zones["a"].regulations} == {"egenskap", "administrativ"}
    general = {r["type"]: r["text"] for r in plan.regulations}
    assert general["DP_PO_Ad_Genomforande"].startswith("Genomförandetiden är 5 år")
    assert general["DP_PO_Ad_Strandskydd"] == "Strandskyddet är upphävt"
    prickmark = RegulationArea.objects.get(plan=plan, source_ref="j")
    assert prickmark.zone == zones["a"]
    assert [r["text"] for r in prickmark.regulations] == ["Marken får inte förses med byggnad"]
    assert batch.report["crs"]["srid"] == 3008 and batch.report["crs"]["swapped"] is True
    assert batch.report["counts"]["regulations_read"] == 23  # 7 + 10 + 6 in the README
    assert any("L22" in note for note in batch.report["notes"])  # the one unused boundary line


def test_the_geopackage_and_geojson_give_the_same_areas_as_the_xml(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    from_xml = areas_by_ref(import_detaljplan(copy_of(XML, tmp_path), plan_id="xml"))

    gpkg_batch = import_detaljplan(copy_of(GPKG, tmp_path), plan_id="gpkg")
    from_gpkg = areas_by_ref(gpkg_batch)
    from_geojson = areas_by_ref(import_detaljplan(copy_of(GEOJSON, tmp_path), plan_id="geojson"))

    assert set(from_xml) == set(from_gpkg) == set(from_geojson) == AREA_IDS
    for ref, geom in from_xml.items():
        assert from_gpkg[ref].symmetric_difference(geom).area < 0.01, ref
        assert from_geojson[ref].symmetric_difference(geom).area < 0.5, ref
    gpkg_codes = dict(
        PlanZone.objects.filter(import_batch=gpkg_batch).values_list("source_ref", "use_code")
    )
    assert gpkg_codes["a"] == "R S" and gpkg_codes["c"] == "GÅNG CYKEL"
    # The GeoJSON has areas only: the zones have no use code yet, the bestämmelseområden are found by
    # lying inside a zone.
    assert set(
        PlanZone.objects.filter(plan__plan_id="geojson").values_list("use_code", flat=True)
    ) == {""}
    assert RegulationArea.objects.filter(plan__plan_id="geojson", zone__source_ref="a").count() == 6


def test_a_zipped_shapefile_made_from_the_geopackage_imports(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    for layer in ("omraden", "bestammelser"):
        subprocess.run(
            ["ogr2ogr", "-f", "ESRI Shapefile", str(folder / f"{layer}.shp"), str(GPKG), layer],
            check=True,
            capture_output=True,
        )
    archive = tmp_path / "plan.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)

    batch = import_detaljplan(archive, plan_id="shp")

    areas = areas_by_ref(batch)
    assert set(areas) == AREA_IDS
    assert PlanZone.objects.get(import_batch=batch, source_ref="e").use_code == "GATA"
    xml_areas = areas_by_ref(import_detaljplan(copy_of(XML, tmp_path), plan_id="xml"))
    assert areas["a"].symmetric_difference(xml_areas["a"]).area < 0.01


def write_geojson(
    path: Path, srid: int, transform: Transformer | None = None, swap: bool = False
) -> Path:
    """The GeoPackage's areas as GeoJSON with a crs member, moved to ``srid`` by pyproj."""
    _meta, _fids, wkb, fields = pyogrio.raw.read(str(GPKG), layer="omraden")
    features = []
    for geom, ref in zip(shapely.from_wkb(wkb), fields[0], strict=True):
        if transform is not None:
            geom = shapely.transform(geom, transform.transform, interleaved=False)
        if swap:
            geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
        features.append(
            {
                "type": "Feature",
                "properties": {"omrade_id": ref},
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}},
                "features": features,
            }
        )
    )
    return path


def geojson_of(path: Path, areas: dict[str, shapely.Geometry], srid: int) -> Path:
    """``areas`` (SWEREF 99 TM) moved to ``srid`` by pyproj, as GeoJSON with a crs member."""
    to_srid = Transformer.from_crs(3006, srid, always_xy=True)
    features = [
        {
            "type": "Feature",
            "properties": {"omrade_id": ref},
            "geometry": json.loads(
                shapely.to_geojson(shapely.transform(geom, to_srid.transform, interleaved=False))
            ),
        }
        for ref, geom in areas.items()
    ]
    crs = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": features}))
    return path


def test_an_rt90_input_lands_within_a_metre(kristianstad: Municipality, tmp_path: Path) -> None:
    reference = areas_by_ref(import_detaljplan(copy_of(XML, tmp_path), plan_id="xml"))
    source = geojson_of(tmp_path / "plan_rt90.geojson", reference, 3021)

    batch = import_detaljplan(source, plan_id="rt90")

    assert batch.report["crs"]["srid"] == 3021
    moved = areas_by_ref(batch)
    for ref, geom in reference.items():
        assert moved[ref].hausdorff_distance(geom) < 1.0, ref


def test_a_sweref99_1800_input_in_upplands_vasby_lands_within_a_metre(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    vasby = Municipality.objects.create(
        kommunkod="0114",
        name="Upplands Väsby",
        boundary=MultiPolygon(Polygon.from_bbox((660000, 6595000, 670000, 6605000)), srid=3006),
    )
    kristianstad_areas = areas_by_ref(import_detaljplan(copy_of(XML, tmp_path), plan_id="xml"))
    centre = kristianstad_areas["plan"].centroid
    # The same plan shape moved to Väsby centrum, where SWEREF 99 18 00 is the local zone.
    reference = {
        ref: shapely.affinity.translate(g, 664772 - centre.x, 6601411 - centre.y)
        for ref, g in kristianstad_areas.items()
    }
    source = geojson_of(tmp_path / "plan_3011.geojson", reference, 3011)

    batch = import_detaljplan(source, plan_id="zon1800", municipality=vasby)

    assert batch.report["crs"]["label"] == "SWEREF 99 18 00"
    moved = areas_by_ref(batch)
    for ref, geom in reference.items():
        assert moved[ref].hausdorff_distance(geom) < 1.0, ref


def test_northing_first_coordinates_are_turned_and_reported(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    source = write_geojson(
        tmp_path / "swapped.geojson",
        3006,
        Transformer.from_crs(3008, 3006, always_xy=True),
        swap=True,
    )
    reference = areas_by_ref(import_detaljplan(copy_of(XML, tmp_path), plan_id="xml"))

    batch = import_detaljplan(source, plan_id="swapped")

    assert batch.report["crs"]["swapped"] is True
    assert areas_by_ref(batch)["a"].hausdorff_distance(reference["a"]) < 0.01


def test_local_zone_coordinates_labelled_as_sweref99_tm_are_refused(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    source = write_geojson(tmp_path / "wrong.geojson", 3006)  # 3008 numbers, said to be 3006

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(source)

    assert "passar inte SWEREF 99 TM" in str(refused.value)
    assert "lokal SWEREF 99-zon" in str(refused.value)
    assert not Detaljplan.objects.exists() and not ImportBatch.objects.exists()


def test_a_plan_in_the_wrong_zone_is_refused_for_landing_outside_the_municipality(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    source = write_geojson(tmp_path / "zone1800.geojson", 3011)  # 3008 numbers, said to be 18 00

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(source)

    assert "utanför Kristianstad (1290)" in str(refused.value)
    assert not Detaljplan.objects.exists()


def test_a_shapefile_without_prj_is_refused_until_its_crs_is_given(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    folder = tmp_path / "noprj"
    folder.mkdir()
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", str(folder / "omraden.shp"), str(GPKG), "omraden"],
        check=True,
        capture_output=True,
    )
    (folder / "omraden.prj").unlink()
    archive = tmp_path / "noprj.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(archive, plan_id="noprj")
    batch = import_detaljplan(archive, plan_id="noprj", srid=3008)

    assert "säger inte vilket koordinatsystem" in str(refused.value)
    assert batch.report["crs"]["srid"] == 3008 and batch.rows_stored == 12


def test_a_self_intersecting_zone_is_repaired_and_reported(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    x, y = transform_xy([198800.0], [6228100.0], from_srid=3008, to_srid=3006)
    cx, cy = float(x[0]), float(y[0])
    bow_tie = [[[cx, cy], [cx + 40, cy + 40], [cx + 40, cy], [cx, cy + 40], [cx, cy]]]
    square = [[[cx, cy - 60], [cx + 40, cy - 60], [cx + 40, cy - 20], [cx, cy - 20], [cx, cy - 60]]]
    source = tmp_path / "bowtie.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kod": "B", "id": "kv1"},
                        "geometry": {"type": "Polygon", "coordinates": bow_tie},
                    },
                    {
                        "type": "Feature",
                        "properties": {"kod": "PARK", "id": "p1"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    },
                ],
            }
        )
    )

    batch = import_detaljplan(source, plan_id="repair", kind="ombyggnad")

    zone = PlanZone.objects.get(import_batch=batch, source_ref="kv1")
    assert zone.area.valid and zone.area.area == pytest.approx(800)  # two triangles of 400 m²
    assert zone.use_code == "B"
    assert [r["ref"] for r in batch.report["repairs"]] == ["kv1"]
    assert Detaljplan.objects.get(plan_id="repair").kind == "ombyggnad"


def test_todays_zones_can_be_added_to_an_imported_plan_and_each_import_undone(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    planned = import_detaljplan(copy_of(XML, tmp_path), plan_id="P1", kind="ombyggnad")
    today = import_detaljplan(copy_of(GPKG, tmp_path), plan_id="P1", scenario="idag")

    plan = Detaljplan.objects.get(plan_id="P1")
    assert plan.zones.filter(scenario="idag").count() == 5
    assert plan.zones.filter(scenario="planerat").count() == 5
    with pytest.raises(UploadRejected) as blocked:
        undo_import(planned)
    assert blocked.value.status == 409
    undo_import(today)
    undo_import(planned)

    assert not Detaljplan.objects.exists() and not PlanZone.objects.exists()
    assert set(ImportBatch.objects.values_list("status", flat=True)) == {"angrad"}
    assert AuditEvent.objects.filter(action="import_undone").count() == 2


def test_importing_the_same_plan_twice_is_refused(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    import_detaljplan(copy_of(XML, tmp_path))

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(copy_of(XML, tmp_path))

    assert refused.value.status == 409
    assert ImportBatch.objects.count() == 1


def test_a_plan_of_another_municipality_is_refused(tmp_path: Path) -> None:
    vasby = Municipality.objects.create(
        kommunkod="0114",
        name="Upplands Väsby",
        boundary=MultiPolygon(Polygon.from_bbox((660000, 6595000, 670000, 6605000)), srid=3006),
    )

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(copy_of(XML, tmp_path), municipality=vasby)

    assert "gäller kommun 1290" in str(refused.value)


def test_an_xml_with_an_external_entity_is_refused_and_nothing_is_stored(
    kristianstad: Municipality, tmp_path: Path
) -> None:
    text = (
        XML.read_text(encoding="utf-8-sig")
        .replace(
            '<?xml version="1.0" encoding="utf-8"?>',
            '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE DP_Data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        )
        .replace("<plannamn>Oppmanna", "<plannamn>&xxe;Oppmanna")
    )
    hostile = tmp_path / "xxe.xml"
    hostile.write_text(text, encoding="utf-8")

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(hostile)

    assert "DTD" in str(refused.value)
    assert not ImportBatch.objects.exists() and not Detaljplan.objects.exists()


def test_a_broken_topology_names_the_area(kristianstad: Municipality, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text(
        XML.read_text(encoding="utf-8-sig").replace('<plus xlink:href="#L26" />', "", 1),
        encoding="utf-8",
    )

    with pytest.raises(UploadRejected) as refused:
        import_detaljplan(broken)

    assert "område a" in str(refused.value) and "sluter sig inte" in str(refused.value)


def test_the_command_imports_and_undoes_a_plan(
    kristianstad: Municipality, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("import_detaljplan", str(XML), "--municipality", "1290", "--kind", "ny")
    batch = ImportBatch.objects.get()
    call_command("import_detaljplan", "--undo", str(batch.pk))

    out = capsys.readouterr().out
    assert "BN16/1724" in out and "användningsområden 5" in out and "bestämmelseområden 6" in out
    assert "ångrad" in out
    assert not Detaljplan.objects.exists()
