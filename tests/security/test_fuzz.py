"""A property-based fuzz (hypothesis) of the filter parameters of the JSON API, the BRÅ page's data and
exports, the OGC API items, the exports and the tiles: whatever a logged-in user sends, the answer is 200,
400 or 404, never a 500, and PostgreSQL never sees a statement fail.

How SQL errors are seen, even those the app catches and hides behind a 200 or a 400 (docs/security.md):

1. **At the driver.** ``connection.execute_wrapper`` wraps every statement Django sends, in this thread,
   which is where the test client runs the views. The wrapper records any ``DatabaseError`` (psycopg's
   errors, as Django wraps them) *before* re-raising it, so it is recorded whatever the view does next.
2. **At the server.** PostgreSQL writes every failed statement to its log (``log_min_messages`` and
   ``log_min_error_statement`` are ``error`` or lower; checked). The test reads the log from where it was
   when the example began and keeps the ``ERROR`` lines of its own backend (``[pid]`` in
   ``log_line_prefix``, or else ``user@database``), so other helpers' sessions on the same server do not
   count. This also sees statements that bypass Django's cursor wrapper (raw psycopg, ``COPY``).

``test_the_sql_error_detectors_see_an_error_the_app_swallowed`` shows both detectors catch an error that
code catches inside a savepoint. Examples are derandomized (the same on every run, for CI) and few enough
to keep the module near a minute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.ogc import registry
from layers.ogc.params import COMMON_PARAMETERS
from tests.factories import DistrictFactory
from tests.security.matrix import Persona, Scene, build_scene, remove_photo_files

ALLOWED = {200, 400, 404}
# TRYGG_FUZZ_EXAMPLES=400 runs a longer hunt with fresh random examples (make test keeps it short and fixed).
HUNT = int(os.environ.get("TRYGG_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=not HUNT,
    suppress_health_check=list(HealthCheck),
)


# --- seeing SQL errors ----------------------------------------------------------------------------


def server_log_path() -> Path | None:
    """PostgreSQL's log file, if this process can read it (the collector's file, or Debian's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_logfile(), current_setting('data_directory')")
        current, data_directory = cursor.fetchone()
    candidates = []
    if current:
        candidates.append(
            Path(data_directory) / current if not current.startswith("/") else Path(current)
        )
    parts = Path(data_directory).parts  # Debian: /var/lib/postgresql/<major>/<cluster>
    if len(parts) >= 2:
        candidates.append(Path(f"/var/log/postgresql/postgresql-{parts[-2]}-{parts[-1]}.log"))
    for path in candidates:
        try:
            with path.open("rb"):
                return path
        except OSError:
            continue
    return None


@dataclass
class SqlErrors:
    """Failed statements seen by the driver wrapper and in the server log, since ``mark()``."""

    log: Path | None
    pid: int
    database: str
    user: str
    seen: list[str] = field(default_factory=list)
    offset: int = 0

    def wrapper(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        try:
            return execute(sql, params, many, context)
        except DatabaseError as e:
            self.seen.append(f"{type(e).__name__}: {e} -- {sql[:300]}")
            raise

    def mark(self) -> None:
        self.seen.clear()
        self.offset = self.log.stat().st_size if self.log is not None else 0

    def in_log(self) -> list[str]:
        if self.log is None:
            return []
        with self.log.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", errors="replace")
        mine = re.compile(rf"\[{self.pid}\]|{re.escape(self.user)}@{re.escape(self.database)}\b")
        return [line for line in text.splitlines() if "ERROR:" in line and mine.search(line)]

    def all(self) -> list[str]:
        return [*self.seen, *self.in_log()]


@contextmanager
def watching_sql() -> Iterator[SqlErrors]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid(), current_database(), current_user, "
            "current_setting('log_min_messages'), current_setting('log_min_error_statement')"
        )
        pid, database, user, min_messages, min_statement = cursor.fetchone()
    levels = [
        "debug5",
        "debug4",
        "debug3",
        "debug2",
        "debug1",
        "info",
        "notice",
        "warning",
        "error",
    ]
    assert min_messages in levels and min_statement in levels, (min_messages, min_statement)
    errors = SqlErrors(log=server_log_path(), pid=pid, database=database, user=user)
    errors.mark()
    with connection.execute_wrapper(errors.wrapper):
        yield errors


