"""The proxy's disk cache: one SQLite file per service in ``BASEMAP_CACHE_DIR`` (docs/decisions/0721).

Tiles are small (5–60 KB), and SQLite reads and writes blobs of that size faster than a file each, keeps
the size of what it holds exact across gunicorn's processes and threads (one transaction per write), and
makes eviction one indexed query. Entries carry when they were fetched (for refresh and the longest
keep) and when they were last used (least recently used goes first when the cache is full). An entry with
no data records that the service has no tile there, so that is not asked again either.

The cache is the server's, not the municipality's data: losing the file loses nothing but speed (a broken
file is set aside and a new one begun), and it is never in a backup.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

# A hit writes its time of use only when the stored one is older than this: least-recently-used to within
# five minutes, without a write for every tile shown.
USED_AT_RESOLUTION_S = 300.0
# When full, evict down to this share of the bound, so the next writes do not each evict again.
EVICT_TO = 0.9
BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tile (
    key TEXT PRIMARY KEY,          -- "<version>/<namespace>/<z>/<x>/<y>"
    version TEXT NOT NULL,
    data BLOB NOT NULL,            -- empty: the service has no tile here
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    fetched_at REAL NOT NULL,
    used_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tile_used_at ON tile (used_at);
CREATE TABLE IF NOT EXISTS total (id INTEGER PRIMARY KEY CHECK (id = 1), bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO total (id, bytes) VALUES (1, 0);
"""


@dataclass(frozen=True)
class Entry:
    data: bytes
    content_type: str
    fetched_at: float

    def age_s(self, now: float) -> float:
        return now - self.fetched_at


def cache_dir() -> Path:
    return Path(settings.BASEMAP_CACHE_DIR)


class TileCache:
    """The cache of one service: ``get`` and ``put`` by key, size bounded, entries too old removed."""

    def __init__(self, name: str, version: str, *, max_bytes: int, keep_s: float) -> None:
        self.path = cache_dir() / f"{name}.sqlite3"
        self.version = version
        self.max_bytes = max_bytes
        self.keep_s = keep_s
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
        return connection

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return _connect(self.path)
        except sqlite3.DatabaseError as e:  # not a database, or a damaged one: start again
            aside = self.path.with_suffix(f".broken-{int(time.time())}")
            log.warning("basemap cache %s is unreadable (%s); moved to %s", self.path, e, aside)
            self.path.rename(aside)
            return _connect(self.path)

    def get(self, key: str, now: float | None = None) -> Entry | None:
        now = time.time() if now is None else now
        connection = self._connection()
        row = connection.execute(
            "SELECT data, content_type, fetched_at, used_at FROM tile WHERE key = ?",
            (self._key(key),),
        ).fetchone()
        if row is None:
            return None
        data, content_type, fetched_at, used_at = row
        if now - fetched_at > self.keep_s:
            return None  # kept longer than allowed: gone at the next eviction
        if now - used_at > USED_AT_RESOLUTION_S:
            with connection:
                connection.execute(
                    "UPDATE tile SET used_at = ? WHERE key = ?", (now, self._key(key))
                )
        return Entry(bytes(data), content_type, fetched_at)

    def put(self, key: str, data: bytes, content_type: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        size = (
            len(data) + len(key) + 64
        )  # the row's own bytes count too (an empty tile is not free)
        connection = self._connection()
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            old = connection.execute(
                "SELECT size FROM tile WHERE key = ?", (self._key(key),)
            ).fetchone()
            connection.execute(
                "INSERT OR REPLACE INTO tile (key, version, data, content_type, size, fetched_at, "
                "used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self._key(key), self.version, data, content_type, size, now, now),
            )
            connection.execute(
                "UPDATE total SET bytes = bytes + ? WHERE id = 1", (size - (old[0] if old else 0),)
            )
            total = connection.execute("SELECT bytes FROM total WHERE id = 1").fetchone()[0]
            if total > self.max_bytes:
                self._evict(connection, now)

    def _evict(self, connection: sqlite3.Connection, now: float) -> None:
        """Inside the writer's transaction: drop other versions and entries kept too long, then the
        least recently used until the cache holds at most EVICT_TO of its bound."""
        removed = connection.execute(
            "DELETE FROM tile WHERE version != ? OR fetched_at < ? RETURNING size",
            (self.version, now - self.keep_s),
        ).fetchall()
        total = connection.execute(
            "UPDATE total SET bytes = bytes - ? WHERE id = 1 RETURNING bytes",
            (sum(r[0] for r in removed),),
        ).fetchone()[0]
        excess = total - int(self.max_bytes * EVICT_TO)
        if excess <= 0:
            return
        # The least recently used entries whose sizes, added up in that order, first reach the excess.
        freed = connection.execute(
            "DELETE FROM tile WHERE key IN (SELECT key FROM (SELECT key, size, sum(size) OVER "
            "(ORDER BY used_at, key ROWS UNBOUNDED PRECEDING) AS running FROM tile) "
            "WHERE running - size < ?) RETURNING size",
            (excess,),
        ).fetchall()
        connection.execute(
            "UPDATE total SET bytes = bytes - ? WHERE id = 1", (sum(r[0] for r in freed),)
        )

    def stored_bytes(self) -> int:
        return int(self._connection().execute("SELECT bytes FROM total WHERE id = 1").fetchone()[0])

    def count(self) -> int:
        return int(self._connection().execute("SELECT count(*) FROM tile").fetchone()[0])

    def _key(self, key: str) -> str:
        return f"{self.version}/{key}"


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are the explicit BEGIN IMMEDIATE above (one writer at a time,
    # others wait up to BUSY_TIMEOUT_MS); reads see the last committed state (WAL).
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")  # a cache: a crash may lose the last writes
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.executescript(_SCHEMA)
    return connection


_caches: dict[tuple[str, str, int, float], TileCache] = {}
_caches_lock = threading.Lock()


def cache_for(name: str, version: str, *, max_bytes: int, keep_s: float) -> TileCache:
    """The cache of a service, one object per process (each thread has its own connection)."""
    key = (name, version, max_bytes, keep_s)
    with _caches_lock:
        found = _caches.get(key)
        if found is None or found.path.parent != cache_dir():
            found = _caches[key] = TileCache(name, version, max_bytes=max_bytes, keep_s=keep_s)
        return found


def forget_caches() -> None:
    """Drop this process's cache objects (tests that change BASEMAP_CACHE_DIR)."""
    with _caches_lock:
        _caches.clear()
