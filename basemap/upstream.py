"""Outbound HTTP to the configured map service: short timeouts, bounded answers, no hop to another host.

Every address asked for is built by Trygg from the administrator's configuration (``basemap.sources``);
nothing a browser sends becomes part of one. The key is added here, in a header, a parameter or the
path, and every message that could reach a log or a person passes through ``TileSource.redact`` first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 8.0
MAX_TILE_BYTES = 4 * 1024 * 1024
MAX_CAPABILITIES_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
# Requests to the service running at once per process: the service's rate limits and fair-use terms
# matter more than a cold cache filling fast (docs/decisions/0721).
CONCURRENCY = 6
WAIT_FOR_SLOT_S = 10.0

_pool = urllib3.PoolManager(
    num_pools=8,
    maxsize=CONCURRENCY,
    block=False,
    retries=False,
    timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
)
_slots = threading.BoundedSemaphore(CONCURRENCY)


class UpstreamError(Exception):
    """The service could not give an answer; the message never holds the key."""


class UpstreamTimeout(UpstreamError):
    pass


class UpstreamBusy(UpstreamError):
    """Every slot for the service was taken for longer than WAIT_FOR_SLOT_S."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    url: str  # the final address, redacted


def user_agent() -> str:
    return str(getattr(settings, "BASEMAP_USER_AGENT", "") or "Trygg (kommunal trygghetskarta)")


def get(
    url: str,
    *,
    headers: dict[str, str],
    redact: Callable[[str], str],
    max_bytes: int = MAX_TILE_BYTES,
) -> Answer:
    """GET ``url``; follow a redirect only to the same scheme, host and port (at most MAX_REDIRECTS).

    ``redact`` is a callable str -> str that removes the key from any text. Raises ``UpstreamError``
    (``UpstreamTimeout`` on a timeout, ``UpstreamBusy`` when no slot frees in time).
    """
    clean = redact
    origin = _origin(url)
    if not _slots.acquire(timeout=WAIT_FOR_SLOT_S):
        raise UpstreamBusy("the map service is busy with other requests from this server")
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            response = _request(url, headers, clean)
            try:
                if response.status in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location", "")
                    target = urljoin(url, location)
                    if not location or _origin(target) != origin:
                        raise UpstreamError(
                            "the map service redirected to another address: "
                            f"{clean(_short(target))}"
                        )
                    url = target
                    continue
                body = _read(response, max_bytes, clean)
                return Answer(
                    status=response.status,
                    content_type=response.headers.get("Content-Type", "").split(";")[0].strip(),
                    body=body,
                    url=clean(_short(url)),
                )
            finally:
                response.release_conn()
        raise UpstreamError("the map service redirected too many times")
    finally:
        _slots.release()


def _request(
    url: str, headers: dict[str, str], clean: Callable[[str], str]
) -> urllib3.BaseHTTPResponse:
    try:
        return _pool.request(
            "GET",
            url,
            headers={"User-Agent": user_agent(), **headers},
            redirect=False,
            preload_content=False,
        )
    except (
        urllib3.exceptions.NewConnectionError
    ) as e:  # refused, no route (a TimeoutError subclass)
        raise UpstreamError(f"the map service could not be reached ({clean(_short(url))})") from e
    except urllib3.exceptions.TimeoutError as e:
        raise UpstreamTimeout(
            f"the map service did not answer in time ({clean(_short(url))})"
        ) from e
    except (urllib3.exceptions.HTTPError, ValueError) as e:
        reason = type(e).__name__
        raise UpstreamError(
            f"the map service could not be reached ({reason}, {clean(_short(url))})"
        ) from e


def _read(response: urllib3.BaseHTTPResponse, max_bytes: int, clean: Callable[[str], str]) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise UpstreamError(f"the map service's answer is larger than {max_bytes} bytes")
    chunks = []
    size = 0
    try:
        for chunk in response.stream(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise UpstreamError(f"the map service's answer is larger than {max_bytes} bytes")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError as e:
        raise UpstreamTimeout("the map service stopped sending") from e
    except urllib3.exceptions.HTTPError as e:
        raise UpstreamError(f"the map service's answer broke off ({type(e).__name__})") from e
    return b"".join(chunks)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _short(url: str) -> str:
    return url if len(url) <= 300 else url[:300] + "…"
