"""What is sensitive, and who may change it (issue 10, docs/decisions/0621).

Whether an incident may be shown as a point rests on three stored values: its category's ``sensitive``
flag, the category's focus area, and that focus area's ``sensitive`` flag (``SENSITIVE_INCIDENT``).
Changing any of them on an existing row is for administrators only (``can_change_sensitivity``), and every
change, whatever path saves it (the admin, a service, the reference data of a command), is written to the
append-only audit log with before and after. Both happen here, in receivers of the models' own saves, so
no path can skip them; the admin also shows the fields read-only to everyone else, and
``layers.services.save_category`` refuses before it writes.

Creating a category is not a change of what is sensitive (no incident has it yet): analysts may, and a
category created by a person is logged with an empty "before" (those the reference data creates are not). Bulk ``QuerySet.update`` does not send these signals; no code
uses it on these tables, and a test checks the admin and the service paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext as _

from core.errors import NotAllowed
from layers import audit
from layers.models import AuditEvent, FocusArea, IncidentCategory
from layers.roles import AnyUser, can_change_sensitivity
from layers.tenancy import current_request

Values = dict[str, Any]

_acting: ContextVar[AnyUser | None] = ContextVar("trygg_sensitivity_by", default=None)


@contextmanager
def acting_as(user: AnyUser | None) -> Iterator[None]:
    """Saves inside are made by ``user`` (a service passes the user it was given)."""
    token = _acting.set(user)
    try:
        yield
    finally:
        _acting.reset(token)


def values(instance: IncidentCategory | FocusArea) -> Values:
    """The values that decide sensitivity, as they are on ``instance`` (focus area by its number)."""
    if isinstance(instance, FocusArea):
        return {"sensitive": bool(instance.sensitive)}
    focus = instance.focus_area
    return {"sensitive": bool(instance.sensitive), "focus_area": focus.number if focus else None}


def stored_values(instance: IncidentCategory | FocusArea) -> Values | None:
    """The values as stored, or None for a row not saved yet."""
    if instance.pk is None:
        return None
    stored = type(instance).objects.filter(pk=instance.pk).select_related().first()
    return None if stored is None else values(stored)


def check_change(instance: IncidentCategory | FocusArea, user: AnyUser | None) -> None:
    """Raise ``NotAllowed`` when ``user`` would change what is sensitive on a stored row."""
    before = stored_values(instance)
    if before is None or before == values(instance) or user is None:
        return
    if not can_change_sensitivity(user):
        raise NotAllowed(
            _("Bara administratörer får ändra vad som är känsligt (%(what)s)") % {"what": instance},
            {name: _("bara administratörer") for name in values(instance)},
        )


def _who() -> tuple[AnyUser | None, Any]:
    request = current_request()
    user = _acting.get()
    if user is None and request is not None:
        user = request.user
    return user, request


def _before_save(sender: Any, instance: IncidentCategory | FocusArea, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading a fixture
        return
    before = stored_values(instance)
    after = values(instance)
    if before == after:
        return
    user, _request = _who()
    person = user is not None and user.is_authenticated
    if before is None and not person:
        return  # rows created by the reference data (a command): nothing was decided by anyone
    if person:
        check_change(instance, user)
    instance._sensitivity_change = (before, after)  # type: ignore[union-attr]  # a marker read by the post_save handler; not a model field


def _after_save(sender: Any, instance: IncidentCategory | FocusArea, **kwargs: Any) -> None:
    change = instance.__dict__.pop("_sensitivity_change", None)
    if change is None:
        return
    before, after = change
    user, request = _who()
    channel = "command"
    if request is not None:
        channel = "admin" if request.path.startswith("/admin/") else "page"
    key = instance.code if isinstance(instance, IncidentCategory) else instance.number
    audit.record(
        AuditEvent.Action.SENSITIVITY_CHANGE,
        user=user if user is not None and user.is_authenticated else None,
        request=request,
        channel=channel,
        object_type=f"{type(instance).__name__}:{key}",
        count=1,
        detail={"target": str(instance), "before": before, "after": after},
    )


def connect() -> None:
    for model in (IncidentCategory, FocusArea):
        pre_save.connect(
            _before_save, sender=model, dispatch_uid=f"sensitivity.pre.{model.__name__}"
        )
        post_save.connect(
            _after_save, sender=model, dispatch_uid=f"sensitivity.post.{model.__name__}"
        )
