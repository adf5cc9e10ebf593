"""A map service for the tests, on 127.0.0.1: XYZ tiles in Web Mercator, and WMTS with only a SWEREF 99
TM tile matrix set (Lantmäteriet's grid) or with a Web Mercator set as well.

Every tile is painted on request from a pure function of its ground coordinates: paper, a blue line every
500 m of SWEREF 99 TM (Web Mercator for the XYZ tiles), and a red disc at ``MARK`` (Väsby centrum). So a
test knows which pixel of any reprojected tile must be red. The server counts every request and keeps its
headers, requires a key when given one, and can be told to fail.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image

from geo.crs import transformer
from tests.factories import VASBY_CENTRUM

MARK = VASBY_CENTRUM  # SWEREF 99 TM
PAPER = (240, 232, 214)
GRID = (90, 90, 200)
RED = (220, 0, 0)
ORIGIN_E, ORIGIN_N = -1_200_000.0, 8_500_000.0  # Lantmäteriet's 3006 grid: 4096 / 2^z m per pixel
LEVELS = range(0, 14)
HALF = 20037508.342789244
# The layer's extent (WGS 84) and the painted area: tiles outside it are 404, as a real service answers.
LAYER_BBOX = (17.85, 59.49, 17.98, 59.55)  # about 3.5 km around Väsby centrum


def disc_radius_m(res: float) -> float:
    return max(6.0, 3.0 * res)


def paint(e: np.ndarray, n: np.ndarray, res: float, mark: tuple[float, float]) -> np.ndarray:
    """RGB pixels for ground coordinates (e, n) in some metric CRS, ``res`` metres per pixel."""
    img = np.empty((*e.shape, 3), np.uint8)
    img[:] = PAPER
    line = max(res, 2.0)
    img[(np.mod(e, 500) < line) | (np.mod(n, 500) < line)] = GRID
    img[(e - mark[0]) ** 2 + (n - mark[1]) ** 2 < disc_radius_m(res) ** 2] = RED
    return img


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def sweref_tile(level: int, row: int, col: int) -> bytes:
    res = 4096.0 / 2**level
    centres = (np.arange(256) + 0.5) * res
    e = ORIGIN_E + col * 256 * res + centres[None, :]
    n = ORIGIN_N - row * 256 * res - centres[:, None]
    e, n = np.broadcast_arrays(e, n)
    return png(paint(e, n, res, MARK))


def mercator_tile(z: int, x: int, y: int, *, noise: bool = False) -> bytes:
    span = 2 * HALF / 2**z
    res = span / 256
    centres = (np.arange(256) + 0.5) * res
    mx = -HALF + x * span + centres[None, :]
    my = HALF - y * span - centres[:, None]
    mx, my = np.broadcast_arrays(mx, my)
    mark = transformer(3006, 3857).transform(*MARK)
    pixels = paint(mx, my, res, mark)
    if noise:  # incompressible: a tile of about 190 KB, to fill a cache quickly
        rng = np.random.default_rng(z * 1_000_003 + x * 1009 + y)
        pixels = rng.integers(0, 256, pixels.shape, dtype=np.uint8)
    return png(pixels)


def _in_layer(level: int, row: int, col: int) -> bool:
    to_sweref = transformer(4326, 3006)
    e0, n0 = to_sweref.transform(LAYER_BBOX[0], LAYER_BBOX[1])
    e1, n1 = to_sweref.transform(LAYER_BBOX[2], LAYER_BBOX[3])
    span = 4096.0 / 2**level * 256
    left, top = ORIGIN_E + col * span, ORIGIN_N - row * span
    return (
        left < max(e0, e1)
        and left + span > min(e0, e1)
        and top > min(n0, n1)
        and top - span < max(n0, n1)
    )


def _sweref_matrices(corner: str) -> str:
    out = []
    for z in LEVELS:
        res = 4096.0 / 2**z
        first, second = (ORIGIN_N, ORIGIN_E) if corner == "NE" else (ORIGIN_E, ORIGIN_N)
        out.append(
            f"""      <TileMatrix>
        <ows:Identifier>{z}</ows:Identifier>
        <ScaleDenominator>{res / 0.00028!r}</ScaleDenominator>
        <TopLeftCorner>{first:.1f} {second:.1f}</TopLeftCorner>
        <TileWidth>256</TileWidth><TileHeight>256</TileHeight>
        <MatrixWidth>{4 * 2**z}</MatrixWidth><MatrixHeight>{4 * 2**z}</MatrixHeight>
      </TileMatrix>"""
        )
    return "\n".join(out)


def _mercator_matrices() -> str:
    return "\n".join(
        f"""      <TileMatrix>
        <ows:Identifier>{z:02d}</ows:Identifier>
        <ScaleDenominator>{559082264.0287178 / 2**z!r}</ScaleDenominator>
        <TopLeftCorner>-20037508.3427892 20037508.3427892</TopLeftCorner>
        <TileWidth>256</TileWidth><TileHeight>256</TileHeight>
        <MatrixWidth>{2**z}</MatrixWidth><MatrixHeight>{2**z}</MatrixHeight>
      </TileMatrix>"""
        for z in range(0, 19)
    )


def capabilities(port: int, *, with_mercator: bool, prefix: str = "/wmts") -> str:
    sets = "<TileMatrixSetLink><TileMatrixSet>3006</TileMatrixSet></TileMatrixSetLink>"
    mercator = ""
    if with_mercator:
        sets += "<TileMatrixSetLink><TileMatrixSet>3857</TileMatrixSet></TileMatrixSetLink>"
        mercator = f"""    <TileMatrixSet>
      <ows:Identifier>3857</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>
{_mercator_matrices()}
    </TileMatrixSet>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1"
    xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">
  <ows:ServiceIdentification>
    <ows:Title>Trygg test WMTS</ows:Title>
    <ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>
  </ows:ServiceIdentification>
  <Contents>
    <Layer>
      <ows:Title>Test topo</ows:Title>
      <ows:WGS84BoundingBox><ows:LowerCorner>{LAYER_BBOX[0]} {LAYER_BBOX[1]}</ows:LowerCorner><ows:UpperCorner>{LAYER_BBOX[2]} {LAYER_BBOX[3]}</ows:UpperCorner></ows:WGS84BoundingBox>
      <ows:Identifier>topo</ows:Identifier>
      <Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
      <Format>image/png</Format>
      {sets}
      <ResourceURL format="image/png" resourceType="tile"
        template="http://127.0.0.1:{port}{prefix}/topo/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.png"/>
    </Layer>
    <TileMatrixSet>
      <ows:Identifier>3006</ows:Identifier>
      <ows:SupportedCRS>urn:ogc:def:crs:EPSG::3006</ows:SupportedCRS>
{_sweref_matrices("NE")}
    </TileMatrixSet>
{mercator}
  </Contents>
