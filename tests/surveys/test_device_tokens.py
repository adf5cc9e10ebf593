"""Device tokens: issued by an administrator, shown once, stored only as a hash, revocable."""

from __future__ import annotations

import datetime
import json
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from layers.models import AuditEvent, Municipality
from layers.roles import Role
from surveys.auth import hash_token, issue_device_token
from surveys.models import DeviceToken, Trygghetsvandring
from tests.factories import user_with_role
from tests.surveys.conftest import observation_payload

pytestmark = pytest.mark.django_db


def post_observation(token: str, walk: Trygghetsvandring) -> int:
    return (
        Client()
        .post(
            "/api/v1/observations/",
            json.dumps(observation_payload(walk)),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        .status_code
    )


def test_an_administrator_issues_a_token_that_is_shown_once_and_stored_as_a_hash(
    admin_client: Client, municipality: Municipality, field_user: User, walk: Trygghetsvandring
) -> None:
    response = admin_client.post(
        "/admin/surveys/devicetoken/add/",
        {"municipality": municipality.pk, "name": "Surfplatta 3", "user": field_user.pk},
    )

    assert response.status_code == 200
    html = response.content.decode()
    raw = re.search(r'data-testid="device-token">([^<]+)<', html).group(1)  # type: ignore[union-attr]
    token = DeviceToken.objects.get(name="Surfplatta 3")
    assert raw.startswith("trygg_") and len(raw) > 40
    assert token.token_sha256 == hash_token(raw) and raw not in str(token.__dict__)
    assert "no-store" in response["Cache-Control"]
    assert token.created_by is not None and token.created_by.username == "admin-tokens"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DEVICE_TOKEN, detail__event="issued"
    ).exists()
    assert (
        raw
        not in admin_client.get(f"/admin/surveys/devicetoken/{token.pk}/change/").content.decode()
    )
    assert post_observation(raw, walk) == 201


def test_revoking_in_the_admin_stops_the_token_at_once(
    admin_client: Client, municipality: Municipality, field_user: User, walk: Trygghetsvandring
) -> None:
    token, raw = issue_device_token(municipality, name="Platta", user=field_user)
    assert post_observation(raw, walk) == 201

    admin_client.post(
        "/admin/surveys/devicetoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert post_observation(raw, walk) == 401
    assert AuditEvent.objects.filter(detail__event="revoked").count() == 1


def test_an_expired_token_is_refused(
    municipality: Municipality, field_user: User, walk: Trygghetsvandring
) -> None:
    _token, raw = issue_device_token(
        municipality,
        name="Platta",
        user=field_user,
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    assert post_observation(raw, walk) == 401


def test_a_token_of_a_deactivated_user_is_refused(
    municipality: Municipality, field_user: User, walk: Trygghetsvandring
) -> None:
    _token, raw = issue_device_token(municipality, name="Platta", user=field_user)
    field_user.is_active = False
    field_user.save()

    assert post_observation(raw, walk) == 401


def test_a_token_acts_with_its_users_permissions(
    municipality: Municipality, walk: Trygghetsvandring
) -> None:
    _token, raw = issue_device_token(
        municipality, name="Platta", user=user_with_role(Role.BRA_MEMBER, "bra-token")
    )

    assert post_observation(raw, walk) == 403


def test_the_command_prints_a_working_token(
    municipality: Municipality, field_user: User, walk: Trygghetsvandring
) -> None:
    out = StringIO()

    call_command(
        "issue_device_token", user=field_user.username, name="Platta 9", days=30, stdout=out
    )

    raw = out.getvalue().strip().splitlines()[-1]
    token = DeviceToken.objects.get(name="Platta 9")
    assert token.expires_at is not None
    assert post_observation(raw, walk) == 201
    token.refresh_from_db()
    assert token.last_used_at is not None
