"""Import incidents from a file in bulk: one batch, whole or not at all, with a reason for every rejected row.

The path of a file (docs/decisions/0200-bulk-import-pipeline.md):

1. ``layers.uploads`` tells the format from the content (a zip is unpacked safely first);
2. a reader (``readers``, or ``police`` for the police's JSON) hands over chunks of text columns;
3. ``rows.check_chunk`` checks each chunk with numpy/pandas and transforms the places to SWEREF 99 TM;
4. every row, passed or rejected, goes by binary ``COPY`` into a temporary staging table;
5. one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` moves the passed rows into ``layers_incident``,
   giving rows that share an id within the file a ``#2``, ``#3`` … by their order
   (docs/decisions/0201-source-reference.md). A row already stored from an earlier import is left as
   it is, so importing the same file again changes nothing.

All of it runs in one transaction: a broken file, an error or ``strict`` with a rejected row leave no trace.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core import numbers
from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers import audit, uploads
from layers.geometry import to_shapely
from layers.importers import pgcopy, readers, rows
from layers.importers.mapping import Mapping
from layers.importers.police import open_police_csv, open_police_json
from layers.importers.profiles import POLICE, Profile
from layers.models import (
    AuditEvent,
    District,
    ImportBatch,
    Incident,
    IncidentCategory,
    Municipality,
    StatisticalArea,
)
from layers.uploads import UploadRejected

MAX_REPORTED_REJECTIONS = (
    10_000  # rows kept with their reason in the batch; the count is always exact
)

ProgressFn = Callable[
    [str, int, int], None
]  # (stage, done, total): "read" in bytes or rows, "store"

STAGING_DDL = """
CREATE TEMP TABLE import_staging (
    rownum bigint NOT NULL,
    ref text,
    ok boolean NOT NULL,
    category_id bigint,
    location geometry(Point, 3006),
    occurred_from timestamptz,
    occurred_to timestamptz,
    description text,
    defaulted text,
    cost float8,
    victims float8,
    pile boolean NOT NULL DEFAULT false
) ON COMMIT DROP
"""
STAGING_COLUMNS = (
    "rownum, ref, ok, category_id, location, occurred_from, occurred_to, description, defaulted, "
    "cost, victims"
)

# Piles: points no address plausibly has (docs/decisions/0684). A geocoder that cannot place an
# address falls back to the centre of the municipality, a district or a NYKO area, or to one fixed
# point (the police's open events all sit on one point per municipality). A real busy address (a
# shopping centre, a school) holds many rows too, but not a large share of a whole file.
PILE_MIN_ROWS = 25  # at one coordinate (to the metre), and
PILE_MIN_SHARE = 0.10  # at least this share of the file's rows that passed the checks
CENTRE_MIN_ROWS = 3  # at one coordinate this close to the centre of an area
CENTRE_RADIUS_M = 25.0
PILE_CANDIDATES_SQL = """
SELECT round(ST_X(location))::float8 AS x, round(ST_Y(location))::float8 AS y, count(*) AS n,
       avg(ST_X(location)) AS mean_x, avg(ST_Y(location)) AS mean_y
