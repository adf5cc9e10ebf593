"""Personal API keys (decision 0525): made from a verified session, shown once, stored hashed, they open the
read channels for programs as their user (an analyst's QGIS gets sensitive points, which a password alone
may not), and stop at revocation, expiry or the user's deactivation. Real PostGIS, real HTTP."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection
from django.test import Client
from django.utils import timezone

from accounts import api_tokens
from accounts.models import ApiToken
from layers.models import AuditEvent
from layers.ogc import auth as ogc_auth
from layers.roles import Role
from tests.factories import IncidentFactory, MunicipalityFactory, sensitive_category, user_with_role

pytestmark = pytest.mark.django_db

PAGE = "/konto/api-nycklar/"
ITEMS = "/ogc/collections/incidents/items?limit=100"
PASSWORD = "x-test-password-1"  # tests.factories.user_with_role


@pytest.fixture(autouse=True)
def _data() -> None:
    ogc_auth.forget_all()
    MunicipalityFactory()
    IncidentFactory()
    IncidentFactory(category=sensitive_category())


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def basic(username: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()}


def create_key(client: Client, name: str = "QGIS på min dator") -> str:
    page = client.post(PAGE, {"name": name})
    assert page.status_code == 200, page.content
    found = re.search(r'data-testid="new-api-key">([^<]+)<', page.content.decode())
    assert found, "the new key is not shown"
    return found.group(1)


def sensitive_flags(response: object) -> list[bool]:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return sorted(f["properties"]["sensitive"] for f in response.json()["features"])  # type: ignore[attr-defined]


def test_an_analyst_makes_a_key_that_is_shown_once_and_stored_only_as_a_hash(
    analyst_client: Client, analyst: User
) -> None:
    key = create_key(analyst_client)

    listing = analyst_client.get(PAGE).content.decode()
    token = ApiToken.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(t)::text FROM accounts_apitoken t")
        stored = cursor.fetchone()[0]
    assert key.startswith("tryggapi_") and len(key) > 40
    assert key not in listing and token.prefix in listing and "QGIS på min dator" in listing
    assert key not in stored and token.token_sha256 == api_tokens.hash_token(key)
    assert token.user == analyst
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    issued = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN)
    assert issued.user == analyst and issued.detail["event"] == "issued"


def test_an_analysts_key_opens_sensitive_points_where_the_password_is_refused(
    analyst_client: Client, analyst: User
) -> None:
    key = create_key(analyst_client)
    program = Client()

    by_bearer = program.get(ITEMS, headers=bearer(key))
    by_basic = program.get(ITEMS, headers=basic(analyst.username, key))
    by_password = program.get(ITEMS, headers=basic(analyst.username, PASSWORD))

    assert sensitive_flags(by_bearer) == [False, True]
    assert sensitive_flags(by_basic) == [False, True]
    assert (
        by_password.status_code == 403
    )  # decision 0012: a password alone carries no second factor
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ_SENSITIVE, user=analyst)
    assert reads.count() == 2  # each read of sensitive points through a key is audited
    assert ApiToken.objects.get().last_used_at is not None


def test_a_bra_members_key_gives_what_their_session_gives_and_no_more(bra_member: User) -> None:
    session = Client()
    session.force_login(bra_member)
    key = create_key(session)

    assert sensitive_flags(Client().get(ITEMS, headers=bearer(key))) == [False]
    assert sensitive_flags(session.get(ITEMS)) == [False]


def test_a_revoked_expired_or_foreign_key_is_refused_with_401_and_the_refusal_audited(
    analyst_client: Client, analyst: User
) -> None:
    revoked, expired, good = (create_key(analyst_client, n) for n in ("a", "b", "c"))
    tokens = {t.name: t for t in ApiToken.objects.all()}
    analyst_client.post(f"{PAGE}{tokens['a'].pk}/aterkalla/")
    long_ago = timezone.now() - timedelta(days=100)
    ApiToken.objects.filter(pk=tokens["b"].pk).update(
        created_at=long_ago, expires_at=long_ago + api_tokens.LIFETIME
    )
    other = user_with_role(Role.PLANNER, "planner-2")
    program = Client()

    answers = {
        "revoked": program.get(ITEMS, headers=bearer(revoked)).status_code,
        "expired": program.get(ITEMS, headers=bearer(expired)).status_code,
        "unknown": program.get(ITEMS, headers=bearer("tryggapi_" + "x" * 43)).status_code,
        "another user's name": program.get(ITEMS, headers=basic(other.username, good)).status_code,
        "good": program.get(ITEMS, headers=bearer(good)).status_code,
    }

    assert answers == {
        "revoked": 401,
        "expired": 401,
        "unknown": 401,
        "another user's name": 401,
        "good": 200,
    }
    reasons = sorted(
        e.detail["reason"]
        for e in AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, channel="api-key")
    )
    assert reasons == ["expired key", "key of another user", "revoked key", "unknown key"]
    assert ApiToken.objects.get(pk=tokens["a"].pk).revoked_at is not None
    assert [
        e.detail["event"]
        for e in AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN).order_by("at", "pk")
    ] == ["issued", "issued", "issued", "revoked"]


def test_a_deactivated_users_key_stops_working(analyst_client: Client, analyst: User) -> None:
    key = create_key(analyst_client)
    assert Client().get(ITEMS, headers=bearer(key)).status_code == 200

    User.objects.filter(pk=analyst.pk).update(is_active=False)

    assert Client().get(ITEMS, headers=bearer(key)).status_code == 401


def test_an_analyst_must_give_the_second_factor_before_making_a_key(analyst: User) -> None:
    password_only = Client()
    password_only.force_login(analyst)

    page = password_only.post(PAGE, {"name": "QGIS"})

    assert page.status_code == 302 and "/konto/verifiera/" in page["Location"]
    assert not ApiToken.objects.exists()


def test_one_cannot_revoke_another_users_key_and_a_nameless_key_is_400(
    analyst_client: Client, bra_member: User
) -> None:
    session = Client()
    session.force_login(bra_member)
    create_key(session)
    theirs = ApiToken.objects.get()

    foreign = analyst_client.post(f"{PAGE}{theirs.pk}/aterkalla/")
    nameless = analyst_client.post(PAGE, {"name": ""})

    assert foreign.status_code == 404 and ApiToken.objects.get().revoked_at is None
    assert nameless.status_code == 400 and "Ge nyckeln ett namn" in nameless.content.decode()
    assert ApiToken.objects.count() == 1


def test_the_database_refuses_a_key_without_a_name(
    analyst: User,
) -> None:
    with pytest.raises(IntegrityError):
        ApiToken.objects.create(
            user=analyst,
            name="",
            token_sha256="0" * 64,
            prefix="tryggapi_000000",
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_an_administrator_revokes_a_users_key_in_the_admin_and_never_sees_the_key(
    client: Client, bra_member: User
) -> None:
    from tests.conftest import login_verified

    session = Client()
    session.force_login(bra_member)
    key = create_key(session)
    token = ApiToken.objects.get()
    admin = user_with_role(Role.ADMIN, "admin-keys")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    login_verified(client, admin)

    listing = client.get("/admin/accounts/apitoken/")
    add = client.get("/admin/accounts/apitoken/add/")
    revoked = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )

    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    assert key not in listing.content.decode()
    assert add.status_code == 403  # keys are made by their users, from a verified session
    assert revoked.status_code == 302
    assert Client().get(ITEMS, headers=bearer(key)).status_code == 401
    event = AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN).latest("at")
    assert (event.user, event.detail["event"], event.detail["owner"]) == (
        admin,
        "revoked",
        bra_member.username,
    )
