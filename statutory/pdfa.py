"""PDF/A-2b for the archive: Chromium's PDF (``mapapp.pdf``) rewritten by Ghostscript (docs/decisions/0802).

Ghostscript's pdfwrite with ``-dPDFA=2`` re-embeds every font, converts colours to RGB with an sRGB
OutputIntent and writes the XMP metadata that claims PDF/A-2B. The sRGB profile is the one Debian's
Ghostscript ships (package libgs-common, ``/usr/share/color/icc/ghostscript/srgb.icc``); the PostScript
prefix below is Ghostscript's own ``PDFA_def.ps`` with that profile and the title filled in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

GS = os.environ.get("TRYGG_GHOSTSCRIPT", "gs")
SRGB_CANDIDATES = (
    "/usr/share/color/icc/ghostscript/srgb.icc",
    *sorted(str(p) for p in Path("/usr/share/ghostscript").glob("*/iccprofiles/srgb.icc")),
)
TIMEOUT_S = 120


class PdfAError(RuntimeError):
    pass


def _ps_string(text: str) -> str:
    """A PostScript string: ASCII as a literal, anything else as UTF-16BE hex with a byte order mark
    (the PDF text string form, so "Lägesbild" stays "Lägesbild" in the document's title).

    >>> _ps_string("srgb.icc"), _ps_string("Lä")
    ('(srgb.icc)', '<FEFF004C00E4>')
    """
    if text.isascii():
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def definition(icc: str, title: str) -> str:
    """Ghostscript's PDFA_def.ps, customised: the OutputIntent with the sRGB profile, and the title."""
    return f"""%!
[ /Title {_ps_string(title)} /DOCINFO pdfmark
/ICCProfile {_ps_string(icc)} def
[/_objdef {{icc_PDFA}} /type /stream /OBJ pdfmark
[{{icc_PDFA}} << /N 3 >> /PUT pdfmark
[{{icc_PDFA}} ICCProfile (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFA}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFA}} <<
  /Type /OutputIntent
  /S /GTS_PDFA1
  /DestOutputProfile {{icc_PDFA}}
  /OutputConditionIdentifier (sRGB)
>> /PUT pdfmark
[{{Catalog}} <</OutputIntents [ {{OutputIntent_PDFA}} ]>> /PUT pdfmark
"""


def srgb_profile() -> str:
    for path in SRGB_CANDIDATES:
        if Path(path).is_file():
            return path
    raise PdfAError(
        "PDF/A needs Ghostscript's sRGB profile (Debian package ghostscript); it is not installed"
    )


def to_pdfa(pdf: bytes, *, title: str = "Trygg") -> bytes:
    """``pdf`` as PDF/A-2b. Raises ``PdfAError`` when Ghostscript is missing or fails."""
    if shutil.which(GS) is None:
        raise PdfAError("PDF/A needs Ghostscript (Debian package ghostscript); it is not installed")
    icc = srgb_profile()
    with tempfile.TemporaryDirectory(prefix="trygg-pdfa-") as tmp:
        src, dst, prefix = Path(tmp, "in.pdf"), Path(tmp, "out.pdf"), Path(tmp, "pdfa_def.ps")
        src.write_bytes(pdf)
        prefix.write_text(definition(icc, title), encoding="ascii")
        command = [
            GS,
            "-dPDFA=2",
            "-dBATCH",
            "-dNOPAUSE",
            "-dQUIET",
            "-dSAFER",
            f"--permit-file-read={icc}",
            "-sColorConversionStrategy=RGB",
            "-dPDFACompatibilityPolicy=1",
            "-sDEVICE=pdfwrite",
            f"-sOutputFile={dst}",
            str(prefix),
            str(src),
        ]
        try:
            done = subprocess.run(  # noqa: S603  (fixed program, paths we made, no shell)
                command, capture_output=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise PdfAError("Ghostscript took too long to make the PDF/A") from e
        if done.returncode != 0 or not dst.is_file():
            message = done.stderr.decode(errors="replace").strip()[-500:]
            raise PdfAError(f"Ghostscript could not make the PDF/A: {message}")
        return dst.read_bytes()