FROM import_staging
WHERE ok AND location IS NOT NULL
GROUP BY 1, 2
HAVING count(*) >= %(min_rows)s
ORDER BY 3 DESC
"""
MARK_PILES_SQL = """
UPDATE import_staging SET pile = true
WHERE ok AND (round(ST_X(location))::float8, round(ST_Y(location))::float8) IN (
    SELECT x, y FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) AS p(x, y)
)
"""

# Rows that share a reference in the file get "#2", "#3" … in file order; rejected rows count too, so
# the numbering is the same when the file is imported again after its bad rows were fixed. A row on a
# pile is stored as a count for the municipality (no place) unless the analyst kept the piles.
# The SELECT gives each stored row's outcome, so the report counts what was stored, row by row.
INSERT_SQL = """
WITH numbered AS (
    SELECT s.*,
           (CASE WHEN %(hashed)s THEN 'md5:' || md5(s.ref) ELSE s.ref END)
           || CASE WHEN row_number() OVER w > 1 THEN '#' || row_number() OVER w ELSE '' END
           AS source_ref,
           s.pile AND NOT %(keep_piles)s AS as_area
    FROM import_staging AS s
    WHERE s.ref IS NOT NULL
    WINDOW w AS (PARTITION BY s.ref COLLATE "C" ORDER BY s.rownum)
), inserted AS (
    INSERT INTO layers_incident (
        municipality_id, category_id, source, source_ref, precision, location,
        occurred_from, occurred_to, description, import_batch_id, generated, cost, victims
    )
    SELECT %(municipality)s, category_id, %(source)s, source_ref,
           CASE WHEN as_area THEN 'kommun' ELSE %(precision)s END,
           CASE WHEN as_area THEN NULL ELSE location END,
           occurred_from, occurred_to, coalesce(description, ''), %(batch)s, false,
           round(cost::numeric, 2), victims::integer
    FROM numbered
    WHERE ok
    ON CONFLICT ON CONSTRAINT incident_unique_source_ref DO NOTHING
    RETURNING source_ref
)
SELECT n.as_area, n.defaulted, count(*)
FROM numbered AS n JOIN inserted AS i ON i.source_ref = n.source_ref
GROUP BY 1, 2
"""

CATEGORY_COUNTS_SQL = """
SELECT c.code, count(*)
FROM layers_incident AS i JOIN layers_incidentcategory AS c ON c.id = i.category_id
WHERE i.import_batch_id = %(batch)s
GROUP BY c.code
ORDER BY count(*) DESC, c.code
"""


class StrictImportFailed(Exception):
    """``strict`` and at least one rejected row: nothing was stored. ``report`` is an unsaved batch."""

    def __init__(self, report: ImportBatch) -> None:
        super().__init__(
            _("strikt läge: %(n)s rader avvisades, ingenting sparades")
            % {"n": report.rows_rejected}
        )
        self.report = report


class UndoRefused(ValueError):
    """The batch cannot be undone (already undone, or not an incident import)."""


def import_incidents(
    path: Path,
    *,
    municipality: Municipality,
    profile: Profile,
    strict: bool = False,
    user: User | AnonymousUser | None = None,
    original_name: str | None = None,
    progress: ProgressFn | None = None,
    keep_piles: bool = False,
) -> ImportBatch:
    """Import the incidents of ``path`` as one batch; see the module docstring.

    Rows on a pile (``find_piles``) are stored as counts for the municipality, without a place, unless
    ``keep_piles``: the analyst has checked that the places are real; that choice is audited.

    Raises ``UploadRejected`` (with an HTTP status) for a file that cannot be read at all, and
    ``StrictImportFailed`` when ``strict`` and a row was rejected.
    """
    started = time.perf_counter()
    name = original_name or path.name
    fmt = uploads.sniff(path)
    uploads.check_name_matches(path, fmt, name)
    with uploads.workspace() as work:
        if fmt == uploads.ZIP:
            path, fmt = _from_zip(path, work, name)
        sha256 = _sha256(path)
        mapping = profile.mapping
        if profile.reader == POLICE:
            if fmt == uploads.GEOJSON:
                opened = open_police_json(path, municipality, name=name)
            elif fmt == uploads.CSV:
                opened = open_police_csv(path, municipality, name=name)
            else:
                raise UploadRejected(
                    _("%(name)s: polisens händelser läses som JSON eller CSV, filen är %(fmt)s")
                    % {"name": name, "fmt": fmt},
                    status=415,
                )
        else:
            opened = readers.open_file(path, mapping, name=name, fmt=fmt)
        ctx = _context(mapping, municipality, opened, name)
        real_user = user if isinstance(user, User) else None
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                municipality=municipality,
                kind=ImportBatch.Kind.INCIDENTS,
                created_by=real_user,
                filename=name[:500],
                file_sha256=sha256,
                profile=profile.name,
            )
            with connection.cursor() as cursor:
                report = _stage(cursor, opened, ctx, name, progress)
                piles = find_piles(cursor, municipality, report) if mapping.placed else []
                if strict and report.rejected:
                    batch.pk = (
                        None  # the report of a batch that is rolled back with everything else
                    )
                    _fill(batch, report, opened, mapping, strict, _Outcomes(), {}, piles, started)
                    raise StrictImportFailed(batch)
                if progress:
                    progress("store", 0, 1)
                staged = time.perf_counter()
                cursor.execute(
                    INSERT_SQL,
                    {
                        "municipality": municipality.pk,
                        "source": mapping.source,
                        "precision": mapping.precision,
                        "batch": batch.pk,
                        "hashed": not mapping.id,
                        "keep_piles": keep_piles,
                    },
                )
                outcomes = _Outcomes.from_rows(cursor.fetchall())
                cursor.execute(CATEGORY_COUNTS_SQL, {"batch": batch.pk})
                categories = {code: int(count) for code, count in cursor.fetchall()}
            for pile in piles:
                pile["kept"] = keep_piles
            _fill(batch, report, opened, mapping, strict, outcomes, categories, piles, started)
            if keep_piles and piles:
                audit.record(
                    AuditEvent.Action.IMPORT_PILES_KEPT,
                    user=user,
                    channel="import",
                    object_type="ImportBatch",
                    count=sum(int(p["rows"]) for p in piles),
                    detail={"batch": batch.pk, "filename": name, "piles": piles},
                )
            # Where the time went: reading, checking and staging the chunks; the INSERT … SELECT.
            batch.details["phases_s"] = {
                "read_check_stage": round(staged - started, 2),
                "insert": round(time.perf_counter() - staged, 2),
            }
            batch.save()
        if progress:
            progress("done", 1, 1)
        return batch


def _stage(
    cursor: Any, opened: readers.Opened, ctx: rows.Context, name: str, progress: ProgressFn | None
) -> _Report:
    """Check every chunk and COPY all its rows into a new staging table; the counts and reasons."""
    max_rows = uploads.Limits.from_settings().max_features
    cursor.execute(
        "DROP TABLE IF EXISTS import_staging"
    )  # left by an earlier import in this transaction
    cursor.execute(STAGING_DDL)
    report = _Report()
    for chunk in opened.chunks:
        checked = rows.check_chunk(chunk, ctx)
        report.add(checked)
        if report.read > max_rows:
            raise UploadRejected(
                _("%(name)s: fler än %(max)s rader") % {"name": name, "max": max_rows}
            )
        _copy(cursor, checked, ctx.mapping)
        if progress:
            progress("read", chunk.done, opened.total)
    if report.read == 0:
        raise UploadRejected(_("%(name)s: filen har inga rader") % {"name": name})
    return report


class _Report:
    """What the chunks found, accumulated: counts exact, rejected rows kept up to a cap."""

    def __init__(self) -> None:
        self.read = 0
        self.rejected = 0
        self.rows: list[dict[str, Any]] = []
        self.reasons: Counter[str] = Counter()
        self.unknown_categories: Counter[str] = Counter()

    def add(self, checked: rows.Checked) -> None:
        self.read += len(checked.ok)
        self.unknown_categories.update(checked.unknown_categories)
        rejected = checked.rejected()
        self.rejected += len(rejected)
        for row, ref, message, values in rejected:
            self.reasons[message] += 1
            if len(self.rows) < MAX_REPORTED_REJECTIONS:
                entry: dict[str, Any] = {"row": row, "ref": ref, "reason": message}
                if values:
                    entry["values"] = values
                self.rows.append(entry)


class _Outcomes:
    """What the INSERT did with the rows that passed: stored as mapped, stored as counts for the
    municipality (a pile), and, per source value, stored under the profile's default category."""

    def __init__(self) -> None:
        self.stored = 0
        self.as_area = 0
        self.defaulted: Counter[str] = Counter()

    @classmethod
    def from_rows(cls, rows: list[tuple[bool, str | None, int]]) -> _Outcomes:
        out = cls()
        for as_area, defaulted, count in rows:
            out.stored += int(count)
            if as_area:
                out.as_area += int(count)
            if defaulted is not None:
                out.defaulted[defaulted] += int(count)
        return out


