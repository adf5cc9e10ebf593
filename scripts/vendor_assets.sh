#!/usr/bin/env bash
# Copy the browser assets that package.json pins (installed by npm ci) into mapapp/static/vendor,
# so every page is served from this server and nothing loads from the internet.
set -euo pipefail
src=node_modules
dst=mapapp/static/vendor
rm -rf "$dst.tmp"
mkdir -p "$dst.tmp"
cp -r "$src/leaflet/dist" "$dst.tmp/leaflet"
cp -r "$src/leaflet.markercluster/dist" "$dst.tmp/leaflet.markercluster"
cp -r "$src/leaflet-draw/dist" "$dst.tmp/leaflet-draw"
mkdir -p "$dst.tmp/leaflet.vectorgrid" "$dst.tmp/chart.js" "$dst.tmp/protomaps-leaflet"
cp "$src/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js" "$dst.tmp/leaflet.vectorgrid/"
cp "$src/chart.js/dist/chart.umd.min.js" "$dst.tmp/chart.js/"
# The vector background's renderer (docs/decisions/0750): one file, global protomapsL.
cp "$src/protomaps-leaflet/dist/protomaps-leaflet.js" "$dst.tmp/protomaps-leaflet/"
for pkg in leaflet leaflet.markercluster leaflet-draw leaflet.vectorgrid chart.js protomaps-leaflet; do
  cp "$src/$pkg/package.json" "$dst.tmp/$pkg/package.json"
  for lic in LICENSE LICENSE.md MIT-LICENCE.txt; do
    [[ -f "$src/$pkg/$lic" ]] && cp "$src/$pkg/$lic" "$dst.tmp/$pkg/"
  done
done
find "$dst.tmp" -name '*.map' -delete
rm -rf "$dst"
mv "$dst.tmp" "$dst"
