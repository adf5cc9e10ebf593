"""python manage.py import_survey_results {trygghetsmatning,ntu} FILE [--source TEXT] [--municipality KOMMUNKOD]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers.models import Municipality
from statutory.surveyresults import LAYOUTS, import_results


class Command(BaseCommand):
    help = (
        "Importera polisens trygghetsmätning eller Brås NTU per område och år "
        "(docs/data-layout-trygghetsmatning.md, docs/data-layout-ntu.md)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(LAYOUTS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="källa för rader utan kolumnen kalla")
        parser.add_argument("--municipality", default="", help="kommunkod (om det finns flera)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: filen finns inte")
        qs = Municipality.objects.all()
        if options["municipality"]:
            qs = qs.filter(kommunkod=options["municipality"])
        municipalities = list(qs[:2])
        if len(municipalities) != 1:
            raise CommandError("ange kommunen med --municipality KOMMUNKOD")
        result = import_results(
            municipalities[0],
            LAYOUTS[options["kind"]],
            path.read_bytes(),
            filename=path.name,
            default_source=options["source"] or path.name,
        )
        if result.errors:
            raise CommandError("inget sparades:\n" + "\n".join(result.errors))
        self.stdout.write(f"{result.stored} rader sparade")
