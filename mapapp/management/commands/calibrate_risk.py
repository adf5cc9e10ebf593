"""Fit the risk factors to the municipality's incidents: ``python manage.py calibrate_risk [--apply]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers import calibration
from layers.queries import default_municipality


class Command(BaseCommand):
    help = "Calibrate the scoring's risk factors to the municipality's own incidents (RTM-style)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="use the calibrated weights")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = default_municipality()
        if municipality is None:
            raise CommandError("no municipality is loaded")
        try:
            row = calibration.run(municipality)
        except calibration.CalibrationError as e:
            raise CommandError(str(e)) from e
        if options["apply"]:
            calibration.apply_weights(row)
        result = {
            "model": row.model,
            "factors": row.factors,
            "accuracy": row.accuracy,
            "weights": row.weights,
            "summary": row.summary,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{row.model}: {row.summary['cells']} cells, PAI {row.accuracy['pai']} "
            f"(last period as forecast: {row.accuracy['baseline_pai']})"
        )
        for f in row.factors:
            self.stdout.write(f"  {f['label']:50s} RR {f['rr']:6.2f}  p {f['p']:.3g}")
