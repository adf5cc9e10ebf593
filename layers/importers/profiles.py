"""Import profiles: a name, a column mapping and a way of reading the file.

Two profiles are built in (docs/decisions/0203): the Swedish Police's open events (JSON, kept as
municipality-level counts, docs/decisions/0004) and the export of a municipal incident reporting system
(CSV). Analysts save their own as ``layers.ImportProfile`` rows, one set per municipality.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from layers import reference
from layers.importers.mapping import Mapping, MappingError
from layers.models import ImportProfile, Municipality

TABLE = "table"  # CSV, GeoJSON or GeoPackage, read column by column
POLICE = "polisen"  # the police feed's JSON (a list of events or a FeatureCollection)


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    mapping: Mapping
    reader: str = TABLE
    description: str = ""
    builtin: bool = True


POLICE_PROFILE = Profile(
    name="polisen_handelser_json",
    label=gettext_noop("Polisens händelser (JSON eller CSV)"),
    description=gettext_noop(
        "Polisens öppna händelser, som JSON från flödet eller som CSV med flödets fält (event_id, "
        "datetime, name, summary, type, location_name, kommun_kod). Positionen är kommunens mitt, "
        "inte platsen: händelserna sparas som antal för kommunen, aldrig som punkter."
    ),
    reader=POLICE,
    mapping=Mapping(
        source="polisen",
        id=("id",),
        time="time",
        category="type",
        categories=dict(reference.POLICE_TYPE_TO_CATEGORY),
        unknown_category="ovrigt",
        description=("summary",),
        municipality_column="kommun_kod",
        precision="kommun",
    ),
)

MUNICIPAL_PROFILE = Profile(
    name="kommun_incidentrapport",
    label=gettext_noop("Kommunens incidentrapportering (CSV-export)"),
    description=gettext_noop(
        "Export från kommunens system för incidentrapportering: semikolon, UTF-8 eller "
        "Windows-1252, koordinater i SWEREF 99 TM (E, N). Fritexten importeras inte."
    ),
    mapping=Mapping(
        source="kommun_incidentrapport",
        id=("Ärendenr",),
        time="Från",
        to="Till",
        x="E",
        y="N",
        srid=3006,
        category="Händelsetyp",
        categories=dict(reference.MUNICIPAL_TYPE_TO_CATEGORY),
        description=("Platstyp",),
        municipality_column="Kommunkod",
        cost="Kostnad",
        victims="Antal drabbade",
    ),
)

BUILTIN: dict[str, Profile] = {p.name: p for p in (POLICE_PROFILE, MUNICIPAL_PROFILE)}


def from_model(row: ImportProfile) -> Profile:
    """A saved profile as a ``Profile``; raises ``MappingError`` when its stored mapping is broken."""
    data = dict(row.column_mapping or {})
    if row.category_mapping:
        data["categories"] = {**dict(data.get("categories") or {}), **row.category_mapping}
    return Profile(
        name=row.name,
        label=row.label,
        description=row.description,
        mapping=Mapping.from_dict(data),
        builtin=False,
    )


def resolve(name: str, municipality: Municipality) -> Profile:
    """The municipality's saved profile called ``name``, or the built-in one."""
    row = ImportProfile.objects.filter(municipality=municipality, name=name).first()
    if row is not None:
        return from_model(row)
    if name in BUILTIN:
        return BUILTIN[name]
    known = sorted(
        {
            *BUILTIN,
            *ImportProfile.objects.filter(municipality=municipality).values_list("name", flat=True),
        }
    )
    raise MappingError(
        _("okänd importprofil %(name)s (finns: %(known)s)")
        % {"name": name, "known": ", ".join(known)}
    )


def available(municipality: Municipality | None) -> list[Profile]:
    """The built-in profiles first, then the municipality's saved ones (those that still read)."""
    out = list(BUILTIN.values())
    if municipality is None:
        return out
    for row in ImportProfile.objects.filter(municipality=municipality).order_by("label"):
        try:
            out.append(from_model(row))
        except MappingError:
            continue
    return out


def save_profile(
    municipality: Municipality,
    *,
    name: str,
    label: str,
    mapping: Mapping,
    description: str = "",
    user: object = None,
) -> ImportProfile:
    """Save ``mapping`` as the municipality's profile ``name`` (a built-in name is refused)."""
    if name in BUILTIN:
        raise MappingError(_("namnet %(name)s används av en inbyggd profil") % {"name": name})
    column_mapping = mapping.to_dict()
    categories = column_mapping.pop("categories", {})
    row, _created = ImportProfile.objects.update_or_create(
        municipality=municipality,
        name=name,
        defaults={
            "label": label or name,
            "description": description,
            "column_mapping": column_mapping,
            "category_mapping": categories,
            "created_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    return row
