"""``python manage.py send_action_digest [--force] [--dry-run] [--office ID]``: the weekly e-mail per office.

Each office that has turned the digest on (its page, /atgarder/kontor/<id>/) gets its overdue actions,
those due within a week and the new ones, at most once in six days (``--force`` sends anyway). Meant for
a weekly timer (docs/deployment.md); the mail goes through Django's e-mail backend (console in the demo,
SMTP from the environment in production).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from surveys.digest import send_digests


class Command(BaseCommand):
    help = "Send the weekly e-mail of actions to every office that has turned it on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="send even if sent this week")
        parser.add_argument(
            "--dry-run", action="store_true", help="say who would get it, send none"
        )
        parser.add_argument("--office", type=int, action="append", help="only this office (id)")

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = send_digests(
            force=bool(options["force"]),
            dry_run=bool(options["dry_run"]),
            office_ids=options["office"] or None,
        )
        if not outcomes:
            self.stdout.write("Inget kontor har veckobrevet påslaget.")
        for o in outcomes:
            if o.skipped:
                self.stdout.write(f"{o.office.name}: inget skickat ({o.skipped})")
            else:
                self.stdout.write(f"{o.office.name}: skickat till {', '.join(o.recipients)}")
