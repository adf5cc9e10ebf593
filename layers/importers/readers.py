"""Open an incident file and hand it over in chunks of raw text columns, whatever its format.

Every file has passed ``layers.uploads`` (``sniff``, ``check_name_matches``, ``extract_zip``, ``gdal_path``)
before a parser sees it. CSV is read by pandas' C parser in chunks (memory stays bounded however long the
file is), with the encoding (UTF-8 or Windows-1252) and the delimiter told from the content. GeoJSON,
GeoPackage, FlatGeobuf and zipped Shapefiles are read through GDAL (OGR) feature by feature. The police's
JSON has a reader of its own (layers/importers/police.py).

Row numbers are the ones a user finds in the file: in a CSV the header is row 1 and the first data row is
row 2 (as a spreadsheet shows it); in a GeoPackage or GeoJSON the first feature is row 1.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from django.contrib.gis.gdal import DataSource, GDALException, OGRGeomType
from django.contrib.gis.gdal.layer import Layer
from django.contrib.gis.gdal.prototypes import ds as capi_ds
from django.contrib.gis.gdal.prototypes import geom as capi_geom
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from numpy.typing import NDArray

from layers import uploads
from layers.importers.mapping import Mapping
from layers.uploads import UploadRejected

CHUNK_ROWS = 100_000
VECTOR_CHUNK_ROWS = 50_000
DELIMITERS = (";", ",", "\t", "|")
VECTOR_FORMATS = {uploads.GEOJSON, uploads.GPKG, uploads.FLATGEOBUF}
OGR_DRIVERS = {"GeoJSON", "GPKG", "FlatGeobuf", "ESRI Shapefile"}

# Reasons a feature's geometry is not a point (Swedish message ids, rendered in the report).
GEOMETRY_MISSING = gettext_noop("geometri saknas")
GEOMETRY_NOT_POINT = gettext_noop("geometrin är en %(type)s, inte en punkt")


@dataclass
class Chunk:
    """Rows ``first_row`` … of a file as text columns, plus the point geometry when the format has one."""

    first_row: int
    frame: pd.DataFrame
    done: int  # bytes or features read so far, for the progress bar
    geom_x: NDArray[np.float64] | None = None
    geom_y: NDArray[np.float64] | None = None
    # None when the geometry is a point; otherwise (message id, values) for the rejection report
    geom_problem: list[tuple[str, dict[str, Any]] | None] | None = None

    @property
    def rows(self) -> NDArray[np.int64]:
        return np.arange(self.first_row, self.first_row + len(self.frame), dtype=np.int64)


@dataclass
class Opened:
    """An opened file: what it is, how it was read, and its chunks."""

    fmt: str
    name: str
    columns: list[str]
    total: int  # bytes (CSV) or features (vector)
    chunks: Iterator[Chunk]
    srid: int | None = None  # the CRS the file declares for its geometry
    details: dict[str, Any] = field(default_factory=dict)


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` or ``utf-8`` when the whole file decodes as UTF-8, else ``cp1252`` (Windows-1252).

    The whole file is checked, not a sample: an export often has its first å on row 40,000.
    """
    with path.open("rb") as f:
        head = f.read(3)
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := f.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"
        f.seek(0)
        windows = codecs.getincrementaldecoder("cp1252")()
        try:
            while block := f.read(1 << 20):
                windows.decode(block)
        except UnicodeDecodeError as e:
            raise UploadRejected(
                _("%(name)s: filen är varken UTF-8 eller Windows-1252") % {"name": path.name}
            ) from e
    return "cp1252"


def detect_delimiter(header_line: str, name: str) -> str:
    """The delimiter that splits the header line into the most columns (outside quotes).

    >>> detect_delimiter('Ärendenr;Händelsetyp;"Från; tid";E;N', "x.csv")
    ';'
    >>> detect_delimiter("incident_no,offense_date,offense", "x.csv")
    ','
    """
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best] == 0:
        raise UploadRejected(
            _("%(name)s: rubrikraden har bara en kolumn; avgränsaren (; , tabb |) hittades inte")
            % {"name": name}
        )
    return best


