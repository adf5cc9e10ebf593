"""The weekly e-mail of an office's actions (åtgärder), opt-in per office (docs/decisions/0825).

``manage.py send_action_digest`` runs it from a timer (docs/deployment.md). Each office that has turned the
digest on gets one message a week: its overdue actions, those due within the coming week and those new in
the past week, each with its place and due date, and a link to the office's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone, translation

from layers.models import Office
from surveys.models import Action, ActionDigest

# An office gets at most one digest in this many days, however often the timer runs (a weekly timer
# that fires late, a re-run by hand): a week less a day, so a timer firing a few hours early still sends.
MIN_DAYS_BETWEEN = 6
SOON_DAYS = 7  # "due within the coming week"
NEW_DAYS = 7  # "new in the past week"


@dataclass
class Digest:
    office: Office
    recipients: list[str]
    overdue: list[Action] = field(default_factory=list)
    due_soon: list[Action] = field(default_factory=list)
    new: list[Action] = field(default_factory=list)
    open_count: int = 0

    @property
    def subject(self) -> str:
        return (
            f"Trygg: {self.office.name}, {self.open_count} öppna åtgärder, "
            f"{len(self.overdue)} försenade"
        )


def digest_recipients(office: Office) -> list[str]:
    """The office's own address and its staff's (active users of its municipality), each once."""
    found: list[str] = []
    if office.email:
        found.append(office.email.strip())
    staff = (
        User.objects.filter(
            is_active=True,
            offices__office=office,
            membership__municipality_id=office.municipality_id,
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    for address in staff:
        if address.strip().lower() not in {a.lower() for a in found}:
            found.append(address.strip())
    return found


def build(office: Office, *, today: date | None = None) -> Digest:
    today = today or timezone.localdate()
    open_actions = list(
        Action.objects.filter(office=office, status__in=Action.OPEN_STATUSES)
        .select_related("assignee")
        .order_by("due_date", "pk")
    )
    since = timezone.now() - timedelta(days=NEW_DAYS)
    digest = Digest(office=office, recipients=digest_recipients(office))
    digest.open_count = len(open_actions)
    for a in open_actions:
        if a.due_date is not None and a.due_date < today:
            digest.overdue.append(a)
        elif a.due_date is not None and a.due_date <= today + timedelta(days=SOON_DAYS):
            digest.due_soon.append(a)
        elif a.created_at >= since:
            digest.new.append(a)
    return digest


def _line(a: Action, base_url: str) -> str:
    place = a.place_label or "plats saknas"
    due = a.due_date.isoformat() if a.due_date else "inget datum"
    who = f", {a.assignee.get_full_name() or a.assignee.username}" if a.assignee else ""
    return f"- {a.title} – {place} – klart senast {due}{who}\n  {base_url}{reverse('field-action', args=(a.pk,))}"


def body(digest: Digest, *, base_url: str = "") -> str:
    base_url = base_url or getattr(settings, "TRYGG_BASE_URL", "")
    parts = [
        f"Veckobrev om åtgärder för {digest.office.name}",
        f"{digest.open_count} öppna åtgärder, varav {len(digest.overdue)} försenade.",
        "",
    ]
    sections = [
        ("Försenade", digest.overdue),
        (f"Klart senast inom {SOON_DAYS} dagar", digest.due_soon),
        (f"Nya senaste {NEW_DAYS} dagarna", digest.new),
    ]
    for heading, actions in sections:
        parts.append(f"{heading} ({len(actions)})")
        parts.extend(_line(a, base_url) for a in actions)
        if not actions:
            parts.append("- inga")
        parts.append("")
    parts.append(
        f"Alla kontorets åtgärder: {base_url}{reverse('field-office', args=(digest.office.pk,))}"
    )
    parts.append(
        "Du får brevet för att kontoret har slagit på veckobrevet i Trygg; det stängs av på samma sida."
    )
    return "\n".join(parts) + "\n"


@dataclass(frozen=True)
class Sent:
    office: Office
    recipients: list[str]
    skipped: str = ""  # why nothing was sent, else ""


def send_digests(
    *,
    now: datetime | None = None,
    force: bool = False,
    dry_run: bool = False,
    office_ids: list[int] | None = None,
) -> list[Sent]:
    """Send the weekly digest to every office that has it on; returns what was done per office."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    outcomes: list[Sent] = []
    subscriptions = ActionDigest.objects.filter(enabled=True).select_related("office")
    if office_ids:
        subscriptions = subscriptions.filter(office_id__in=office_ids)
    connection = None if dry_run else get_connection()
    for subscription in subscriptions.order_by("office__municipality_id", "office__name"):
        office = subscription.office
        recent = (
            subscription.last_sent_at is not None
            and subscription.last_sent_at > now - timedelta(days=MIN_DAYS_BETWEEN)
        )
        if recent and not force:
            outcomes.append(
                Sent(
                    office, [], skipped="skickat senast " + f"{subscription.last_sent_at:%Y-%m-%d}"
                )
            )
            continue
        with translation.override("sv"):
            digest = build(office, today=today)
            if not digest.recipients:
                outcomes.append(Sent(office, [], skipped="ingen e-postadress"))
                continue
            if dry_run:
                outcomes.append(Sent(office, digest.recipients, skipped="provkörning"))
                continue
            message = EmailMessage(
                subject=digest.subject,
                body=body(digest),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=digest.recipients,
                connection=connection,
            )
            message.send()
        ActionDigest.objects.filter(pk=subscription.pk).update(last_sent_at=now)
        outcomes.append(Sent(office, digest.recipients))
    return outcomes
