"""Kill the server (SIGKILL) in the middle of a sync of 200 observations, restart it, send the outbox
again: afterwards none is lost and none is doubled."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from layers.roles import Role
from layers.services import ensure_reference_data
from surveys.auth import issue_device_token
from surveys.models import Action, Observation
from tests.factories import MunicipalityFactory, WalkFactory, user_with_role
from tests.live_gunicorn import GunicornServer, Outbox, SendResult
from tests.surveys.conftest import lon_lat, observation_payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OBSERVATIONS = 200
KILL_AFTER_ACKNOWLEDGED = 80


def test_a_server_killed_mid_sync_loses_nothing_and_doubles_nothing() -> None:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality)
    _token, raw = issue_device_token(
        municipality, name="Platta", user=user_with_role(Role.FIELD_STAFF, "falt-crash")
    )
    payloads = []
    for i in range(OBSERVATIONS):
        lon, lat = lon_lat(2 * i, i % 7)
        payloads.append(
            observation_payload(
                walk, client_uuid=str(uuid.uuid4()), lon=lon, lat=lat, note=f"Observation {i}"
            )
        )
    outbox = Outbox(payloads, token=raw)
    server = GunicornServer(connection.settings_dict, workers=1, threads=8)
    killed = threading.Event()
    stop = threading.Event()

    def kill_midway(acknowledged: int) -> None:
        if acknowledged >= KILL_AFTER_ACKNOWLEDGED and not killed.is_set():
            killed.set()
            server.kill()  # requests are in flight in the other threads
            stop.set()

    server.start()
    try:
        first = outbox.send_all(server.url, concurrency=4, stop=stop, on_ack=kill_midway)
        rows_after_crash = Observation.objects.filter(walk=walk).count()
        waiting_after_crash = len(outbox.waiting)
        server.start()  # the same port, a fresh server
        second = SendResult()
        while outbox.waiting:  # the tablet sends whatever it has not had a 200/201 for
            outbox.send_all(server.url, concurrency=4, result=second)
        # A tablet that lost its bookkeeping and sends all 200 again changes nothing either.
        everything = Outbox(payloads, token=raw).send_all(server.url, concurrency=4)
    finally:
        server.stop()

    stored = Observation.objects.filter(walk=walk)
    uuids = [str(u) for u in stored.values_list("client_uuid", flat=True)]
    assert killed.is_set()
    assert 0 < waiting_after_crash < OBSERVATIONS  # the crash really came mid-sync
    assert rows_after_crash >= len(first.acknowledged)  # every acknowledged one was committed
    assert len(uuids) == len(set(uuids)) == OBSERVATIONS  # none doubled, none lost
    assert set(uuids) == {p["client_uuid"] for p in payloads}
    assert Action.objects.filter(observation__walk=walk).count() == OBSERVATIONS
    notes = Counter(stored.values_list("note", flat=True))
    assert all(n == 1 for n in notes.values()) and len(notes) == OBSERVATIONS
    assert second.other == {} and everything.other == {}  # no 409, no error after the restart
    assert set(everything.acknowledged.values()) == {200}  # all already stored
    assert not outbox.waiting
