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
        for f in row.summary.get("untested_factors", []):
            self.stdout.write(f"  {f['label']:50s} (not tested: the same in every mapped cell)")
        cov = row.summary.get("coverage", {})
        if cov:
            self.stdout.write(
                f"mapped: {cov['mapped_km2']} of {cov['municipality_km2']} km², "
                f"{cov['incidents_mapped']} of {cov['incidents_all']} placed incidents"
            )
            if cov["limited"]:
                self.stdout.write(
                    self.style.WARNING(
                        "the context covers too little of the municipality: the fit speaks for "
                        "the mapped part only (docs/decisions/0357-calibration-coverage.md)"
                    )
                )
        if row.summary.get("generated_data"):
            self.stdout.write(
                self.style.WARNING("generated demo data: the relative risks say nothing real")
            )
