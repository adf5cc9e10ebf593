"""Hostile uploads (issue 7): each file of tests/security/hostile.py, sent over HTTP to the channel that
takes such files, gets a 4xx naming the file and the problem within 2 s and with under 200 MB of memory,
and leaves nothing behind: no row in any table an import writes, no file under MEDIA_ROOT.

Memory is the process's peak resident set (VmHWM), reset before each request through
/proc/self/clear_refs, so it counts what GDAL, libxml, zlib and Pillow allocate as well as Python.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import override_settings

from layers.models import (
    ContextFeature,
    Detaljplan,
    ImportBatch,
    Incident,
    PlanZone,
    RegulationArea,
)
from layers.roles import Role
from surveys.models import Observation, ObservationPhoto
from tests.conftest import login_verified
from tests.factories import WalkFactory, user_with_role
from tests.layers.import_helpers import vasby
from tests.security.hostile import (
    CONTEXT,
    HOSTILE,
    INCIDENTS,
    LIMITS,
    PHOTO,
    PHOTO_MAX_BYTES,
    PLAN,
    Hostile,
)
from tests.surveys.conftest import observation_payload

pytestmark = pytest.mark.django_db

MAX_SECONDS = 2.0
MAX_MEMORY_MB = 200
URLS = {PLAN: "/plan/importera/", CONTEXT: "/plan/kontext/importera/", INCIDENTS: "/import/"}


def test_the_catalogue_holds_at_least_fifty_distinct_hostile_files() -> None:
    assert len(HOSTILE) >= 50
    assert len({h.id for h in HOSTILE}) == len(HOSTILE)
    assert {h.channel for h in HOSTILE} == {PLAN, CONTEXT, INCIDENTS, PHOTO}


@pytest.fixture
def media(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    root.mkdir()
    with override_settings(MEDIA_ROOT=root, UPLOAD_LIMITS=LIMITS, PHOTO_MAX_BYTES=PHOTO_MAX_BYTES):
        yield root


@pytest.fixture
def clients(media: Path) -> dict[str, object]:
    municipality = vasby()
    planner = Client()
    planner.force_login(user_with_role(Role.PLANNER))
    analyst = Client()
    login_verified(analyst, user_with_role(Role.ANALYST))
    field_user: User = user_with_role(Role.FIELD_STAFF)
    field = Client()
    field.force_login(field_user)
    walk = WalkFactory(municipality=municipality)
    payload = observation_payload(walk)
    stored = field.post("/api/v1/observations/", payload, content_type="application/json")
    assert stored.status_code == 201, stored.content
    return {
        PLAN: planner,
        CONTEXT: planner,
        INCIDENTS: analyst,
        PHOTO: field,
        "observation": payload["client_uuid"],
    }


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def reset_peak_rss() -> float:
    Path("/proc/self/clear_refs").write_text("5")
    return peak_rss_mb()


def send(hostile: Hostile, content: bytes, clients: dict[str, object]) -> object:
    client = clients[hostile.channel]
    assert isinstance(client, Client)
    upload = SimpleUploadedFile(hostile.name, content, content_type="application/octet-stream")
    if hostile.channel == PHOTO:
        return client.post(
            f"/api/v1/observations/{clients['observation']}/photos/",
            {"client_uuid": str(uuid.uuid4()), "image": upload},
        )
    data: dict[str, object] = {"file": upload, **dict(hostile.fields)}
    if hostile.channel == INCIDENTS:
        data |= {"municipality": "0114", "profile": "kommun_incidentrapport"}
    return client.post(URLS[hostile.channel], data)


def stored_anything(media: Path) -> list[str]:
    tables = {
        "ImportBatch": ImportBatch.objects.count(),
        "Incident": Incident.objects.count(),
        "Detaljplan": Detaljplan.objects.count(),
        "PlanZone": PlanZone.objects.count(),
        "RegulationArea": RegulationArea.objects.count(),
        "ContextFeature": ContextFeature.objects.count(),
        "ObservationPhoto": ObservationPhoto.objects.count(),
    }
    left = [f"{name}: {n}" for name, n in tables.items() if n]
    left += [str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()]
    return left


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.id for h in HOSTILE])
def test_a_hostile_file_is_refused_quickly_in_bounded_memory_and_leaves_nothing(
    hostile: Hostile, clients: dict[str, object], media: Path
) -> None:
    content = hostile.make()
    before = reset_peak_rss()

    started = time.perf_counter()
    response = send(hostile, content, clients)
    elapsed = time.perf_counter() - started
    grew = peak_rss_mb() - before

    body = response.content.decode("utf-8", "replace")  # type: ignore[attr-defined]
    status = response.status_code  # type: ignore[attr-defined]
    expected = hostile.status if isinstance(hostile.status, tuple) else (hostile.status,)
    assert status in expected, f"{hostile.id}: {status} {body[:600]}"
    assert hostile.says in body, f"{hostile.id}: {body[:600]}"
    if hostile.channel != PHOTO and hostile.names_file:
        assert hostile.name in body, f"{hostile.id}: the answer does not name the file"
    assert elapsed < MAX_SECONDS, f"{hostile.id}: {elapsed:.2f} s"
    assert grew < MAX_MEMORY_MB, f"{hostile.id}: {grew:.0f} MB"
    assert stored_anything(media) == [], hostile.id
    assert Observation.objects.count() == 1  # the one the photos were meant for, untouched


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(
    clients: dict[str, object],
) -> None:
    planner = clients[PLAN]
    assert isinstance(planner, Client)

    response = planner.post(
        "/plan/importera/",
        {"file": SimpleUploadedFile("plan.geojson", b"{}")},
        CONTENT_LENGTH=str(int(LIMITS["max_bytes"]) + 2 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert "MB" in response.content.decode()
