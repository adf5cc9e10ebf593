"""Score a detaljplan against the criteria of the method in use: ``python manage.py score_plan ID [--json] [--no-store]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.criteria import LABELS
from layers import scoring
from layers.models import Detaljplan
from surveys.evidence import people_evidence


class Command(BaseCommand):
    help = "Score a detaljplan (by database id or plan-id) for situational crime prevention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", help="the plan's database id or its plan-id (e.g. DEMO-2026:1)")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument(
            "--no-store", action="store_true", help="do not store the result as an assessment"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plan = _find(str(options["plan"]))
        scores = scoring.score_plan(plan, people=people_evidence)
        if not options["no_store"]:
            scoring.store(plan, scores)
        report = as_report(plan, scores)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{plan.plan_id} {plan.name} ({plan.get_kind_display()})")
        for scenario, s in report["scenarios"].items():
            self.stdout.write(f"\n{scenario}: sammanvägt {s['overall']:.0f} av 100")
            for c in s["criteria"]:
                self.stdout.write(f"  {c['label']:32s} {c['value']:5.1f}  {c['explanation']}")


def _find(ref: str) -> Detaljplan:
    qs = Detaljplan.objects.select_related("municipality")
    plan = qs.filter(pk=int(ref)).first() if ref.isdigit() else None
    plan = plan or qs.filter(plan_id=ref).first()
    if plan is None:
        raise CommandError(f"no detaljplan with id or plan-id {ref!r}")
    return plan


def as_report(plan: Detaljplan, scores: dict[str, scoring.ScenarioScore]) -> dict[str, Any]:
    """Plain data for --json: every criterion with value, evidence, explanation and measures."""
    return {
        "plan": {"id": plan.pk, "plan_id": plan.plan_id, "name": plan.name, "kind": plan.kind},
        "scenarios": {
            scenario: {
                "method_version": s.method_version,
                "overall": s.overall,
                "weights": s.weights,
                "weights_source": s.weights_source,
                "parameters": s.parameters,
                "criteria": [{**r.as_dict(), "label": LABELS[k]} for k, r in s.results.items()],
            }
            for scenario, s in scores.items()
        },
    }
