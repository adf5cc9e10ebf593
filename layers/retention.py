"""Gallring of the spatial data's personal data (core/retention.py, decision 0623)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Q

from core.retention import Rule, register
from layers.models import AuditEvent, ImportBatch, Incident

# The database refuses to delete audit entries younger than this, whatever is configured
# (accounts/migrations/0003_audit_log_gallring.py).
AUDIT_LOG_FLOOR_DAYS = 365


def incidents(cutoff: datetime, dry_run: bool) -> int:
    """Incidents that ended before the cutoff (the end of their interval, or their time)."""
    old = Incident.objects.filter(
        Q(occurred_to__lt=cutoff) | Q(occurred_to__isnull=True, occurred_from__lt=cutoff)
    )
    if dry_run:
        return old.count()
    removed, _by_model = old.delete()
    return removed


def import_rejections(cutoff: datetime, dry_run: bool) -> int:
    """The rejected rows kept in an import's report (they quote the source file's values): the counts
    and reasons per category stay."""
    old = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(rejected=[])
    if dry_run:
        return old.count()
    return old.update(rejected=[])


def audit_log(cutoff: datetime, dry_run: bool) -> int:
    """Audit entries older than the cutoff; the database lets only this through, and never the last
    year (the append-only trigger)."""
    if dry_run:
        return AuditEvent.objects.filter(at__lt=cutoff).count()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL trygg.gallring = 'on'")  # the caller holds a transaction
        cursor.execute("DELETE FROM layers_auditevent WHERE at < %s", [cutoff])
        removed = cursor.rowcount
        cursor.execute("SET LOCAL trygg.gallring = 'off'")
    return int(removed)


def working_files(cutoff: datetime, dry_run: bool) -> int:
    """Exports and uploads left behind by a request that died before it cleaned up (they are removed as
    soon as they are sent or imported; a killed worker cannot)."""
    limit = cutoff.timestamp()
    removed = 0
    for folder in ("exports", "imports"):
        root = Path(settings.MEDIA_ROOT) / folder
        if not root.is_dir():
            continue
        for entry in root.iterdir():
            if entry.lstat().st_mtime >= limit:
                continue
            removed += 1
            if dry_run:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    return removed


def connect() -> None:
    register(Rule("incidents", "händelser", incidents))
    register(Rule("import_rejections", "avvisade rader i importrapporter", import_rejections))
    register(Rule("audit_log", "granskningsloggen", audit_log, minimum_days=AUDIT_LOG_FLOOR_DAYS))
    register(Rule("working_files", "kvarglömda export- och importfiler", working_files))
