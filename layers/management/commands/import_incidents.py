"""``python manage.py import_incidents FILE … [--profile NAME] [--municipality KOMMUNKOD] [--mapping …] [--strict]``

Each file is one batch (layers/importers/incidents.py). The output is Swedish, like the pages.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from core.errors import NotInMunicipality
from layers.importers.incidents import (
    StrictImportFailed,
    import_incidents,
    pile_sentences,
    render_reason,
)
from layers.importers.mapping import Mapping, MappingError, parse_pairs
from layers.importers.profiles import Profile, resolve
from layers.models import ImportBatch, Municipality
from layers.queries import default_municipality
from layers.roles import can_import
from layers.tenancy import municipality_to_write
from layers.uploads import UploadRejected

SHOWN_REJECTIONS = 20


class Command(BaseCommand):
    help = (
        "Import incidents from CSV, GeoJSON, GeoPackage (or a zip of one) as one batch per file. "
        "Use a saved or built-in --profile (kommun_incidentrapport, polisen_handelser_json) and/or "
        "--mapping KEY=VALUE pairs (id, time, x, y, lon, lat, srid, category, categories, source, …; "
        "see layers/importers/mapping.py). --strict stores nothing when any row is rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="files to import")
        parser.add_argument("--profile", default="", help="a saved or built-in import profile")
        parser.add_argument(
            "--municipality",
            default="",
            help="kommunkod (default: the installation's municipality)",
        )
        parser.add_argument(
            "--mapping",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="column mapping: KEY=VALUE, a JSON object, or @file.json (repeatable)",
        )
        parser.add_argument(
            "--strict", action="store_true", help="store nothing if any row is rejected"
        )
        parser.add_argument(
            "--keep-piles",
            action="store_true",
            help="store rows piled on one point (an area's centre, a geocoder's fallback) as places: "
            "only when you have checked that they are real; the choice is audited",
        )
        parser.add_argument("--user", default="", help="record the batch as imported by this user")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        municipality = self._municipality(options["municipality"], user)
        profile = self._profile(options["profile"], options["mapping"], municipality)
        failures = 0
        for path in options["files"]:
            if not path.is_file():
                self.stderr.write(f"{path}: filen finns inte")
                failures += 1
                continue
            try:
                batch = self._import_one(path, municipality, profile, options, user)
            except UploadRejected as e:
                self.stderr.write(self.style.ERROR(f"{path.name}: ingenting importerades: {e}"))
                failures += 1
                continue
            except StrictImportFailed as e:
                self._summary(e.report)
                self.stderr.write(self.style.ERROR(f"{path.name}: {e}"))
                failures += 1
                continue
            self._summary(batch)
        if failures:
            raise CommandError(f"{failures} av {len(options['files'])} filer importerades inte")

    def _import_one(
        self,
        path: Path,
        municipality: Municipality,
        profile: Profile,
        options: dict[str, Any],
        user: User | None,
    ) -> ImportBatch:
        bar = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"läser {path.name}",
            disable=options["no_progress"],
            file=sys.stderr,  # not self.stderr: its wrapper ends every write with a newline
        )
        seen = {"read": 0}

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "read":
                if bar.total != total:
                    bar.total = total
                bar.update(done - seen["read"])
                seen["read"] = done
            elif stage == "store":
                bar.set_description(f"sparar {path.name}")
                bar.refresh()

        try:
            return import_incidents(
                path,
                municipality=municipality,
                profile=profile,
                strict=options["strict"],
                user=user,
                progress=progress,
                keep_piles=options["keep_piles"],
            )
        finally:
            bar.close()

    def _summary(self, batch: ImportBatch) -> None:
        outcomes = batch.details.get("outcomes") or {}
        saved = f"import {batch.pk}" if batch.pk else "inte sparad"
        area = outcomes.get("stored_as_area_counts", 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"{batch.filename} ({saved}): {batch.rows_read} rader lästa, "
                f"{outcomes.get('stored', batch.rows_stored)} sparade"
                + (f", {area} sparade som antal för kommunen (staplade)" if area else "")
                + f", {outcomes.get('already_present', 0)} fanns redan, {batch.rows_rejected} avvisade"
            )
        )
        for sentence in pile_sentences(batch):
            self.stdout.write(self.style.WARNING(f"  {sentence}"))
        for entry in batch.rejected[:SHOWN_REJECTIONS]:
            ref = f" ({entry['ref']})" if entry.get("ref") else ""
            self.stdout.write(f"  rad {entry['row']}{ref}: {render_reason(entry)}")
        if batch.rows_rejected > SHOWN_REJECTIONS:
            where = f"/import/{batch.pk}/" if batch.pk else "rapporten"
            self.stdout.write(f"  … och {batch.rows_rejected - SHOWN_REJECTIONS} till (se {where})")
        unknown = batch.details.get("unknown_categories") or {}
        if unknown:
            listed = ", ".join(f"{value} ({n})" for value, n in unknown.items())
            self.stdout.write(f"  okända kategorier: {listed}")

    def _municipality(self, kommunkod: str, user: User | None) -> Municipality:
        """``--municipality``, else the installation's; with ``--user``, it must be the user's own."""
        named = None
        if kommunkod:
            named = Municipality.objects.filter(kommunkod=kommunkod).first()
            if named is None:
                raise CommandError(f"kommunkoden {kommunkod} finns inte")
        if user is not None:
            try:
                return municipality_to_write(user, named)
            except NotInMunicipality as e:
                raise CommandError(e.message) from e
        if named is not None:
            return named
        default = default_municipality()
        if default is None:
            raise CommandError("ingen kommun är inläst (kör make demo eller ange --municipality)")
        return default

    def _profile(self, name: str, pairs: list[str], municipality: Municipality) -> Profile:
        try:
            extra = parse_pairs(pairs)
            if name:
                profile = resolve(name, municipality)
                if not extra:
                    return profile
                return Profile(
                    name=profile.name,
                    label=profile.label,
                    mapping=profile.mapping.merged(extra),
                    reader=profile.reader,
                    builtin=profile.builtin,
                )
            if not extra:
                raise CommandError("ange --profile eller --mapping")
            return Profile(
                name="",
                label="egen kolumnmappning",
                mapping=Mapping.from_dict(extra),
                builtin=False,
            )
        except MappingError as e:
            raise CommandError(str(e)) from e
        except OSError as e:
            raise CommandError(f"mappningsfilen kan inte läsas: {e}") from e

    def _user(self, username: str) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"användaren {username} finns inte")
        if not can_import(user):
            raise CommandError(
                f"användaren {username} får inte importera händelser (analytiker eller administratör krävs)"
            )
        return user
