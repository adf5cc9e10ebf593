"""python manage.py sensitive_release [--municipality KOMMUNKOD] [--year ÅÅÅÅ [--republish] [--public]]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import disclosure
from layers import release
from layers.management.commands import _intake
from layers.models import Municipality, PublishedRelease


class Command(BaseCommand):
    help = (
        "Visa de fastställda redovisningarna av känsliga händelser (per kalenderår), eller fastställ "
        "ett år på nytt efter en rättelse. Ett år fastställs annars av sig självt första gången det "
        "visas efter publiceringsdagen, och ändras sedan inte (docs/decisions/0600)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="KOMMUNKOD", default="")
        parser.add_argument("--year", type=int, help="kalenderåret")
        parser.add_argument(
            "--republish",
            action="store_true",
            help="bygg om året från dagens data (skillnaden mot den förra går att se: bara efter rättelser)",
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="den offentliga kartans år i stället för de känsliga",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = _intake.municipality(options) or Municipality.objects.order_by("pk").first()
        if municipality is None:
            raise CommandError("ingen kommun är inläst")
        kind = (
            PublishedRelease.Kind.PUBLIC if options["public"] else PublishedRelease.Kind.SENSITIVE
        )
        if options["republish"]:
            self._republish(municipality, kind, options["year"])
            return
        today = release.today()
        newest = disclosure.latest_published(today)
        self.stdout.write(
            f"{municipality}: k = {disclosure.min_count()}, rutor {disclosure.cell_size_m():.0f} m; "
            f"senast redovisade år {newest.label}, nästa från "
            f"{disclosure.calendar_year(newest.year + 1).published_on}"
        )
        rows = PublishedRelease.objects.filter(municipality=municipality, kind=kind)
        if options["year"]:
            rows = rows.filter(period_first__year=options["year"])
        for row in rows.order_by("period_first"):
            summary = row.content.get("audit", {})
            self.stdout.write(
                f"  {row.period_first:%Y}: fastställd {row.published_at:%Y-%m-%d %H:%M}"
                + (
                    f", {summary.get('units', 0)} enheter granskade, "
                    f"{summary.get('hidden', 0)} dolda för att skydda andra"
                    + (", hela året hålls inne" if summary.get("withheld") else "")
                    if summary
                    else ""
                )
            )

    def _republish(self, municipality: Municipality, kind: str, year: int | None) -> None:
        if year is None:
            raise CommandError("ange --year för året som ska fastställas på nytt")
        period = disclosure.calendar_year(year)
        if period.published_on > release.today():
            raise CommandError(f"{year} redovisas först från {period.published_on}")
        row = release.republish(municipality, kind, period)  # written to the audit log
        self.stdout.write(
            self.style.SUCCESS(f"{year} fastställt på nytt ({row.published_at:%Y-%m-%d %H:%M})")
        )
