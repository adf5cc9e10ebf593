"""Gallring: removing personal data once its time is up (docs/security.md, decision 0623).

Each app registers, in its ``AppConfig.ready``, one ``Rule`` per kind of data it holds that must not be
kept for ever: what it is, how many days it is kept (``settings.RETENTION_DAYS[key]``, which a
municipality sets from its own information management plan, *informationshanteringsplan*), and a function
that removes (or, with ``dry_run``, only counts) what is older. ``manage.py gallra`` runs every rule.
This module knows no app: the rules know their own tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Rule:
    key: str  # settings.RETENTION_DAYS[key]
    what: str  # what is removed, in Swedish, for the command's report
    # Removes what is older than the cutoff (or counts it, when the second argument, dry_run, is true);
    # returns how many rows (or files) it removed or would remove.
    apply: Callable[[datetime, bool], int]
    minimum_days: int = 1  # a setting below this is a configuration error

    def days(self) -> int:
        days = int(settings.RETENTION_DAYS[self.key])
        if days < self.minimum_days:
            raise ImproperlyConfigured(
                f"RETENTION_DAYS[{self.key!r}] must be at least {self.minimum_days}, got {days}"
            )
        return days


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> None:
    """Add ``rule``; registering a key twice replaces it (``ready`` may run more than once in tests)."""
    if rule.key not in settings.RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"RETENTION_DAYS has no entry for the retention rule {rule.key!r}"
        )
    _RULES[rule.key] = rule


def rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda r: r.key)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    days: int
    cutoff: datetime
    count: int


def run(*, dry_run: bool = False, now: datetime | None = None) -> list[Outcome]:
    """Apply every rule (each in a transaction of its own); what each removed or would remove."""
    now = now or timezone.now()
    outcomes = []
    for rule in rules():
        days = rule.days()
        cutoff = now - timedelta(days=days)
        with transaction.atomic():
            count = rule.apply(cutoff, dry_run)
        outcomes.append(Outcome(rule=rule, days=days, cutoff=cutoff, count=count))
    return outcomes
