"""Build the English catalogue: fill locale/en/LC_MESSAGES/django.po from locale/en/translations/*.json.

The .po file is build output (makemessages writes it, this fills it, msgfmt compiles it); the English texts
live in one JSON file per part of the product, so parallel work does not collide in one big .po file.
Each JSON maps a Swedish msgid to its English text. Untranslated ids are listed on stderr.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "en"
PO = LOCALE / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'(msgid (?:"(?:[^"\\]|\\.)*"\n)+)msgstr ""\n(?!")', re.M)


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), "".join(parts))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def translations() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((LOCALE / "translations").glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def main() -> int:
    table = translations()
    po = PO.read_text(encoding="utf-8")
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        msgid = _unquote(match.group(1)[len("msgid ") :])
        if msgid == "":
            return match.group(0)
        if msgid not in table:
            missing.append(msgid)
            return match.group(0)
        return f"{match.group(1)}msgstr {_quote(table[msgid])}\n"

    PO.write_text(ENTRY.sub(fill, po), encoding="utf-8")
    for msgid in missing:
        print(f"untranslated (add to locale/en/translations/*.json): {msgid}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
