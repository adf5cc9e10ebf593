"""Files sent as downloads: built whole before the answer, and read in byte ranges (docs/decisions/0641).

Two rules for every export:

- **A download is built whole before its first byte is sent** (``attachment``). A file streamed while it
  is written can fail half-way, after its 200 has gone out: the client then holds a file that looks
  complete (a GeoJSON that stops after ``"features": [``) and a script takes it for an empty layer.
  Built first, a failure is an error answer, and the answer carries a ``Content-Length``, so a client
  also notices a connection that breaks off. Large files are built in an unlinked temporary file, not
  in memory.
- **A file may be read in parts** (``ranged``): ``Range: bytes=…`` gets ``206 Partial Content`` with
  ``Content-Range``, an unsatisfiable range ``416``, and every answer says ``Accept-Ranges: bytes``.
  GDAL's ``/vsicurl/`` reads a Cloud Optimized GeoTIFF this way: the header first, then the tiles it
  needs (RFC 9110 §14).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse

# A file larger than this is written to disk while it is built, not held in memory.
SPOOL_BYTES = 8 * 1024 * 1024

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def attachment(
    chunks: Iterable[bytes],
    *,
    content_type: str,
    filename: str,
    spool_dir: Path | None = None,
) -> FileResponse:
    """A download of everything ``chunks`` yields, built whole first; an exception while building
    propagates (so the caller, or Django, answers with an error) and leaves no file behind.

    ``spool_dir``: a private folder for files over ``SPOOL_BYTES`` (the system's temporary folder when
    None); the file there is unlinked at once, so it goes when the answer is closed.
    """
    spooled = tempfile.SpooledTemporaryFile(
        max_size=SPOOL_BYTES, mode="w+b", dir=os.fspath(spool_dir) if spool_dir else None
    )
    try:
        for chunk in chunks:
            spooled.write(chunk)
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    # FileResponse sets Content-Length from the file's size.
    return FileResponse(spooled, content_type=content_type, as_attachment=True, filename=filename)


class RangeNotSatisfiable(ValueError):
    """No byte of the asked range exists (416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range ``header`` asks of a file of ``size`` bytes, as (first, last), both included.

    None: answer the whole file (no header, a form we do not serve, several ranges: RFC 9110 lets a
    server ignore Range). Raises ``RangeNotSatisfiable`` when no byte of the range exists.

    >>> [byte_range(h, 1000) for h in ("bytes=0-99", "bytes=900-", "bytes=-100", "bytes=990-5000")]
    [(0, 99), (900, 999), (900, 999), (990, 999)]
    >>> [byte_range(h, 1000) for h in (None, "bytes=0-1,5-9", "items=0-9", "bytes=9-1")]
    [None, None, None, None]
    >>> byte_range("bytes=1000-", 1000)
    Traceback (most recent call last):
    ...
    core.downloads.RangeNotSatisfiable: bytes=1000- of 1000 bytes
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text:  # a suffix: the last n bytes
        if not last_text:
            return None
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"{header} of {size} bytes")
        return max(size - suffix, 0), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # not a valid range: ignored (RFC 9110 §14.1.1)
    if first >= size:
        raise RangeNotSatisfiable(f"{header} of {size} bytes")
    last = int(last_text) if last_text else size - 1
    return first, min(last, size - 1)


def ranged(request: HttpRequest, data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """``data`` as a download that honours ``Range`` (206), ``If-Range`` and unsatisfiable ranges (416)."""
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if_range = request.headers.get("If-Range")
    try:
        # An If-Range of another version: the client's parts are stale, so it gets the whole file.
        wanted = (
            None
            if if_range not in (None, etag)
            else byte_range(request.headers.get("Range"), len(data))
        )
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{len(data)}"
    else:
        if wanted is None:
            response = HttpResponse(data, content_type=content_type)
        else:
            first, last = wanted
            response = HttpResponse(data[first : last + 1], content_type=content_type, status=206)
            response["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
