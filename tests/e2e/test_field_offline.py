"""The tablet page in a real headless Chromium: record offline, reload offline, sync when back online."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from PIL import Image

from layers.roles import Role
from layers.services import ensure_reference_data
from surveys.models import Observation, ObservationPhoto, Trygghetsvandring
from tests.e2e.conftest import watch_csp
from tests.factories import MunicipalityFactory, WalkFactory, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

# Väsby centrum in WGS 84: the tablet's GPS says it is here, with 12 m accuracy.
GPS = {"latitude": 59.5183, "longitude": 17.9115, "accuracy": 12}


def camera_photo(path: Path) -> Path:
    """A JPEG with the camera's GPS position and make in EXIF, as a tablet would write it."""
    img = Image.new("RGB", (2400, 1800), (90, 140, 200))
    exif = Image.Exif()
    exif[0x010F] = "TabletMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (59.0, 31.0, 6.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def record(page: Any, *, category: str, feeling: int, note: str, photo: Path | None = None) -> None:
    page.click("[data-testid=new-observation]")
    page.wait_for_selector("#obs-form:not([hidden])")
    page.click(f"#obs-form input[name=category][value={category}] + span")
    page.click(f"#obs-form input[name=feeling][value='{feeling}'] + span")
    page.fill("[data-testid=obs-note]", note)
    page.click("#obs-form input[name=raised_by_gender][value=kvinna] + span")
    page.click("#obs-form input[name=raised_by_age][value=ungdom] + span")
    if photo is not None:
        page.set_input_files("[data-testid=photo-input]", str(photo))
        page.wait_for_selector("#photo-previews img")
    page.click("[data-testid=save-observation]")
    page.wait_for_selector("#obs-form", state="hidden")


def test_observations_recorded_offline_survive_a_reload_and_sync_when_online(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality, name="Kvällsvandring centrum")
    user = user_with_role(Role.FIELD_STAFF, "falt-e2e")
    page = page_as(user, geolocation=GPS, permissions=["geolocation"])
    context = page.context
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    csp: list[str] = []
    watch_csp(page, csp)
    photo = camera_photo(tmp_path / "IMG_2041.jpg")

    page.goto(f"{live_server.url}/falt/?vandring={walk.pk}")
    page.wait_for_selector("#tablet[data-offline-ready='true']", timeout=20000)
    page.wait_for_selector("[data-testid=gps-accuracy][data-accuracy='12']")
    page.wait_for_selector("#tablet-map[data-map-data='loaded']")
    context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    record(page, category="belysning", feeling=1, note="Trasig lampa vid tunneln", photo=photo)
    record(page, category="vegetation", feeling=2, note="Höga buskar skymmer gångvägen")
    record(page, category="skotsel", feeling=3, note="Klotter på bullerplanket")
    waiting_before_reload = page.inner_text("[data-testid=outbox-observations]")
    photos_before_reload = page.inner_text("[data-testid=outbox-photos]")
    page.reload()  # still offline: the service worker serves the page, IndexedDB keeps the outbox
    page.wait_for_selector("#tablet[data-ready='true']", timeout=20000)
    page.wait_for_selector("#walk-screen:not([hidden])")
    waiting_after_reload = page.inner_text("[data-testid=outbox-observations]")
    photos_after_reload = page.inner_text("[data-testid=outbox-photos]")
    stored_while_offline = Observation.objects.count()
    listed_after_reload = page.locator("[data-testid=local-list] li").count()
    context.set_offline(False)  # the page syncs by itself on the "online" event
    page.wait_for_selector("#tablet[data-outbox='0']", timeout=30000)

    assert (waiting_before_reload, photos_before_reload) == ("3", "1")
    assert (waiting_after_reload, photos_after_reload) == ("3", "1")
    assert listed_after_reload == 3
    assert stored_while_offline == 0
    observations = Observation.objects.filter(walk=walk).order_by("recorded_at")
    assert observations.count() == 3
    assert [o.category for o in observations] == ["belysning", "vegetation", "skotsel"]
    assert all(o.created_by == user for o in observations)
    assert all(o.raised_by_gender == "kvinna" and o.raised_by_age == "ungdom" for o in observations)
    # The GPS position (Väsby centrum) is where the observations are, within a metre.
    first = observations[0]
    assert first.accuracy_m == 12
    assert abs(first.location.transform(4326, clone=True).x - GPS["longitude"]) < 1e-5
    photo_row = ObservationPhoto.objects.get()
    assert photo_row.observation == first
    with photo_row.image.open("rb") as f:
        stored = f.read()
    assert b"TabletMaker" not in stored and b"Exif" not in stored
    assert max(photo_row.width, photo_row.height) == 2048
    assert page.get_attribute("[data-testid=last-sync]", "data-at")
    assert all(
        li == "synced"
        for li in page.eval_on_selector_all(
            "[data-testid=local-list] li", "els => els.map(e => e.dataset.state)"
        )
    )
    assert Trygghetsvandring.objects.get(pk=walk.pk).status == Trygghetsvandring.Status.ONGOING
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"


