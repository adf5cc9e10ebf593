"""Swedish first, English second: every interface text has an English translation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_interface_text_has_an_english_translation() -> None:
    result = subprocess.run(
        ["scripts/build_locale.sh"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PY": sys.executable, "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    po = (ROOT / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    empty = re.findall(r'msgid "(.+)"\nmsgstr ""\n\n', po)
    assert empty == []
