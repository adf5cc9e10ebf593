"""Who may do what with effect evaluations (docs/decisions/0702).

Everyone logged in reads the evaluations of their municipality (the figures leave out sensitive
incidents for users who may not see them as points). Planners, BRÅ members, analysts and
administrators create, change and delete them. The role groups live in ``layers.roles``; this app
adds its own permissions to them after every migrate, so ``layers`` never names this app.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from layers.roles import AnyUser, Role

EDIT = "followup.change_evaluation"
EDITORS = (Role.PLANNER, Role.BRA_MEMBER, Role.ANALYST)
CODENAMES = ("add_evaluation", "change_evaluation", "delete_evaluation", "view_evaluation")


def grant_to_roles(**_: Any) -> None:
    """Give the editing roles the evaluation permissions (safe to run any number of times)."""
    wanted = list(
        Permission.objects.filter(content_type__app_label="followup", codename__in=CODENAMES)
    )
    if not wanted:
        return  # this app's permissions are made by its own post_migrate
    for group in Group.objects.filter(name__in=EDITORS):
        group.permissions.add(*wanted)


def can_edit(user: AnyUser) -> bool:
    return bool(user.is_active and user.has_perm(EDIT))