# --- the data -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any) -> Iterator[Scene]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built: Scene | None = None
        try:
            cache.clear()
            built = build_scene()
            DistrictFactory(municipality=built.municipality, code="centrala")
            yield built
        finally:
            if built is not None:
                remove_photo_files(built)
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()


@pytest.fixture(scope="module")
def clients(scene: Scene, django_db_blocker: Any) -> dict[str, Client]:
    # A BRÅ member and an analyst: the code paths without and with sensitive incidents.
    with django_db_blocker.unblock():
        return {p: scene.client(p) for p in (Persona.BRA_MEMBER, Persona.ANALYST)}


# --- what is sent ---------------------------------------------------------------------------------

SQL_FRAGMENTS = [
    "'",
    '"',
    "' OR '1'='1",
    "1 OR 1=1",
    "1; DROP TABLE layers_incident; --",
    "') OR ('a'='a",
    "1 UNION SELECT password FROM auth_user --",
    "%",
    "%%",
    "_",
    "\\",
    "\\x00",
    "\x00",
    "$1",
    "%(x)s",
    "{}",
    "::text",
    "E'\\n'",
    "1/0",
    "pg_sleep(5)",
    "/*",
    "--",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=-3, max_value=30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1e309", "-1e309", "NaN", "inf", "-0", "0x10", "1_000", "٣", "²", "9" * 400]),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.sampled_from([None]) | st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(
        ["2025-02-30", "2025-13-01", "0000-01-01", "9999-12-31", "2025-1-1", "20250101", "..", "/"]
    ),
)
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["ö", "Å", "\u202e", "𝕏", "\ufeff", "\r\n", " ", "a" * 2000]),
)
ANY_VALUE = st.one_of(st.sampled_from(SQL_FRAGMENTS), NUMBERS, DATES, TEXT)


def value_for(name: str) -> st.SearchStrategy[str]:
    """Values for one parameter: plausible ones for it, and anything at all."""
    return st.one_of(plausible_value(name), ANY_VALUE)


SMALL = st.integers(min_value=0, max_value=30).map(str)
IN_VASBY = st.tuples(
    st.floats(min_value=17.8, max_value=18.0), st.floats(min_value=59.45, max_value=59.6)
).flatmap(
    lambda ll: st.tuples(
        st.floats(min_value=0, max_value=0.2), st.floats(min_value=0, max_value=0.1)
    ).map(lambda d: f"{ll[0]},{ll[1]},{ll[0] + d[0]},{ll[1] + d[1]}")
)
GOOD_DATES = st.dates(min_value=date(1, 1, 1)).map(lambda d: d.isoformat())
GOOD_TIMES = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
).map(lambda d: d.isoformat())


