"""The EST lägesbild for the police: a CSV table (core/csvfile.py) and a GeoPackage made by GDAL's
ogr2ogr, in SWEREF 99 TM (docs/decisions/0833).

What travels: per NYKO area its rank, need, reports per event type, certainty and the count in the period
before; and each report of the period as a point with its event type, time and area. Never the free
text (it may name a person) and never who reported (the organisation neither).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from est.lagesbild import AreaRow, Lagesbild
from est.models import EstReport, EventType
from geo.crs import STORAGE_SRID
from layers.exports import OGR2OGR, OGR2OGR_TIMEOUT_S, exports_dir
from layers.models import Municipality, StatisticalArea

CERTAINTY_LABELS = {"lag": "låg", "medel": "medel", "hog": "hög"}


class ExportFailed(RuntimeError):
    pass


def filename(picture: Lagesbild, ext: str) -> str:
    p = picture.period
    return f"est-lagesbild-{p.kind.value}-{p.start.isoformat()}.{ext}"


def _type_columns() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in EventType.choices]


def ranking_table(picture: Lagesbild) -> tuple[list[str], list[list[object]]]:
    """The ranking as a table: one row per area, ranked areas first."""
    types = _type_columns()
    header = [
        _("Rang"),
        _("NYKO-kod"),
        _("Område"),
        _("Behov (viktat)"),
        _("Rapporter"),
        _("Säkerhet"),
        _("Rapportörer"),
        _("Rapporter perioden före"),
        _("Anmärkning"),
        *[label for _value, label in types],
        _("Period"),
    ]
    rows: list[list[object]] = [
        [
            row.rank if row.rank is not None else "",
            row.key,
            row.name,
            row.need,
            row.total,
            CERTAINTY_LABELS[row.certainty.value],
            row.reporters,
            row.previous,
            row.status,
            *[row.counts.get(value, 0) for value, _label in types],
            picture.period.label,
        ]
        for row in picture.rows
    ]
    return header, rows


def _area_properties(row: AreaRow, picture: Lagesbild) -> dict[str, Any]:
    props: dict[str, Any] = {
        "rang": row.rank,
        "nyko": row.key,
        "namn": row.name,
        "behov": row.need,
        "rapporter": row.total,
        "sakerhet": CERTAINTY_LABELS[row.certainty.value],
        "rapportorer": row.reporters,
        "perioden_fore": row.previous,
        "anmarkning": row.status,
        "period": picture.period.label,
        "fran": picture.period.start.isoformat(),
        "till": picture.period.end.isoformat(),
    }
    for value, _label in _type_columns():
        props[f"antal_{value}"] = row.counts.get(value, 0)
    return props


def _features(municipality: Municipality, picture: Lagesbild) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    shapes = {
        a.pk: json.loads(a.area.geojson)
        for a in StatisticalArea.objects.filter(municipality=municipality)
    }
    areas = [
        {
            "type": "Feature",
            "geometry": shapes[row.area_id],
            "properties": _area_properties(row, picture),
        }
        for row in picture.rows
        if row.area_id in shapes
    ]
    start, end = picture.period.bounds()
    reports = (
        EstReport.objects.filter(
            municipality=municipality, occurred_at__gte=start, occurred_at__lt=end
        )
        .select_related("area")
        .order_by("occurred_at", "pk")
    )
    labels = dict(EventType.choices)
    points = [
        {
            "type": "Feature",
            "geometry": json.loads(r.location.geojson),
            "properties": {
                "handelsetyp": r.event_type,
                "handelsetyp_namn": str(labels[r.event_type]),
                "tid": timezone.localtime(r.occurred_at).replace(microsecond=0).isoformat(),
                "nyko": r.area.code if r.area else "",
            },
        }
        for r in reports
    ]
    return areas, points


def _ogr2ogr(target: Path, source: Path, layer: str, geometry: str) -> None:
    args = [
        OGR2OGR, "-f", "GPKG", *(["-update"] if target.exists() else []), "-nln", layer,
        "-a_srs", f"EPSG:{STORAGE_SRID}", "-nlt", geometry, str(target), str(source),
    ]  # fmt: skip
    try:
        result = subprocess.run(  # noqa: S603  (fixed program, paths we made, no shell)
            args, capture_output=True, text=True, timeout=OGR2OGR_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ExportFailed(f"ogr2ogr could not run: {type(e).__name__}") from e
    if result.returncode != 0:
        raise ExportFailed(f"ogr2ogr failed on layer {layer}: {result.stderr.strip()[:300]}")


def geopackage(municipality: Municipality, picture: Lagesbild) -> bytes:
    """The lägesbild as a GeoPackage with the layers ``est_omraden`` and ``est_rapporter``."""
    areas, points = _features(municipality, picture)
    folder = Path(tempfile.mkdtemp(prefix="est-", dir=exports_dir()))
    try:
        target = folder / "est.gpkg"
        for layer, features, geometry in (
            ("est_omraden", areas, "MULTIPOLYGON"),
            ("est_rapporter", points, "POINT"),
        ):
            source = folder / f"{layer}.geojson"
            source.write_text(
                json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                encoding="utf-8",
            )
            _ogr2ogr(target, source, layer, geometry)
        return target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
