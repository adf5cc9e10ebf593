"""Raw text rows in, incident values or a reason per row out: every check is a vectorised numpy/pandas step.

A chunk's rows are checked in this order, and a rejected row is reported with its first problem only:
municipality column, id, time, place (geometry, numbers, SRID, range, transform, municipality boundary),
category. The rules and their reasons are listed in docs/method.md ("Import av händelser").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import numpy as np
import pandas as pd
import shapely
from django.utils.translation import gettext_noop
from numpy.typing import NDArray
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError

from geo.crs import STORAGE_SRID, transform_xy
from layers.importers.mapping import TIME_PARTS, Mapping
from layers.importers.readers import Chunk

# Points this far outside the municipality's boundary are still taken: addresses are often geocoded
# to the middle of a boundary street, or a few metres off (docs/decisions/0205).
BOUNDARY_BUFFER_M = 200.0
MAX_ID_LENGTH = 100  # Incident.source_ref holds 120; room for "#n" when an id repeats in a file
MAX_DESCRIPTION_LENGTH = 2000
EARLIEST = pd.Timestamp("1900-01-01", tz="UTC")
NON_FINITE_TEXT = {
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    "infinity",
    "+infinity",
    "-infinity",
}
# A time with an offset (Z, +01, +01:00, +0100) after the clock: 2017-05-25T00:00:00Z
AWARE_TIME = r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)$"

# The reasons a row is rejected (Swedish message ids; the report renders them in the user's language).
R_OTHER_MUNICIPALITY = gettext_noop("kommunkoden %(value)s är inte %(kommunkod)s")
R_ID_MISSING = gettext_noop("id saknas (kolumn %(column)s)")
R_ID_TOO_LONG = gettext_noop("id är längre än %(max)s tecken")
R_TIME_MISSING = gettext_noop("tid saknas (kolumn %(column)s)")
R_TIME_UNREADABLE = gettext_noop(
    "tiden %(value)s kan inte läsas som datum och tid (kolumn %(column)s)"
)
R_TIME_TOO_EARLY = gettext_noop("tiden %(value)s är orimlig: före år 1900")
R_TIME_FUTURE = gettext_noop("tiden %(value)s ligger i framtiden")
R_TIME_ORDER = gettext_noop("sluttiden %(to)s är före starttiden %(from)s")
R_TO_UNREADABLE = gettext_noop(
    "sluttiden %(value)s kan inte läsas som datum och tid (kolumn %(column)s)"
)
R_COORD_MISSING = gettext_noop("koordinat saknas (kolumn %(column)s)")
R_COORD_NOT_NUMBER = gettext_noop("koordinaten %(value)s i kolumn %(column)s är inte ett tal")
R_COORD_NOT_FINITE = gettext_noop(
    "koordinaten %(value)s i kolumn %(column)s är inte ett ändligt tal (NaN eller oändligt)"
)
R_COORD_ZERO = gettext_noop("koordinaterna är 0, 0: en saknad position, inte en plats")
R_COORD_OFF_GLOBE = gettext_noop(
    "longitud/latitud %(x)s, %(y)s ligger utanför jordklotet; är det meter i ett annat SRID?"
)
R_COORD_LOOKS_DEGREES = gettext_noop(
    "koordinaterna %(x)s, %(y)s ser ut som longitud/latitud, men SRID %(srid)s är i meter"
)
R_SRID_MISSING = gettext_noop("SRID saknas (kolumn %(column)s)")
R_SRID_UNKNOWN = gettext_noop("okänt SRID %(value)s (ingen EPSG-kod som PROJ känner till)")
R_TRANSFORM_FAILED = gettext_noop(
    "koordinaterna %(x)s, %(y)s kan inte räknas om från SRID %(srid)s till SWEREF 99 TM"
)
R_OUTSIDE = gettext_noop("punkten ligger %(km)s km utanför kommunens gräns")
R_OUTSIDE_SWAPPED = gettext_noop(
    "punkten ligger %(km)s km utanför kommunens gräns; med longitud och latitud omkastade hamnar "
    "den innanför"
)
R_AMOUNT_NOT_NUMBER = gettext_noop(
    "värdet %(value)s i kolumn %(column)s är inte ett tal (kronor eller antal, 0 eller mer)"
)
R_CATEGORY_MISSING = gettext_noop("kategori saknas (kolumn %(column)s)")
R_CATEGORY_UNKNOWN = gettext_noop(
    "okänd kategori %(value)s: lägg till den i profilens kategorimappning och importera igen"
)

Reason = tuple[str, dict[str, Any]]


@dataclass
class Context:
    """What every chunk of one import is checked against."""

    mapping: Mapping
    kommunkod: str
    category_ids: dict[str, int]  # casefolded source value (or Trygg code or label) → category id
    unknown_category_id: int | None
    boundary: (
        shapely.Geometry | None
    )  # the municipality in SWEREF 99 TM, None for count-only profiles
    file_srid: int | None = None
    now: pd.Timestamp = field(default_factory=lambda: pd.Timestamp.now(tz="UTC"))
    _buffered: shapely.Geometry | None = None

    @property
    def buffered(self) -> shapely.Geometry:
        if self._buffered is None:
            assert self.boundary is not None
            self._buffered = shapely.buffer(self.boundary, BOUNDARY_BUFFER_M)
            shapely.prepare(self._buffered)
        return self._buffered


@dataclass
class Checked:
    """One chunk after the checks: values for the rows that passed, a reason for the others."""

    rows: NDArray[np.int64]
    ref: list[str | None]
    ok: NDArray[np.bool_]
    category_id: NDArray[np.int64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    occurred_from_us: NDArray[np.int64]
    occurred_to_us: NDArray[np.int64]
    occurred_to_null: NDArray[np.bool_]
    description: list[str | None]
    reasons: list[Reason | None]
    unknown_categories: Counter[str]  # source values of rows rejected for an unknown category
    defaulted: list[str | None]  # per row: the source value stored under the profile's default
    cost: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # NaN: none given
    victims: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # NaN: none given

    def rejected(self) -> list[tuple[int, str, str, dict[str, Any]]]:
        """(row, ref, message id, values) for each rejected row, in file order."""
        out = []
        for i in np.flatnonzero(~self.ok):
            reason = self.reasons[i]
            assert reason is not None
            out.append((int(self.rows[i]), self.ref[i] or "", reason[0], reason[1]))
        return out


class _Rows:
    """The rows of a chunk still in the running, and the first reason of those that are out."""

    def __init__(self, n: int) -> None:
        self.ok = np.ones(n, dtype=bool)
        self.reasons: list[Reason | None] = [None] * n

    def reject(
        self,
        mask: NDArray[np.bool_] | pd.Series,
        message: str,
        values: Callable[[int], dict[str, Any]],
    ) -> None:
        bad = np.flatnonzero(np.asarray(mask, dtype=bool) & self.ok)
        for i in bad:
            self.reasons[i] = (message, values(int(i)))
        self.ok[bad] = False

    def reject_one(self, i: int, reason: Reason) -> None:
        if self.ok[i]:
            self.reasons[i] = reason
            self.ok[i] = False


def check_chunk(chunk: Chunk, ctx: Context) -> Checked:
    m = ctx.mapping
    frame = chunk.frame
    n = len(frame)
    rows = _Rows(n)

    stripped: dict[str, pd.Series] = {}

    def col(name: str) -> pd.Series:
        """The column as text without surrounding spaces (each column is stripped once)."""
        if name not in stripped:
            stripped[name] = frame[name].astype(str).str.strip().reset_index(drop=True)
        return stripped[name]

    if m.municipality_column:
        codes = col(m.municipality_column)
        padded = codes.where(~codes.str.isdigit(), codes.str.zfill(4))
        rows.reject(
            (padded != ctx.kommunkod).to_numpy(),
            R_OTHER_MUNICIPALITY,
            lambda i: {"value": codes.iat[i] or "–", "kommunkod": ctx.kommunkod},
        )

    ref = _references(chunk, ctx, rows, col)
    occurred_from, occurred_to, to_null = _times(frame, ctx, rows, col)
    if m.placed:
        x, y = _places(chunk, ctx, rows, col)
    else:
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
    category_id, source_category, unknown, defaulted = _categories(frame, ctx, rows, col)

    description = _descriptions(frame, m, source_category, col)
    cost = _amount(frame, m.cost, rows, col, whole=False)
    victims = _amount(frame, m.victims, rows, col, whole=True)
    return Checked(
        cost=cost,
        victims=victims,
        rows=chunk.rows,
        ref=ref,
        ok=rows.ok,
        category_id=category_id,
        x=x,
        y=y,
        occurred_from_us=occurred_from,
        occurred_to_us=occurred_to,
        occurred_to_null=to_null,
        description=description,
        reasons=rows.reasons,
        unknown_categories=unknown,
        defaulted=defaulted,
    )


def _references(
    chunk: Chunk, ctx: Context, rows: _Rows, col: Callable[[str], pd.Series]
) -> list[str | None]:
    """The id (columns joined by ``:``), or the row's mapped values when the file has no id column.

    Without an id, the values are hashed to ``md5:…`` in SQL (docs/decisions/0201); rows that are
    identical in every mapped value are told apart there by their order in the file.
    """
    m = ctx.mapping
    if m.id:
        parts = [col(c) for c in m.id]
        joined = parts[0]
        for p in parts[1:]:
            joined = joined + ":" + p
        empty = np.logical_and.reduce([(p == "").to_numpy() for p in parts])
        rows.reject(empty, R_ID_MISSING, lambda i: {"column": ", ".join(m.id)})
        rows.reject(
            (joined.str.len() > MAX_ID_LENGTH).to_numpy(),
            R_ID_TOO_LONG,
            lambda i: {"max": MAX_ID_LENGTH},
        )
        values: list[str | None] = joined.tolist()
        for i in np.flatnonzero(empty):
            values[i] = None
        return values
    names = [c for c in m.columns() if c in chunk.frame.columns]
    key = pd.Series([""] * len(chunk.frame), dtype=object)
    for name in names:
        key = key + "\x1f" + col(name)
    if chunk.geom_x is not None and chunk.geom_y is not None and not m.has_coordinate_columns:
        key = key + "\x1f" + _float_text(chunk.geom_x) + "\x1f" + _float_text(chunk.geom_y)
    return list(key.tolist())


@dataclass
class Times:
    utc_us: NDArray[np.int64]
    missing: NDArray[np.bool_]
    unreadable: NDArray[np.bool_]
    date_only: NDArray[np.bool_]
    end_of_day_us: NDArray[np.int64]


def parse_times(raw: pd.Series, *, fmt: str = "", tz: str = "Europe/Stockholm") -> Times:
    """Text times to UTC microseconds; a time without an offset is wall-clock time in ``tz``.

    ISO 8601 (``2017-05-25T00:00:00Z``, ``2024-03-05 22:15``, ``2024-03-05``) unless ``fmt`` (a
    ``strptime`` format) is given. A date alone is the whole day: ``end_of_day_us`` is 23:59:59 that
    day. In the autumn hour that occurs twice the first (summer time) is taken; a time that does not
    exist (the spring gap) moves forward an hour.

    >>> t = parse_times(pd.Series(["2024-03-05 22:15", "2017-05-25T00:00:00Z", "2012-07-02", "", "2024-02-30"]))
    >>> [str(pd.Timestamp(v, unit="us")) for v in t.utc_us[:3]]
    ['2024-03-05 21:15:00', '2017-05-25 00:00:00', '2012-07-01 22:00:00']
    >>> t.date_only.tolist(), t.missing.tolist(), t.unreadable.tolist()
    ([False, False, True, False, True], [False, False, False, True, False], [False, False, False, False, True])
    """
    s = raw.astype(str).str.strip().reset_index(drop=True)
    missing = (s == "").to_numpy()
    naive = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    utc = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if fmt:
        parsed = pd.to_datetime(s, format=fmt, errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            utc = _naive_us(parsed.dt.tz_convert("UTC").dt.tz_localize(None))
            aware = ~missing
        else:
            naive = _naive_us(parsed)
            aware = np.zeros(len(s), dtype=bool)
        date_only = np.full(len(s), "%H" not in fmt and "%I" not in fmt)
    else:
        if s.str.contains("/", regex=False).any():
            s = s.str.replace(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", regex=True)
        aware = s.str.contains(AWARE_TIME, regex=True).to_numpy() & ~missing
        if aware.any():
            parsed_aware = pd.to_datetime(s[aware], format="ISO8601", errors="coerce", utc=True)
            utc[aware] = _naive_us(parsed_aware.dt.tz_localize(None))
        rest = ~aware & ~missing
        if rest.any():
            naive[rest] = _naive_us(pd.to_datetime(s[rest], format="ISO8601", errors="coerce"))
        date_only = ~s.str.contains(":", regex=False).to_numpy()
    local = _localize(naive, tz)
    combined = np.where(aware, _us(utc), local)
    unreadable = ~missing & (combined == _NAT)
    end_local = _localize(naive + pd.Timedelta(hours=23, minutes=59, seconds=59), tz)
    end = np.where(date_only & ~aware, end_local, combined)
    return Times(
        utc_us=combined,
        missing=missing,
        unreadable=unreadable,
        date_only=date_only & ~missing,
        end_of_day_us=end,
    )


_NAT = np.iinfo(np.int64).min


def _naive_us(values: pd.Series) -> pd.Series:
    return values.astype("datetime64[us]")


def _us(values: pd.Series) -> NDArray[np.int64]:
    """Microseconds since the epoch, NaT as the smallest int64."""
    return np.asarray(values.astype("datetime64[us]").to_numpy().astype(np.int64), dtype=np.int64)


def _localize(naive: pd.Series, tz: str) -> NDArray[np.int64]:
    ambiguous_first = np.ones(len(naive), dtype=bool)  # True: the summer-time reading
    local = naive.dt.tz_localize(tz, ambiguous=ambiguous_first, nonexistent=pd.Timedelta(hours=1))
    return _us(local.dt.tz_convert("UTC").dt.tz_localize(None))


def _time_text(
    frame: pd.DataFrame, m: Mapping, col: Callable[[str], pd.Series], which: str
) -> pd.Series:
    """The time column, with the clock column appended when the time is split in two."""
    column, clock = (m.time, m.clock) if which == "from" else (m.to, m.clock_to)
    text = col(column)
    if clock:
        clock_text = col(clock).str.replace(r"^(\d{1,2})\.(\d{2})", r"\1:\2", regex=True)
        text = text.where(clock_text == "", text + " " + clock_text)
    return text


def _times(
    frame: pd.DataFrame, ctx: Context, rows: _Rows, col: Callable[[str], pd.Series]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    m = ctx.mapping
    len(frame)
    if m.parts:
        text, start = _times_from_parts(frame, m, col)
        column = ", ".join(m.parts[p] for p in TIME_PARTS if p in m.parts)
    else:
        text = _time_text(frame, m, col, "from")
        start = parse_times(text, fmt=m.time_format, tz=m.timezone)
        column = m.time
    rows.reject(start.missing, R_TIME_MISSING, lambda i: {"column": column})
    rows.reject(
        start.unreadable, R_TIME_UNREADABLE, lambda i: {"value": text.iat[i], "column": column}
    )
    earliest = EARLIEST.value // 1000
    latest = (ctx.now + pd.Timedelta(days=1)).value // 1000
    rows.reject(start.utc_us < earliest, R_TIME_TOO_EARLY, lambda i: {"value": text.iat[i]})
    rows.reject(start.utc_us > latest, R_TIME_FUTURE, lambda i: {"value": text.iat[i]})

    occurred_to = start.end_of_day_us.copy()
    to_null = ~start.date_only
    if m.to:
        to_text = _time_text(frame, m, col, "to")
        end = parse_times(to_text, fmt=m.time_format, tz=m.timezone)
        rows.reject(
            end.unreadable, R_TO_UNREADABLE, lambda i: {"value": to_text.iat[i], "column": m.to}
        )
        given = ~end.missing & ~end.unreadable
        # A date alone as the end means the end of that day.
        end_value = np.where(end.date_only, end.end_of_day_us, end.utc_us)
        occurred_to = np.where(given, end_value, occurred_to)
        to_null = to_null & ~given
        rows.reject(
            given & (end_value > latest), R_TIME_FUTURE, lambda i: {"value": to_text.iat[i]}
        )
        rows.reject(
            given & ~to_null & (end_value < start.utc_us),
            R_TIME_ORDER,
            lambda i: {"to": to_text.iat[i], "from": text.iat[i]},
        )
    occurred_to = np.where(to_null, 0, occurred_to)
    return start.utc_us, occurred_to.astype(np.int64), np.asarray(to_null, dtype=bool)


def _times_from_parts(
    frame: pd.DataFrame, m: Mapping, col: Callable[[str], pd.Series]
) -> tuple[pd.Series, Times]:
    """Year, month, day (and hour, minute, second) columns, as in the Vancouver police data."""
    texts = {p: col(m.parts[p]) for p in TIME_PARTS if p in m.parts}
    numbers = {p: pd.to_numeric(t, errors="coerce") for p, t in texts.items()}
    n = len(frame)
    missing = np.logical_and.reduce([(texts[p] == "").to_numpy() for p in ("year", "month", "day")])
    has_hour = "hour" in texts
    date_only = (texts["hour"] == "").to_numpy() if has_hour else np.ones(n, dtype=bool)
    parts = pd.DataFrame(
        {
            p: numbers[p] if p in numbers else 0
            for p in ("year", "month", "day", "hour", "minute", "second")
        }
    )
    parts = parts.fillna({"hour": 0, "minute": 0, "second": 0})
    naive = _naive_us(pd.to_datetime(parts, errors="coerce"))
    local = _localize(naive, m.timezone)
    unreadable = ~missing & (local == _NAT)
    end_local = _localize(naive + pd.Timedelta(hours=23, minutes=59, seconds=59), m.timezone)
    text = texts["year"] + "-" + texts["month"] + "-" + texts["day"]
    if has_hour:
        text = text + " " + texts["hour"] + ":" + (texts["minute"] if "minute" in texts else "00")
    return text, Times(
        utc_us=local,
        missing=missing,
        unreadable=unreadable,
        date_only=date_only & ~missing,
        end_of_day_us=np.where(date_only, end_local, local),
    )


@lru_cache(maxsize=64)
def crs_kind(srid: int) -> str | None:
    """``geographic``, ``projected``, or None when PROJ does not know the EPSG code or cannot transform it."""
    try:
        crs = CRS.from_epsg(srid)
        transform_xy([0.0], [0.0], from_srid=srid, to_srid=STORAGE_SRID)
    except (CRSError, ProjError):
        return None
    return "geographic" if crs.is_geographic else "projected"


def _numbers(text: pd.Series) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Numbers from text (decimal comma and spaces allowed); state 0 ok, 1 missing, 2 text, 3 NaN/inf."""
    s = text.str.replace(" ", "", regex=False).str.replace("\u00a0", "", regex=False)
    s = s.str.replace(",", ".", regex=False)
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    state = np.zeros(len(s), dtype=np.int8)
    missing = (s == "").to_numpy()
    nan = np.isnan(values)
    non_finite_text = s.str.lower().isin(NON_FINITE_TEXT).to_numpy()
    state[nan & ~missing] = 2
    state[(nan & non_finite_text) | np.isinf(values)] = 3
    state[missing] = 1
    return values, state