def valid_value(name: str) -> st.SearchStrategy[str]:
    """Values a careful client would send (so the request reaches the database), at the edges too."""
    valid: dict[str, st.SearchStrategy[str]] = {
        "from": GOOD_DATES,
        "to": GOOD_DATES,
        "datetime": st.one_of(
            GOOD_DATES,
            GOOD_TIMES,
            st.tuples(
                GOOD_DATES | GOOD_TIMES | st.just(".."), GOOD_DATES | GOOD_TIMES | st.just("..")
            ).map("/".join),
        ),
        "focus": st.lists(st.integers(1, 9).map(str), max_size=3).map(",".join),
        "focus_area": st.integers(-(2**31), 2**31 - 1).map(str) | st.integers(1, 9).map(str),
        "hours": st.tuples(st.integers(0, 23), st.integers(0, 23)).map(lambda t: f"{t[0]}-{t[1]}"),
        "weekdays": st.tuples(st.integers(1, 7), st.integers(1, 7)).map(lambda t: f"{t[0]}-{t[1]}"),
        "category": st.sampled_from(["misshandel", "vald_nara_relation", "sexualbrott", "stold"]),
        "district": st.just("centrala"),
        "bandwidth": st.sampled_from(["auto", "50", "200", "1000", "5000"]),
        "bbox": IN_VASBY,
        "limit": st.integers(1, 10_000).map(str),
        "offset": st.integers(0, 10_000_000).map(str),
        "crs": CRS_VALUES.filter(lambda c: "opengis" in c and "99999" not in c and "-1" not in c),
        "generated": st.sampled_from(["true", "false", "1", "0", "yes", "no"]),
        "sensitive": st.sampled_from(["true", "false", "0", "1"]),
        "walk": SMALL,
        "id": st.integers(-(2**31), 2**31 - 1).map(str),
        "plan": SMALL,
        "feeling": st.integers(-(2**31), 2**31 - 1).map(str),
        "severity": SMALL,
    }
    return valid.get(name, plausible_value(name))


def plausible_value(name: str) -> st.SearchStrategy[str]:
    """Values of the right kind for one parameter (which may still be out of range or malformed)."""
    plausible: dict[str, st.SearchStrategy[str]] = {
        "from": DATES,
        "to": DATES,
        "datetime": st.one_of(
            DATES,
            st.tuples(DATES, DATES).map("/".join),
            st.tuples(DATES, st.just("..")).map("/".join),
        ),
        "focus": st.lists(NUMBERS, max_size=4).map(",".join),
        "hours": st.one_of(
            st.tuples(NUMBERS, NUMBERS).map("-".join), st.lists(NUMBERS, max_size=4).map(",".join)
        ),
        "weekdays": st.one_of(
            st.tuples(NUMBERS, NUMBERS).map("-".join), st.lists(NUMBERS, max_size=4).map(",".join)
        ),
        "light": st.lists(
            st.sampled_from(["dagsljus", "skymning", "morker", "natt", ""]), max_size=4
        ).map(",".join),
        "compare": st.sampled_from(["year", "previous", "next", ""]),
        "sensitive": st.sampled_from(["0", "1", "true", "2", ""]),
        "presentation": st.sampled_from(["0", "1", "x"]),
        "category": st.lists(
            st.sampled_from(["misshandel", "vald_nara_relation", "sexualbrott", "okand"]) | TEXT,
            max_size=3,
        ).map(",".join),
        "district": st.sampled_from(["centrala", "ostra", ""]) | TEXT,
        "bandwidth": NUMBERS | st.just("auto"),
        "gi_cell": NUMBERS | st.sampled_from(["100", "200", "250", "500"]),
        "fdr": st.sampled_from(["0", "1", "2"]),
        "surface": st.sampled_from(["density", "change", "x"]),
        "bbox": st.one_of(
            st.lists(NUMBERS, min_size=3, max_size=7).map(",".join),
            st.lists(
                st.floats(min_value=-200, max_value=7e6, allow_nan=False), min_size=4, max_size=4
            ).map(lambda v: ",".join(map(str, v))),
            st.sampled_from(
                ["17.8,59.4,18.0,59.6", "660000,6595000,670000,6605000", "18,60,17,59"]
            ),
        ),
        "crs": CRS_VALUES,
        "bbox-crs": CRS_VALUES,
        "limit": NUMBERS,
        "offset": NUMBERS,
        "f": st.sampled_from(["json", "geojson", "html", "xml", ""]),
    }
    return plausible.get(name, ANY_VALUE)


CRS_VALUES = (
    st.sampled_from(
        [
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "http://www.opengis.net/def/crs/EPSG/0/3006",
            "http://www.opengis.net/def/crs/EPSG/0/4326",
            "http://www.opengis.net/def/crs/EPSG/0/3857",
            "http://www.opengis.net/def/crs/EPSG/0/99999",
            "http://www.opengis.net/def/crs/EPSG/0/-1",
            "EPSG:3006",
            "[EPSG:3006]",
            "urn:ogc:def:crs:EPSG::3006",
            "+proj=longlat",
            "/vsicurl/http://example.com/x",
        ]
    )
    | TEXT
)


