#!/usr/bin/env bash
# Install the Debian packages Trygg needs, only those that are missing. Runs as root on Debian 12;
# elsewhere it prints what is needed and carries on (the README says what to install by hand).
set -euo pipefail

packages=(
  postgresql postgresql-contrib postgresql-15-postgis-3 postgresql-15-postgis-3-scripts
  gdal-bin libgdal-dev libgeos-c1v5 libproj25
  chromium fonts-dejavu-core gettext
  ghostscript  # PDF/A-2b of the lägesbild and åtgärdsplan (statutory/pdfa.py, decision 0802)
  nginx  # make prod runs its own nginx (deploy/nginx.conf); the Debian service is not used
)
command -v npm >/dev/null 2>&1 || packages+=(npm)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Trygg needs these system packages (or their equivalents): ${missing[*]}" >&2
  echo "Install them, or run 'make' as root on Debian 12." >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
