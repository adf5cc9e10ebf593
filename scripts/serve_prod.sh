#!/usr/bin/env bash
# `make prod`: nginx on HOST:PORT in front of gunicorn on 127.0.0.1:APP_PORT, as in production
# (docs/deployment.md, deploy/nginx.conf). Runs in the foreground; Ctrl-C stops both.
# The settings come from the environment (docs/deployment.md): at least TRYGG_SECRET_KEY, and on a
# laptop without TLS TRYGG_HTTPS=0.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
APP_PORT=${APP_PORT:-8001}
RUN_DIR=$(pwd)/${RUN_DIR:-var/nginx}
export TRYGG_BEHIND_PROXY=${TRYGG_BEHIND_PROXY:-1}  # X-Real-IP from nginx is the client's address

command -v nginx >/dev/null || { echo "nginx is missing: run make system (Debian) or install nginx" >&2; exit 1; }
"$PY" manage.py nginx_config --listen "$HOST:$PORT" --upstream "127.0.0.1:$APP_PORT" \
  --run-dir "$RUN_DIR" --access-log /dev/stdout --error-log stderr --output "$RUN_DIR/nginx.conf"
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$APP_PORT" --workers 2 --threads 24 \
  --log-level warning &
gunicorn_pid=$!
trap 'kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true' EXIT
echo "Trygg runs on http://$HOST:$PORT/ (nginx, gunicorn on 127.0.0.1:$APP_PORT; stop with Ctrl-C)"
nginx -e stderr -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf"
