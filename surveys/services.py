"""Writes and rules for walks, observations and actions. Services take instances and values, never a request."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from layers import reference
from layers.models import Municipality, Office
from surveys.models import Action, ActionEvent, Observation

# Who is usually responsible for what a walk finds, by observation category. A suggestion only: the
# action list lets staff change it (e.g. to AB Väsbyhem when the place is on the housing company's land).
SUGGESTED_OFFICE_BY_CATEGORY: dict[str, str] = {
    Observation.Category.LIGHTING: reference.SAMHALLSBYGGNAD,
    Observation.Category.VEGETATION: reference.SAMHALLSBYGGNAD,
    Observation.Category.SIGHTLINES: reference.SAMHALLSBYGGNAD,
    Observation.Category.MAINTENANCE: reference.SAMHALLSBYGGNAD,
    Observation.Category.PEOPLE: reference.KULTUR_FRITID,
    Observation.Category.WALKWAY: reference.SAMHALLSBYGGNAD,
    Observation.Category.TRAFFIC: reference.SAMHALLSBYGGNAD,
    Observation.Category.TRANSIT: reference.KOLLEKTIVTRAFIK,
    Observation.Category.SURVEILLANCE: reference.POLISEN,
    Observation.Category.OTHER: reference.KOMMUNLEDNING,
}


def suggested_office(municipality: Municipality, category: str) -> Office:
    name = SUGGESTED_OFFICE_BY_CATEGORY.get(category, reference.KOMMUNLEDNING)
    office = Office.objects.filter(municipality=municipality, name=name).first()
    if office is None:
        office = Office.objects.filter(municipality=municipality).order_by("pk").first()
    if office is None:
        raise LookupError(f"{municipality} has no offices; load the reference data first")
    return office


@transaction.atomic
def propose_action(
    observation: Observation, *, by: User | None = None, generated: bool = False
) -> Action:
    """The observation's proposed action (one per observation); returns the existing one when there is one."""
    existing = observation.actions.order_by("pk").first()
    if existing is not None:
        return existing
    action = Action.objects.create(
        municipality=observation.municipality,
        observation=observation,
        office=suggested_office(observation.municipality, observation.category),
        title=f"{observation.get_category_display()}: {observation.note[:120] or 'åtgärda platsen'}",
        description=observation.note,
        generated=generated,
    )
    ActionEvent.objects.create(
        action=action,
        by=by,
        from_status="",
        to_status=action.status,
        note="Föreslagen från observation",
    )
    return action


@transaction.atomic
def change_action_status(
    action: Action,
    *,
    to_status: str,
    by: User | None = None,
    note: str = "",
    rejection_reason: str = "",
) -> Action:
    """Move an action to another status and record it in its history."""
    if to_status not in Action.Status.values:
        raise ValueError(f"unknown status {to_status!r}")
    if to_status == Action.Status.REJECTED and not rejection_reason.strip():
        raise ValueError("an action can only be rejected with a reason")
    from_status = action.status
    action.status = to_status
    if to_status == Action.Status.REJECTED:
        action.rejection_reason = rejection_reason.strip()
    action.save(update_fields=["status", "rejection_reason", "updated_at"])
    ActionEvent.objects.create(
        action=action, by=by, from_status=from_status, to_status=to_status, note=note
    )
    return action
