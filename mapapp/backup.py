"""Backup and restore of the whole database, with a manifest that proves a restore is complete.

``backup`` writes a pg_dump custom-format file and, beside it, ``<file>.manifest.json`` with the row count
and a checksum of every table. ``restore`` loads the dump into a new database and compares counts and
checksums table by table; any difference fails the restore (docs/deployment.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from psycopg import sql

SKIP_TABLES = frozenset({"spatial_ref_sys"})  # PostGIS's own, created by the extension


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str


def _conninfo(dbname: str | None = None) -> dict[str, Any]:
    db = settings.DATABASES["default"]
    info = {
        "dbname": dbname or db["NAME"],
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    return {k: v for k, v in info.items() if v}


def _pg_env(dbname: str | None = None) -> dict[str, str]:
    info = _conninfo(dbname)
    env = dict(os.environ)
    for key, var in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
    ):
        if key in info:
            env[var] = str(info[key])
    return env


def table_checks(dbname: str | None = None) -> list[TableCheck]:
    """Row count and an order-independent checksum of every table in the public schema."""
    checks: list[TableCheck] = []
    with psycopg.connect(**_conninfo(dbname)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
            if r[0] not in SKIP_TABLES
        ]
        for table in tables:
            # md5 of the sorted md5s of each row's text form: independent of physical row order.
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
                    "FROM (SELECT md5(t::text) AS h FROM {} AS t) AS hashes"
                ).format(sql.Identifier(table))
            ).fetchone()
            assert row is not None
            checks.append(TableCheck(table, int(row[0]), str(row[1])))
    return checks


def backup(path: Path) -> dict[str, Any]:
    """Dump the database to ``path`` and write its manifest; returns the manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed program from the PostgreSQL client tools on PATH; the path is the operator's own argument.
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(path)]
    result = subprocess.run(  # noqa: S603
        command,
        env=_pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "database": settings.DATABASES["default"]["NAME"],
        "dump_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "tables": {c.table: {"rows": c.rows, "checksum": c.checksum} for c in table_checks()},
    }
    manifest_path(path).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def restore(path: Path, *, database: str, replace: bool = False) -> list[str]:
    """Restore ``path`` into ``database`` (new unless ``replace``) and verify it; returns the differences."""
    manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    if hashlib.sha256(path.read_bytes()).hexdigest() != manifest["dump_sha256"]:
        raise BackupError(f"{path.name} does not match its manifest (changed or truncated)")
    if database == settings.DATABASES["default"]["NAME"] and not replace:
        raise BackupError("refusing to restore over the running database without --replace")
    admin_env = _pg_env("postgres")
    with psycopg.connect(**_conninfo("postgres")) as conn:
        exists = (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
            is not None
        )
    if exists and not replace:
        raise BackupError(f"database {database} exists; choose a new name or pass --replace")
    if exists:
        _run(["dropdb", "--force", database], admin_env)
    _run(["createdb", database], admin_env)
    _run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", database, str(path)], admin_env
    )
    return verify(manifest, database)


def verify(manifest: dict[str, Any], database: str) -> list[str]:
    found = {c.table: c for c in table_checks(database)}
    problems: list[str] = []
    for table, expected in sorted(manifest["tables"].items()):
        got = found.get(table)
        if got is None:
            problems.append(f"{table}: missing")
        elif got.rows != expected["rows"]:
            problems.append(f"{table}: {got.rows} rows, expected {expected['rows']}")
        elif got.checksum != expected["checksum"]:
            problems.append(f"{table}: checksum differs")
    return problems


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {result.stderr.strip()}")
