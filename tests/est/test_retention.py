"""Gallring of EST reports by ``manage.py gallra`` (decision 0834): the free text after
RETENTION_DAYS["est_free_text"], the reports after RETENTION_DAYS["est_reports"]; their actions stay."""

from __future__ import annotations

import datetime
import io

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from est.models import EstReport, EventType
from surveys.models import Action
from tests.est.conftest import Town

DAYS = settings.RETENTION_DAYS


def _days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def gallra(*args: str) -> str:
    out = io.StringIO()
    call_command("gallra", *args, stdout=out)
    return out.getvalue()


def test_gallra_empties_old_free_text_then_removes_old_reports_and_keeps_the_rest(
    town: Town,
) -> None:
    text_days, report_days = DAYS["est_free_text"], DAYS["est_reports"]
    assert text_days < report_days
    ancient = town.report(
        town.housing, EventType.FIRE, when=_days_ago(report_days + 2), note="Kalle"
    )
    old = town.report(town.housing, EventType.GRAFFITI, when=_days_ago(text_days + 2), note="Lisa")
    new = town.report(town.guard, EventType.LITTER, when=_days_ago(text_days - 2), note="Pelle")

    dry = gallra("--dry-run")
    assert "fritext i EST-rapporter: 2 skulle gallras" in dry
    assert "EST-rapporter: 1 skulle gallras" in dry
    assert EstReport.objects.count() == 3

    report = gallra()

    assert "EST-rapporter: 1 gallrade" in report
    assert not EstReport.objects.filter(pk=ancient.pk).exists()
    assert EstReport.objects.get(pk=old.pk).note == ""
    assert EstReport.objects.get(pk=old.pk).event_type == EventType.GRAFFITI
    assert EstReport.objects.get(pk=new.pk).note == "Pelle"
    assert Action.objects.filter(pk=ancient.action_id).exists()  # the office's case record stays
    again = gallra("--dry-run")
    assert "fritext i EST-rapporter: 0 " in again and "EST-rapporter: 0 " in again
