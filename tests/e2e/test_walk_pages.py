"""Planning a walk, its result pages and the action list in a real headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.gis.geos import Point

from geo.crs import STORAGE_SRID
from layers import reference
from layers.models import Municipality, Office
from layers.roles import Role
from layers.services import ensure_reference_data
from surveys import services
from surveys.models import Action, Trygghetsvandring, WalkParticipants
from tests.e2e.conftest import watch_csp
from tests.factories import (
    VASBY_CENTRUM,
    MunicipalityFactory,
    ObservationFactory,
    WalkFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db(transaction=True)


def municipality() -> Municipality:
    m = MunicipalityFactory()
    ensure_reference_data(m)
    return m


def watched(page: Any) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    csp: list[str] = []
    watch_csp(page, csp)
    return errors, csp


def test_a_walk_is_planned_by_drawing_its_route_on_the_map(page_as: Any, live_server: Any) -> None:
    municipality()
    page = page_as(user_with_role(Role.FIELD_STAFF, "falt-plan"))
    errors, csp = watched(page)

    page.goto(f"{live_server.url}/vandringar/ny/")
    page.wait_for_selector("#route-map[data-ready='true']")
    page.fill("#id_name", "Kvällsvandring Messingen")
    page.fill("#id_walked_on", "2026-10-14")
    page.fill("#id_start_time", "19:30")
    page.check("input[name=light][value=skymning]")
    page.fill("#id_deltagare_kvinna_ungdom", "4")
    page.fill("#id_deltagare_man_vuxen", "2")
    box = page.locator("#route-map").bounding_box()
    for fx, fy in ((0.3, 0.3), (0.5, 0.5), (0.7, 0.4)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    page.wait_for_selector("#route-map[data-points='3']")
    page.click("#route-undo")
    page.wait_for_selector("#route-map[data-points='2']")
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.6)
    length_text = page.inner_text("[data-testid=route-length]")
    page.click("button[type=submit].big")
    page.wait_for_url("**/vandringar/*/")
    page.wait_for_selector("#walk-map[data-ready='true']")

    walk = Trygghetsvandring.objects.get(name="Kvällsvandring Messingen")
    assert walk.route is not None and walk.route.num_points == 3
    assert walk.light == "skymning" and walk.status == "planerad"
    assert {(p.gender, p.age_group): p.count for p in walk.participants.all()} == {
        ("kvinna", "ungdom"): 4,
        ("man", "vuxen"): 2,
    }
    assert "m" in length_text
    assert page.inner_text("[data-testid=participants] tfoot").split()[-1] == "6"
    assert errors == [] and csp == []


def test_walk_follow_up_and_lens_pages_draw_their_maps_without_csp_violations(
    page_as: Any, live_server: Any
) -> None:
    m = municipality()
    earlier = WalkFactory(municipality=m, name="Första vandringen")
    WalkParticipants.objects.create(walk=earlier, gender="kvinna", age_group="ungdom", count=3)
    for dx, gender, feeling in ((0, "kvinna", 1), (10, "man", 4), (200, "kvinna", 2)):
        o = ObservationFactory(
            walk=earlier,
            location=Point(VASBY_CENTRUM[0] + dx, VASBY_CENTRUM[1], srid=STORAGE_SRID),
            raised_by_gender=gender,
            raised_by_age="ungdom" if gender == "kvinna" else "vuxen",
            feeling=feeling,
        )
        services.propose_action(o)
    services.update_action(earlier.observations.first().actions.get(), status=Action.Status.DONE)
    later = WalkFactory(municipality=m, name="Uppföljningen", follow_up_of=earlier)
    services.propose_action(ObservationFactory(walk=later))
    page = page_as(user_with_role(Role.BRA_MEMBER, "bra-e2e"))
    errors, csp = watched(page)

    page.goto(f"{live_server.url}/vandringar/{earlier.pk}/")
    page.wait_for_selector("#walk-map[data-ready='true']")
    walk_markers = page.get_attribute("#walk-map", "data-drawn")
    page.goto(f"{live_server.url}/vandringar/{later.pk}/uppfoljning/")
    page.wait_for_selector("#follow-up-map[data-ready='true']")
    fixed = page.inner_text("[data-testid=fixed-count]")
    remaining = page.inner_text("[data-testid=remaining-count]")
    page.goto(f"{live_server.url}/vandringar/perspektiv/?vandring={earlier.pk}&kon=kvinna")
    page.wait_for_selector("#lens-map[data-ready='true']")
    lens_count = page.inner_text("[data-testid=lens-count]")
    places = page.locator("[data-testid=lens-place]").count()

    assert walk_markers == "3"
    assert (fixed, remaining) == ("1", "2")
    assert lens_count == "2"
    assert places == 1  # the spot a young woman and an adult man marked 10 m apart
    assert errors == [] and csp == []


def test_an_action_is_moved_to_another_office_and_done_in_the_browser(
    page_as: Any, live_server: Any
) -> None:
    m = municipality()
    walk = WalkFactory(municipality=m)
    action = services.propose_action(ObservationFactory(walk=walk, note="Trasig lampa"))
    vasbyhem = Office.objects.get(municipality=m, name=reference.VASBYHEM)
    page = page_as(user_with_role(Role.PLANNER, "planerare-e2e"))
    errors, csp = watched(page)

    page.goto(f"{live_server.url}/atgarder/{action.pk}/")
    page.select_option("#id_office", str(vasbyhem.pk))
    page.select_option("#id_status", "atgardad")
    page.fill("#id_note", "Lampan bytt")
    page.click("[data-testid=action-form] button[type=submit]")
    page.wait_for_selector("[data-testid=action-status]:has-text('Åtgärdad')")
    history = page.inner_text("[data-testid=action-history]")

    action.refresh_from_db()
    assert action.office == vasbyhem and action.status == "atgardad"
    assert "Lampan bytt" in history and "AB Väsbyhem" in history
    assert errors == [] and csp == []
