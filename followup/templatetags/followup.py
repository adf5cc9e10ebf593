"""``{% load followup %}``: whether the user may start an effect follow-up (on an action's page)."""

from __future__ import annotations

from django import template

from followup.permissions import can_edit
from layers.roles import AnyUser

register = template.Library()


@register.filter
def may_follow_up(user: AnyUser) -> bool:
    return can_edit(user)
