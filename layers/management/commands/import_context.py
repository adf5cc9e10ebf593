"""python manage.py import_context FILE [--layer-name …] [--mapping …] [--source-layer …] [--municipality …]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers import uploads
from layers.importers import context
from layers.management.commands import _intake
from layers.management.commands._progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Importera stadsmiljö som ett kontextlager: OpenStreetMap (PBF eller GeoPackage/GeoJSON-lager) "
        "eller kommunens register (CSV med x/y, GeoPackage) med en kolumnmappning."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument("--layer-name", default="", help="namnet på kontextlagret i Trygg")
        parser.add_argument(
            "--mapping",
            default="",
            help="kolumnmappning, t.ex. 'kind=lamp,x=E,y=N,srid=3011,id=LAMPID' eller ett JSON-objekt",
        )
        parser.add_argument(
            "--source-layer",
            action="append",
            default=[],
            help="läs bara detta lager i filen (kan upprepas)",
        )
        parser.add_argument("--municipality", metavar="KOMMUNKOD", default="")
        parser.add_argument(
            "--srid", type=int, default=None, help="EPSG-kod när filen inte säger den"
        )
        parser.add_argument(
            "--source", default="", help="källa (annars OpenStreetMap eller filnamnet)"
        )
        parser.add_argument("--licence", default="", help="licens")
        parser.add_argument("--undo", type=int, metavar="IMPORT_ID", help="ångra en import")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["undo"]:
            _intake.undo(self, options["undo"], context.undo_import)
            return
        path = _intake.input_file(options)
        municipality = _intake.municipality(options)
        try:
            mapping = context.parse_mapping(options["mapping"])
            with (
                uploads.workspace() as work,
                ProgressBar(self.stderr, disable=options["verbosity"] == 0) as bar,
            ):
                with path.open("rb") as stream:
                    copy = uploads.receive(stream, path.name, work)
                batch = context.import_context(
                    copy,
                    original_name=path.name,
                    municipality=municipality,
                    layer_name=options["layer_name"],
                    mapping=mapping,
                    source_layers=options["source_layer"],
                    srid=options["srid"],
                    source=options["source"],
                    licence=options["licence"],
                    progress=bar,
                )
        except uploads.UploadRejected as e:
            raise CommandError(str(e)) from e
        report = batch.report
        self.stdout.write(
            self.style.SUCCESS(
                f'Import {batch.pk}: lagret "{report["layer"]["name"]}": {batch.rows_stored} objekt '
                f"av {batch.rows_read} lästa"
            )
        )
        for kind, count in report["kinds"].items():
            if count:
                self.stdout.write(f"  {kind:10} {count:>8}")
        self.stdout.write(
            f"  utan typ {report['skipped_unclassified']}, utanför kommunen {report['skipped_outside']}, "
            f"dubbletter {report['duplicates']}, lagade {report['repaired']}, avvisade {batch.rows_rejected}"
        )
        for row in batch.rejected[:20]:
            self.stdout.write(
                f"  avvisad: {row.get('layer', '')} rad {row['row']} {row['ref']}: {row['reason']}"
            )
        self.stdout.write(f"  ångra med: manage.py import_context --undo {batch.pk}")