</Capabilities>
"""


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class TileServer:
    """Start with ``running()``. ``key``: required as header ``key_header``, parameter ``key_param`` or
    in the path (``/token/<key>/…``); ``failing``: answer 503 to everything."""

    key: str = ""
    key_header: str = ""
    key_param: str = ""
    host: str = "127.0.0.1"
    failing: bool = False
    noise: bool = False
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    redirect_to: str = ""  # e.g. "http://127.0.0.2:PORT": /redirect/... answers 302 there
    _server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def tile_requests(self) -> list[str]:
        return [s.path for s in self.seen if s.path.endswith(".png") or "GetTile" in s.path]

    def start(self) -> None:
        server = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    server.seen.append(Seen(self.path, dict(self.headers.items())))
                status, content_type, body, extra = server.answer(
                    self.path, dict(self.headers.items())
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _keyed_path(self, path: str, query: dict[str, str], headers: dict[str, str]) -> str:
        """The path asked for, or "/refused" when the key is missing or wrong (in the path, a
        header or a query parameter, as this server is set up)."""
        token = re.match(r"^/token/([^/]+)(/.*)$", path)
        if token:
            return token.group(2) if token.group(1) == self.key else "/refused"
        if self.key_header and headers.get(self.key_header) != self.key:
            return "/refused"
        if self.key_param and query.get(self.key_param.upper()) != self.key:
            return "/refused"
        if not (self.key_header or self.key_param):
            return "/refused"
        return path

    def answer(self, raw: str, headers: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        if self.failing:
            return 503, "text/plain", b"down for maintenance", {}
        parts = urlsplit(raw)
        path = parts.path
        query = {k.upper(): v[0] for k, v in parse_qs(parts.query).items()}
        if self.key:
            path = self._keyed_path(path, query, headers)
        if path == "/refused":
            return 403, "text/plain", b"key required", {}
        if found := re.match(r"^/(xyz|noise)/(\d+)/(\d+)/(\d+)\.png$", path):
            z, x, y = (int(g) for g in found.groups()[1:])
            return 200, "image/png", mercator_tile(z, x, y, noise=found.group(1) == "noise"), {}
        if found := re.match(r"^/redirect/(\d+)/(\d+)/(\d+)\.png$", path):
            return (
                302,
                "text/plain",
                b"",
                {"Location": f"{self.redirect_to}/xyz/{'/'.join(found.groups())}.png"},
            )
        if re.match(r"^/html/\d+/\d+/\d+\.png$", path):
            return 200, "text/html", b"<html><script>alert(1)</script></html>", {}
        if path in ("/wmts/1.0.0/WMTSCapabilities.xml", "/wmts-both/1.0.0/WMTSCapabilities.xml"):
            both = path.startswith("/wmts-both")
            prefix = "/wmts-both" if both else "/wmts"
            if self.key and self.key_header == "" and self.key_param == "":
                prefix = f"/token/{self.key}{prefix}"
            body = capabilities(self.port, with_mercator=both, prefix=prefix).encode()
            return 200, "application/xml", body, {}
        if found := re.match(r"^/wmts(?:-both)?/topo/default/3006/(\d+)/(\d+)/(\d+)\.png$", path):
            level, row, col = (int(g) for g in found.groups())
            if level not in LEVELS or not _in_layer(level, row, col):
                return 404, "text/plain", b"no tile", {}
            return 200, "image/png", sweref_tile(level, row, col), {}
        if found := re.match(r"^/wmts-both/topo/default/3857/(\d+)/(\d+)/(\d+)\.png$", path):
            z, y, x = (int(g) for g in found.groups())
            return 200, "image/png", mercator_tile(z, x, y), {}
        return 404, "text/plain", b"not found", {}


@contextmanager
def running(**options: object) -> Iterator[TileServer]:
    server = TileServer(**options)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()
