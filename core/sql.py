"""Run an app's ``sql/<name>.sql`` file with ``%(name)s`` parameters (STYLE.md, "Where spatial SQL lives").

File names come from the calling code, never from a request; values only as parameters.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection


@lru_cache(maxsize=64)
def sql_text(app_label: str, name: str) -> str:
    """The text of ``<app>/sql/<name>.sql`` (read once per process)."""
    path = Path(apps.get_app_config(app_label).path) / "sql" / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def fetch_one(app_label: str, name: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of the app's SQL file run with ``params``."""
    with connection.cursor() as cursor:
        cursor.execute(sql_text(app_label, name), params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None
