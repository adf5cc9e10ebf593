from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mapapp.backup import BackupError, backup, manifest_path


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE (pg_dump) with a manifest of row counts and checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["file"])
        except BackupError as e:
            raise CommandError(str(e)) from e
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"Säkerhetskopia: {options['file']} ({len(manifest['tables'])} tabeller, {rows} rader); "
            f"manifest {manifest_path(options['file'])}"
        )
