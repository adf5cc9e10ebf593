"""The service a tile comes from, resolved once per request: from the administrator's ``BasemapService``,
or from the old ``TRYGG_BASEMAP_URL`` setting when a municipality has none (docs/decisions/0720).

A ``TileSource`` builds every upstream address itself, from z/x/y that the view has checked; the key is
added here and only here, and ``redact`` takes it out of any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from geo.wmts import TileMatrix

KEY = "{key}"
XYZ_PLACEHOLDERS = frozenset({"{z}", "{x}", "{y}", "{-y}", KEY})
DAY_S = 24 * 3600


@dataclass(frozen=True)
class TileSource:
    name: str  # names the cache file: one per municipality, or "installation" for the setting
    version: (
        str  # changes when the pictures may change (a cache key part, the ?v= of tile addresses)
    )
    kind: str  # "xyz" or "wmts"
    template: str  # XYZ: {z}/{x}/{y}; WMTS: {TileMatrix}/{TileRow}/{TileCol}
    attribution: str
    min_zoom: int
    max_zoom: int
    cache_max_bytes: int
    refresh_after_s: float
    keep_s: float
    api_key: str = field(default="", repr=False)
    key_placement: str = ""
    key_name: str = ""
    direct: bool = True  # the service's own tiles are Trygg's z/x/y (XYZ, or a Web Mercator set)
    zooms: dict[int, str] = field(default_factory=dict)  # direct WMTS: z -> TileMatrix identifier
    srid: int | None = None  # warped WMTS: the matrix set's CRS
    matrices: tuple[TileMatrix, ...] = ()

    def xyz_url(self, z: int, x: int, y: int) -> str:
        """The service's address of Web Mercator tile z/x/y (a direct source), without the key."""
        if self.kind == "xyz":
            return (
                self.template.replace("{z}", str(z))
                .replace("{x}", str(x))
                .replace("{-y}", str((1 << z) - 1 - y))
                .replace("{y}", str(y))
            )
        return self.matrix_url(self.zooms[z], y, x)

    def matrix_url(self, matrix: str, row: int, col: int) -> str:
        return (
            self.template.replace("{TileMatrix}", quote(matrix, safe=""))
            .replace("{TileRow}", str(row))
            .replace("{TileCol}", str(col))
        )

    def max_data_zoom(self) -> int:
        """The deepest zoom with tiles of its own; beyond it a map enlarges this zoom's tiles."""
        if self.kind == "wmts" and self.direct and self.zooms:
            return min(self.max_zoom, max(self.zooms))
        return self.max_zoom

    def request(self, url: str) -> tuple[str, dict[str, str]]:
        """``url`` with the key where the service wants it, and the headers to send."""
        return with_key(url, self.api_key, self.key_placement, self.key_name)

    def redact(self, text: str) -> str:
        return redact(text, self.api_key)


def with_key(url: str, key: str, placement: str, name: str) -> tuple[str, dict[str, str]]:
    """Put ``key`` into the request: a header, a query parameter, or the ``{key}`` place in the path.

    >>> with_key("https://t.example/{key}/1/2/3.png", "abc", "path", "")
    ('https://t.example/abc/1/2/3.png', {})
    >>> with_key("https://t.example/1/2/3.png?s=a", "a b", "query", "apikey")
    ('https://t.example/1/2/3.png?s=a&apikey=a%20b', {})
    >>> with_key("https://t.example/1/2/3.png", "Bearer x", "header", "Authorization")
    ('https://t.example/1/2/3.png', {'Authorization': 'Bearer x'})
    """
    if not key or not placement:
        return url.replace(KEY, ""), {}
    if placement == "path":
        return url.replace(KEY, quote(key, safe="")), {}
    if placement == "query":
        joiner = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
        return f"{url}{joiner}{quote(name, safe='')}={quote(key, safe='')}", {}
    return url, {name: key}


def redact(text: str, key: str) -> str:
    """``text`` with ``key`` (as written, and as it looks in an address) replaced by ``***``.

    >>> redact("GET https://t.example/a%2Fb/1.png failed", "a/b")
    'GET https://t.example/***/1.png failed'
    """
    if not key:
        return text
    for form in {key, quote(key, safe=""), quote(key, safe="/")}:
        if form:
            text = text.replace(form, "***")
    return text


def xyz_template_problems(template: str) -> list[str]:
    """What is wrong with an XYZ address template (empty when nothing is).

    >>> xyz_template_problems("https://t.example/{z}/{x}/{y}.png")
    []
    >>> xyz_template_problems("https://{s}.t.example/{z}/{x}.png")
    ['{y} saknas', 'okänd platshållare {s}']
    """
    problems = []
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append("adressen måste börja med http:// eller https:// och ha ett värdnamn")
    placeholders = set(re.findall(r"\{[^}]*\}", template))
    for needed in ("{z}", "{x}"):
        if needed not in placeholders:
            problems.append(f"{needed} saknas")
    if not placeholders & {"{y}", "{-y}"}:
        problems.append("{y} saknas")
    problems += [f"okänd platshållare {p}" for p in sorted(placeholders - XYZ_PLACEHOLDERS)]
    return problems


def matrices_to_json(matrices: tuple[TileMatrix, ...]) -> list[list[Any]]:
    return [
        [
            m.identifier,
            m.scale_denominator,
            m.left,
            m.top,
            m.tile_width,
            m.tile_height,
            m.matrix_width,
            m.matrix_height,
        ]
        for m in matrices
    ]


def matrices_from_json(rows: list[list[Any]]) -> tuple[TileMatrix, ...]:
    return tuple(
        TileMatrix(str(r[0]), float(r[1]), float(r[2]), float(r[3]), *(int(v) for v in r[4:8]))
        for r in rows
    )
