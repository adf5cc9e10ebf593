"""nginx's configuration for Trygg, from the template deploy/nginx.conf (docs/deployment.md).

The body limit of each address comes from ``config.security.body_limits``, the table the application
itself enforces, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from django.conf import settings

from config.security import DEFAULT_BODY_BYTES, body_limits

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"
TEMP_FOLDERS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
# nginx started as root runs its workers as this user, who must own its temporary folders.
WORKER_USER = "nobody"


def body_limit_locations() -> str:
    blocks = []
    for limit in body_limits():
        blocks.append(
            f"        # {limit.name}\n"
            f"        location ~ ^{limit.path}$ {{\n"
            f"            client_max_body_size {limit.max_bytes};\n"
            f"            proxy_pass http://trygg_app;\n"
            f"        }}\n"
        )
    return "\n".join(blocks)


def render(
    *,
    listen: str,
    upstream: str,
    run_dir: Path,
    access_log: str = "off",
    error_log: str | None = None,
) -> str:
    """The whole nginx.conf: nginx on ``listen`` (a port, or address:port) in front of gunicorn on
    ``upstream`` (address:port or ``unix:/path``), keeping its own files in ``run_dir``."""
    worker_user = ""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(WORKER_USER)
        worker_user = f"user {entry.pw_name} {_group_name(entry.pw_gid)};"
    values = {
        "@USER@": worker_user,
        "@RUN_DIR@": str(run_dir),
        "@ERROR_LOG@": error_log or str(run_dir / "error.log"),
        "@ACCESS_LOG@": access_log,
        "@DEFAULT_BODY_BYTES@": str(DEFAULT_BODY_BYTES),
        "@UPSTREAM@": upstream,
        "@LISTEN@": listen,
        "@BODY_LIMIT_LOCATIONS@": body_limit_locations(),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def prepare_run_dir(run_dir: Path) -> None:
    """Make ``run_dir`` and nginx's temporary folders in it, owned by nginx's workers when run as root."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for name in TEMP_FOLDERS:
        folder = run_dir / name
        folder.mkdir(exist_ok=True)
        folder.chmod(0o700)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(WORKER_USER)
            os.chown(folder, entry.pw_uid, entry.pw_gid)


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