def query_strings(names: list[str]) -> st.SearchStrategy[str]:
    """A query string of known and unknown names, repeated keys, and raw bytes that are not UTF-8."""
    known = st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), value_for(n)))
    unknown = st.tuples(TEXT, ANY_VALUE)
    raw = st.tuples(st.binary(max_size=6), st.binary(max_size=12)).map(
        lambda kv: f"{quote_from_bytes(kv[0])}={quote_from_bytes(kv[1])}"
    )
    anything = st.tuples(
        st.lists(known, max_size=5), st.lists(unknown, max_size=1), st.lists(raw, max_size=1)
    ).map(lambda p: "&".join(filter(None, [urlencode(p[0] + p[1]), *p[2]])))
    # Each name once, with a value of its kind: these get past the first checks, to the database.
    kind = st.lists(
        st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), plausible_value(n))),
        max_size=4,
        unique_by=lambda kv: kv[0],
    ).map(urlencode)
    careful = st.lists(
        st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), valid_value(n))),
        max_size=4,
        unique_by=lambda kv: kv[0],
    ).map(urlencode)
    return st.one_of(careful, kind, anything)


# --- the checks -----------------------------------------------------------------------------------


def check(client: Client, errors: SqlErrors, url: str) -> int:
    errors.mark()
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # run the export's query to its end
    assert response.status_code in ALLOWED, (url, response.status_code, response.content[:300])
    assert errors.all() == [], (url, errors.all())
    return response.status_code


def fuzz(
    clients: dict[str, Client], urls: st.SearchStrategy[str], *, examples: int = 20
) -> list[int]:
    statuses: list[int] = []
    with watching_sql() as errors:

        @given(url=urls, persona=st.sampled_from(sorted(clients)))
        @settings(FUZZ, max_examples=HUNT or examples)
        def run(url: str, persona: str) -> None:
            statuses.append(check(clients[persona], errors, url))

        run()
    return statuses


BRA_PARAMETERS = [
    "from", "to", "focus", "category", "district", "hours", "weekdays", "light", "compare",
    "sensitive", "presentation", "bandwidth", "gi_cell", "fdr", "surface",
]  # fmt: skip
BRA_PATHS = [
    "/bra/data/lagesbild/",
    "/bra/data/tathet/",
    "/bra/data/tathet.png",
    "/bra/data/hotspots/",
    "/bra/data/trender/",
    "/bra/data/handelser/",
    "/bra/data/kansliga-rutor/",
    "/bra/data/observationer/",
    "/bra/export/tathet.tif",
]
API_PATHS = ["/api/v1/incidents/", "/api/v1/observations.geojson", "/api/v1/walks/"]
OGC_COLLECTIONS = ["incidents", "sensitive-incident-cells", "observations", "detaljplaner", "walks"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", BRA_PATHS)
def test_the_bra_data_answers_any_filter_with_200_or_400_and_no_sql_error(
    scene: Scene, clients: dict[str, Client], path: str
) -> None:
    statuses = fuzz(clients, query_strings(BRA_PARAMETERS).map(lambda q: f"{path}?{q}"))

    assert 400 in statuses  # the fuzz reached the filter (and it refused something)


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_PATHS)
def test_the_json_api_answers_any_parameters_with_200_or_400_and_no_sql_error(
    scene: Scene, clients: dict[str, Client], path: str
) -> None:
    statuses = fuzz(clients, query_strings(BRA_PARAMETERS).map(lambda q: f"{path}?{q}"), examples=8)

    assert 200 in statuses


