"""Gallring of the walks' personal data (core/retention.py, decision 0623)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import translation

from core.retention import Rule, register
from surveys.models import Action, DeviceToken, Observation, ObservationPhoto, Trygghetsvandring


def observation_photos(cutoff: datetime, dry_run: bool) -> int:
    """Photos of observations made before the cutoff, unless the observation's action is still open
    (the office fixing it needs the picture): the row and both files."""
    old = ObservationPhoto.objects.filter(observation__recorded_at__lt=cutoff).exclude(
        observation__actions__status__in=Action.OPEN_STATUSES
    )
    if dry_run:
        return old.count()
    removed = 0
    for photo in old.iterator():
        for stored in (photo.image, photo.thumbnail):
            if stored:
                stored.storage.delete(stored.name)
        photo.delete()
        removed += 1
    return removed


def walk_free_text(cutoff: datetime, dry_run: bool) -> int:
    """What people wrote on a walk (it may name or describe people): the observations' notes, the
    walk's notes, and the text a closed action copied from its observation. The place, category,
    feeling and the participants' counts stay, for follow-up and trends."""
    observations = Observation.objects.filter(recorded_at__lt=cutoff).exclude(note="")
    walks = Trygghetsvandring.objects.filter(walked_on__lt=cutoff.date()).exclude(notes="")
    candidates = (
        Action.objects.filter(observation__recorded_at__lt=cutoff)
        .exclude(status__in=Action.OPEN_STATUSES)
        .filter(~Q(description="") | Q(title__contains=": "))
        .select_related("observation")
    )
    # Actions made before issue 15 were titled "Kategori: the observation's note": that title is the
    # note's copy too, and becomes the category. A task's own title (decision 0820) stays.
    actions = [a for a in candidates if a.description or _copied_title(a)]
    count = observations.count() + walks.count() + len(actions)
    if dry_run:
        return count
    for action in actions:
        observation = action.observation
        assert observation is not None  # filtered on it
        if _copied_title(action):
            action.title = observation.get_category_display()
        action.description = ""
        action.save(update_fields=["title", "description"])
    observations.update(note="")
    walks.update(notes="")
    return count


def _copied_title(action: Action) -> bool:
    observation = action.observation
    if observation is None:
        return False
    with translation.override("sv"):
        label = str(observation.get_category_display())
    return action.title.startswith(f"{label}: ")


def device_tokens(cutoff: datetime, dry_run: bool) -> int:
    """Tablets' tokens revoked or expired before the cutoff (their hash, device name and last use)."""
    old = DeviceToken.objects.filter(Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff))
    if dry_run:
        return old.count()
    removed, _by_model = old.delete()
    return removed


def connect() -> None:
    register(Rule("observation_photos", "foton från trygghetsvandringar", observation_photos))
    register(Rule("walk_free_text", "fritext från trygghetsvandringar", walk_free_text))
    register(Rule("device_tokens", "återkallade och utgångna enhetsnycklar", device_tokens))
