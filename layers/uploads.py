"""Safe intake of uploaded and imported files (docs/security.md, issue "hostile uploads").

Every importer takes its file through here before any parser or GDAL sees it:

- ``receive`` copies an upload into a private folder with a size limit;
- ``sniff`` tells the format from the content, never from the name, and ``check_name_matches`` refuses
  a file passed off under another format's name;
- ``extract_zip`` unpacks an archive with limits on files and bytes, refusing ``..``, absolute paths,
  symlinks, nested archives and zip bombs, counting the bytes really written;
- ``parse_xml`` parses XML with DTDs, entities and external references forbidden (XXE, billion laughs);
- ``gdal_path`` refuses GDAL virtual file systems and VRT, so GDAL only ever opens a local file.

Each refusal is an ``UploadRejected`` with a message safe to show and an HTTP status for the page.
"""

from __future__ import annotations

import io
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _

from geo.dxf import looks_like_dxf

GPKG = "gpkg"
ZIP = "zip"
GEOJSON = "geojson"
CSV = "csv"
XML = "xml"
OSM_PBF = "osm.pbf"
FLATGEOBUF = "fgb"
DXF = "dxf"

# The names each format may arrive under. A name from another row of this table is refused.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    GPKG: (".gpkg",),
    ZIP: (".zip", ".shz"),
    GEOJSON: (".geojson", ".json"),
    CSV: (".csv", ".txt", ".tsv"),
    XML: (".xml", ".gml"),
    OSM_PBF: (".pbf", ".osm.pbf"),
    FLATGEOBUF: (".fgb",),
    DXF: (".dxf",),
}


class UploadRejected(ValueError):
    """A file Trygg will not read; ``str(e)`` names the problem and is safe to show."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 512 * 1024 * 1024  # the file as uploaded
    max_unpacked_bytes: int = 1024 * 1024 * 1024  # everything an archive unpacks to
    max_files: int = 64  # members of an archive
    max_ratio: float = 100.0  # unpacked / packed size of one archive member
    max_features: int = 2_000_000
    max_vertices: int = 20_000_000
    max_xml_bytes: int = 50 * 1024 * 1024  # an XML file is parsed whole: a plan is a few MB

    @classmethod
    def from_settings(cls) -> Limits:
        overrides = getattr(settings, "UPLOAD_LIMITS", {}) or {}
        return cls(**overrides)


def private_dir() -> Path:
    """A folder for files being imported, under MEDIA_ROOT but never served (docs/security.md)."""
    root = Path(settings.MEDIA_ROOT) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def workspace() -> Iterator[Path]:
    """A private temporary folder, removed afterwards whatever happens."""
    path = Path(tempfile.mkdtemp(prefix="import-", dir=private_dir()))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def receive(
    stream: IO[bytes], filename: str, dest_dir: Path, *, limits: Limits | None = None
) -> Path:
    """Copy ``stream`` into ``dest_dir`` under a safe version of ``filename``, stopping at the size limit."""
    limits = limits or Limits.from_settings()
    name = safe_filename(filename)
    target = dest_dir / name
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > limits.max_bytes:
                out.close()
                target.unlink(missing_ok=True)
                raise UploadRejected(
                    _("%(file)s: filen är större än %(max)s MB")
                    % {"file": filename, "max": limits.max_bytes // (1024 * 1024)},
                    status=413,
                )
            out.write(chunk)
    if written == 0:
        target.unlink(missing_ok=True)
        raise UploadRejected(_("%(file)s: filen är tom") % {"file": filename}, status=400)
    return target


def safe_filename(filename: str) -> str:
    """The last part of ``filename``, with anything but letters, digits, dot, dash and underscore replaced.

    >>> safe_filename("../../etc/passwd"), safe_filename("C:\\\\plan 1.gpkg"), safe_filename("/vsicurl/x.gpkg")
    ('passwd', 'plan_1.gpkg', 'x.gpkg')
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in base).lstrip(".")
    return cleaned[:120] or "upload"


