"""``python manage.py gallra [--dry-run]``: remove personal data whose time is up (gallring).

Runs every retention rule the apps register (core/retention.py; the periods in ``RETENTION_DAYS`` and
docs/security.md), each in its own transaction, prints what was removed per rule, and writes the run to
the audit log. ``--dry-run`` only counts. Meant for a daily timer (docs/deployment.md); run it as the
database role that runs migrations, since the application's own role may not delete from the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core import retention
from layers import audit
from layers.models import AuditEvent


class Command(BaseCommand):
    help = "Remove personal data past its retention period (gallring); --dry-run only counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be removed, remove nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        outcomes = retention.run(dry_run=dry_run)
        verb = "skulle gallras" if dry_run else "gallrade"
        for o in outcomes:
            self.stdout.write(
                f"{o.rule.what}: {o.count} {verb} (sparas {o.days} {'dag' if o.days == 1 else 'dagar'}, "
                f"äldre än {o.cutoff:%Y-%m-%d %H:%M} UTC)"
            )
        if not dry_run:
            audit.record(
                AuditEvent.Action.RETENTION,
                channel="command",
                object_type="gallring",
                count=sum(o.count for o in outcomes),
                detail={o.rule.key: {"removed": o.count, "days": o.days} for o in outcomes},
            )
