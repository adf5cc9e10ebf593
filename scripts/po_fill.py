"""Fill empty English msgstr entries in locale/en/LC_MESSAGES/django.po from a JSON dict.

Usage: python scripts/po_fill.py translations.json
The JSON maps the Swedish msgid (as one string) to its English text. Entries already translated
are left as they are. Run `manage.py makemessages -l en` first so every msgid is in the file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'(msgid (?:"(?:[^"\\]|\\.)*"\n)+)msgstr ""\n(?!")', re.M)


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(path: str) -> None:
    translations: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    po = PO.read_text(encoding="utf-8")
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        msgid = _unquote(match.group(1)[len("msgid ") :])
        if msgid == "":
            return match.group(0)
        if msgid not in translations:
            missing.append(msgid)
            return match.group(0)
        return f"{match.group(1)}msgstr {_quote(translations[msgid])}\n"

    PO.write_text(ENTRY.sub(fill, po), encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid}")


if __name__ == "__main__":
    main(sys.argv[1])