def sniff(path: Path) -> str:
    """The format of ``path`` from its first bytes; raises ``UploadRejected`` (415) when it is none we read."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"SQLite format 3\x00"):
        if len(head) >= 72 and head[68:72] == b"GPKG":
            return GPKG
        raise UploadRejected(
            _("%(file)s: en SQLite-fil som inte är en GeoPackage") % {"file": path.name}, status=415
        )
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return ZIP
    if head.startswith(b"fgb\x03"):
        return FLATGEOBUF
    if _is_osm_pbf(head):
        return OSM_PBF
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return XML
    if text.startswith((b"{", b"[")):
        return GEOJSON
    # A DXF drawing is text too: recognise it before anything is taken for CSV.
    if looks_like_dxf(head):
        return DXF
    if head and _looks_like_text(head):
        return CSV
    raise UploadRejected(
        _("%(file)s: inte ett format som Trygg läser (GeoPackage, GeoJSON, CSV, zip, XML, OSM PBF)")
        % {"file": path.name},
        status=415,
    )


def check_name_matches(path: Path, fmt: str, original_name: str | None = None) -> None:
    """Refuse a file whose name claims another format than its content (e.g. XML named .gpkg)."""
    name = (original_name or path.name).lower()
    claimed = [f for f, exts in EXTENSIONS.items() if name.endswith(exts)]
    if claimed and fmt not in claimed:
        raise UploadRejected(
            _("%(file)s: namnet säger %(claimed)s men innehållet är %(fmt)s")
            % {"file": original_name or path.name, "claimed": claimed[0], "fmt": fmt},
            status=415,
        )


def extract_zip(path: Path, dest: Path, *, limits: Limits | None = None) -> list[Path]:
    """Unpack ``path`` into ``dest`` safely and return the files written."""
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise UploadRejected(
            _("%(file)s: inte en läsbar zip-fil (%(error)s)") % {"file": path.name, "error": e}
        ) from e
    written: list[Path] = []
    total = 0
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.max_files:
            raise UploadRejected(
                _("%(file)s: arkivet har %(n)s filer, fler än gränsen %(max)s")
                % {"file": path.name, "n": len(members), "max": limits.max_files}
            )
        for member in members:
            target = _member_target(dest, member, path.name)
            if member.flag_bits & 0x1:
                raise UploadRejected(
                    _("%(file)s: %(member)s är krypterad; skicka arkivet utan lösenord")
                    % {"file": path.name, "member": member.filename}
                )
            if member.file_size > limits.max_unpacked_bytes - total:
                raise UploadRejected(_too_big_unpacked(path.name, limits))
            if member.compress_size and member.file_size / member.compress_size > limits.max_ratio:
                raise UploadRejected(
                    _("%(file)s: %(member)s är misstänkt hårt packad (en zip-bomb?)")
                    % {"file": path.name, "member": member.filename}
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as src, target.open("wb") as out:
                    # Count what is really written: the sizes in the header can lie.
                    while chunk := src.read(1024 * 1024):
                        total += len(chunk)
                        if total > limits.max_unpacked_bytes:
                            raise UploadRejected(_too_big_unpacked(path.name, limits))
                        out.write(chunk)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,
                RuntimeError,
            ) as e:
                # A CRC or length that does not match the data, an unknown compression, a password.
                raise UploadRejected(
                    _("%(file)s: %(member)s kan inte packas upp (%(error)s)")
                    % {"file": path.name, "member": member.filename, "error": e}
                ) from e
            if target.suffix.lower() == ".zip" or sniff_bytes(target) == ZIP:
                raise UploadRejected(
                    _("%(file)s: arkiv i arkiv läses inte (%(member)s)")
                    % {"file": path.name, "member": member.filename}
                )
            written.append(target)
    return written


def _member_target(dest: Path, member: zipfile.ZipInfo, archive_name: str) -> Path:
    name = member.filename
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UploadRejected(
            _("%(file)s: arkivet innehåller en symbolisk länk (%(member)s)")
            % {"file": archive_name, "member": name}
        )
    pure = PurePosixPath(name.replace("\\", "/"))
    if (
        pure.is_absolute()
        or ".." in pure.parts
        or (pure.parts and ":" in pure.parts[0])
        or name.startswith("/")
    ):
        raise UploadRejected(_outside(archive_name, name))
    target = (dest / pure).resolve()
    if not str(target).startswith(str(dest.resolve()) + "/"):
        raise UploadRejected(_outside(archive_name, name))
    return target


def _outside(archive_name: str, member: str) -> str:
    return _("%(file)s: arkivet innehåller en sökväg utanför sin mapp (%(member)s)") % {
        "file": archive_name,
        "member": member,
    }


def _too_big_unpacked(archive_name: str, limits: Limits) -> str:
    return _("%(file)s: arkivet packas upp till mer än %(max)s MB (en zip-bomb?)") % {
        "file": archive_name,
        "max": limits.max_unpacked_bytes // (1024 * 1024),
    }


def sniff_bytes(path: Path) -> str | None:
    try:
        return sniff(path)
    except UploadRejected:
        return None


def parse_xml(data: bytes, *, name: str = "XML") -> Element:
    """Parse XML with DTDs, entities and external references forbidden."""
    try:
        root: Element = safe_et.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as e:
        raise UploadRejected(
            _(
                "%(file)s: XML-filen deklarerar en DTD eller entiteter, vilket inte tillåts (%(kind)s)"
            )
            % {"file": name, "kind": type(e).__name__}
        ) from e
    except safe_et.ParseError as e:
        raise UploadRejected(
            _("%(file)s: inte välformad XML (%(error)s)") % {"file": name, "error": e}
        ) from e
    return root


def gdal_path(path: Path) -> str:
    """The path to hand to GDAL, refusing virtual file systems and VRT (docs/decisions/0005)."""
    text = str(path)
    if text.startswith("/vsi") or "/vsi" in text or text.lower().endswith(".vrt"):
        raise UploadRejected(_("%(file)s: GDAL:s virtuella filer läses inte") % {"file": path.name})
    if not path.is_file():
        raise UploadRejected(_("%(file)s: inte en fil") % {"file": path.name})
    return text


def _is_osm_pbf(head: bytes) -> bool:
    # A PBF starts with a 4-byte big-endian BlobHeader length, then field 1 (type) = "OSMHeader".
    if len(head) < 16:
        return False
    (length,) = struct.unpack(">I", head[:4])
    return 0 < length < 64 * 1024 and head[4:6] == b"\x0a\x09" and head[6:15] == b"OSMHeader"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        io.StringIO(head.decode("utf-8"))
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True