def _fill(
    batch: ImportBatch,
    report: _Report,
    opened: readers.Opened,
    mapping: Mapping,
    strict: bool,
    outcomes: _Outcomes,
    categories: dict[str, int],
    piles: list[dict[str, Any]],
    started: float,
) -> ImportBatch:
    """The batch's counts and details. Every row read has exactly one outcome (``outcomes``):
    stored as mapped, stored as a count for the municipality, already there, or rejected."""
    already = report.read - report.rejected - outcomes.stored
    batch.rows_read = report.read
    batch.rows_stored = outcomes.stored
    batch.rows_rejected = report.rejected
    batch.rejected = without_nul(report.rows)
    batch.details = without_nul(
        {
            "format": opened.fmt,
            **opened.details,
            "source": mapping.source,
            "precision": mapping.precision,
            "mapping": mapping.to_dict(),
            "strict": strict,
            "outcomes": {
                "stored": outcomes.stored - outcomes.as_area,
                "stored_as_area_counts": outcomes.as_area,
                "already_present": already,
                "rejected": report.rejected,
            },
            "already_present": already,
            "reasons": dict(report.reasons.most_common()),
            "unknown_categories": dict(report.unknown_categories.most_common()),
            "stored_as_default": dict(outcomes.defaulted.most_common()),
            "piles": piles,
            "categories": categories,
            "rejected_truncated": report.rejected > len(report.rows),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    return batch


def area_centres(municipality: Municipality) -> list[tuple[float, float, str]]:
    """The centroid and the point on surface of the municipality, its districts and NYKO areas:
    where a geocoder puts an address it cannot find (x, y in SWEREF 99 TM, and the area's name)."""
    out: list[tuple[float, float, str]] = []
    areas: list[tuple[str, Any]] = [(municipality.name, municipality.boundary)]
    areas += [(d.name, d.area) for d in District.objects.filter(municipality=municipality)]
    areas += [
        (f"{a.name} ({a.code})", a.area)
        for a in StatisticalArea.objects.filter(municipality=municipality)
    ]
    for name, geom in areas:
        shape = to_shapely(geom)
        for point in (shape.centroid, shape.representative_point()):
            out.append((float(point.x), float(point.y), name))
    return out


def find_piles(cursor: Any, municipality: Municipality, report: _Report) -> list[dict[str, Any]]:
    """The coordinates of the staged rows no address plausibly has, marked in the staging table.

    A coordinate (to the metre) is a pile when it holds at least ``PILE_MIN_ROWS`` rows and
    ``PILE_MIN_SHARE`` of the rows that passed, or at least ``CENTRE_MIN_ROWS`` rows within
    ``CENTRE_RADIUS_M`` of the centre of the municipality, a district or a NYKO area.
    """
    passed = report.read - report.rejected
    cursor.execute(PILE_CANDIDATES_SQL, {"min_rows": min(CENTRE_MIN_ROWS, PILE_MIN_ROWS)})
    candidates = cursor.fetchall()
    if not candidates:
        return []
    centres = area_centres(municipality)
    piles: list[dict[str, Any]] = []
    for x, y, n, mean_x, mean_y in candidates:
        near = [c for c in centres if math.hypot(c[0] - x, c[1] - y) <= CENTRE_RADIUS_M]
        if n >= PILE_MIN_ROWS and n >= PILE_MIN_SHARE * passed:
            why, area = "pile", ""
        elif near:
            why, area = "area_centre", near[0][2]
        else:
            continue
        lon, lat = transform_xy([mean_x], [mean_y], from_srid=STORAGE_SRID, to_srid=WEB_SRID)
        piles.append(
            {
                "x": x,
                "y": y,
                "lon": round(float(lon[0]), 6),
                "lat": round(float(lat[0]), 6),
                "rows": int(n),
                "share": round(int(n) / passed, 3) if passed else 0.0,
                "why": why,
                "area": area,
            }
        )
    if piles:
        cursor.execute(
            MARK_PILES_SQL, {"xs": [p["x"] for p in piles], "ys": [p["y"] for p in piles]}
        )
    return piles


def without_nul(value: Any) -> Any:
    r"""``value`` with NUL characters dropped from every string: PostgreSQL's text and jsonb cannot hold one.

    >>> without_nul([{"ref": "a\x00b", "values": {"k\x00": ["\x00"]}}])
    [{'ref': 'ab', 'values': {'k': ['']}}]
    """
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


def _copy(cursor: Any, checked: rows.Checked, mapping: Mapping) -> None:
    """Every row of the chunk into the staging table by binary COPY; rejected rows carry only their ref."""
    ok = checked.ok
    n = len(ok)
    if n == 0:
        return
    location = pgcopy.ewkb_points(np.nan_to_num(checked.x), np.nan_to_num(checked.y), STORAGE_SRID)
    fields = [
        pgcopy.int8(checked.rows),
        pgcopy.text(checked.ref),
        pgcopy.boolean(ok),
        pgcopy.int8(checked.category_id, null=~ok),
        pgcopy.Field(location.values, null=~ok | (not mapping.placed)),
        pgcopy.timestamptz(checked.occurred_from_us, null=~ok),
        pgcopy.timestamptz(checked.occurred_to_us, null=~ok | checked.occurred_to_null),
        pgcopy.text([d if good else None for d, good in zip(checked.description, ok, strict=True)]),
        pgcopy.text([d if good else None for d, good in zip(checked.defaulted, ok, strict=True)]),
        pgcopy.float8(np.nan_to_num(checked.cost), null=~ok | np.isnan(checked.cost)),
        pgcopy.float8(np.nan_to_num(checked.victims), null=~ok | np.isnan(checked.victims)),
    ]
    buffer = pgcopy.encode(fields)
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY import_staging ({STAGING_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(buffer)


def _context(
    mapping: Mapping, municipality: Municipality, opened: readers.Opened, name: str
) -> rows.Context:
    categories = list(IncidentCategory.objects.values_list("id", "code", "label"))
    by_code = {code: pk for pk, code, _label in categories}
    lookup: dict[str, int] = {}
    for pk, code, label in categories:
        lookup.setdefault(label.casefold(), pk)
        lookup[code.casefold()] = pk
    for source_value, code in mapping.categories.items():
        if code not in by_code:
            raise UploadRejected(
                _("kategorimappningen: %(value)s pekar på kategorikoden %(code)s, som inte finns")
                % {"value": source_value, "code": code}
            )
        lookup[source_value.strip().casefold()] = by_code[code]
    unknown_id = None
    if mapping.unknown_category:
        if mapping.unknown_category not in by_code:
            raise UploadRejected(
                _("okända kategorier ska bli %(code)s, men den kategorikoden finns inte")
                % {"code": mapping.unknown_category}
            )
        unknown_id = by_code[mapping.unknown_category]
    boundary = None
    if mapping.placed:
        boundary = to_shapely(municipality.boundary)
        _check_srid(mapping, opened, name)
    return rows.Context(
        mapping=mapping,
        kommunkod=municipality.kommunkod,
        category_ids=lookup,
        unknown_category_id=unknown_id,
        boundary=boundary,
        file_srid=opened.srid,
    )


def _check_srid(mapping: Mapping, opened: readers.Opened, name: str) -> None:
    """A file-wide SRID must be known before the first row: the file's own, or the mapping's."""
    if mapping.srid_column:
        return
    if not mapping.has_coordinate_columns:
        if opened.fmt == uploads.CSV:
            raise UploadRejected(
                _("%(name)s: ange kolumnerna för x och y (eller lon och lat) i kolumnmappningen")
                % {"name": name}
            )
        srid = opened.srid or mapping.srid
    else:
        srid = mapping.srid
    if srid is None:
        raise UploadRejected(
            _(
                "%(name)s: koordinaternas SRID är okänt; ange srid (t.ex. 3006 eller 4326) i kolumnmappningen"
            )
            % {"name": name}
        )
    if rows.crs_kind(srid) is None:
        raise UploadRejected(
            _("%(name)s: okänt SRID %(srid)s (ingen EPSG-kod som PROJ känner till)")
            % {"name": name, "srid": srid}
        )


def _from_zip(path: Path, work: Path, name: str) -> tuple[Path, str]:
    """The one incident file inside a zip: a CSV, GeoJSON or GeoPackage, or a Shapefile with its parts."""
    members = uploads.extract_zip(path, work / "unpacked")
    shapefiles = [m for m in members if m.suffix.lower() == ".shp"]
    if len(shapefiles) == 1:
        return shapefiles[0], "shp"
    readable = []
    for member in members:
        fmt = uploads.sniff_bytes(member)
        if fmt in (uploads.CSV, uploads.GEOJSON, uploads.GPKG, uploads.FLATGEOBUF):
            uploads.check_name_matches(member, fmt)
            readable.append((member, fmt))
    if len(readable) != 1:
        raise UploadRejected(
            _(
                "%(name)s: arkivet ska innehålla en händelsefil (CSV, GeoJSON, GeoPackage eller Shapefile), "
                "det innehåller %(n)s"
            )
            % {"name": name, "n": len(readable)}
        )
    return readable[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@transaction.atomic
def undo_import(
    batch: ImportBatch,
    *,
    user: User | AnonymousUser | None,
    request: HttpRequest | None = None,
    channel: str = "page",
) -> int:
    """Remove every incident the batch stored, mark it undone and write it in the audit log."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.kind != ImportBatch.Kind.INCIDENTS:
        raise UndoRefused(_("bara importer av händelser kan ångras här"))
    if locked.status == ImportBatch.Status.UNDONE:
        raise UndoRefused(_("importen är redan ångrad"))
    deleted, _by_model = Incident.objects.filter(import_batch=locked).delete()
    locked.status = ImportBatch.Status.UNDONE
    locked.undone_at = timezone.now()
    locked.save(update_fields=["status", "undone_at"])
    audit.record(
        AuditEvent.Action.IMPORT_UNDONE,
        user=user,
        request=request,
        channel=channel,
        object_type="ImportBatch",
        count=deleted,
        detail={
            "batch": locked.pk,
            "filename": locked.filename,
            "profile": locked.profile,
            "rows_stored": locked.rows_stored,
        },
    )
    batch.refresh_from_db()
    return deleted


def pile_sentences(batch: ImportBatch) -> list[str]:
    """One sentence per pile of the batch, for the report page and the command (Swedish numbers)."""
    out = []
    for pile in (batch.details or {}).get("piles") or []:
        where = f"{numbers.number(pile['lat'], 5)}, {numbers.number(pile['lon'], 5)}"
        if pile.get("why") == "area_centre":
            why = _("mitt i %(area)s, dit en adress som inte hittas brukar hamna") % {
                "area": pile.get("area", "")
            }
        else:
            why = _("%(share)s av filens godkända rader, fler än en adress rimligen har") % {
                "share": numbers.percent(float(pile.get("share", 0)))
            }
        if pile.get("kept"):
            done = _("sparade som platser: analytikern har bekräftat dem")
        else:
            done = _("sparade som antal för kommunen, inte som platser")
        sentence = (
            _("%(n)s rad på samma punkt (%(where)s), %(why)s: %(done)s.")
            if int(pile["rows"]) == 1
            else _("%(n)s rader på samma punkt (%(where)s), %(why)s: %(done)s.")
        )
        out.append(
            sentence
            % {"n": numbers.number(int(pile["rows"])), "where": where, "why": why, "done": done}
        )
    return out


def render_reason(entry: dict[str, Any]) -> str:
    """A rejected row's reason in the active language (entries store the Swedish message id)."""
    message = str(entry.get("reason", ""))
    values = entry.get("values") or {}
    translated = _(message) if message else ""
    if not values:
        return translated
    try:
        return translated % values
    except (KeyError, ValueError, TypeError):
        return f"{message} {values}"
