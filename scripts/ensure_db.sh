#!/usr/bin/env bash
# Make sure a PostgreSQL server answers and the database exists with PostGIS. Idempotent.
#   DATABASE_URL set: use that server and database as they are (create the extension if allowed).
#   Otherwise: the local Debian cluster on the Unix socket, started when it is down, with a
#   superuser role for the current OS user (so Django can create the test database and PostGIS).
set -euo pipefail
db_name="${TRYGG_DB_NAME:-trygg}"

if [[ -n "${DATABASE_URL:-}" ]]; then
  for i in $(seq 1 30); do
    psql "$DATABASE_URL" -qAtc 'SELECT 1' >/dev/null 2>&1 && break
    [[ $i -eq 30 ]] && { echo "DATABASE_URL does not answer" >&2; exit 1; }
    sleep 1
  done
  psql "$DATABASE_URL" -qAtc 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null
  exit 0
fi

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "No local PostgreSQL (pg_lsclusters not found): install it or set DATABASE_URL" >&2
  exit 1
fi

cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2" "$4}')
if [[ -z "$cluster" ]]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
  echo "Creating PostgreSQL cluster $version main"
  pg_createcluster "$version" main --start >/dev/null
  cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2" "$4}')
fi
read -r version name status <<<"$cluster"
if [[ "$status" != online* ]]; then
  echo "Starting PostgreSQL cluster $version $name"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start 2>/dev/null \
    || pg_ctlcluster "$version" "$name" start
fi
for i in $(seq 1 30); do
  pg_isready -q && break
  [[ $i -eq 30 ]] && { echo "PostgreSQL did not come up" >&2; exit 1; }
  sleep 1
done

me=$(id -un)
as_postgres() {
  if [[ "$me" == "postgres" ]]; then "$@"; elif [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [[ "$(as_postgres psql -d postgres -qAtc "SELECT 1 FROM pg_roles WHERE rolname = '$me'")" != "1" ]]; then
  echo "Creating PostgreSQL superuser role $me"
  as_postgres createuser --superuser "$me"
fi
if [[ "$(psql -d postgres -qAtc "SELECT 1 FROM pg_database WHERE datname = '$db_name'")" != "1" ]]; then
  echo "Creating database $db_name"
  createdb "$db_name"
fi
psql -d "$db_name" -qAtc 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null
