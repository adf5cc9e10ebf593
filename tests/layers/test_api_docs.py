"""docs/api.md's GDAL examples are ones that work well against Trygg (issue 10).

GDAL 3.6's OAPIF driver asks for 10 features a page unless told otherwise: a layer of thousands of
incidents takes hundreds of requests, and the request throttle may refuse some. Every ``ogrinfo`` and
``ogr2ogr`` example therefore sets ``-oo PAGE_SIZE=1000``.
"""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def gdal_commands(text: str) -> list[str]:
    """Every ogrinfo/ogr2ogr command in the text: in code blocks (with continued lines joined) and in
    inline code."""
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = [
        line.strip() for line in joined.splitlines() if re.match(r"\s*(ogrinfo|ogr2ogr)\b", line)
    ]
    commands += re.findall(r"`((?:ogrinfo|ogr2ogr) [^`]*)`", joined)  # a command, not the word
    return commands


def test_every_gdal_example_in_the_api_guide_asks_for_pages_of_1000() -> None:
    commands = gdal_commands(DOC.read_text(encoding="utf-8"))

    assert len(commands) >= 4  # the examples are still there
    assert [c for c in commands if "-oo PAGE_SIZE=1000" not in c] == []


def test_the_api_guide_shows_the_key_as_bearer_to_gdal() -> None:
    commands = gdal_commands(DOC.read_text(encoding="utf-8"))

    assert any("GDAL_HTTP_HEADERS" in c and "Bearer" in c for c in commands)
