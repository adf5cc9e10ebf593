"""Writes and rules for the spatial layers. Services take model instances and plain values, never a request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from layers import reference, sensitivity
from layers.geometry import as_multipolygon
from layers.models import (
    District,
    FocusArea,
    IncidentCategory,
    Municipality,
    Office,
    StatisticalArea,
)
from layers.roles import AnyUser

# Upplands Väsby's three local BRÅ councils and the first digit of their NYKO codes.
VASBY_DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("vastra", "Västra", "1"),
    ("centrala", "Centrala", "2"),
    ("ostra", "Östra", "3"),
)


@transaction.atomic
def ensure_reference_data(municipality: Municipality) -> None:
    """Create or update the focus areas, offices, partners and categories; idempotent."""
    offices: dict[str, Office] = {}
    for ref in reference.OFFICES:
        office, _ = Office.objects.update_or_create(
            municipality=municipality,
            name=ref.name,
            defaults={"short_name": ref.short_name, "kind": ref.kind},
        )
        offices[ref.name] = office
    focus_areas: dict[int, FocusArea] = {}
    for fa_ref in reference.FOCUS_AREAS:
        focus_area, _ = FocusArea.objects.update_or_create(
            number=fa_ref.number,
            defaults={
                "name": fa_ref.name,
                "name_en": fa_ref.name_en,
                "sensitive": fa_ref.sensitive,
            },
        )
        focus_area.offices.add(*(offices[name] for name in fa_ref.offices))
        focus_areas[fa_ref.number] = focus_area
    for cat in reference.CATEGORIES:
        focus_area_or_none = focus_areas[cat.focus_area] if cat.focus_area else None
        save_category(
            code=cat.code,
            label=cat.label,
            label_en=cat.label_en,
            focus_area=focus_area_or_none,
            sensitive=cat.sensitive,
        )


def save_category(
    *,
    code: str,
    label: str,
    label_en: str = "",
    focus_area: FocusArea | None,
    sensitive: bool = False,
    by: AnyUser | None = None,
) -> IncidentCategory:
    """Create or update a category; a category in a sensitive focus area is always sensitive.

    ``by``: the user making the change. Changing whether an existing category is sensitive, or its focus
    area, needs an administrator (``core.errors.NotAllowed`` otherwise, nothing written) and is written to
    the audit log (layers/sensitivity.py); without ``by`` (the reference data of a command) it is audited
    as the system's.
    """
    with sensitivity.acting_as(by):
        return _save_category(
            code=code, label=label, label_en=label_en, focus_area=focus_area, sensitive=sensitive
        )


@transaction.atomic
def _save_category(
    *, code: str, label: str, label_en: str, focus_area: FocusArea | None, sensitive: bool
) -> IncidentCategory:
    category, _ = IncidentCategory.objects.update_or_create(
        code=code,
        defaults={
            "label": label,
            "label_en": label_en,
            "focus_area": focus_area,
            "sensitive": sensitive or bool(focus_area and focus_area.sensitive),
        },
    )
    return category


@transaction.atomic
def load_municipality_from_nyko(
    path: Path,
    *,
    kommunkod: str,
    name: str,
    districts: tuple[tuple[str, str, str], ...] = VASBY_DISTRICTS,
) -> Municipality:
    """Load a municipality, its NYKO areas and districts from a NYKO polygon file; idempotent.

    The municipality's boundary is the union of its NYKO areas; each district is the union of the
    NYKO areas whose code starts with the district's prefix. Two polygons sharing a NYKO code are
    one statistical area.
    """
    layer = DataSource(str(path))[0]
    by_code: dict[str, list[MultiPolygon]] = defaultdict(list)
    names: dict[str, str] = {}
    for feature in layer:
        code = str(feature.get("nyko_kod"))
        by_code[code].append(as_multipolygon(feature.geom.geos))
        names[code] = str(feature.get("namn"))
    areas = {code: _union(parts) for code, parts in by_code.items()}
    boundary = _union(list(areas.values()))

    municipality, _ = Municipality.objects.update_or_create(
        kommunkod=kommunkod, defaults={"name": name, "boundary": boundary}
    )
    district_by_prefix: dict[str, District] = {}
    for code, district_name, prefix in districts:
        parts = [geom for nyko, geom in areas.items() if nyko.startswith(prefix)]
        if not parts:
            continue
        district, _ = District.objects.update_or_create(
            municipality=municipality,
            code=code,
            defaults={"name": district_name, "nyko_prefix": prefix, "area": _union(parts)},
        )
        district_by_prefix[prefix] = district
    for code, geom in sorted(areas.items()):
        StatisticalArea.objects.update_or_create(
            municipality=municipality,
            code=code,
            defaults={
                "name": names[code],
                "area": geom,
                "district": district_by_prefix.get(code[:1]),
            },
        )
    return municipality


def _union(parts: Sequence[GEOSGeometry]) -> MultiPolygon:
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.union(part)
    return as_multipolygon(merged)
