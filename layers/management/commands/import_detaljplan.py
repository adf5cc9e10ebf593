"""python manage.py import_detaljplan FILE [--municipality KOMMUNKOD] [--plan-id …] [--kind ny|ombyggnad]
[--scenario planerat|idag] [--srid EPSG] [--layers "DP-PLANGRÄNS=plangrans,DP-ANV-B=B,…"]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers import uploads
from layers.importers import detaljplan
from layers.management.commands import _intake
from layers.management.commands._progress import ProgressBar
from layers.models import Detaljplan, PlanZone


class Command(BaseCommand):
    help = (
        "Importera en detaljplan (Detaljplan 4.1 JSON, SS 637040 XML, GeoPackage, GeoJSON, zippad "
        "shapefil eller DXF) med plangräns, användningsområden och bestämmelser. Hela planen eller "
        "ingenting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")
        parser.add_argument("--municipality", metavar="KOMMUNKOD", default="")
        parser.add_argument("--plan-id", default="", help="plan-id (annars filens eller filnamnet)")
        parser.add_argument("--name", default="", help="planens namn (annars filens)")
        parser.add_argument("--kind", choices=Detaljplan.Kind.values, default="")
        parser.add_argument("--scenario", choices=PlanZone.Scenario.values, default="")
        parser.add_argument(
            "--srid",
            type=int,
            default=None,
            help="EPSG-kod när filen inte säger sitt koordinatsystem",
        )
        parser.add_argument(
            "--layers",
            default="",
            metavar="LAGER=BETYDELSE,…",
            help=(
                "för DXF: vilka CAD-lager som är plangräns (plangrans), användning (B, GATA …) "
                "eller bestämmelse (prickmark …)"
            ),
        )
        parser.add_argument("--undo", type=int, metavar="IMPORT_ID", help="ångra en import")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["undo"]:
            _intake.undo(self, options["undo"], detaljplan.undo_import)
            return
        path = _intake.input_file(options)
        municipality = _intake.municipality(options)
        with (
            uploads.workspace() as work,
            ProgressBar(self.stderr, disable=options["verbosity"] == 0) as bar,
        ):
            # The same intake as an upload: a private copy under a safe name, then sniffing.
            with path.open("rb") as stream:
                copy = uploads.receive(stream, path.name, work)
            try:
                layers = detaljplan.parse_layer_mapping(options["layers"])
                batch = detaljplan.import_detaljplan(
                    copy,
                    original_name=path.name,
                    municipality=municipality,
                    plan_id=options["plan_id"],
                    name=options["name"],
                    kind=options["kind"],
                    scenario=options["scenario"],
                    srid=options["srid"],
                    progress=bar,
                    dxf_layers=layers,
                )
            except uploads.UploadRejected as e:
                hint = ""
                if not options["layers"] and uploads.sniff_bytes(copy) == uploads.DXF:
                    hint = " (--layers LAGER=plangrans,LAGER=B,…)"
                raise CommandError(f"{e}{hint}") from e
        report = batch.report
        counts = report["counts"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Import {batch.pk}: {report['plan']['plan_id']} {report['plan']['name']} "
                f"({report['format']}, {report['crs']['label']}"
                f"{', axlarna vända' if report['crs']['swapped'] else ''})"
            )
        )
        self.stdout.write(
            f"  planområde {counts['plan_area']}, användningsområden {counts['zones']}, "
            f"bestämmelseområden {counts['regulation_areas']}, "
            f"generella bestämmelser {counts['general_regulations']}"
        )
        for repair in report["repairs"]:
            self.stdout.write(f"  lagad: {repair['ref']}: {repair['note']}")
        for note in report["notes"]:
            self.stdout.write(f"  obs: {note}")
        for item in report.get("reported", []):
            self.stdout.write(f"  rapporterad: {item['ref']} ({item['kind']}): {item['reason']}")
        self.stdout.write(f"  ångra med: manage.py import_detaljplan --undo {batch.pk}")
