from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mapapp.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore FILE into DATABASE and check every table's row count and checksum against the manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--database", required=True, help="the database to restore into (new by default)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="drop and replace DATABASE if it exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            problems = restore(
                options["file"], database=options["database"], replace=options["replace"]
            )
        except BackupError as e:
            raise CommandError(str(e)) from e
        if problems:
            raise CommandError("the restore does not match the backup:\n  " + "\n  ".join(problems))
        self.stdout.write(
            f"Återläst i {options['database']}: alla tabellers antal rader och kontrollsummor stämmer."
        )
