"""Issue a device token for a tablet from the command line (the admin does the same under Enhetsnycklar).

The token works in the municipality its user works in (``layers.tenancy.municipality_to_write``): a user
without a membership is refused with a message, and a superuser without one, where there are several
municipalities, must name one with ``--municipality``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.errors import NotInMunicipality
from layers.models import Municipality
from layers.tenancy import municipality_to_write
from surveys.auth import issue_device_token


class Command(BaseCommand):
    help = "Issue a device token for a tablet; prints the token once (only its SHA-256 is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the user the device acts as")
        parser.add_argument("--name", required=True, help="the device, e.g. 'Surfplatta 3'")
        parser.add_argument(
            "--municipality",
            default="",
            help="kommunkod; only needed for a superuser who belongs to no municipality",
        )
        parser.add_argument(
            "--days", type=int, default=0, help="valid for this many days (0: until revoked)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        named = None
        if options["municipality"]:
            named = Municipality.objects.filter(kommunkod=options["municipality"]).first()
            if named is None:
                raise CommandError(f"kommunkoden {options['municipality']} finns inte")
        try:
            municipality = municipality_to_write(user, named)
        except NotInMunicipality as e:
            raise CommandError(e.message) from e
        expires = timezone.now() + timedelta(days=options["days"]) if options["days"] > 0 else None
        token, raw = issue_device_token(
            municipality, name=options["name"], user=user, expires_at=expires
        )
        self.stdout.write(
            f"Device token for {token.name} (acts as {user.username} in {municipality}), shown once:"
        )
        self.stdout.write(raw)
