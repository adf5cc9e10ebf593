"""Logins: lockout, two-factor for sensitive roles, session time-outs, and the audit log of it all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LOGIN_AT
from layers.models import AuditEvent
from layers.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db
PASSWORD = "x-test-password-1"


def login(client: Client, username: str, password: str = PASSWORD) -> int:
    return client.post(reverse("login"), {"username": username, "password": password}).status_code


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_a_user_is_locked_out_from_an_address_after_five_failed_logins_there(settings) -> None:
    settings.LOGIN_SLOWDOWN_FREE = 100  # this test is about the lock; the slow-down has its own
    user_with_role(Role.BRA_MEMBER, username="birgitta")
    client = Client()

    statuses = [login(client, "birgitta", "wrong-password") for _ in range(5)]
    locked = client.post(reverse("login"), {"username": "birgitta", "password": PASSWORD})

    assert statuses[:4] == [200] * 4  # the form again, with an error
    assert locked.status_code == 429
    assert "tillfälligt låst" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_logins_and_failed_logins_are_in_the_audit_log() -> None:
    user_with_role(Role.BRA_MEMBER, username="birgitta")

    login(Client(), "birgitta", "wrong-password")
    login(Client(), "birgitta")

    logins = AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.LOGIN, AuditEvent.Action.LOGIN_FAILED]
    )
    actions = list(logins.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditEvent.Action.LOGIN_FAILED, AuditEvent.Action.LOGIN]
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN).username == "birgitta"


def test_a_bra_member_needs_no_second_factor() -> None:
    user_with_role(Role.BRA_MEMBER, username="birgitta")
    client = Client()
    login(client, "birgitta")

    response = client.get("/")

    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN])
def test_analysts_and_administrators_must_give_a_code_before_any_page_or_api(role: str) -> None:
    user_with_role(role, username="ali")
    client = Client()
    login(client, "ali")

    page = client.get("/")
    api = client.get("/api/v1/incidents/")

    assert page.status_code == 302 and page["Location"].startswith(reverse("otp-verify"))
    assert api.status_code == 403 and "two-factor" in api.json()["error"]


def test_setting_up_an_authenticator_then_giving_its_code_opens_the_pages() -> None:
    user_with_role(Role.ANALYST, username="ali")
    client = Client()
    login(client, "ali")

    setup = client.get(reverse("otp-setup"))
    device = TOTPDevice.objects.get(user__username="ali", confirmed=False)
    confirmed = client.post(reverse("otp-setup"), {"code": current_code(device), "next": "/"})

    assert setup.status_code == 200 and "data:image/svg+xml;base64," in setup.content.decode()
    assert confirmed.status_code == 302
    assert TOTPDevice.objects.get(user__username="ali").confirmed
    assert client.get("/").status_code == 200


def test_a_wrong_code_keeps_the_pages_closed_and_is_audited() -> None:
    user = user_with_role(Role.ANALYST, username="ali")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    login(client, "ali")

    response = client.post(reverse("otp-verify"), {"code": "000000", "next": "/"})

    assert response.status_code == 200 and "Fel kod" in response.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, object_type="totp"
    ).exists()


def test_the_session_ends_after_thirty_idle_minutes() -> None:
    user_with_role(Role.BRA_MEMBER, username="birgitta")
    client = Client()
    login(client, "birgitta")

    client.get("/")

    assert 29 * 60 <= client.session.get_expiry_age() <= 30 * 60


def test_the_session_ends_twelve_hours_after_login_even_when_active() -> None:
    user_with_role(Role.BRA_MEMBER, username="birgitta")
    client = Client()
    login(client, "birgitta")
    session = client.session
    session[LOGIN_AT] = (timezone.now() - timedelta(hours=12, minutes=1)).isoformat()
    session.save()

    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_permission_changes_are_in_the_audit_log() -> None:
    user = User.objects.create_user("petra", password=PASSWORD)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    user.groups.add(Group.objects.get(name=Role.ANALYST))
    user.is_staff = True
    user.save()

    changes = AuditEvent.objects.filter(
        action=AuditEvent.Action.PERMISSION_CHANGE, pk__gt=before
    ).order_by("pk")
    assert [e.detail.get("what") or "flags" for e in changes] == ["roles", "flags"]
    assert changes.first().detail["before"] == [] and changes.first().detail["after"] == [
        "analytiker"
    ]
    assert changes.last().detail["changed"] == {"is_staff": [False, True]}
    assert changes.last().detail["before"] == {"is_staff": False}


def test_the_audit_log_cannot_be_changed_or_deleted_even_with_sql() -> None:
    event = AuditEvent.objects.create(action=AuditEvent.Action.LOGIN, username="x")

    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="y")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).username == "x"


def test_deleting_a_user_keeps_their_audit_trail() -> None:
    user = user_with_role(Role.BRA_MEMBER, username="birgitta")
    login(Client(), "birgitta")

    User.objects.filter(pk=user.pk).delete()

    assert AuditEvent.objects.filter(username="birgitta", action=AuditEvent.Action.LOGIN).exists()