def _srids(
    frame: pd.DataFrame,
    ctx: Context,
    rows: _Rows,
    col: Callable[[str], pd.Series],
    from_geometry: bool,
) -> NDArray[np.int64]:
    m = ctx.mapping
    n = len(frame)
    if m.srid_column:
        text = col(m.srid_column)
        codes = text.str.upper().str.removeprefix("EPSG:")
        srid = pd.to_numeric(codes, errors="coerce").to_numpy(dtype=np.float64)
        rows.reject((text == "").to_numpy(), R_SRID_MISSING, lambda i: {"column": m.srid_column})
        known = np.array(
            [not np.isnan(s) and s == int(s) and crs_kind(int(s)) is not None for s in srid],
            dtype=bool,
        )
        rows.reject(~known, R_SRID_UNKNOWN, lambda i: {"value": text.iat[i]})
        return np.where(known, np.nan_to_num(srid), -1).astype(np.int64)
    fixed = ctx.file_srid if from_geometry and ctx.file_srid else m.srid
    assert fixed is not None  # checked before the first chunk (incidents.import_incidents)
    return np.full(n, fixed, dtype=np.int64)


def _places(
    chunk: Chunk, ctx: Context, rows: _Rows, col: Callable[[str], pd.Series]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates in SWEREF 99 TM for the rows still in, with every coordinate check on the way."""
    m = ctx.mapping
    frame = chunk.frame
    n = len(frame)
    from_geometry = not m.has_coordinate_columns
    if from_geometry:
        assert (
            chunk.geom_x is not None and chunk.geom_y is not None and chunk.geom_problem is not None
        )
        for i, problem in enumerate(chunk.geom_problem):
            if problem is not None:
                rows.reject_one(i, problem)
        x = chunk.geom_x.copy()
        y = chunk.geom_y.copy()
        x_text = _float_text(x)
        y_text = _float_text(y)
    else:
        x_text, y_text = col(m.x), col(m.y)
        x, x_state = _numbers(x_text)
        y, y_state = _numbers(y_text)
        for state, column in ((x_state, m.x), (y_state, m.y)):
            rows.reject(state == 1, R_COORD_MISSING, _in_column(column))
        for state, text, column in ((x_state, x_text, m.x), (y_state, y_text, m.y)):
            rows.reject(state == 3, R_COORD_NOT_FINITE, _value_in_column(text, column))
            rows.reject(state == 2, R_COORD_NOT_NUMBER, _value_in_column(text, column))
    # A GeoJSON/GeoPackage geometry can be NaN or infinite as well.
    rows.reject(
        ~(np.isfinite(x) & np.isfinite(y)),
        R_COORD_NOT_FINITE,
        lambda i: {"value": f"{x_text.iat[i]}, {y_text.iat[i]}", "column": "geometri"},
    )
    srid = _srids(frame, ctx, rows, col, from_geometry)

    def xy(i: int) -> dict[str, Any]:
        return {"x": x_text.iat[i], "y": y_text.iat[i], "srid": int(srid[i])}

    rows.reject((x == 0) & (y == 0), R_COORD_ZERO, lambda i: {})
    kinds = {int(s): crs_kind(int(s)) for s in np.unique(srid[rows.ok])}
    geographic = np.isin(srid, [s for s, k in kinds.items() if k == "geographic"])
    off_globe = geographic & ((np.abs(x) > 180) | (np.abs(y) > 90))
    rows.reject(off_globe, R_COORD_OFF_GLOBE, xy)
    projected = np.isin(srid, [s for s, k in kinds.items() if k == "projected"])
    rows.reject(projected & (np.abs(x) <= 180) & (np.abs(y) <= 90), R_COORD_LOOKS_DEGREES, xy)

    out_x = np.full(n, np.nan)
    out_y = np.full(n, np.nan)
    for s in kinds:
        group = rows.ok & (srid == s)
        if group.any():
            out_x[group], out_y[group] = transform_xy(
                x[group], y[group], from_srid=s, to_srid=STORAGE_SRID
            )
    rows.reject(~(np.isfinite(out_x) & np.isfinite(out_y)), R_TRANSFORM_FAILED, xy)

    candidates = np.flatnonzero(rows.ok)
    inside = shapely.contains_xy(ctx.buffered, out_x[candidates], out_y[candidates])
    outside = candidates[~inside]
    if outside.size:
        points = shapely.points(out_x[outside], out_y[outside])
        km = shapely.distance(ctx.boundary, points) / 1000
        swapped = np.zeros(outside.size, dtype=bool)
        for s in kinds:
            if kinds[s] != "geographic":
                continue
            sel = srid[outside] == s
            if sel.any():
                sx, sy = transform_xy(
                    y[outside][sel], x[outside][sel], from_srid=s, to_srid=STORAGE_SRID
                )
                ok_swap = np.isfinite(sx) & np.isfinite(sy)
                hit = np.zeros(sel.sum(), dtype=bool)
                hit[ok_swap] = shapely.contains_xy(ctx.buffered, sx[ok_swap], sy[ok_swap])
                swapped[np.flatnonzero(sel)] = hit
        distance = dict(zip(outside.tolist(), km.tolist(), strict=True))
        is_outside = np.zeros(n, dtype=bool)
        is_outside[outside] = True
        is_swapped = np.zeros(n, dtype=bool)
        is_swapped[outside[swapped]] = True
        rows.reject(is_swapped, R_OUTSIDE_SWAPPED, lambda i: {"km": _km(distance[i])})
        rows.reject(is_outside, R_OUTSIDE, lambda i: {"km": _km(distance[i])})
    return out_x, out_y


def _float_text(values: NDArray[np.float64]) -> pd.Series:
    """Coordinates as the shortest text that reads back as the same float (``664772.5``)."""
    return pd.Series([repr(float(v)) for v in values], dtype=object)


def _in_column(column: str) -> Callable[[int], dict[str, Any]]:
    return lambda i: {"column": column}


def _value_in_column(text: pd.Series, column: str) -> Callable[[int], dict[str, Any]]:
    return lambda i: {"value": text.iat[i], "column": column}


def _km(value: float) -> str:
    return f"{value:.1f}" if value >= 0.1 else f"{value:.2f}"


def _categories(
    frame: pd.DataFrame, ctx: Context, rows: _Rows, col: Callable[[str], pd.Series]
) -> tuple[NDArray[np.int64], pd.Series, Counter[str], list[str | None]]:
    """Category ids; the unknown values of rows rejected for them; per row, the source value when
    the profile's category for unknown values stood in (the report counts those among the rows it
    actually stores, so a row is never both rejected and stored)."""
    m = ctx.mapping
    n = len(frame)
    raw = col(m.category) if m.category else pd.Series([m.category_value] * n, dtype=object)
    ids = raw.str.casefold().map(ctx.category_ids)
    missing = (raw == "").to_numpy()
    unknown = ids.isna().to_numpy() & ~missing
    unknown_counts: Counter[str] = Counter()
    defaulted: list[str | None] = [None] * n
    if ctx.unknown_category_id is not None:
        use_default = (unknown | missing) & rows.ok
        for i in np.flatnonzero(use_default):
            defaulted[i] = cast("str | None", raw.iat[int(i)]) or "–"
        ids = ids.where(~(unknown | missing), ctx.unknown_category_id)
    else:
        unknown_counts = Counter(raw[unknown & rows.ok].tolist())
        rows.reject(missing, R_CATEGORY_MISSING, lambda i: {"column": m.category})
        rows.reject(unknown, R_CATEGORY_UNKNOWN, lambda i: {"value": raw.iat[i]})
    values = ids.fillna(-1).to_numpy(dtype=np.int64)
    return values, raw, unknown_counts, defaulted  # type: ignore[return-value]  # to_numpy(dtype=np.int64) is int64; the stubs say integer


def _amount(
    frame: pd.DataFrame, column: str, rows: _Rows, col: Callable[[str], pd.Series], *, whole: bool
) -> NDArray[np.float64]:
    """An optional amount column (kronor, or a count when ``whole``): NaN where empty or absent; a
    row whose value is not a number of 0 or more (a whole one for a count) is rejected naming it."""
    n = len(frame)
    if not column or column not in frame.columns:
        return np.full(n, np.nan)
    text = col(column)
    values, state = _numbers(text)
    bad = (state >= 2) | ((state == 0) & (values < 0))
    if whole:
        bad |= (state == 0) & (np.floor(values) != values)
    bad |= (state == 0) & (values >= 1e10)
    rows.reject(bad, R_AMOUNT_NOT_NUMBER, _value_in_column(text, column))
    return np.where(state == 0, values, np.nan)


def _descriptions(
    frame: pd.DataFrame, m: Mapping, source_category: pd.Series, col: Callable[[str], pd.Series]
) -> list[str | None]:
    """The source's own category, then the description columns: ``VEHICLE THEFT: STOLEN TRUCK, …``."""
    text = pd.Series([""] * len(frame), dtype=object)
    for name in m.description:
        part = col(name)
        text = text.where(part == "", text.where(text == "", text + ", ") + part)
    both = source_category.where(text == "", source_category + ": " + text)
    result = both.where(source_category != "", text)
    return list(result.str.slice(0, MAX_DESCRIPTION_LENGTH).tolist())
