"""Five requests with one UUID at once store one report and one action (the unique index decides, as for
walk observations: docs/decisions/0100). Each thread has its own database connection and transaction."""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.db import connection

from est import services
from est.models import EstReport, EventType
from surveys.models import Action
from tests.est.conftest import CY, Town, lonlat

pytestmark = pytest.mark.django_db(transaction=True)


def test_five_parallel_reports_with_one_uuid_give_one_row_and_one_action(town: Town) -> None:
    key = uuid.uuid4()
    lon, lat = lonlat(664772.0, CY)
    when = datetime.datetime(2026, 12, 1, 19, 30, tzinfo=datetime.UTC)
    barrier = threading.Barrier(5)
    outcomes: list[tuple[bool, int]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait()
            recorded = services.record_report(
                town.municipality, reporter=town.housing, client_uuid=key,
                event_type=EventType.FIRE, lon=lon, lat=lat, occurred_at=when, note="Brand i papperskorg",
            )  # fmt: skip
            with lock:
                outcomes.append((recorded.created, recorded.report.pk))
        except BaseException as e:
            with lock:
                failures.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert failures == []
    assert len(outcomes) == 5
    assert sorted(created for created, _pk in outcomes) == [False, False, False, False, True]
    assert len({pk for _created, pk in outcomes}) == 1
    assert EstReport.objects.count() == 1
    assert Action.objects.count() == 1
