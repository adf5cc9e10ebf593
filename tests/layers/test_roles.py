from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from layers.queries import visible_incidents
from layers.roles import ROLE_LABELS, Role, can_view_sensitive, ensure_roles
from tests.factories import IncidentFactory, sensitive_category, user_with_role

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_after_migrate() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_LABELS)


def test_ensure_roles_twice_changes_nothing() -> None:
    before = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }

    ensure_roles()

    after = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert before == after


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PLANNER, False),
        (Role.FIELD_STAFF, False),
        (Role.BRA_MEMBER, False),
        (Role.ANALYST, True),
        (Role.ADMIN, True),
    ],
)
def test_only_analysts_and_administrators_see_sensitive_incidents(
    role: str, expected: bool
) -> None:
    user = user_with_role(role)

    assert can_view_sensitive(user) is expected


def test_anonymous_user_sees_no_sensitive_incidents() -> None:
    IncidentFactory(category=sensitive_category())
    ordinary = IncidentFactory()

    assert list(visible_incidents(AnonymousUser())) == [ordinary]


@pytest.mark.parametrize("role", [Role.PLANNER, Role.FIELD_STAFF, Role.BRA_MEMBER, Role.ANALYST])
def test_only_administrators_may_read_the_audit_log_and_the_device_tokens(role: str) -> None:
    user = user_with_role(role)
    admin = user_with_role(Role.ADMIN, username="the-admin")

    assert not user.has_perm("layers.view_auditevent")
    assert not user.has_perm("surveys.view_devicetoken")
    assert admin.has_perm("layers.view_auditevent") and admin.has_perm("surveys.view_devicetoken")
