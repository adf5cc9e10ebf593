"""Gallring of EST reports (core/retention.py, decision 0623; docs/security.md, decision 0834).

- ``est_free_text``: what a reporter wrote (it may name a person, although the form warns against it) is
  emptied once the tertial analysis that may need it is past; type, place and time stay.
- ``est_reports``: the reports themselves (who reported, when and where) go after the period the trends
  compare; their actions stay, as every action does (they never copied the free text).
"""

from __future__ import annotations

from datetime import datetime

from core.retention import Rule, register
from est.models import EstReport


def free_text(cutoff: datetime, dry_run: bool) -> int:
    old = EstReport.objects.filter(occurred_at__lt=cutoff).exclude(note="")
    if dry_run:
        return old.count()
    return old.update(note="")


def reports(cutoff: datetime, dry_run: bool) -> int:
    old = EstReport.objects.filter(occurred_at__lt=cutoff)
    if dry_run:
        return old.count()
    removed, _by_model = old.delete()
    return removed


def connect() -> None:
    register(Rule("est_free_text", "fritext i EST-rapporter", free_text))
    register(Rule("est_reports", "EST-rapporter", reports))
