"""Issue a device token for a tablet from the command line (the admin does the same under Enhetsnycklar)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from layers.queries import default_municipality
from surveys.auth import issue_device_token


class Command(BaseCommand):
    help = "Issue a device token for a tablet; prints the token once (only its SHA-256 is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the user the device acts as")
        parser.add_argument("--name", required=True, help="the device, e.g. 'Surfplatta 3'")
        parser.add_argument(
            "--days", type=int, default=0, help="valid for this many days (0: until revoked)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        municipality = default_municipality()
        if municipality is None:
            raise CommandError("no municipality is loaded (run load_demo or an import first)")
        expires = timezone.now() + timedelta(days=options["days"]) if options["days"] > 0 else None
        token, raw = issue_device_token(
            municipality, name=options["name"], user=user, expires_at=expires
        )
        self.stdout.write(f"Device token for {token.name} (acts as {user.username}), shown once:")
        self.stdout.write(raw)