@pytest.mark.django_db
@pytest.mark.parametrize("collection_id", OGC_COLLECTIONS)
def test_the_ogc_items_answer_any_parameters_with_200_or_400_and_no_sql_error(
    scene: Scene, clients: dict[str, Client], collection_id: str
) -> None:
    collection = registry.get(collection_id)
    assert collection is not None
    names = sorted(COMMON_PARAMETERS | {q.name for q in collection.source.queryables})
    base = f"/ogc/collections/{collection_id}/items"

    statuses = fuzz(clients, query_strings(names).map(lambda q: f"{base}?{q}"), examples=30)

    assert 200 in statuses and 400 in statuses


@pytest.mark.django_db
def test_the_exports_answer_any_parameters_with_200_or_400_and_no_sql_error(
    scene: Scene, clients: dict[str, Client]
) -> None:
    names = sorted(
        COMMON_PARAMETERS | {"category", "focus_area", "source", "generated", "sensitive"}
    )
    urls = st.tuples(st.sampled_from(["geojson", "csv"]), query_strings(names)).map(
        lambda fq: f"/export/incidents.{fq[0]}?{fq[1]}"
    )

    statuses = fuzz(clients, urls, examples=25)

    assert 200 in statuses and 400 in statuses


@pytest.mark.django_db
def test_an_ogc_item_and_a_tile_answer_any_address_with_200_400_or_404_and_no_sql_error(
    scene: Scene, clients: dict[str, Client]
) -> None:
    item = st.tuples(
        st.sampled_from(OGC_COLLECTIONS),
        st.one_of(ANY_VALUE, NUMBERS).filter(bool),
        st.sampled_from(
            ["", "?crs=http://www.opengis.net/def/crs/EPSG/0/3006", "?crs=x", "?f=xml"]
        ),
    ).map(lambda t: f"/ogc/collections/{t[0]}/items/{quote(t[1], safe='')}{t[2]}")
    tile = st.tuples(
        st.sampled_from(["incidents", "sensitive-cells", "observations", "context", "x"]),
        st.integers(min_value=0, max_value=40),
        st.integers(min_value=0, max_value=2**40),
        st.integers(min_value=0, max_value=2**40),
    ).map(lambda t: f"/tiles/{t[0]}/{t[1]}/{t[2]}/{t[3]}.mvt")

    statuses = fuzz(clients, st.one_of(item, tile), examples=40)

    assert {200, 400, 404} <= set(statuses)


@pytest.mark.django_db
def test_the_sql_error_detectors_see_an_error_the_app_swallowed(scene: Scene) -> None:
    with watching_sql() as errors:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0 AS trygg_fuzz_probe")  # what a view might catch
        except DatabaseError:
            pass  # swallowed, as a careless view would

        seen_by_driver = list(errors.seen)
        seen_in_log = errors.in_log()

    assert any("division by zero" in e for e in seen_by_driver)
    if errors.log is None:
        # Only a server elsewhere (DATABASE_URL) may keep its log from us; a local one must show it too.
        assert os.environ.get("DATABASE_URL"), "PostgreSQL's log is not readable on this machine"
        return
    assert any("division by zero" in line for line in seen_in_log), seen_in_log


# What the fuzz found (each was a 500), kept as plain examples.
FOUND = [
    ("/bra/data/hotspots/?to=0001-06-01", 400),  # a year earlier than year 1 (ValueError)
    (
        "/bra/data/lagesbild/?from=9999-01-01&to=9999-12-31",
        400,
    ),  # the day after the end (OverflowError)
    ("/bra/data/handelser/?district=a%00b", 400),  # NUL in a text parameter (psycopg DataError)
    ("/ogc/collections/incidents/items/%C2%B2", 404),  # "²".isdigit() but int("²") fails
    ("/admin/layers/incident/%C2%B2/change/", 302),  # the same in the admin's audit hook
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "status"), FOUND, ids=[u for u, _ in FOUND])
def test_what_the_fuzz_found_is_a_clear_4xx_and_no_sql_error(
    scene: Scene, clients: dict[str, Client], url: str, status: int
) -> None:
    with watching_sql() as errors:
        response = clients[Persona.ANALYST].get(url)

        assert response.status_code == status
        assert errors.all() == []
