#!/usr/bin/env bash
# Build the English catalogue from the Swedish message ids in the code and locale/en/translations/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# The .po is build output: start it afresh, or msgmerge would carry over "fuzzy" guesses from
# similar old ids (wrong English that msgfmt then leaves out, so the page stays Swedish).
rm -f locale/en/LC_MESSAGES/django.po
DJANGO_SETTINGS_MODULE=config.test_settings "$PY" manage.py makemessages -l en --no-location \
  --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests --ignore=bench -v 0
"$PY" scripts/po_fill.py
msgfmt --check-format -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po