class _CountingRaw(io.RawIOBase):
    """A binary file that counts the bytes read, for the progress bar."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._f.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


def open_csv(path: Path, mapping: Mapping, *, name: str) -> Opened:
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as f:
        header_line = f.readline().rstrip("\r\n")
    if not header_line.strip():
        raise UploadRejected(_("%(name)s: första raden (rubrikraden) är tom") % {"name": name})
    delimiter = detect_delimiter(header_line, name)
    try:
        columns = list(
            pd.read_csv(path, sep=delimiter, encoding=encoding, nrows=0, dtype=str).columns
        )
    except (pd.errors.ParserError, ValueError) as e:
        raise UploadRejected(
            _("%(name)s: rubrikraden kan inte läsas (%(error)s)") % {"name": name, "error": e}
        ) from e
    columns = [str(c).strip() for c in columns]
    _check_columns(mapping, columns, name)
    total = path.stat().st_size

    used = set(mapping.columns())

    def chunks() -> Iterator[Chunk]:
        with path.open("rb") as raw:
            counter = _CountingRaw(raw)
            text = io.TextIOWrapper(io.BufferedReader(counter), encoding=encoding, newline="")
            reader = pd.read_csv(
                text,
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                chunksize=CHUNK_ROWS,
                engine="c",
            )
            first_row = 2
            try:
                # Every column is parsed (no usecols): only then does pandas notice a row with more
                # fields than the header, whose columns can no longer be trusted.
                for frame in reader:
                    frame.columns = [str(c).strip() for c in frame.columns]
                    frame = frame[[c for c in frame.columns if c in used]]
                    yield Chunk(first_row=first_row, frame=frame, done=counter.count)
                    first_row += len(frame)
            except pd.errors.ParserError as e:
                raise UploadRejected(_parser_message(str(e), name, first_row)) from e

    return Opened(
        fmt=uploads.CSV,
        name=name,
        columns=columns,
        total=total,
        chunks=chunks(),
        details={"encoding": encoding, "delimiter": delimiter},
    )


def _parser_message(error: str, name: str, first_row: int) -> str:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error)
    if fields:
        expected, line, saw = fields.groups()
        return _(
            "%(name)s, rad %(row)s: %(saw)s fält men rubrikraden har %(expected)s; filen läses inte "
            "(kolumnerna går inte att para ihop)"
        ) % {"name": name, "row": line, "saw": saw, "expected": expected}
    quote = re.search(r"EOF inside string starting at row (\d+)", error)
    if quote:
        return _('%(name)s, rad %(row)s: ett citattecken (") avslutas aldrig; filen läses inte') % {
            "name": name,
            "row": int(quote.group(1)) + 1,
        }
    return _("%(name)s, från rad %(row)s: filen kan inte läsas som CSV (%(error)s)") % {
        "name": name,
        "row": first_row,
        "error": error,
    }


def _check_columns(mapping: Mapping, columns: list[str], name: str) -> None:
    wanted = mapping.columns()
    if not mapping.placed:
        wanted = [c for c in wanted if c not in (mapping.x, mapping.y, mapping.srid_column)]
    missing = [c for c in wanted if c not in columns and c not in mapping.optional_columns]
    if missing:
        raise UploadRejected(
            _("%(name)s: kolumnen %(missing)s finns inte i filen (kolumner: %(columns)s)")
            % {"name": name, "missing": ", ".join(missing), "columns": ", ".join(columns)}
        )


def open_vector(path: Path, mapping: Mapping, *, name: str) -> Opened:
    """A GeoJSON, GeoPackage, FlatGeobuf or Shapefile layer through GDAL (an allow-list of drivers)."""
    try:
        source = DataSource(uploads.gdal_path(path))
    except GDALException as e:
        raise UploadRejected(
            _("%(name)s: GDAL kan inte öppna filen (%(error)s)") % {"name": name, "error": e}
        ) from e
    if source.driver.name not in OGR_DRIVERS:
        raise UploadRejected(
            _("%(name)s: formatet %(driver)s läses inte")
            % {"name": name, "driver": source.driver.name}
        )
    layer = _choose_layer(source, mapping, name)
    columns = [str(c) for c in layer.fields]
    _check_columns(
        mapping if mapping.has_coordinate_columns else _without_xy(mapping), columns, name
    )
    srid = _layer_srid(layer)
    total = len(layer)

    def chunks() -> Iterator[Chunk]:
        # Field values and point coordinates are read with GDAL's C functions directly: Django's Feature
        # and Field objects cost ~100 µs per feature, these ~10 µs.
        wanted = [(c, columns.index(c)) for c in mapping.columns() if c in columns]
        values: dict[str, list[str]] = {c: [] for c, _i in wanted}
        xs: list[float] = []
        ys: list[float] = []
        problems: list[tuple[str, dict[str, Any]] | None] = []
        first_row = 1
        done = 0
        for feature in layer:
            done += 1
            pointer = feature.ptr
            for column, index in wanted:
                raw = capi_ds.get_field_as_string(pointer, index)
                values[column].append(raw.decode("utf-8", "replace") if raw else "")
            x, y, problem = _point(pointer)
            xs.append(x)
            ys.append(y)
            problems.append(problem)
            if len(xs) >= VECTOR_CHUNK_ROWS:
                yield _vector_chunk(first_row, values, xs, ys, problems, done)
                first_row += len(xs)
                values = {c: [] for c, _i in wanted}
                xs, ys, problems = [], [], []
        if xs:
            yield _vector_chunk(first_row, values, xs, ys, problems, done)

    return Opened(
        fmt=_vector_format(source.driver.name),
        name=name,
        columns=columns,
        total=total,
        chunks=chunks(),
        srid=srid,
        details={"layer": layer.name, "layer_srid": srid},
    )


def _vector_format(driver: str) -> str:
    return {
        "GeoJSON": uploads.GEOJSON,
        "GPKG": uploads.GPKG,
        "FlatGeobuf": uploads.FLATGEOBUF,
    }.get(driver, "shp")


def _without_xy(mapping: Mapping) -> Mapping:
    from dataclasses import replace

    return replace(mapping, x="", y="")


def _choose_layer(source: DataSource, mapping: Mapping, name: str) -> Layer:
    layers = [source[i] for i in range(source.layer_count)]
    if not layers:
        raise UploadRejected(_("%(name)s: filen har inga lager") % {"name": name})
    if mapping.layer:
        for layer in layers:
            if layer.name == mapping.layer:
                return layer
        raise UploadRejected(
            _("%(name)s: lagret %(layer)s finns inte (lager: %(layers)s)")
            % {
                "name": name,
                "layer": mapping.layer,
                "layers": ", ".join(str(lyr.name) for lyr in layers),
            }
        )
    for layer in layers:
        if layer.geom_type.name in ("Point", "MultiPoint", "Point25D", "MultiPoint25D"):
            return layer
    return layers[0]


def _layer_srid(layer: Layer) -> int | None:
    srs = layer.srs
    if srs is None:
        return None
    srid = srs.srid
    if srid is None:
        try:
            srs.identify_epsg()
            srid = srs.srid
        except GDALException:
            return None
    if srid is None and srs.name in ("WGS 84", "WGS 84 (CRS84)"):
        return 4326
    return int(srid) if srid is not None else None


def _point(feature: Any) -> tuple[float, float, tuple[str, dict[str, Any]] | None]:
    """The point of a feature (a pointer to an OGR feature): (x, y, None), or NaNs and the problem."""
    nan = float("nan")
    try:
        geom = capi_ds.get_feat_geom_ref(feature)  # a reference owned by the feature: no copy
    except GDALException:  # no geometry
        return nan, nan, (GEOMETRY_MISSING, {})
    if capi_geom.is_empty(geom):
        return nan, nan, (GEOMETRY_MISSING, {})
    name = str(capi_geom.get_geom_name(geom) or "").upper()  # Django decodes it (ascii)
    if name == "POINT":
        return capi_geom.getx(geom, 0), capi_geom.gety(geom, 0), None
    if name == "MULTIPOINT" and capi_geom.get_geom_count(geom) == 1:
        part = capi_geom.get_geom_ref(geom, 0)
        return capi_geom.getx(part, 0), capi_geom.gety(part, 0), None
    try:
        kind = OGRGeomType(name.lower()).name
    except GDALException:
        kind = name
    return nan, nan, (GEOMETRY_NOT_POINT, {"type": kind})


def _vector_chunk(
    first_row: int,
    values: dict[str, list[str]],
    xs: list[float],
    ys: list[float],
    problems: list[tuple[str, dict[str, Any]] | None],
    done: int,
) -> Chunk:
    frame = pd.DataFrame(values, dtype=object) if values else pd.DataFrame(index=range(len(xs)))
    return Chunk(
        first_row=first_row,
        frame=frame,
        done=done,
        geom_x=np.asarray(xs, dtype=np.float64),
        geom_y=np.asarray(ys, dtype=np.float64),
        geom_problem=problems,
    )


def open_file(path: Path, mapping: Mapping, *, name: str, fmt: str) -> Opened:
    """Open ``path`` (already sniffed as ``fmt``) for the table reader."""
    if fmt == uploads.CSV:
        return open_csv(path, mapping, name=name)
    if fmt in VECTOR_FORMATS or fmt == "shp":
        return open_vector(path, mapping, name=name)
    raise UploadRejected(
        _(
            "%(name)s: händelser läses från CSV, GeoJSON, GeoPackage, FlatGeobuf eller zippad Shapefile"
        )
        % {"name": name},
        status=415,
    )
