"""Who may do what with effect evaluations (docs/decisions/0702).

Everyone logged in reads the evaluations of their municipality (the figures leave out sensitive
incidents for users who may not see them as points). Planners, BRÅ members, analysts and
administrators create, change and delete them: by their role (group, decision 0007), or by the
model permission ``followup.change_evaluation`` given to a user. The role groups' permissions are
set by ``layers.roles.ensure_roles``, which knows only its own apps, so this app asks for the role
itself rather than adding rows to those groups.
"""

from __future__ import annotations

from layers.roles import AnyUser, Role

EDIT = "followup.change_evaluation"
EDITORS = (Role.PLANNER, Role.BRA_MEMBER, Role.ANALYST, Role.ADMIN)


def can_edit(user: AnyUser) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.has_perm(EDIT):
        return True
    return bool(user.groups.filter(name__in=EDITORS).exists())
