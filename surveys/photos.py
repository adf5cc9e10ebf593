"""Photos from the field: checked, stripped of EXIF and other metadata, resized, with a thumbnail.

A tablet's camera writes the GPS position, the time and the device into the file. Trygg keeps none of it:
the place is the observation's point, and the picture is re-encoded from its pixels alone, so EXIF, XMP,
IPTC, ICC profiles and comments are all left behind (docs/security.md). The orientation tag is applied to
the pixels first, so the picture still stands the right way up.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE_PX = (
    2048  # long side of the stored picture: enough to read a sign, small enough for a tablet
)
THUMB_SIDE_PX = 320
JPEG_QUALITY = 85
MAX_PIXELS = 60_000_000  # a 60 MP camera at most; more is a decompression bomb, not a photo
# PNG and WebP are decoded whole (JPEG at a reduced scale): 16 MP is 48 MB a copy, and a copy or two is
# made on the way; a tablet's photos are JPEG, a PNG is a screenshot.
MAX_PIXELS_LOSSLESS = 16_000_000
DEFAULT_MAX_BYTES = 15 * 1024 * 1024
FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoRejected(ValueError):
    """A file that is not a photo Trygg keeps; ``str(e)`` is safe to show, ``status`` is the HTTP status."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes  # JPEG, no metadata, long side at most MAX_SIDE_PX
    thumbnail: bytes  # JPEG, long side at most THUMB_SIDE_PX
    width: int
    height: int


def max_bytes() -> int:
    """The largest photo upload accepted (``TRYGG_PHOTO_MAX_MB`` in settings, default 15 MB)."""
    return int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff_image(head: bytes) -> str | None:
    """The image format from the first bytes, or None.

    >>> sniff_image(b"\\xff\\xd8\\xff\\xe0rest"), sniff_image(b"\\x89PNG\\r\\n\\x1a\\n"), sniff_image(b"GIF89a")
    ('JPEG', 'PNG', None)
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean_photo(path: Path, *, name: str = "image") -> CleanPhoto:
    """Read the picture at ``path`` and return it re-encoded without metadata, resized, with a thumbnail."""
    with path.open("rb") as f:
        head = f.read(16)
    if sniff_image(head) is None:
        raise PhotoRejected(f"{name}: not a JPEG, PNG or WebP picture", status=415)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as probe:
                if probe.format not in FORMATS:
                    raise PhotoRejected(f"{name}: not a JPEG, PNG or WebP picture", status=415)
                most = MAX_PIXELS if probe.format == "JPEG" else MAX_PIXELS_LOSSLESS
                if probe.width * probe.height > most:
                    raise PhotoRejected(
                        f"{name}: {probe.width}×{probe.height} pixels is more than "
                        f"{most // 1_000_000} megapixels"
                    )
                probe.verify()
            with Image.open(path) as img:
                img.draft("RGB", (MAX_SIDE_PX, MAX_SIDE_PX))  # JPEG: decode at a reduced scale
                upright = ImageOps.exif_transpose(img)
                rgb = upright.convert("RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise PhotoRejected(
                f"{name}: more than {MAX_PIXELS // 1_000_000} megapixels, not a photo ({e})"
            ) from e
        except UnidentifiedImageError as e:
            raise PhotoRejected(f"{name}: the picture cannot be read ({e})") from e
        except (OSError, SyntaxError, ValueError) as e:  # truncated or corrupt files
            raise PhotoRejected(f"{name}: the picture is damaged or truncated ({e})") from e
    rgb.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the original's info (EXIF, XMP, ICC, comments) follows.
    bare = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    thumb = bare.copy()
    thumb.thumbnail((THUMB_SIDE_PX, THUMB_SIDE_PX), Image.Resampling.LANCZOS)
    return CleanPhoto(
        image=_jpeg(bare), thumbnail=_jpeg(thumb), width=bare.width, height=bare.height
    )


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
