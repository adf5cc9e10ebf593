"""Gallring of logins' personal data (core/retention.py, decision 0623)."""

from __future__ import annotations

from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.db.models import Q

from accounts.models import ApiToken
from core.retention import Rule, register


def login_records(cutoff: datetime, dry_run: bool) -> int:
    """django-axes' records of logins and failed logins (user name, address, browser) older than the
    cutoff. The audit log keeps its own entries for its own time."""
    tables = [
        AccessLog.objects.filter(attempt_time__lt=cutoff),
        AccessAttempt.objects.filter(attempt_time__lt=cutoff),
        AccessFailureLog.objects.filter(attempt_time__lt=cutoff),
    ]
    if dry_run:
        return sum(qs.count() for qs in tables)
    return sum(qs.delete()[0] for qs in tables)


def sessions(cutoff: datetime, dry_run: bool) -> int:
    """Sessions that expired before the cutoff (what ``clearsessions`` does)."""
    old = Session.objects.filter(expire_date__lt=cutoff)
    if dry_run:
        return old.count()
    removed, _by_model = old.delete()
    return removed


def api_tokens(cutoff: datetime, dry_run: bool) -> int:
    """Personal API keys revoked or expired before the cutoff."""
    old = ApiToken.objects.filter(Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff))
    if dry_run:
        return old.count()
    removed, _by_model = old.delete()
    return removed


def connect() -> None:
    register(
        Rule("login_records", "inloggningsförsök och inloggningar (django-axes)", login_records)
    )
    register(Rule("sessions", "utgångna sessioner", sessions))
    register(Rule("api_tokens", "återkallade och utgångna personliga API-nycklar", api_tokens))
