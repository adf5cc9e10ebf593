"""EST reporters outside the municipality's staff see their own reports and nothing else (decision 0830).

The role × channel matrix of test_channel_matrix.py, asked by a housing company's reporter: every channel
there (pages, JSON API, OGC API, tiles, the background map, exports, photos, search, admin, error pages)
must refuse them, with a session, with HTTP Basic (their password) and with a personal API key an
administrator might have made for them; and no answer may hold a sensitive incident. Their own report
page answers; another reporter's report is "not found"; a member of staff who also reports keeps their
other role's pages.
"""

from __future__ import annotations

import base64
import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import api_tokens
from est import services
from est.models import EstReport, EventType, Reporter
from layers.models import Membership
from layers.ogc import auth as ogc_auth
from layers.roles import Role
from tests.security.matrix import Scene, body_of, build_scene, inspect, remove_photo_files
from tests.security.test_channel_matrix import (  # the matrix's channels and its background map
    CHANNELS,
    DENIED,
    KEY_CHANNELS,
    Channel,
    basemap_service,  # noqa: F401  (an autouse fixture of the module)
)

PASSWORD = "x-test-password-1"
# What a confined reporter may reach besides these channels' refusals (est.access.OPEN_TO_REPORTERS).
OTHER_PAGES = ["/konto/api-nycklar/", "/konto/tvafaktor/", "/est/lagesbild/", "/est/lagesbild.csv",
               "/est/lagesbild.gpkg", "/api/v1/schema/", "/admin/", "/falt/", "/vandringar/ny/"]  # fmt: skip


def _reporter(username: str, organisation: str, scene: Scene) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.EST_REPORTER))
    Membership.objects.create(user=user, municipality=scene.municipality)
    Reporter.objects.create(
        user=user, organisation=organisation, kind=Reporter.Kind.HOUSING_COMPANY
    )
    return user


def _report(scene: Scene, user: User, note: str) -> EstReport:
    return services.record_report(
        scene.municipality,
        reporter=user,
        client_uuid=uuid.uuid4(),
        event_type=EventType.VANDALISM,
        lon=17.911,
        lat=59.518,
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        note=note,
    ).report


class Est:
    def __init__(self, scene: Scene) -> None:
        self.housing = _reporter("est-vasbyhem", "AB Väsbyhem", scene)
        self.guard = _reporter("est-securitas", "Securitas", scene)
        self.own = _report(scene, self.housing, "Krossad ruta i porten")
        self.others = _report(scene, self.guard, "Brand i containern på gården")
        self.key = api_tokens.issue(self.housing, name="matris")[1]
        field_staff = Group.objects.get(name=Role.FIELD_STAFF)
        self.staff = _reporter("est-faltarbetare", "Upplands Väsby kommun", scene)
        self.staff.groups.add(field_staff)


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any) -> Iterator[Scene]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built: Scene | None = None
        try:
            cache.clear()
            ogc_auth.forget_all()
            built = build_scene()
            yield built
        finally:
            if built is not None:
                remove_photo_files(built)
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()


@pytest.fixture(scope="module")
def est(scene: Scene, django_db_blocker: Any) -> Est:
    with django_db_blocker.unblock():
        return Est(scene)


def _session(user: User) -> Client:
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    return client


def _basic(user: User) -> Client:
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return Client(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Basic {token}"})


def _key(key: str) -> Client:
    return Client(SERVER_NAME="127.0.0.1", headers={"Authorization": f"Bearer {key}"})


def _refused(scene: Scene, est: Est, client: Client, url: str) -> None:
    response = client.get(url)
    body = body_of(response)
    assert response.status_code in DENIED, f"{url}: {response.status_code} {body[:200]!r}"
    findings = inspect(scene, body.decode("utf-8", errors="replace"))
    assert not findings.leaks, findings.describe()
    text = body.decode("utf-8", errors="replace")
    assert "Brand i containern" not in text and "Matrisvandringen" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [pytest.param(c, id=c.id) for c in CHANNELS])
def test_a_housing_companys_reporter_gets_no_channel_with_a_session(
    scene: Scene, est: Est, channel: Channel
) -> None:
    _refused(scene, est, _session(est.housing), channel.url(scene))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "channel", [pytest.param(c, id=c.id) for c in CHANNELS if c.id in KEY_CHANNELS]
)
def test_a_housing_companys_reporter_gets_no_channel_with_basic_or_an_api_key(
    scene: Scene, est: Est, channel: Channel
) -> None:
    _refused(scene, est, _basic(est.housing), channel.url(scene))
    _refused(scene, est, _key(est.key), channel.url(scene))


@pytest.mark.django_db
@pytest.mark.parametrize("url", OTHER_PAGES)
def test_a_reporter_gets_no_other_page(scene: Scene, est: Est, url: str) -> None:
    _refused(scene, est, _session(est.housing), url)


@pytest.mark.django_db
def test_a_reporter_sees_their_own_reports_and_not_anyone_elses(scene: Scene, est: Est) -> None:
    client = _session(est.housing)
    page = client.get("/est/rapport/")
    own = client.get(f"/est/rapport/{est.own.client_uuid}/")
    other = client.get(f"/est/rapport/{est.others.client_uuid}/")
    home = client.get("/")

    assert page.status_code == 200 and str(est.own.client_uuid) in page.content.decode()
    assert str(est.others.client_uuid) not in page.content.decode()
    assert own.status_code == 200 and "Krossad ruta" in own.content.decode()
    assert other.status_code == 404 and "containern" not in other.content.decode()
    assert (home.status_code, home["Location"]) == (302, "/est/rapport/")
    page_text = page.content.decode()
    for link in ("/bra/", "/atgarder/", "/vandringar/", "/ogc/", "/konto/api-nycklar/"):
        assert f'href="{link}' not in page_text, link  # no way off the report page


@pytest.mark.django_db
def test_a_member_of_staff_who_also_reports_keeps_their_other_role(scene: Scene, est: Est) -> None:
    client = _session(est.staff)
    assert client.get("/vandringar/").status_code == 200
    assert client.get("/est/rapport/").status_code == 200
    assert client.get(f"/est/rapport/{est.others.client_uuid}/").status_code == 404
