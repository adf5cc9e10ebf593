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

from geo.crs import STORAGE_SRID
from layers import audit, uploads
from layers.geometry import to_shapely
from layers.importers import pgcopy, readers, rows
from layers.importers.mapping import Mapping
from layers.importers.police import open_police_json
from layers.importers.profiles import POLICE, Profile
from layers.models import AuditEvent, ImportBatch, Incident, IncidentCategory, Municipality
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
    description text
) ON COMMIT DROP
"""
STAGING_COLUMNS = "rownum, ref, ok, category_id, location, occurred_from, occurred_to, description"

# Rows that share a reference in the file get "#2", "#3" … in file order; rejected rows count too, so
# the numbering is the same when the file is imported again after its bad rows were fixed.
INSERT_SQL = """
INSERT INTO layers_incident (
    municipality_id, category_id, source, source_ref, precision, location,
    occurred_from, occurred_to, description, import_batch_id, generated
)
SELECT %(municipality)s, category_id, %(source)s, source_ref, %(precision)s, location,
       occurred_from, occurred_to, coalesce(description, ''), %(batch)s, false
FROM (
    SELECT s.*,
           (CASE WHEN %(hashed)s THEN 'md5:' || md5(s.ref) ELSE s.ref END)
           || CASE WHEN row_number() OVER w > 1 THEN '#' || row_number() OVER w ELSE '' END
           AS source_ref
    FROM import_staging AS s
    WHERE s.ref IS NOT NULL
    WINDOW w AS (PARTITION BY s.ref COLLATE "C" ORDER BY s.rownum)
) AS numbered
WHERE ok
ON CONFLICT ON CONSTRAINT incident_unique_source_ref DO NOTHING
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
) -> ImportBatch:
    """Import the incidents of ``path`` as one batch; see the module docstring.

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
            if fmt != uploads.GEOJSON:
                raise UploadRejected(
                    _("%(name)s: polisens händelser läses som JSON, filen är %(fmt)s")
                    % {"name": name, "fmt": fmt},
                    status=415,
                )
            opened = open_police_json(path, municipality, name=name)
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
                if strict and report.rejected:
                    batch.pk = (
                        None  # the report of a batch that is rolled back with everything else
                    )
                    _fill(
                        batch,
                        report,
                        opened,
                        mapping,
                        strict,
                        stored=0,
                        categories={},
                        started=started,
                    )
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
                    },
                )
                stored = max(cursor.rowcount, 0)
                cursor.execute(CATEGORY_COUNTS_SQL, {"batch": batch.pk})
                categories = {code: int(count) for code, count in cursor.fetchall()}
            _fill(
                batch,
                report,
                opened,
                mapping,
                strict,
                stored=stored,
                categories=categories,
                started=started,
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
        self.stored_as_default: Counter[str] = Counter()

    def add(self, checked: rows.Checked) -> None:
        self.read += len(checked.ok)
        self.unknown_categories.update(checked.unknown_categories)
        self.stored_as_default.update(checked.stored_as_default)
        rejected = checked.rejected()
        self.rejected += len(rejected)
        for row, ref, message, values in rejected:
            self.reasons[message] += 1
            if len(self.rows) < MAX_REPORTED_REJECTIONS:
                entry: dict[str, Any] = {"row": row, "ref": ref, "reason": message}
                if values:
                    entry["values"] = values
                self.rows.append(entry)


def _fill(
    batch: ImportBatch,
    report: _Report,
    opened: readers.Opened,
    mapping: Mapping,
    strict: bool,
    *,
    stored: int,
    categories: dict[str, int],
    started: float,
) -> ImportBatch:
    batch.rows_read = report.read
    batch.rows_stored = stored
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
            "already_present": report.read - report.rejected - stored,
            "reasons": dict(report.reasons.most_common()),
            "unknown_categories": dict(report.unknown_categories.most_common()),
            "stored_as_default": dict(report.stored_as_default.most_common()),
            "categories": categories,
            "rejected_truncated": report.rejected > len(report.rows),
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    return batch


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
