"""EST reporting in a real headless Chromium on a phone-sized screen: a report made offline syncs once and
appears in next week's ranking; a housing company's reporter sees no one else's reports and no other page."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from pyproj import Transformer

from est import services
from est.models import EstReport, EventType, Reporter
from layers.models import Membership, StatisticalArea
from layers.roles import Role
from layers.services import ensure_reference_data
from surveys.models import Action
from tests.e2e.conftest import watch_csp
from tests.factories import MunicipalityFactory, square, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

GPS = {"latitude": 59.5183, "longitude": 17.9115, "accuracy": 9}
PHONE = {"width": 390, "height": 844}


def _reporter(username: str, organisation: str, municipality: Any) -> User:
    user = User.objects.create_user(username=username, password="x-test-password-1")
    user.groups.add(Group.objects.get(name=Role.EST_REPORTER))
    Membership.objects.create(user=user, municipality=municipality)
    Reporter.objects.create(
        user=user, organisation=organisation, kind=Reporter.Kind.HOUSING_COMPANY
    )
    return user


def test_a_report_made_offline_on_a_phone_syncs_once_and_is_ranked_next_week(
    page_as: Any, live_server: Any
) -> None:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(
        GPS["longitude"], GPS["latitude"]
    )
    area = StatisticalArea.objects.create(
        municipality=municipality, code="2101", name="Väsby centrum", area=square(x, y, 400)
    )
    StatisticalArea.objects.create(
        municipality=municipality, code="2102", name="Grannområdet", area=square(x + 800, y, 400)
    )
    housing = _reporter("e2e-vasbyhem", "AB Väsbyhem", municipality)
    guard = _reporter("e2e-securitas", "Securitas", municipality)
    for event_type in (
        EventType.GATHERING,
        EventType.RECKLESS_DRIVING,
    ):  # two reports this week already
        services.record_report(
            municipality, reporter=guard, client_uuid=uuid.uuid4(), event_type=event_type,
            lon=GPS["longitude"], lat=GPS["latitude"],
            occurred_at=timezone.now() - datetime.timedelta(minutes=5), note="Securitas egen notering",
        )  # fmt: skip
    theirs = EstReport.objects.filter(reporter=guard).first()
    assert theirs is not None
    bra = user_with_role(Role.BRA_MEMBER, "e2e-bra")
    next_week = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    ranking_url = f"{live_server.url}/est/lagesbild/?typ=vecka&mote={next_week}"
    row = f"tr[data-area='{area.code}']"

    meeting = page_as(bra)
    meeting.goto(ranking_url)
    assert meeting.get_attribute(row, "data-rank") == ""  # two reports: too few to rank

    page = page_as(
        housing, geolocation=GPS, permissions=["geolocation"], is_mobile=True, has_touch=True
    )
    page.set_viewport_size(PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    csp: list[str] = []
    watch_csp(page, csp)
    page.goto(f"{live_server.url}/est/rapport/")
    page.wait_for_selector("#est-app[data-offline-ready='true']", timeout=20000)
    page.wait_for_selector("[data-testid=position][data-picked='true']")
    page.wait_for_selector("#est-map[data-map-data='loaded']")
    assert page.is_visible("[data-testid=note-warning]")
    wide = page.evaluate(
        """Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 391).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        wide
    )  # no sideways scrolling

    page.context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    page.click("[data-testid=type-gruppering]")
    page.fill("[data-testid=note]", "Ett tiotal ungdomar vid entrén, stökigt")
    page.click("[data-testid=save-report]")
    page.wait_for_selector("#est-app[data-outbox='1']")
    page.reload()  # still offline: the service worker serves the page, IndexedDB keeps the outbox
    page.wait_for_selector("#est-app[data-ready='true']", timeout=20000)
    assert page.inner_text("[data-testid=outbox-count]") == "1"
    assert EstReport.objects.filter(reporter=housing).count() == 0

    page.context.set_offline(False)
    page.wait_for_selector("#est-app[data-outbox='0']", timeout=20000)
    page.click("#sync-now")  # sending again sends nothing twice
    page.wait_for_selector("#local-list li[data-state='synced']")

    mine = list(EstReport.objects.filter(reporter=housing))
    assert len(mine) == 1
    report = mine[0]
    assert (report.event_type, report.area_id, report.organisation) == (
        "gruppering",
        area.pk,
        "AB Väsbyhem",
    )
    assert report.note.startswith("Ett tiotal ungdomar")
    assert Action.objects.filter(
        pk=report.action_id, office__name="Social- och omsorgskontoret"
    ).exists()

    meeting.goto(ranking_url)
    assert meeting.get_attribute(row, "data-rank") == "1"
    assert "3" in meeting.inner_text(f"{row} td:nth-child(4)")

    # The reporter sees their own report, not the security firm's, and no other page.
    page.goto(f"{live_server.url}/est/rapport/")
    assert page.is_visible(f"a[href='/est/rapport/{report.client_uuid}/']")
    assert page.locator(f"a[href='/est/rapport/{theirs.client_uuid}/']").count() == 0
    other = page.goto(f"{live_server.url}/est/rapport/{theirs.client_uuid}/")
    assert other is not None and other.status == 404
    assert "Securitas egen notering" not in page.content()
    for address in (
        "/bra/",
        "/atgarder/",
        "/est/lagesbild/",
        "/vandringar/",
        "/ogc/",
        "/konto/api-nycklar/",
    ):
        answer = page.goto(f"{live_server.url}{address}")
        assert answer is not None and answer.status in (403, 404), address
    home = page.goto(f"{live_server.url}/")
    assert page.url.endswith("/est/rapport/") and home is not None and home.status == 200
    assert errors == [] and csp == []