def test_the_service_worker_is_served_with_a_scope_covering_the_tablet_page(
    live_server: Any,
) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/falt/sw.js", timeout=10) as response:  # noqa: S310
        body = response.read().decode()
        headers = dict(response.headers)

    assert headers["Service-Worker-Allowed"] == "/falt/"
    assert headers["Content-Type"].startswith("application/javascript")
    assert "self.TRYGG_SW" in body
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert '"page": "/falt/"' in body


def test_a_user_without_permission_to_record_gets_403_on_the_tablet_page(
    page_as: Any, live_server: Any
) -> None:
    page = page_as(User.objects.create_user("nobody", password="x-test-password-1"))

    response = page.goto(f"{live_server.url}/falt/")

    assert response is not None and response.status == 403


def test_a_shared_tablet_sends_each_users_observations_only_under_their_own_login(
    page_as: Any, live_server: Any
) -> None:
    from django.test import Client

    from tests.conftest import login_verified

    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality, name="Kvällsvandring, delad platta")
    anna = user_with_role(Role.FIELD_STAFF, "falt-anna")
    bo = user_with_role(Role.FIELD_STAFF, "falt-bo")
    page = page_as(anna, geolocation=GPS, permissions=["geolocation"])
    context = page.context
    url = f"{live_server.url}/falt/?vandring={walk.pk}"

    def open_as(user: User) -> Any:
        context.clear_cookies()
        session = login_verified(Client(), user).cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        opened = context.new_page()
        opened.goto(url)
        opened.wait_for_selector("#tablet[data-ready='true']", timeout=20000)
        opened.wait_for_selector("#walk-screen:not([hidden])")
        return opened

    # Anna records offline and hands the tablet over before it has a network again.
    page.goto(url)
    page.wait_for_selector("#tablet[data-offline-ready='true']", timeout=20000)
    page.wait_for_selector("[data-testid=gps-accuracy][data-accuracy='12']")
    context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    record(page, category="belysning", feeling=1, note="Annas observation")
    page.close()
    context.set_offline(False)

    # Bo logs in on the same tablet: Anna's observation waits for her, his own is sent.
    bo_page = open_as(bo)
    bo_page.wait_for_selector("[data-testid=gps-accuracy][data-accuracy='12']")
    others_shown = bo_page.is_visible("[data-testid=others-waiting]")
    others_count = bo_page.inner_text("#others-waiting-count")
    record(bo_page, category="vegetation", feeling=2, note="Bos observation")
    bo_page.wait_for_selector("#tablet[data-outbox='0']", timeout=30000)
    listed_for_bo = bo_page.locator("[data-testid=local-list] li").count()
    while_bo = sorted(Observation.objects.values_list("note", "created_by__username"))
    bo_page.close()

    # Anna logs in again: now hers is sent, under her name.
    anna_page = open_as(anna)
    anna_page.wait_for_selector("#tablet[data-outbox='0']", timeout=30000)

    assert (others_shown, others_count) == (True, "1")
    assert listed_for_bo == 1  # the list shows his own observations, not Anna's
    assert while_bo == [("Bos observation", "falt-bo")]
    assert sorted(Observation.objects.values_list("note", "created_by__username")) == [
        ("Annas observation", "falt-anna"),
        ("Bos observation", "falt-bo"),
    ]
    assert anna_page.is_hidden("[data-testid=others-waiting]")
